// What TT-Metalium's kernel build fixes at compile time (TT_METALIUM_API.md 1.1), as the
// emulator's kernel build passes it (emu/runtime/kernel_build.cc):
//   - KERNEL_COMPILE_TIME_ARGS=a,b,c: the config's compile_args, read with
//     get_compile_time_arg_val(i) (an index beyond them is a compile error) or directly from
//     kernel_compile_time_args[i];
//   - KERNEL_COMPILE_TIME_ARG_MAP={{"name", value}, ...}: its named_compile_args, read with
//     get_named_compile_time_arg_val("name") (an unknown name is a compile error);
//   - TTC_EMU_CB_FORMATS=f0,...,f31: the data format of each CB on the kernel's cores (255:
//     none), so that get_tile_size(cb) is a constant expression, as TT's generated tables make it;
//   - NOC_INDEX: the NoC the data movement kernel's config chose (noc_index).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#ifndef KERNEL_COMPILE_TIME_ARGS
#define KERNEL_COMPILE_TIME_ARGS
#endif
#ifndef KERNEL_COMPILE_TIME_ARG_MAP
#define KERNEL_COMPILE_TIME_ARG_MAP
#endif
#ifndef TTC_EMU_CB_FORMATS
#define TTC_EMU_CB_FORMATS
#endif
#ifndef NOC_INDEX
#define NOC_INDEX 0
#endif

template <typename T, typename... U>
constexpr std::array<T, sizeof...(U)> make_array(U... values) {
    return {static_cast<T>(values)...};
}

constexpr auto kernel_compile_time_args = make_array<std::uint32_t>(KERNEL_COMPILE_TIME_ARGS);

namespace ttc::emu::ct {

template <std::uint32_t Idx>
constexpr std::uint32_t get() {
    static_assert(Idx < kernel_compile_time_args.size(), "compile-time arg index beyond the args the host set");
    return kernel_compile_time_args[Idx];
}

struct NamedArg {
    std::string_view name;
    std::uint32_t value;
};
inline constexpr NamedArg kNamedArgs[] = {{"", 0} KERNEL_COMPILE_TIME_ARG_MAP};

// The value of the named arg; a compile error (not a constant expression) when there is none.
consteval std::uint32_t named(std::string_view name) {
    for (std::size_t i = 1; i < sizeof(kNamedArgs) / sizeof(kNamedArgs[0]); ++i) {
        if (kNamedArgs[i].name == name) return kNamedArgs[i].value;
    }
    throw "get_named_compile_time_arg_val: the kernel's config has no named compile-time arg of this name";
}

inline constexpr std::uint8_t kCbFormatsGiven[] = {255 TTC_EMU_CB_FORMATS};
constexpr std::uint8_t CbFormat(std::uint32_t cb) {
    return cb + 1 < sizeof(kCbFormatsGiven) ? kCbFormatsGiven[cb + 1] : 255;
}
// Bytes of a 32x32 tile in `format` (tt::tile_size): 2048 for Float16_b, 4096 for Float32, 1088
// for Bfp8_b, ...; 0 for no CB.
constexpr std::uint32_t TileBytes(std::uint8_t format) {
    switch (format) {
        case 0: case 8: case 24: return 4096;           // Float32, Int32, UInt32
        case 1: case 5: case 9: case 13: return 2048;   // Float16, Float16_b, UInt16, Int16
        case 2: case 6: return 1024 + 64;                // Bfp8, Bfp8_b
        case 3: case 7: return 512 + 64;                 // Bfp4, Bfp4_b
        case 11: case 15: return 256 + 64;               // Bfp2, Bfp2_b
        case 4: return 4096;                             // Tf32, stored in 32 bits
        case 10: case 14: case 26: case 30: return 1024; // Lf8, Int8, Fp8_e4m3, UInt8
        case 22: return 512 + 32;                        // MxFp4
        default: return 0;
    }
}

}  // namespace ttc::emu::ct

#define get_compile_time_arg_val(arg_idx) (::ttc::emu::ct::get<(arg_idx)>())
#define get_named_compile_time_arg_val(name) (::ttc::emu::ct::named(name))
