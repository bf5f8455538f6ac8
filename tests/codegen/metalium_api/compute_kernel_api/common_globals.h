// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified from `namespace NAMESPACE { void MAIN { ... } }` (NAMESPACE and MAIN come from
// the compile command, e.g. -DNAMESPACE=ttc_compute -DMAIN=kernel_main()).
//
// Base of every compute header, after tt-metal `tt_metal/include/compute_kernel_api/common_globals.h`
// (TT_METALIUM_API.md section 2.1). The real one pulls in the LLK headers, whose global
// `using namespace ckernel;` is what lets kernels call the API unqualified; the using-directive
// below stands in for them.
#pragma once

#include <cstdint>

#include "compile_time_args.h"
#include "hostdevcommon/kernel_structs.h"

namespace ckernel {}
using namespace ckernel;
