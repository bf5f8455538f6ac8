// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified from `namespace NAMESPACE { void MAIN { ... } }` (NAMESPACE and MAIN come from
// the compile command, e.g. -DNAMESPACE=ttc_compute -DMAIN=kernel_main()).
//
// Copying a CB tile into DST, from tt-metal `compute_kernel_api/tile_move_copy.h`
// (TT_METALIUM_API.md section 2.4; copy_tile_init takes the CB in the TensorAccessor-era tree).
#pragma once

#include "compute_kernel_api/common_globals.h"

namespace ckernel {

void copy_tile_init(std::uint32_t cbid);
void copy_tile(std::uint32_t icb, std::uint32_t itile, std::uint32_t idst);

}  // namespace ckernel
