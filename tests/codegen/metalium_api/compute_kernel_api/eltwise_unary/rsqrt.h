// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified.
//
// Reciprocal square root, from tt-metal `compute_kernel_api/eltwise_unary/rsqrt.h`
// (TT_METALIUM_API.md section 2.4). In place on DST[idst], after rsqrt_tile_init().
#pragma once

#include "compute_kernel_api/common_globals.h"

namespace ckernel {

template <bool legacy_compat = false>
void rsqrt_tile_init();
template <bool legacy_compat = false>
void rsqrt_tile(std::uint32_t idst);

}  // namespace ckernel
