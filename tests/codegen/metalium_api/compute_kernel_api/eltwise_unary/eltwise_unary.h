// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified.
//
// Unary-op pipeline setup, from tt-metal `compute_kernel_api/eltwise_unary/eltwise_unary.h`
// (TT_METALIUM_API.md section 2.2). Older trees take only the input CB; this dialect passes both.
#pragma once

#include "compute_kernel_api/common.h"

namespace ckernel {

void unary_op_init_common(std::uint32_t icb, std::uint32_t ocb);
void init_sfpu(std::uint32_t icb, std::uint32_t ocb);

}  // namespace ckernel
