// grid_to_persistent_tt — GridToPersistentTT (PASSES.md section 7).
// Before: the body runs once per work unit of T.Kernel(gx, gy, gz) with block indices
// (bx, by, bz); tt.partition_mode / tt.order / tt.grid_tiles set (layout_aware_work_partition_tt).
// After: the body is a persistent loop over this core's work units,
//   for tt_iter in T.serial(count):
//       tt_tile_id = <position start_id + tt_iter mapped to a work unit>
//       bx = tt_tile_id % gx; by = tt_tile_id // gx % gy; bz = tt_tile_id // (gx * gy)
//       <original body>
// where the mapping is the identity for row_major, the inverse of the k x k block order for
// block_linear(k), and for local_shard tl = start_id + tt_iter, m = sy*Sm + tl // Sn,
// n = sx*Sn + tl % Sn, tt_tile_id = m*Nt + n (Sm, Sn, Nt folded to constants). start_id,
// count, sy, sx are kernel runtime arguments (variables of those names). Writes
// tt_persistent_loop = true, tt_persistent_iteration_ndims = 1 + (gy > 1) + (gz > 1), and
// tt_runtime_args {start_tile, tile_count, grid_shape, grid_tiles, iteration_ndims,
// iteration_symbols (the block indices that vary: bx, and by / bz when gy / gz > 1),
// arg_names, partition_mode}. Idempotent (does nothing when
// tt_persistent_loop is already set). No user errors.
#ifndef TTC_PASSES_GRID_TO_PERSISTENT_TT_H_
#define TTC_PASSES_GRID_TO_PERSISTENT_TT_H_

#include "passes/pass.h"

namespace ttc {
void GridToPersistentTT(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_GRID_TO_PERSISTENT_TT_H_
