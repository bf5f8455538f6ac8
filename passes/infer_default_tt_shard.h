// infer_default_tt_shard (PASSES.md section 3).
// Before: tt_tile_height/width set. After: every global buffer of rank >= 1 (rank 1 treated
// as [1, N]) is described as DRAM-interleaved tiles: with M = shape[-2], N = shape[-1] and
// the tile [th, tw] (the buffer's annotated tile_shape, else tt_tile_height/width), buffer
// attributes tt_layout="dram_interleaved", tt_tile_shape, tt_num_tiles_height = ceil(M/th),
// tt_num_tiles_width = ceil(N/tw), tt_needs_padding = M%th || N%tw, tt_padded_shape (when
// padding; last two dims rounded up to the tile) and tt_tensor_accessor_config {memory,
// layout, page_size (bytes of one tile), num_pages (tiles, leading dims included),
// bank_count (the target's DRAM banks)}; and the function map tt_shard = {B: {...}}.
// No diagnostics: malformed tile annotations are reported by infer_tt_layout.
#ifndef TTC_PASSES_INFER_DEFAULT_TT_SHARD_H_
#define TTC_PASSES_INFER_DEFAULT_TT_SHARD_H_

#include "passes/pass.h"

namespace ttc {
void InferDefaultTTShard(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_INFER_DEFAULT_TT_SHARD_H_
