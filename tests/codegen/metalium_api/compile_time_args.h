// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job.
//
// Names from tt-metal `tt_metal/hw/inc/api/compile_time_args.h` (TT_METALIUM_API.md section 1.1):
// `get_compile_time_arg_val(i)` is a macro around the template `get_ct_arg<i>()`, so the index
// must be a constant expression. Included by dataflow_api.h and compute_kernel_api/common_globals.h.
#pragma once

#include <cstdint>

// The language needs a value here, because generated code uses the result in constant
// expressions (`constexpr uint32_t Kt = get_compile_time_arg_val(2);`, TensorAccessorArgs
// offsets). With -DKERNEL_COMPILE_TIME_ARGS=a,b,c the values are the given ones, as on the
// device; without it every index yields the placeholder 1 (not 0, so that a constant
// division by a compile-time arg does not fail the check), and the values mean nothing.
#ifdef KERNEL_COMPILE_TIME_ARGS
constexpr std::uint32_t kernel_compile_time_args[] = {KERNEL_COMPILE_TIME_ARGS};
template <std::uint32_t Idx>
constexpr std::uint32_t get_ct_arg() {
    static_assert(Idx < sizeof(kernel_compile_time_args) / sizeof(kernel_compile_time_args[0]),
                  "compile-time arg index out of range");
    return kernel_compile_time_args[Idx];
}
#else
template <std::uint32_t Idx>
constexpr std::uint32_t get_ct_arg() {
    return 1;  // placeholder, see above
}
#endif

#define get_compile_time_arg_val(arg_idx) get_ct_arg<arg_idx>()
