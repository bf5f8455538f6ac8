// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified from `namespace NAMESPACE { void MAIN { ... } }` (NAMESPACE and MAIN come from
// the compile command, e.g. -DNAMESPACE=ttc_compute -DMAIN=kernel_main()).
//
// Circular-buffer calls of the compute kernel, from tt-metal `compute_kernel_api/cb_api.h`
// (TT_METALIUM_API.md section 1.2). Counts are tiles. The compute API has no get_read_ptr /
// get_write_ptr / get_tile_size: those are dataflow-only.
#pragma once

#include "compute_kernel_api/common_globals.h"

namespace ckernel {

void cb_wait_front(std::uint32_t cbid, std::uint32_t ntiles);
void cb_pop_front(std::uint32_t cbid, std::uint32_t ntiles);
void cb_reserve_back(std::uint32_t cbid, std::uint32_t ntiles);
void cb_push_back(std::uint32_t cbid, std::uint32_t ntiles);

}  // namespace ckernel
