// tensorize_tt — TensorizeTT (PASSES.md section 11). Owns DST.
// Before: func.kernels["compute"] from memory_space_lower_tt: loops, lets, cb_wait_front /
// cb_pop_front around input use, and the compute statements (T.gemm, T.clear/T.fill,
// element-wise store nests, L1->DRAM copies). After: only loops, lets and TT compute
// intrinsics remain, found by analysis of the IR (never by buffer names):
// - A manual nest `C[i, j] += A[i, k] * B[k, j]` (either operand order, casts looked
//   through) whose loops cover the three buffers is a matmul like T.gemm.
// - A buffer computed on the core (a T.gemm accumulator, a fill or store-nest target) lives
//   in DST from its first use to its L1->DRAM copy in the same block: tile_regs_acquire
//   before (hoisted above the K loop), matmul_tiles accumulating over K inside it
//   (cb_wait_front x2 / matmul_tiles / cb_pop_front x2), and after it tile_regs_commit /
//   tile_regs_wait / cb_reserve_back / pack_tile per tile / cb_push_back / tile_regs_release.
// - Element-wise nests over whole tiles: X[i, j] +,-,* Y[i, j] -> add/sub/mul_tiles (with
//   their inits); unary T.exp/sqrt/rsqrt/recip/relu/log/abs/tanh/sigmoid and negation ->
//   copy_tile (or the binary op) then the SFPU op; T.clear -> DST zeroing on acquire;
//   T.fill(v) -> fill_tile.
// - DST capacity: the target's dst_tiles_16, or dst_tiles_32 when a computed buffer is
//   float32 (fp32 accumulation). Larger results are split into DST-sized sub-blocks (the
//   largest divisor of the tile count that fits): element-wise regions are repeated per
//   sub-block; a matmul accumulating over a K loop keeps its partial sums in an
//   intermediate circular buffer (c_24..) and reloads them each K step, so the reader never
//   re-reads operands.
// Writes tt_matmul_patterns, tt_num_matmuls, tt_eltwise_patterns, tt_has_tensorize,
// tt_fp32_dest_acc_en, tt_dst_tiles_needed; appends intermediate CBs to tt_circular_buffers.
// Errors: a tile computation that matches no intrinsic (naming the nest and what would make
// it mappable), results not copied out in the block that computes them, results read by
// another computation, transposed A, and DST overflow that cannot be split (several
// results live together beyond capacity). Scalar fallback code is never emitted.
#ifndef TTC_PASSES_TENSORIZE_TT_H_
#define TTC_PASSES_TENSORIZE_TT_H_

#include "passes/pass.h"

namespace ttc {
void TensorizeTT(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_TENSORIZE_TT_H_
