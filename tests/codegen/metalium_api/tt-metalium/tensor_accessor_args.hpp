// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// Host half of TensorAccessor, from tt-metal `tt_metal/api/tt-metalium/tensor_accessor_args.hpp`
// (TT_METALIUM_API.md section 1.5): `TensorAccessorArgs(*buffer).append_to(compile_args)`
// appends the words the kernel's `TensorAccessorArgs<offset>()` reads.
#pragma once

#include <cstdint>
#include <vector>

#include <tt-metalium/buffer.hpp>

namespace tt::tt_metal {

class TensorAccessorArgs {
public:
    explicit TensorAccessorArgs(const Buffer& buffer);

    void append_to(std::vector<std::uint32_t>& compile_time_args) const;
};

}  // namespace tt::tt_metal
