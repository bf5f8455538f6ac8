// Split-K on one core (run at the start of infer_default_tt_schedule, before the launch grid is
// read).
//
// TileLang's split-K GEMM launches a grid dimension over the splits of K and adds each split's
// partial product into the output with T.atomic_add (frontend: `C[...] = C[...] + X[...]`):
//   with T.Kernel(nx, ny, S) as (bx, by, bz):
//     T.clear(C_local)
//     for ko in T.Pipelined(nk): T.copy(A[by * bm, bz * splitK + ko * bk], A_s); ...; T.gemm(A_s, B_s, C_local)
//     T.copy(C_local, C_s)
//     for i, j in T.Parallel(bm, bn): C[by * bm + i, bx * bn + j] = C[...] + C_s[i, j]
// TT has no DRAM atomics, so the blocks that update the same elements must run on one core:
// a grid dimension (extent > 1) that no DRAM write index uses, in a kernel whose DRAM writes
// are such read-modify-write adds, is folded into the block as a serial loop around the K
// loop, with the accumulator clear before it and the epilogue (copies of the accumulator, the
// update) after it, so each core accumulates every split before its one update:
//     T.clear(C_local); for bz in T.serial(S): for ko ...: ...; T.copy(C_local, C_s); update
// When every index combines the two as `bz * c_s + ko * c_k` with c_s = nk * c_k (splitK =
// nk * block_K), the two loops are one K loop of S * nk steps (the GEMM lowering's form).
// The grid loses the dimension. The adds of the splits are reassociated: valid because the
// epilogue only copies the accumulator (the update is linear in it). A kernel whose updates do
// not have this form is an error at the update's line:col that names the supported form and
// what differs. Returns 1 when the grid was folded. Thread-safety: operates on `func` only.
#ifndef TTC_PASSES_FOLD_SPLIT_GRID_H_
#define TTC_PASSES_FOLD_SPLIT_GRID_H_

#include "passes/pass.h"

namespace ttc {

int FoldSplitGrid(PassContext& ctx, ir::PrimFunc& func);

}  // namespace ttc

#endif  // TTC_PASSES_FOLD_SPLIT_GRID_H_
