// layout_aware_work_partition_tt — LayoutAwareWorkPartitionTT (PASSES.md section 6). The one
// owner of per-core work rows.
// Before: tt.buffer.* for every global buffer, tt_num_tiles. After:
// - tt.partition_mode: "local_shard" when any buffer is L1 and sharded, else "global";
//   annotate_tt_schedule's partition_mode may force it and must then be consistent.
// - tt.order: "row_major" / "block_linear(k)" (global) or "match_shard" (local_shard).
// - tt.grid_tiles [Mt, Nt]: the work-unit grid, Mt = gy*gz rows (by), Nt = gx columns (bx).
// - global: every core i of the target gets the contiguous balanced (start_id, count) of
//   section 2 over Mt*Nt work units (positions in the order); cores with work are used.
// - local_shard: all L1 shards agree on grid [Gy, Gx] and tiles [Sm, Sn]; Gy <= rows,
//   Gx <= cols; the footprint [Gy*Sm, Gx*Sn] equals the output's tile grid, which equals the
//   launch grid (one work unit per output tile). Core (y, x) < (Gy, Gx) gets start_id 0,
//   count Sm*Sn, shard coordinates (sy, sx) = (y, x). Writes tt.shard_grid and
//   tt.local_shape_tiles.
// - tt.core_ranges: the used cores as merged rectangles [y0, x0, y1, x1, ...].
// - tt.runtime_args: start_id, count, Mt, Kt, Nt (+ Sm, Sn, Gy, Gx, sy, sx for local_shard);
//   Kt = the K extent of the kernel's matmul in tiles (global A's width / tw), 1 without one.
//   tt.runtime_constants: the arguments equal on every core. tt_core_runtime_args: one row of
//   values per used core, in tt.core_ranges order.
// Errors: unknown or inconsistent partition_mode, unsupported order for the mode (the
// supported ones listed), block_linear(k) with k not dividing Mt and Nt, grid_tiles that
// disagree with the launch grid, shard geometry mismatch, shard grid exceeding the cores,
// shard footprint not matching the output tiles.
#ifndef TTC_PASSES_LAYOUT_AWARE_WORK_PARTITION_TT_H_
#define TTC_PASSES_LAYOUT_AWARE_WORK_PARTITION_TT_H_

#include "passes/pass.h"

namespace ttc {
void LayoutAwareWorkPartitionTT(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_LAYOUT_AWARE_WORK_PARTITION_TT_H_
