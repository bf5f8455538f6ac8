// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// From tt-metal `tt_metal/api/tt-metalium/base_types.hpp` (TT_METALIUM_API.md section 3.1).
// Classic trees had MathFidelity in the global namespace; here it is only tt::tt_metal::MathFidelity,
// where current trees put it (their global alias is deprecated), so write it qualified or under
// `using namespace tt::tt_metal;`.
#pragma once

#include <cstdint>

namespace tt::tt_metal {

// Multiplier passes of the matrix engine: LoFi = 1 ... HiFi4 = 4.
enum class MathFidelity : std::uint8_t {
    LoFi = 0,
    HiFi2 = 2,
    HiFi3 = 3,
    HiFi4 = 4,
    Invalid = 0xff,
};

// Per-CB choice for unpacking straight to DST (ComputeConfig::unpack_to_dest_mode, indexed by
// CB): UnpackToDestFp32 keeps Float32 inputs at full precision in DST.
enum class UnpackToDestMode : std::uint8_t { UnpackToDestFp32, Default };

}  // namespace tt::tt_metal
