// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified from `namespace NAMESPACE { void MAIN { ... } }` (NAMESPACE and MAIN come from
// the compile command, e.g. -DNAMESPACE=ttc_compute -DMAIN=kernel_main()).
//
// Tile matmul, classic form, from tt-metal `compute_kernel_api/matmul.h` (TT_METALIUM_API.md
// section 2.4): DST[idst] += in0[in0_tile_index] @ in1[in1_tile_index] (in1 tile transposed
// when transpose != 0). matmul_tiles takes 6 arguments in this dialect.
#pragma once

#include "compute_kernel_api/common_globals.h"

namespace ckernel {

void mm_init(std::uint32_t in0_cb_id, std::uint32_t in1_cb_id, std::uint32_t out_cb_id,
             const std::uint32_t transpose = 0);
void mm_init_short(std::uint32_t in0_cb_id, std::uint32_t in1_cb_id, const std::uint32_t transpose = 0);
void matmul_tiles(std::uint32_t in0_cb_id, std::uint32_t in1_cb_id, std::uint32_t in0_tile_index,
                  std::uint32_t in1_tile_index, std::uint32_t idst, const std::uint32_t transpose);

}  // namespace ckernel
