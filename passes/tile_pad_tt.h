// tile_pad_tt — TilePadTT (PASSES.md section 10).
// Before: tt.buffer.<B> (infer_tt_layout) for every global buffer. After: for each buffer
// whose shape is not a whole number of tiles, tt_padding_info[B] = {original_shape,
// padded_shape, padding_amount} (elements per dimension; 250x250 -> 256x256, padding
// [6, 6]); aligned buffers get no entry and the attribute is absent when none needs
// padding. The lowering already addresses tiles over the padded grid; codegen reads these
// entries to make the host program write zero-padded tiles and read back only the original
// region. No diagnostics.
#ifndef TTC_PASSES_TILE_PAD_TT_H_
#define TTC_PASSES_TILE_PAD_TT_H_

#include "passes/pass.h"

namespace ttc {
void TilePadTT(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_TILE_PAD_TT_H_
