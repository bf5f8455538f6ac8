// infer_tt_layout — InferTTLayout (PASSES.md section 4).
// Before: tt_shard (infer_default_tt_shard). After: every global buffer has
// tt.buffer.<name> = {memory, layout, tile_shape, dtype, needs_padding, [padded_shape],
// [nd_shard]}, resolved as: the request's annotate_tt_layout entry, over the legacy
// tt_shard metadata, over the defaults memory="DRAM", layout="interleaved". Memory names
// normalise to "DRAM"/"L1" (case-insensitive), layout names to "interleaved" (also
// "dram_interleaved") or "sharded". An nd_shard gains projected_grid [Gy, Gx] =
// [grid[M], grid[N]] and projected_shard_tiles [Sm, Sn] = [ceil(shard[M]/th),
// ceil(shard[N]/tw)].
// Errors (first words fixed, PASSES.md section 4): unknown layout/memory, halo unsupported,
// nd_shard incomplete, nd_shard axes, nd_shard coverage, L1 shard requires tile alignment,
// L1 shard exceeds capacity (Sm*Sn*tile_bytes*cb_depth, cb_depth defaulting to 1, against
// the target's CB budget), L1 auto-promotion unsupported; also malformed tile_shape,
// cb_depth, data_format, padded_shape. Every buffer is checked; each reports its first error.
#ifndef TTC_PASSES_INFER_TT_LAYOUT_H_
#define TTC_PASSES_INFER_TT_LAYOUT_H_

#include "passes/pass.h"

namespace ttc {
void InferTTLayout(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_INFER_TT_LAYOUT_H_
