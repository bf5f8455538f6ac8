// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified from `namespace NAMESPACE { void MAIN { ... } }` (NAMESPACE and MAIN come from
// the compile command, e.g. -DNAMESPACE=ttc_compute -DMAIN=kernel_main()).
//
// Packing DST tiles into a CB, from tt-metal `compute_kernel_api/pack.h` (TT_METALIUM_API.md
// section 2.4). Unless out_of_order_output, pack_tile writes to the next reserved tile and
// ignores output_tile_index.
#pragma once

#include "compute_kernel_api/common_globals.h"

namespace ckernel {

template <bool out_of_order_output = false>
void pack_tile(std::uint32_t ifrom_dst, std::uint32_t icb, std::uint32_t output_tile_index = 0);

}  // namespace ckernel
