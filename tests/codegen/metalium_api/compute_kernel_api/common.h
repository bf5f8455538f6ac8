// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified from `namespace NAMESPACE { void MAIN { ... } }` (NAMESPACE and MAIN come from
// the compile command, e.g. -DNAMESPACE=ttc_compute -DMAIN=kernel_main()).
//
// The header every compute kernel includes, after tt-metal `compute_kernel_api/common.h`
// (TT_METALIUM_API.md section 1.1): runtime args, and through its includes the DST protocol,
// pack_tile and the CB calls.
#pragma once

#include "compute_kernel_api/cb_api.h"
#include "compute_kernel_api/common_globals.h"
#include "compute_kernel_api/pack.h"
#include "compute_kernel_api/reg_api.h"

// Unique per-core runtime argument set with SetRuntimeArgs(); T must be 4 bytes.
template <typename T>
T get_arg_val(int arg_idx);

// Common (all-core) runtime argument set with SetCommonRuntimeArgs(); T must be 4 bytes.
template <typename T>
T get_common_arg_val(int arg_idx);
