// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified.
//
// Unary SFPU ops that tt-metal keeps in the top-level `tt_metal/include/compute_kernel_api.h`
// rather than in compute_kernel_api/eltwise_unary/ (there is no eltwise_unary/log.h, tanh.h,
// sigmoid.h or abs.h): include "compute_kernel_api.h" for them. Each works in place on DST[idst]
// after its *_tile_init(). Template heads are the real ones where they need no LLK types;
// sigmoid_tile's real head <int vec_mode = VectorMode::RC, bool fast_and_approx> is left out,
// so only the plain call sigmoid_tile(idst) is accepted.
#pragma once

#include "compute_kernel_api/common_globals.h"

namespace ckernel {

template <bool fast_and_approx = false>
void sigmoid_tile_init();
void sigmoid_tile(std::uint32_t idst);

template <bool fast_and_approx = false>
void log_tile_init();
template <bool fast_and_approx = false>
void log_tile(std::uint32_t idst);

void tanh_tile_init();
void tanh_tile(std::uint32_t idst);

void abs_tile_init();
void abs_tile(std::uint32_t idst);

}  // namespace ckernel
