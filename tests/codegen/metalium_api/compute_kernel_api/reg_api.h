// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified from `namespace NAMESPACE { void MAIN { ... } }` (NAMESPACE and MAIN come from
// the compile command, e.g. -DNAMESPACE=ttc_compute -DMAIN=kernel_main()).
//
// DST register protocol, from tt-metal `compute_kernel_api/reg_api.h` (TT_METALIUM_API.md
// section 2.3): acquire -> math -> commit; wait -> pack -> release.
#pragma once

#include "compute_kernel_api/common_globals.h"

namespace ckernel {

void tile_regs_acquire();
void tile_regs_commit();
void tile_regs_wait();
void tile_regs_release();

}  // namespace ckernel
