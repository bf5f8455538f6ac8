// ttc's functional TT-Metalium emulator: the kernel debug print API (debug/dprint.h):
// DPRINT << values << ENDL(), the stream manipulators (SETPRECISION, FIXED, DEFAULTFLOAT, HEX,
// OCT, DEC, SETW), typed values (BF16, F32, U32), TileSlice of a CB tile, and the per-RISC
// forms DPRINT_DATA0/1 (data movement kernels on NoC 0 / 1) and DPRINT_UNPACK/MATH/PACK
// (compute kernels). The emulator prints as TT-Metalium's print server does: to stdout (or
// TT_METAL_DPRINT_FILE), line by line, each line prefixed "<device>:(x=<x>,y=<y>):<RISC>: "
// unless TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC=0, and only for the cores listed in
// TT_METAL_DPRINT_CORES and the RISCs in TT_METAL_DPRINT_RISCVS (runtime: dprint.cc). A plain
// DPRINT in a compute kernel prints once per TRISC (TR0, TR1, TR2), as the kernel runs on each.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ttc_emu/kernel_runtime.h"

struct BF16 {
    std::uint16_t val;
    BF16(std::uint16_t v) : val(v) {}
};
struct F32 {
    float val;
    F32(float v) : val(v) {}
};
struct U32 {
    std::uint32_t val;
    U32(std::uint32_t v) : val(v) {}
};
struct ENDL {
    char tmp;
};
struct SETPRECISION {
    char p;
    SETPRECISION(char pa) : p(pa) {}
};
struct FIXED {
    char tmp;
};
struct DEFAULTFLOAT {
    char tmp;
};
struct HEX {
    char tmp;
};
struct OCT {
    char tmp;
};
struct DEC {
    char tmp;
};
struct SETW {
    char w;
    bool sticky;
    SETW(char w_in, bool sticky_in = true) : w(w_in), sticky(sticky_in) {}
};

// A numpy-style slice [h0:h1:hs, w0:w1:ws] of a 32x32 tile.
struct SliceRange {
    std::uint8_t h0, h1, hs, w0, w1, ws;
    static inline SliceRange hw0_32_16() { return SliceRange{.h0 = 0, .h1 = 32, .hs = 16, .w0 = 0, .w1 = 32, .ws = 16}; }
    static inline SliceRange hw0_32_8() { return SliceRange{.h0 = 0, .h1 = 32, .hs = 8, .w0 = 0, .w1 = 32, .ws = 8}; }
    static inline SliceRange hw0_32_4() { return SliceRange{.h0 = 0, .h1 = 32, .hs = 4, .w0 = 0, .w1 = 32, .ws = 4}; }
    static inline SliceRange hw0_32_1() { return SliceRange{.h0 = 0, .h1 = 32, .hs = 1, .w0 = 0, .w1 = 32, .ws = 1}; }
    static inline SliceRange h0_w0_32() { return SliceRange{.h0 = 0, .h1 = 1, .hs = 1, .w0 = 0, .w1 = 32, .ws = 1}; }
    static inline SliceRange h0_32_w0() { return SliceRange{.h0 = 0, .h1 = 32, .hs = 1, .w0 = 0, .w1 = 1, .ws = 1}; }
    static inline SliceRange h0_32_w1() { return SliceRange{.h0 = 0, .h1 = 32, .hs = 1, .w0 = 1, .w1 = 2, .ws = 1}; }
    static inline SliceRange hw041() { return SliceRange{.h0 = 0, .h1 = 4, .hs = 1, .w0 = 0, .w1 = 4, .ws = 1}; }
};

enum dprint_tslice_cb_t { TSLICE_INPUT_CB, TSLICE_OUTPUT_CB };
enum dprint_tslice_ptr_t { TSLICE_RD_PTR, TSLICE_WR_PTR };

// Elements of tile `tile_idx` of `cb`, counted from the CB's read or write pointer when
// printed: data movement kernels choose the pointer; compute kernels read from the front
// (unpacker) or the back (packer). At most MAX_BYTES of samples are printed.
template <int MAX_BYTES = 32 * 2>
struct TileSlice {
    TileSlice(std::uint8_t cb, int tile_idx, const SliceRange& slice, dprint_tslice_cb_t cb_type,
              dprint_tslice_ptr_t ptr_type = TSLICE_WR_PTR, bool endl_rows = true, bool print_untilized = true)
        : cb_(cb), tile_(tile_idx), range_{slice.h0, slice.h1, slice.hs, slice.w0, slice.w1, slice.ws},
          ptr_(ptr_type == TSLICE_RD_PTR ? 0 : 1), endl_rows_(endl_rows), untilize_(print_untilized) {
        (void)cb_type;
    }
    TileSlice(std::uint8_t cb, int tile_idx, const SliceRange& slice, bool endl_rows = true, bool print_untilized = true)
        : cb_(cb), tile_(tile_idx), range_{slice.h0, slice.h1, slice.hs, slice.w0, slice.w1, slice.ws}, ptr_(-1),
          endl_rows_(endl_rows), untilize_(print_untilized) {}
    void Print() const {
        ::ttc::emu::rt::DprintTileSlice(cb_, tile_, range_, ptr_, endl_rows_, untilize_, MAX_BYTES);
    }

private:
    std::uint8_t cb_;
    int tile_;
    std::uint16_t range_[6];
    int ptr_;  // 0 read pointer, 1 write pointer, -1 the compute RISC's own
    bool endl_rows_, untilize_;
};
using TSLICE8 = TileSlice<8 * 2>;
using TSLICE32 = TileSlice<32 * 2>;
using TSLICE = TileSlice<32 * 2>;

struct DebugPrinter {};
#define DPRINT DebugPrinter()

namespace ttc::emu {
template <typename T>
inline void DprintAny(const T& v) {
    using rt::DprintKind;
    using D = std::remove_cv_t<T>;
    if constexpr (std::is_same_v<D, bool>) {
        const std::uint8_t b = v;
        rt::DprintValue(DprintKind::kU8, &b);
    } else if constexpr (std::is_same_v<D, char>) {
        rt::DprintValue(DprintKind::kChar, &v);
    } else if constexpr (std::is_floating_point_v<D>) {
        const float f = static_cast<float>(v);
        rt::DprintValue(DprintKind::kF32, &f);
    } else if constexpr (std::is_integral_v<D> || std::is_enum_v<D>) {
        using I = typename std::conditional_t<std::is_enum_v<D>, std::underlying_type<D>,
                                              std::type_identity<D>>::type;
        const I i = static_cast<I>(v);
        constexpr bool s = std::is_signed_v<I>;
        constexpr DprintKind kind = sizeof(I) == 1   ? (s ? DprintKind::kI8 : DprintKind::kU8)
                                    : sizeof(I) == 2 ? (s ? DprintKind::kI16 : DprintKind::kU16)
                                    : sizeof(I) == 4 ? (s ? DprintKind::kI32 : DprintKind::kU32)
                                                     : (s ? DprintKind::kI64 : DprintKind::kU64);
        rt::DprintValue(kind, &i);
    } else {
        static_assert(sizeof(T) == 0, "DPRINT prints strings, characters, integers, floats and the dprint.h types");
    }
}

// Restricts a compute kernel's prints to one TRISC while it lives (DPRINT_UNPACK / MATH / PACK).
class DprintTriscScope {
public:
    explicit DprintTriscScope(int trisc) : previous_(rt::DprintTrisc(trisc)) {}
    ~DprintTriscScope() { rt::DprintTrisc(previous_); }

private:
    int previous_;
};
}  // namespace ttc::emu

template <typename T>
inline DebugPrinter operator<<(DebugPrinter dp, const T& val) {
    ::ttc::emu::DprintAny(val);
    return dp;
}
inline DebugPrinter operator<<(DebugPrinter dp, const char* s) {
    ::ttc::emu::rt::DprintValue(::ttc::emu::rt::DprintKind::kCStr, s);
    return dp;
}
inline DebugPrinter operator<<(DebugPrinter dp, char* s) { return dp << static_cast<const char*>(s); }
template <typename T, typename = std::enable_if_t<!std::is_same_v<std::remove_cv_t<T>, char>>>
inline DebugPrinter operator<<(DebugPrinter dp, T* p) {
    const auto address = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(p));
    ::ttc::emu::rt::DprintValue(::ttc::emu::rt::DprintKind::kU32, &address);
    return dp;
}
inline DebugPrinter operator<<(DebugPrinter dp, BF16 v) {
    ::ttc::emu::rt::DprintValue(::ttc::emu::rt::DprintKind::kBf16, &v.val);
    return dp;
}
inline DebugPrinter operator<<(DebugPrinter dp, F32 v) { return dp << v.val; }
inline DebugPrinter operator<<(DebugPrinter dp, U32 v) { return dp << v.val; }
#define TTC_EMU_DPRINT_MANIP(type, manip, arg, sticky)                                  \
    inline DebugPrinter operator<<(DebugPrinter dp, type v) {                            \
        (void)v;                                                                         \
        ::ttc::emu::rt::DprintManipulate(::ttc::emu::rt::DprintManip::manip, arg, sticky); \
        return dp;                                                                       \
    }
TTC_EMU_DPRINT_MANIP(ENDL, kEndl, 0, true)
TTC_EMU_DPRINT_MANIP(SETPRECISION, kSetPrecision, v.p, true)
TTC_EMU_DPRINT_MANIP(FIXED, kFixed, 0, true)
TTC_EMU_DPRINT_MANIP(DEFAULTFLOAT, kDefaultFloat, 0, true)
TTC_EMU_DPRINT_MANIP(HEX, kHex, 0, true)
TTC_EMU_DPRINT_MANIP(OCT, kOct, 0, true)
TTC_EMU_DPRINT_MANIP(DEC, kDec, 0, true)
TTC_EMU_DPRINT_MANIP(SETW, kSetW, v.w, v.sticky)
#undef TTC_EMU_DPRINT_MANIP
template <int MAX_BYTES>
inline DebugPrinter operator<<(DebugPrinter dp, const TileSlice<MAX_BYTES>& slice) {
    slice.Print();
    return dp;
}

#ifdef TTC_EMU_COMPUTE
#define DPRINT_UNPACK(x)                                     \
    do {                                                     \
        const ::ttc::emu::DprintTriscScope ttc_emu_trisc(0); \
        x;                                                   \
    } while (0)
#define DPRINT_MATH(x)                                       \
    do {                                                     \
        const ::ttc::emu::DprintTriscScope ttc_emu_trisc(1); \
        x;                                                   \
    } while (0)
#define DPRINT_PACK(x)                                       \
    do {                                                     \
        const ::ttc::emu::DprintTriscScope ttc_emu_trisc(2); \
        x;                                                   \
    } while (0)
#define DPRINT_DATA0(x)
#define DPRINT_DATA1(x)
#else
#define DPRINT_UNPACK(x)
#define DPRINT_MATH(x)
#define DPRINT_PACK(x)
#define DPRINT_DATA0(x)   \
    if (noc_index == 0) { \
        x;                \
    }
#define DPRINT_DATA1(x)   \
    if (noc_index == 1) { \
        x;                \
    }
#endif
