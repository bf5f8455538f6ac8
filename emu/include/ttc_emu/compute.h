// ttc's functional TT-Metalium emulator: the compute kernel API (TRISC unpack/math/pack) of
// the "metalium-classic" dialect (TT_METALIUM_API.md 2.1-2.4). The three TRISC halves run
// as one thread; DST, tile math and packing are emulated in ttc_emu/kernel_runtime.h.
// Kernels define `namespace NAMESPACE { void MAIN { ... } }`; the emulator compiles them with
// -DNAMESPACE=... -DMAIN=kernel_main().
#pragma once

#include <cstdint>

#include "ttc_emu/cb_index.h"
#include "ttc_emu/compile_time_args.h"
#include "ttc_emu/dprint.h"
#include "ttc_emu/kernel_runtime.h"

#define ALWI inline
// The three TRISCs' parts of an API call (TT's common_globals.h): one thread runs them all.
#define MATH(x) x
#define PACK(x) x
#define UNPACK(x) x

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

ALWI void copy_tile_init(std::uint32_t cb = 0) { ttc::emu::rt::InitOp("copy_tile_init", cb, cb, cb); }
ALWI void copy_init(std::uint32_t cb) { ttc::emu::rt::InitOp("copy_init", cb, cb, cb); }
ALWI void copy_tile_to_dst_init_short(std::uint32_t cb = 0, std::uint32_t transpose = 0) {
    if (transpose) ttc::emu::rt::NotEmulated("copy_tile_to_dst_init_short with transpose");
    ttc::emu::rt::InitOp("copy_tile_to_dst_init_short", cb, cb, cb);
}
ALWI void copy_tile_to_dst_init_short_with_dt(std::uint32_t old_cb, std::uint32_t new_cb, std::uint32_t transpose = 0) {
    (void)old_cb;
    copy_tile_to_dst_init_short(new_cb, transpose);
}
// The current generation's one-time start-up (before the op-specific short inits).
ALWI void compute_kernel_hw_startup(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t ocb) {
    ttc::emu::rt::InitOp("compute_kernel_hw_startup", icb0, icb1, ocb);
}
ALWI void compute_kernel_hw_startup(std::uint32_t icb0, std::uint32_t ocb) { compute_kernel_hw_startup(icb0, icb0, ocb); }
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

// How an SFPU result is narrowed into a 16-bit DST (TT's llk_defs.h): Default is SFPSTORE's
// truncation, NearestEven rounds to nearest even. The emulator rounds to nearest even always.
enum class DstRoundingMode : std::uint8_t { Default = 0, NearestEven = 1 };

// SFPU binary ops, DST to DST (compute_kernel_api/eltwise_binary_sfpu.h): DST[odst] =
// DST[idst0] op DST[idst1] (rsub: DST[idst1] - DST[idst0]); each op has its own init. TT's
// current functions are templates (add, sub, rsub: <DstRoundingMode, bool
// is_fp32_dest_acc_en>; mul, div: <bool is_fp32_dest_acc_en>) whose arguments the emulator
// ignores: DST precision follows the kernel's fp32_dest_acc_en. Older trees have a
// two-argument form, whose result replaces idst0.
#define TTC_EMU_ROUNDED_TPARAMS \
    DstRoundingMode dst_rounding_mode = DstRoundingMode::Default, bool is_fp32_dest_acc_en = false
#define TTC_EMU_FP32_TPARAMS bool is_fp32_dest_acc_en = false
#define TTC_EMU_SFPU_BINARY(op, tparams)                                                                      \
    ALWI void op##_binary_tile_init() { ttc::emu::rt::InitOp(#op "_binary_tile_init", 0, 0, 0); }             \
    template <tparams>                                                                                        \
    ALWI void op##_binary_tile(std::uint32_t idst0, std::uint32_t idst1, std::uint32_t odst) {                \
        ttc::emu::rt::SfpuBinary(#op, idst0, idst1, odst);                                                    \
    }                                                                                                         \
    template <tparams>                                                                                        \
    ALWI void op##_binary_tile(std::uint32_t idst0, std::uint32_t idst1) {                                    \
        ttc::emu::rt::SfpuBinary(#op, idst0, idst1, idst0);                                                   \
    }
TTC_EMU_SFPU_BINARY(add, TTC_EMU_ROUNDED_TPARAMS)
TTC_EMU_SFPU_BINARY(sub, TTC_EMU_ROUNDED_TPARAMS)
TTC_EMU_SFPU_BINARY(rsub, TTC_EMU_ROUNDED_TPARAMS)
TTC_EMU_SFPU_BINARY(mul, TTC_EMU_FP32_TPARAMS)
TTC_EMU_SFPU_BINARY(div, TTC_EMU_FP32_TPARAMS)
#undef TTC_EMU_SFPU_BINARY
#undef TTC_EMU_FP32_TPARAMS
#undef TTC_EMU_ROUNDED_TPARAMS

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

// Which faces an SFPU op covers (TT's llk_defs.h, a plain enum there); the emulator runs
// VectorMode::RC (the whole tile) only.
enum class VectorMode { None = 0, R = 1, C = 2, RC = 4, RC_custom = 6, Invalid = 0xFF };

// Element-wise max / min of two DST tiles (compute_kernel_api/binary_max_min.h): DST[odst] =
// max/min(DST[idst0], DST[idst1]); the older two-argument form writes idst0.
#define TTC_EMU_MAX_MIN(op)                                                                                  \
    ALWI void binary_##op##_tile_init() { ttc::emu::rt::InitOp("binary_" #op "_tile_init", 0, 0, 0); }        \
    ALWI void binary_##op##_tile(std::uint32_t idst0, std::uint32_t idst1, std::uint32_t odst,                \
                                 VectorMode vector_mode = VectorMode::RC) {                                   \
        if (vector_mode != VectorMode::RC) {                                                                  \
            ttc::emu::rt::NotEmulated("binary_" #op "_tile with a vector_mode other than VectorMode::RC");    \
        }                                                                                                     \
        ttc::emu::rt::SfpuBinary(#op, idst0, idst1, odst);                                                    \
    }                                                                                                         \
    ALWI void binary_##op##_tile(std::uint32_t idst0, std::uint32_t idst1) { binary_##op##_tile(idst0, idst1, idst0); }
TTC_EMU_MAX_MIN(max)
TTC_EMU_MAX_MIN(min)
#undef TTC_EMU_MAX_MIN

// A DST tile and a scalar given as its fp32 bit pattern
// (compute_kernel_api/eltwise_unary/binop_with_scalar.h): DST[idst] = DST[idst] op scalar;
// rsub: scalar - DST[idst]. The enum names TT's modes.
enum { ADD_UNARY = 0, SUB_UNARY = 1, MUL_UNARY = 2, DIV_UNARY = 3, RSUB_UNARY = 4 };
ALWI void binop_with_scalar_tile_init() { ttc::emu::rt::InitOp("binop_with_scalar_tile_init", 0, 0, 0); }
ALWI void add_unary_tile(std::uint32_t idst, std::uint32_t param1) { ttc::emu::rt::SfpuScalar("add", idst, param1); }
ALWI void sub_unary_tile(std::uint32_t idst, std::uint32_t param1) { ttc::emu::rt::SfpuScalar("sub", idst, param1); }
ALWI void mul_unary_tile(std::uint32_t idst, std::uint32_t param1) { ttc::emu::rt::SfpuScalar("mul", idst, param1); }
ALWI void div_unary_tile(std::uint32_t idst, std::uint32_t param1) { ttc::emu::rt::SfpuScalar("div", idst, param1); }
ALWI void rsub_unary_tile(std::uint32_t idst, std::uint32_t param1) { ttc::emu::rt::SfpuScalar("rsub", idst, param1); }

// Broadcasts (compute_kernel_api/bcast.h). TT's doc comment there says COL expects B "with a
// filled 0-column" and SCALAR "a single value at location [0,0]" (its formulas, C[h, w] =
// A[h, w] + B[w] for COL and B[h] for ROW, index B by the wrong coordinate); tt-llk's
// llk_unpack_AB.h agrees with the first reading: COL unpacks B's left faces (0 and 2), ROW its
// top faces (0 and 1) for every row of faces. So:
//   COL:    C[h, w] = A[h, w] op B[h, 0]  (column 0 of B across every column),
//   ROW:    C[h, w] = A[h, w] op B[r, w]  (row r = bcast_row_idx of B, default 0, down every row),
//   SCALAR: C[h, w] = A[h, w] op B[0, 0].
// TT's llk_defs.h declares BroadcastType and EltwiseBinaryType as plain enums: BroadcastType is
// scoped here (NONE, ROW, COL would be global names), EltwiseBinaryType is not (TT code names
// ELWADD and the others unqualified). Add, sub and mul broadcast.
enum class BroadcastType { NONE = 0, COL = 1, ROW = 2, SCALAR = 3 };
enum EltwiseBinaryType { ELWMUL, ELWDIV, ELWADD, ELWSUB, ELWLESS };

namespace ttc_emu_detail {
template <EltwiseBinaryType op>
constexpr int BcastOpCode() {
    static_assert(op == ELWADD || op == ELWSUB || op == ELWMUL, "the emulator broadcasts ELWADD, ELWSUB and ELWMUL");
    return op == ELWADD ? 0 : op == ELWSUB ? 1 : 2;
}
}  // namespace ttc_emu_detail

template <BroadcastType bcast_type>
ALWI void unary_bcast_init(std::uint32_t icb, std::uint32_t ocb) {
    ttc::emu::rt::InitOp("unary_bcast_init", icb, icb, ocb);
}
// DST[idst] = the broadcast of tile `in_tile_index` of icb.
template <BroadcastType bcast_type>
ALWI void unary_bcast(std::uint32_t icb, std::uint32_t in_tile_index, std::uint32_t dst_tile_index) {
    ttc::emu::rt::UnaryBcast(static_cast<int>(bcast_type), icb, in_tile_index, dst_tile_index);
}
template <BroadcastType bcast_type>
ALWI void unary_bcast_uninit(std::uint32_t icb) { ttc::emu::rt::InitOp("unary_bcast_uninit", icb, icb, icb); }
template <BroadcastType old_bcast_type, BroadcastType new_bcast_type>
void reconfigure_unary_bcast(std::uint32_t old_icb, std::uint32_t new_icb, std::uint32_t old_ocb,
                             std::uint32_t new_ocb) {
    (void)old_icb;
    (void)old_ocb;
    ttc::emu::rt::InitOp("reconfigure_unary_bcast", new_icb, new_icb, new_ocb);
}

template <EltwiseBinaryType tBcastOp, BroadcastType tBcastDim>
void init_bcast(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t ocb = 16) {
    (void)ttc_emu_detail::BcastOpCode<tBcastOp>();
    ttc::emu::rt::InitOp("init_bcast", icb0, icb1, ocb);
}
template <EltwiseBinaryType tBcastOp, BroadcastType tBcastDim>
ALWI void any_tiles_bcast(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0, std::uint32_t itile1,
                          std::uint32_t idst, std::uint32_t bcast_row_idx = 0) {
    static_assert(tBcastDim != BroadcastType::NONE, "a broadcast op needs COL, ROW or SCALAR");
    ttc::emu::rt::BinaryBcast(ttc_emu_detail::BcastOpCode<tBcastOp>(), static_cast<int>(tBcastDim), icb0, icb1,
                              itile0, itile1, idst, bcast_row_idx);
}
#define TTC_EMU_BCAST(op, elw)                                                                                 \
    template <BroadcastType tBcastDim>                                                                         \
    ALWI void op##_tiles_bcast(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0, std::uint32_t itile1, \
                               std::uint32_t idst, std::uint32_t bcast_row_idx = 0) {                          \
        any_tiles_bcast<elw, tBcastDim>(icb0, icb1, itile0, itile1, idst, bcast_row_idx);                     \
    }                                                                                                          \
    ALWI void op##_tiles_bcast_rows(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0,              \
                                    std::uint32_t itile1, std::uint32_t idst, std::uint32_t bcast_row_idx = 0) { \
        any_tiles_bcast<elw, BroadcastType::ROW>(icb0, icb1, itile0, itile1, idst, bcast_row_idx);            \
    }                                                                                                          \
    ALWI void op##_tiles_bcast_cols(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0,              \
                                    std::uint32_t itile1, std::uint32_t idst) {                                \
        any_tiles_bcast<elw, BroadcastType::COL>(icb0, icb1, itile0, itile1, idst);                           \
    }                                                                                                          \
    ALWI void op##_tiles_bcast_scalar(std::uint32_t icb0, std::uint32_t icb1, std::uint32_t itile0,            \
                                      std::uint32_t itile1, std::uint32_t idst) {                              \
        any_tiles_bcast<elw, BroadcastType::SCALAR>(icb0, icb1, itile0, itile1, idst);                        \
    }
TTC_EMU_BCAST(add, ELWADD)
TTC_EMU_BCAST(sub, ELWSUB)
TTC_EMU_BCAST(mul, ELWMUL)
#undef TTC_EMU_BCAST
// The short inits TT has (each before its op when switching from another op).
#define TTC_EMU_BCAST_INIT(name) \
    ALWI void name(std::uint32_t icb0, std::uint32_t icb1) { ttc::emu::rt::InitOp(#name, icb0, icb1, icb1); }
TTC_EMU_BCAST_INIT(add_bcast_rows_init_short)
TTC_EMU_BCAST_INIT(add_bcast_cols_init_short)
TTC_EMU_BCAST_INIT(add_bcast_scalar_init_short)
TTC_EMU_BCAST_INIT(sub_bcast_rows_init_short)
TTC_EMU_BCAST_INIT(sub_bcast_cols_init_short)
TTC_EMU_BCAST_INIT(sub_tiles_bcast_scalar_init_short)
TTC_EMU_BCAST_INIT(mul_bcast_rows_init_short)
TTC_EMU_BCAST_INIT(mul_bcast_cols_init_short)
TTC_EMU_BCAST_INIT(mul_tiles_bcast_scalar_init_short)
#undef TTC_EMU_BCAST_INIT

// Reduce (compute_kernel_api/reduce.h), semantics in ttc_emu/kernel_runtime.h (ReduceTile)
// with their sources in the emulator's tile_math.cc. The scaler tile in icb_scaler holds the
// scaler in row 0 of each face; REDUCE_ROW leaves one value per row in column 0 of DST[idst],
// REDUCE_COL one per column in row 0, REDUCE_SCALAR one in [0, 0]; each call combines with
// what DST holds there (SUM adds, MAX takes the maximum), so calls over a row of tiles
// accumulate. AVG is SUM with a 1/N scaler. The template arguments default to the REDUCE_OP and
// REDUCE_DIM defines when both are set, as in TT. Both generations of the API:
//   classic: reduce_init<at_start, PoolType, ReduceDim>(icb, icb_scaler, ocb = 16),
//            reduce_init_short, reduce_init_delta<at_start, ...>, reduce_revert_delta<ReduceDim>;
//   current: reduce_init<PoolType, ReduceDim, enforce_fp32_accumulation>(icb, icb_scaler, ocb),
//            reduce_uninit<enforce_fp32_accumulation>(icb = 0).
// enforce_fp32_accumulation is ignored: DST precision follows the kernel's fp32_dest_acc_en.
enum PoolType { SUM = 0, AVG = 1, MAX = 2 };
enum ReduceDim { REDUCE_ROW = 0, REDUCE_COL = 1, REDUCE_SCALAR = 2 };
#if defined(REDUCE_OP) && defined(REDUCE_DIM)
#define TTC_EMU_REDUCE_DEFAULTS PoolType reduce_type = REDUCE_OP, ReduceDim reduce_dim = REDUCE_DIM
#define TTC_EMU_REDUCE_DIM_DEFAULT ReduceDim reduce_dim = REDUCE_DIM
#else
#define TTC_EMU_REDUCE_DEFAULTS PoolType reduce_type, ReduceDim reduce_dim
#define TTC_EMU_REDUCE_DIM_DEFAULT ReduceDim reduce_dim
#endif
template <bool at_start, TTC_EMU_REDUCE_DEFAULTS>
ALWI void reduce_init(std::uint32_t icb, std::uint32_t icb_scaler, std::uint32_t ocb = 16) {
    ttc::emu::rt::InitOp("reduce_init", icb, icb_scaler, ocb);
}
template <TTC_EMU_REDUCE_DEFAULTS, bool enforce_fp32_accumulation = false>
ALWI void reduce_init(std::uint32_t icb, std::uint32_t icb_scaler, std::uint32_t ocb) {
    ttc::emu::rt::InitOp("reduce_init", icb, icb_scaler, ocb);
}
template <TTC_EMU_REDUCE_DEFAULTS>
ALWI void reduce_init_short(std::uint32_t icb, std::uint32_t icb_scaler, std::uint32_t ocb = 16) {
    ttc::emu::rt::InitOp("reduce_init_short", icb, icb_scaler, ocb);
}
template <bool at_start, TTC_EMU_REDUCE_DEFAULTS>
ALWI void reduce_init_delta(std::uint32_t ocb = 16, std::uint32_t icb0 = 0, std::uint32_t icb1 = 1) {
    ttc::emu::rt::InitOp("reduce_init_delta", icb0, icb1, ocb);
}
template <TTC_EMU_REDUCE_DEFAULTS, bool enforce_fp32_accumulation = false>
ALWI void reduce_tile(std::uint32_t icb, std::uint32_t icb_scaler, std::uint32_t itile, std::uint32_t itile_scaler,
                      std::uint32_t idst) {
    ttc::emu::rt::ReduceTile(static_cast<int>(reduce_type), static_cast<int>(reduce_dim), icb, icb_scaler, itile,
                             itile_scaler, idst);
}
template <TTC_EMU_REDUCE_DIM_DEFAULT>
ALWI void reduce_revert_delta(std::uint32_t ocb = 16) { ttc::emu::rt::InitOp("reduce_revert_delta", ocb, ocb, ocb); }
template <bool enforce_fp32_accumulation = false>
ALWI void reduce_uninit(std::uint32_t icb = 0) { ttc::emu::rt::InitOp("reduce_uninit", icb, icb, icb); }
#undef TTC_EMU_REDUCE_DIM_DEFAULT
#undef TTC_EMU_REDUCE_DEFAULTS

}  // namespace ckernel

#include "ttc_emu/sfpi.h"

using namespace ckernel;
