// ttc's functional TT-Metalium emulator: the compute kernel API (TRISC unpack/math/pack) of
// the "metalium-classic" dialect (TT_METALIUM_API.md 2.1-2.4). The three TRISC halves run
// as one thread; DST, tile math and packing are emulated in ttc_emu/kernel_runtime.h.
// Kernels define `namespace NAMESPACE { void MAIN { ... } }`; the emulator compiles them with
// -DNAMESPACE=... -DMAIN=kernel_main().
#pragma once

#include <cstdint>

#include "ttc_emu/cb_index.h"
#include "ttc_emu/compile_time_args.h"
#include "ttc_emu/kernel_runtime.h"

#define ALWI inline

namespace ckernel {

template <typename T>
ALWI T get_arg_val(int arg_idx) {
    static_assert(sizeof(T) == 4, "only 4B args are supported (eg int32, uint32)");
    const std::uint32_t v = ttc::emu::rt::ArgVal(arg_idx);
    return *reinterpret_cast<const T*>(&v);
}
template <typename T>
ALWI T get_common_arg_val(int arg_idx) {
    static_assert(sizeof(T) == 4, "only 4B args are supported (eg int32, uint32)");
    const std::uint32_t v = ttc::emu::rt::CommonArgVal(arg_idx);
    return *reinterpret_cast<const T*>(&v);
}

ALWI void cb_wait_front(std::uint32_t cb, std::uint32_t n) { ttc::emu::rt::CbWaitFront(cb, n); }
ALWI void cb_pop_front(std::uint32_t cb, std::uint32_t n) { ttc::emu::rt::CbPopFront(cb, n); }
ALWI void cb_reserve_back(std::uint32_t cb, std::uint32_t n) { ttc::emu::rt::CbReserveBack(cb, n); }
ALWI void cb_push_back(std::uint32_t cb, std::uint32_t n) { ttc::emu::rt::CbPushBack(cb, n); }

ALWI void tile_regs_acquire() { ttc::emu::rt::TileRegsAcquire(); }
ALWI void tile_regs_commit() { ttc::emu::rt::TileRegsCommit(); }
ALWI void tile_regs_wait() { ttc::emu::rt::TileRegsWait(); }
ALWI void tile_regs_release() { ttc::emu::rt::TileRegsRelease(); }
ALWI void acquire_dst() { ttc::emu::rt::AcquireDst(); }
ALWI void release_dst() { ttc::emu::rt::ReleaseDst(); }

template <bool out_of_order_output = false>
ALWI void pack_tile(std::uint32_t ifrom_dst, std::uint32_t icb, std::uint32_t output_tile_index = 0) {
    static_assert(!out_of_order_output, "out-of-order packing is not emulated");
    (void)output_tile_index;
    ttc::emu::rt::PackTile(ifrom_dst, icb);
}

ALWI void mm_init(std::uint32_t in0, std::uint32_t in1, std::uint32_t out, const std::uint32_t transpose = 0) {
    (void)transpose;
    ttc::emu::rt::InitOp("mm_init", in0, in1, out);
}
ALWI void mm_init_short(std::uint32_t in0, std::uint32_t in1, const std::uint32_t transpose = 0) {
    (void)transpose;
    ttc::emu::rt::InitOp("mm_init_short", in0, in1, in1);
}
ALWI void matmul_tiles(std::uint32_t in0, std::uint32_t in1, std::uint32_t i0, std::uint32_t i1, std::uint32_t idst,
                       const std::uint32_t transpose) {
    ttc::emu::rt::MatmulTiles(in0, in1, i0, i1, idst, transpose);
}

ALWI void binary_op_init_common(std::uint32_t a, std::uint32_t b, std::uint32_t out) {
    ttc::emu::rt::InitOp("binary_op_init_common", a, b, out);
}
ALWI void add_tiles_init(std::uint32_t a, std::uint32_t b, bool acc_to_dest = false) {
    (void)acc_to_dest;
    ttc::emu::rt::InitOp("add_tiles_init", a, b, b);
}
ALWI void sub_tiles_init(std::uint32_t a, std::uint32_t b, bool acc_to_dest = false) {
    (void)acc_to_dest;
    ttc::emu::rt::InitOp("sub_tiles_init", a, b, b);
}
ALWI void mul_tiles_init(std::uint32_t a, std::uint32_t b) { ttc::emu::rt::InitOp("mul_tiles_init", a, b, b); }
ALWI void add_tiles(std::uint32_t a, std::uint32_t b, std::uint32_t ia, std::uint32_t ib, std::uint32_t idst) {
    ttc::emu::rt::BinaryTiles(0, a, b, ia, ib, idst);
}
ALWI void sub_tiles(std::uint32_t a, std::uint32_t b, std::uint32_t ia, std::uint32_t ib, std::uint32_t idst) {
    ttc::emu::rt::BinaryTiles(1, a, b, ia, ib, idst);
}
ALWI void mul_tiles(std::uint32_t a, std::uint32_t b, std::uint32_t ia, std::uint32_t ib, std::uint32_t idst) {
    ttc::emu::rt::BinaryTiles(2, a, b, ia, ib, idst);
}

ALWI void copy_tile_init(std::uint32_t cb) { ttc::emu::rt::InitOp("copy_tile_init", cb, cb, cb); }
ALWI void copy_tile(std::uint32_t cb, std::uint32_t itile, std::uint32_t idst) {
    ttc::emu::rt::CopyTile(cb, itile, idst);
}
ALWI void init_sfpu(std::uint32_t in, std::uint32_t out) { ttc::emu::rt::InitOp("init_sfpu", in, in, out); }
ALWI void unary_op_init_common(std::uint32_t in, std::uint32_t out) { init_sfpu(in, out); }

#define TTC_EMU_SFPU(op)                                                              \
    ALWI void op##_tile_init() { ttc::emu::rt::InitOp(#op "_tile_init", 0, 0, 0); } \
    ALWI void op##_tile(std::uint32_t idst) { ttc::emu::rt::UnaryTile(#op, idst); }
TTC_EMU_SFPU(relu)
TTC_EMU_SFPU(sqrt)
TTC_EMU_SFPU(recip)
TTC_EMU_SFPU(log)
TTC_EMU_SFPU(abs)
TTC_EMU_SFPU(tanh)
TTC_EMU_SFPU(negative)
#undef TTC_EMU_SFPU
template <bool approx = false, bool fast_and_approx = true>
ALWI void exp_tile_init() { ttc::emu::rt::InitOp("exp_tile_init", 0, 0, 0); }
template <bool approx = false, bool fast_and_approx = true>
ALWI void exp_tile(std::uint32_t idst) { ttc::emu::rt::UnaryTile("exp", idst); }
template <bool legacy_compat = true>
ALWI void rsqrt_tile_init() { ttc::emu::rt::InitOp("rsqrt_tile_init", 0, 0, 0); }
template <bool legacy_compat = true>
ALWI void rsqrt_tile(std::uint32_t idst) { ttc::emu::rt::UnaryTile("rsqrt", idst); }
template <bool fast_and_approx = false>
ALWI void sigmoid_tile_init() { ttc::emu::rt::InitOp("sigmoid_tile_init", 0, 0, 0); }
ALWI void sigmoid_tile(std::uint32_t idst) { ttc::emu::rt::UnaryTile("sigmoid", idst); }
ALWI void fill_tile_init() { ttc::emu::rt::InitOp("fill_tile_init", 0, 0, 0); }
ALWI void fill_tile(std::uint32_t idst, float value) { ttc::emu::rt::FillTile(idst, value); }

}  // namespace ckernel

using namespace ckernel;
