// One-row blocks stacked into tile rows (run at the start of infer_default_tt_schedule,
// before the launch grid is read).
//
// TileLang's row kernels (layernorm, online softmax, rms_norm as published) launch one block
// per row: `T.Kernel(M) as bx`, `T.copy(X[bx, 0], X_s)` into a (1, N) or (N,) buffer, per-row
// scalars in (1,) fragments. A TT circular buffer holds whole 32x32 tiles, so one row is a
// tile that is 31/32 padding. Blocks are independent, so 32 consecutive blocks are one tile
// row: the grid axis `bx` of extent E becomes ceil(E / 32) blocks, and inside a block
// `bx` of the source is `bx * 32 + r` for the block's row r in [0, 32):
//   - per-row on-chip buffers (filled from a DRAM region that depends on bx, or computed from
//     one) gain the row: (1, N) and (N,) -> (32, N), (1,) -> (32,);
//   - a copy of one DRAM row becomes a copy of 32 rows ([bx, j:j+N] -> [bx*32 : bx*32+32, ...]);
//   - a statement on per-row buffers runs for each row, `for r in T.Parallel(32)` around it, so
//     a reduction over a row is a reduction along dim 1 of the stacked block;
//   - a rank-1 DRAM tensor indexed by bx (Mean[bx] = ...) holds one value per row: it becomes
//     an (E, 1) column (the same bytes); every other rank-1 DRAM tensor is a (1, N) row
//     (PASSES.md section 3: rank 1 is [1, N]).
// Rows past E (when 32 does not divide E) fall into the tile padding of the DRAM tensors.
// Applies only when some T.copy moves a one-row DRAM region that depends on a grid variable;
// a construct the stacking cannot express (a GEMM on per-row buffers, a loop bound or a let
// that depends on bx) is reported at its line:col. Returns 1 when the function was rewritten.
// Thread-safety: operates on `func` only.
#ifndef TTC_PASSES_COARSEN_ROW_BLOCKS_H_
#define TTC_PASSES_COARSEN_ROW_BLOCKS_H_

#include "passes/pass.h"

namespace ttc {

int CoarsenRowBlocks(PassContext& ctx, ir::PrimFunc& func);

// Every rank-1 DRAM tensor (param) as a (1, N) row: indices [e] -> [0, e], copy regions
// [b : b+L] -> [0 : 1, b : b+L]. The bytes are the same. Returns the number reshaped.
int RowViewOfVectors(ir::PrimFunc& func);

}  // namespace ttc

#endif  // TTC_PASSES_COARSEN_ROW_BLOCKS_H_
