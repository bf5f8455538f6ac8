// How a buffer of the kernel IR is laid out in TT tiles: its 2-D view, its tile-padded shape,
// its tile grid and its pages. The single definition of this geometry, shared by the TT
// passes (infer_default_tt_shard, infer_tt_layout and the passes reading tt.buffer.<B>),
// codegen and the reference interpreter (emu/ may depend on ir/ only).
//
// The rules (spec/PASSES.md section 3, "infer_default_tt_shard"):
//  * TT tiles cover the last two dimensions: rows M = shape[-2], cols N = shape[-1]. A rank-1
//    buffer [N] is viewed as [1, N] (one row); this is the ONLY place that rule is written.
//  * Leading dimensions (rank > 2) are folded into a batch: batch = product of shape[:-2].
//  * The padded shape rounds M up to a multiple of the tile height and N up to a multiple of
//    the tile width; TT-Metalium stores a buffer as whole tiles (zero padding) and reads back
//    only the original region (PASSES.md section 10, tile_pad_tt).
//  * A page is one tile (TT-Metalium interleaved / sharded buffers with page_size = tile bytes).
#ifndef TTC_IR_TILE_GEOMETRY_H_
#define TTC_IR_TILE_GEOMETRY_H_

#include <cstdint>
#include <vector>

#include "ir/dtype.h"

namespace ttc::ir {

// The tile geometry of one buffer. Extents in elements unless named *tiles*; bytes for
// page_bytes. Value type.
struct TileGeometry {
  int64_t tile_h = 32, tile_w = 32;  // tile shape [th, tw], elements
  std::vector<int64_t> view;         // the shape as tiles see it: shape, or [1, N] for rank 1
  std::vector<int64_t> padded;       // `view` with the last two dimensions tile-padded
  int64_t batch = 1;                 // product of view[:-2] (the buffer's, not the padded)
  int64_t rows = 1, cols = 1;        // view[-2], view[-1]
  int64_t padded_rows = 1, padded_cols = 1;  // padded[-2], padded[-1]
  int64_t tiles_h = 1, tiles_w = 1;  // padded_rows / tile_h, padded_cols / tile_w
  bool needs_padding = false;        // padded != view
  int64_t page_bytes = 0;            // bytes of one tile in the buffer's dtype (DType::TileBytes)
  int64_t pages = 0;                 // batch * tiles_h * tiles_w

  // `padded` in the buffer's own rank: equal to `padded` for rank >= 2, [N'] for rank 1.
  std::vector<int64_t> PaddedInRank(size_t rank) const;
};

// The geometry of a buffer of `shape` (rank >= 1, positive extents) in tiles of
// tile_h x tile_w elements of `dtype`.
//
// `explicit_padded`, when non-empty, is a padded shape given by a layout annotation (in the
// view's rank: [1, N'] for a rank-1 buffer): its entries, aligned to the right of the view,
// replace the tile-rounded extents, never shrinking below the view's own extent. Callers that
// accept user input validate it first (infer_tt_layout: it must cover the shape and be a
// multiple of the tile in its last two dimensions).
TileGeometry TileGeometryOf(const std::vector<int64_t>& shape, int64_t tile_h, int64_t tile_w, const DType& dtype,
                            const std::vector<int64_t>& explicit_padded = {});

// The 2-D view of `shape` alone (see above): the shape itself for rank >= 2, [1, N] for rank 1.
std::vector<int64_t> TileView(const std::vector<int64_t>& shape);

}  // namespace ttc::ir

#endif  // TTC_IR_TILE_GEOMETRY_H_
