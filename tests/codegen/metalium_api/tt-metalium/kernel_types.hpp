// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// Kernel configuration, from tt-metal `tt_metal/api/tt-metalium/kernel_types.hpp` (classic trees:
// data_types.hpp for the enums), per TT_METALIUM_API.md section 3.1. The fields are the
// dialect's subset, in the real relative order, so designated initializers written against
// these structs are valid against the real ones (fields that only newer trees have,
// noc_mode / named_compile_args / opt_level / bfp8_pack_precise, are left out).
//
// Every field has a default member initializer. In tt-metal the container fields
// (compile_args, defines, unpack_to_dest_mode) have none, which makes GCC 12's
// -Wmissing-field-initializers (in -Wextra) flag a designated initializer that stops before
// them, e.g. `DataMovementConfig{.processor = ..., .noc = ..., .compile_args = ...}`. The value is
// the same either way (empty), so this surface does not make -Werror reject such code.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <tt-metalium/base_types.hpp>

namespace tt::tt_metal {

using KernelHandle = std::uint32_t;

// RISCV_0 is BRISC, RISCV_1 is NCRISC. The examples put the reader on RISCV_1/NOC 1 and the
// writer on RISCV_0/NOC 0.
enum class DataMovementProcessor {
    RISCV_0 = 0,
    RISCV_1 = 1,
};

enum class NOC : std::uint8_t {
    RISCV_0_default = 0,
    RISCV_1_default = 1,
    NOC_0 = 0,
    NOC_1 = 1,
};

struct DataMovementConfig {
    DataMovementProcessor processor = DataMovementProcessor::RISCV_0;
    NOC noc = NOC::RISCV_0_default;
    std::vector<std::uint32_t> compile_args{};
    std::map<std::string, std::string> defines{};
};

struct ComputeConfig {
    MathFidelity math_fidelity = MathFidelity::HiFi4;
    bool fp32_dest_acc_en = false;
    bool dst_full_sync_en = false;
    std::vector<UnpackToDestMode> unpack_to_dest_mode{};
    bool math_approx_mode = false;
    std::vector<std::uint32_t> compile_args{};
    std::map<std::string, std::string> defines{};
};

}  // namespace tt::tt_metal
