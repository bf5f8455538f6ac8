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

// SFPU binary ops, DST to DST (compute_kernel_api/eltwise_binary_sfpu.h): DST[odst] =
// DST[idst0] op DST[idst1] (rsub: idst1 - idst0). Older trees have the two-argument form,
// whose result replaces idst0.
#define TTC_EMU_SFPU_BINARY(op)                                                                              \
    ALWI void op##_binary_tile_init() { ttc::emu::rt::InitOp(#op "_binary_tile_init", 0, 0, 0); }            \
    ALWI void op##_binary_tile(std::uint32_t idst0, std::uint32_t idst1, std::uint32_t odst) {               \
        ttc::emu::rt::SfpuBinary(#op, idst0, idst1, odst);                                                   \
    }                                                                                                        \
    ALWI void op##_binary_tile(std::uint32_t idst0, std::uint32_t idst1) { op##_binary_tile(idst0, idst1, idst0); }
TTC_EMU_SFPU_BINARY(add)
TTC_EMU_SFPU_BINARY(sub)
TTC_EMU_SFPU_BINARY(mul)
TTC_EMU_SFPU_BINARY(div)
TTC_EMU_SFPU_BINARY(rsub)
#undef TTC_EMU_SFPU_BINARY

// Comparisons with zero (compute_kernel_api.h / eltwise_unary/comp.h): DST[idst] = 1.0 where
// the test holds, else 0.0.
#define TTC_EMU_COMPARE(op)                                                             \
    ALWI void op##_tile_init() { ttc::emu::rt::InitOp(#op "_tile_init", 0, 0, 0); }   \
    ALWI void op##_tile(std::uint32_t idst) { ttc::emu::rt::UnaryTile(#op, idst); }
TTC_EMU_COMPARE(ltz)
TTC_EMU_COMPARE(lez)
TTC_EMU_COMPARE(gtz)
TTC_EMU_COMPARE(gez)
TTC_EMU_COMPARE(eqz)
TTC_EMU_COMPARE(nez)
#undef TTC_EMU_COMPARE

// Ternary select (compute_kernel_api/eltwise_unary/where.h): DST[idst0] = DST[idst0] != 0 ?
// DST[idst1] : DST[idst2]; the four-argument form writes odst instead.
ALWI void where_tile_init() { ttc::emu::rt::InitOp("where_tile_init", 0, 0, 0); }
ALWI void where_tile(std::uint32_t idst0, std::uint32_t idst1, std::uint32_t idst2, std::uint32_t odst) {
    ttc::emu::rt::WhereTile(idst0, idst1, idst2, odst);
}
ALWI void where_tile(std::uint32_t idst0, std::uint32_t idst1, std::uint32_t idst2) {
    where_tile(idst0, idst1, idst2, idst0);
}

// Element-wise max / min of two DST tiles (compute_kernel_api/binary_max_min.h); the result
// replaces idst0 (or goes to odst where the three-argument form exists).
ALWI void binary_max_tile_init() { ttc::emu::rt::InitOp("binary_max_tile_init", 0, 0, 0); }
ALWI void binary_min_tile_init() { ttc::emu::rt::InitOp("binary_min_tile_init", 0, 0, 0); }
ALWI void binary_max_tile(std::uint32_t idst0, std::uint32_t idst1, std::uint32_t odst) {
    ttc::emu::rt::SfpuBinary("max", idst0, idst1, odst);
}
ALWI void binary_max_tile(std::uint32_t idst0, std::uint32_t idst1) { binary_max_tile(idst0, idst1, idst0); }
ALWI void binary_min_tile(std::uint32_t idst0, std::uint32_t idst1, std::uint32_t odst) {
    ttc::emu::rt::SfpuBinary("min", idst0, idst1, odst);
}
ALWI void binary_min_tile(std::uint32_t idst0, std::uint32_t idst1) { binary_min_tile(idst0, idst1, idst0); }

// A DST tile and a scalar given as its fp32 bit pattern
// (compute_kernel_api/eltwise_unary/binop_with_scalar.h); rsub: scalar - x.
ALWI void binop_with_scalar_tile_init() { ttc::emu::rt::InitOp("binop_with_scalar_tile_init", 0, 0, 0); }
ALWI void add_unary_tile(std::uint32_t idst, std::uint32_t param) { ttc::emu::rt::SfpuScalar("add", idst, param); }
ALWI void sub_unary_tile(std::uint32_t idst, std::uint32_t param) { ttc::emu::rt::SfpuScalar("sub", idst, param); }
ALWI void mul_unary_tile(std::uint32_t idst, std::uint32_t param) { ttc::emu::rt::SfpuScalar("mul", idst, param); }
ALWI void div_unary_tile(std::uint32_t idst, std::uint32_t param) { ttc::emu::rt::SfpuScalar("div", idst, param); }
ALWI void rsub_unary_tile(std::uint32_t idst, std::uint32_t param) { ttc::emu::rt::SfpuScalar("rsub", idst, param); }

// Broadcasts (compute_kernel_api/bcast.h). COL: B's column 0 across every column; ROW: B's
// row 0 down every row; SCALAR: B[0, 0] everywhere.
enum class BroadcastType { NONE = 0, COL = 1, ROW = 2, SCALAR = 3 };
template <BroadcastType bcast_type>
ALWI void unary_bcast_init(std::uint32_t icb, std::uint32_t ocb) {
    ttc::emu::rt::InitOp("unary_bcast_init", icb, icb, ocb);
}
// DST[idst] = the broadcast of tile `in_tile_index` of icb.
template <BroadcastType bcast_type>
ALWI void unary_bcast(std::uint32_t icb, std::uint32_t in_tile_index, std::uint32_t dst_tile_index) {
    ttc::emu::rt::UnaryBcast(static_cast<int>(bcast_type), icb, in_tile_index, dst_tile_index);
}
#define TTC_EMU_BCAST(op, code, kind, type)                                                                    \
    ALWI void op##_tiles_bcast_##kind(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0,             \
                                      std::uint32_t itile1, std::uint32_t idst) {                               \
        ttc::emu::rt::BinaryBcast(code, static_cast<int>(BroadcastType::type), icb0, icb1, itile0, itile1, idst); \
    }
TTC_EMU_BCAST(add, 0, rows, ROW)
TTC_EMU_BCAST(add, 0, cols, COL)
TTC_EMU_BCAST(add, 0, scalar, SCALAR)
TTC_EMU_BCAST(sub, 1, rows, ROW)
TTC_EMU_BCAST(sub, 1, cols, COL)
TTC_EMU_BCAST(sub, 1, scalar, SCALAR)
TTC_EMU_BCAST(mul, 2, rows, ROW)
TTC_EMU_BCAST(mul, 2, cols, COL)
TTC_EMU_BCAST(mul, 2, scalar, SCALAR)
#undef TTC_EMU_BCAST
ALWI void add_bcast_rows_init_short(std::uint32_t a, std::uint32_t b) { ttc::emu::rt::InitOp("bcast", a, b, b); }
ALWI void add_bcast_cols_init_short(std::uint32_t a, std::uint32_t b) { ttc::emu::rt::InitOp("bcast", a, b, b); }
ALWI void mul_bcast_rows_init_short(std::uint32_t a, std::uint32_t b) { ttc::emu::rt::InitOp("bcast", a, b, b); }
ALWI void mul_bcast_cols_init_short(std::uint32_t a, std::uint32_t b) { ttc::emu::rt::InitOp("bcast", a, b, b); }
ALWI void mul_tiles_bcast_scalar_init_short(std::uint32_t a, std::uint32_t b) { ttc::emu::rt::InitOp("bcast", a, b, b); }
ALWI void sub_bcast_cols_init_short(std::uint32_t a, std::uint32_t b) { ttc::emu::rt::InitOp("bcast", a, b, b); }

// Reduce (compute_kernel_api/reduce.h, classic signatures). The scaler tile in icb1 holds the
// scaler in row 0 of each face; REDUCE_ROW leaves one value per row in column 0 of DST[idst],
// REDUCE_COL one per column in row 0, REDUCE_SCALAR one in [0, 0]; each call combines with
// what DST holds there (SUM adds, MAX takes the maximum), so calls over a row of tiles
// accumulate. AVG is SUM with a 1/N scaler.
enum PoolType { SUM = 0, AVG = 1, MAX = 2 };
enum ReduceDim { REDUCE_ROW = 0, REDUCE_COL = 1, REDUCE_SCALAR = 2 };
#if defined(REDUCE_OP) && defined(REDUCE_DIM)
#define TTC_EMU_REDUCE_DEFAULTS PoolType reduce_type = REDUCE_OP, ReduceDim reduce_dim = REDUCE_DIM
#else
#define TTC_EMU_REDUCE_DEFAULTS PoolType reduce_type, ReduceDim reduce_dim
#endif
template <bool at_start, TTC_EMU_REDUCE_DEFAULTS>
ALWI void reduce_init(std::uint32_t icb, std::uint32_t icb_scaler, std::uint32_t ocb = 16) {
    ttc::emu::rt::InitOp("reduce_init", icb, icb_scaler, ocb);
}
template <TTC_EMU_REDUCE_DEFAULTS>
ALWI void reduce_tile(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0, std::uint32_t itile1,
                      std::uint32_t idst) {
    ttc::emu::rt::ReduceTile(static_cast<int>(reduce_type), static_cast<int>(reduce_dim), icb0, icb1, itile0, itile1,
                             idst);
}
#undef TTC_EMU_REDUCE_DEFAULTS
template <ReduceDim reduce_dim>
ALWI void reduce_revert_delta(std::uint32_t ocb = 16) { ttc::emu::rt::InitOp("reduce_revert_delta", ocb, ocb, ocb); }
ALWI void reduce_uninit() { ttc::emu::rt::InitOp("reduce_uninit", 0, 0, 0); }

}  // namespace ckernel

using namespace ckernel;
