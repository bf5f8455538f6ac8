// Kernel compile-time arguments (TT_METALIUM_API.md 1.1): the emulator compiles each kernel
// with -DKERNEL_COMPILE_TIME_ARGS=a,b,c, as TT-Metalium's JIT build does; an index beyond the
// list is a compile error.
#pragma once

#include <cstdint>

#ifndef KERNEL_COMPILE_TIME_ARGS
#define KERNEL_COMPILE_TIME_ARGS
#endif

namespace ttc::emu::ct {
// Element 0 is a sentinel so that an empty argument list still forms a valid array.
inline constexpr std::uint32_t kArgs[] = {0u, KERNEL_COMPILE_TIME_ARGS};
template <std::uint32_t Idx>
constexpr std::uint32_t get() {
    static_assert(Idx + 1 < sizeof(kArgs) / sizeof(kArgs[0]), "compile-time arg index beyond the args the host set");
    return kArgs[Idx + 1];
}
}  // namespace ttc::emu::ct

#define get_compile_time_arg_val(arg_idx) (::ttc::emu::ct::get<(arg_idx)>())
