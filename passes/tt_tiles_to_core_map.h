// tt_tiles_to_core_map — TTTilesToCoreMap (PASSES.md section 8).
// Before: tt.core_ranges and tt_core_runtime_args (layout_aware_work_partition_tt, the one
// owner of per-core rows, which this pass does not touch). After: tt_core_ranges = the
// merged rectangles of cores with work as [[y0, x0, y1, x1], ...] and tt_core_coords = one
// entry per used core, in row order, {core_id, logical: [y, x], noc: [x, y]} where noc is
// the worker's nominal (unharvested) NoC coordinate on the target. The generated host
// program addresses cores logically and lets TT-Metalium translate; noc is for reports.
// No diagnostics.
#ifndef TTC_PASSES_TT_TILES_TO_CORE_MAP_H_
#define TTC_PASSES_TT_TILES_TO_CORE_MAP_H_

#include "passes/pass.h"

namespace ttc {
void TTTilesToCoreMap(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_TT_TILES_TO_CORE_MAP_H_
