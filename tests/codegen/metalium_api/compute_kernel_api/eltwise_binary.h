// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined. As in tt-metal, the compute API lives in namespace ckernel and kernels call it
// unqualified from `namespace NAMESPACE { void MAIN { ... } }` (NAMESPACE and MAIN come from
// the compile command, e.g. -DNAMESPACE=ttc_compute -DMAIN=kernel_main()).
//
// Element-wise binary FPU ops, from tt-metal `compute_kernel_api/eltwise_binary.h`
// (TT_METALIUM_API.md section 2.4): DST[idst] = in0[itile0] op in1[itile1].
#pragma once

#include "compute_kernel_api/common_globals.h"

namespace ckernel {

void binary_op_init_common(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t ocb);

void add_tiles_init(std::uint32_t icb0, std::uint32_t icb1, bool acc_to_dest = false);
void sub_tiles_init(std::uint32_t icb0, std::uint32_t icb1, bool acc_to_dest = false);
void mul_tiles_init(std::uint32_t icb0, std::uint32_t icb1);

void add_tiles(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0, std::uint32_t itile1,
               std::uint32_t idst);
void sub_tiles(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0, std::uint32_t itile1,
               std::uint32_t idst);
void mul_tiles(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0, std::uint32_t itile1,
               std::uint32_t idst);

}  // namespace ckernel
