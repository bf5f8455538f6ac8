#include "ir/tile_geometry.h"

#include <algorithm>

namespace ttc::ir {

std::vector<int64_t> TileView(const std::vector<int64_t>& shape) {
  if (shape.size() >= 2) return shape;
  return {1, shape.empty() ? 1 : shape[0]};
}

std::vector<int64_t> TileGeometry::PaddedInRank(size_t rank) const {
  if (rank >= padded.size()) return padded;
  return std::vector<int64_t>(padded.end() - static_cast<std::ptrdiff_t>(rank), padded.end());
}

TileGeometry TileGeometryOf(const std::vector<int64_t>& shape, int64_t tile_h, int64_t tile_w, const DType& dtype,
                            const std::vector<int64_t>& explicit_padded) {
  auto round_up = [](int64_t v, int64_t m) { return m > 0 ? (v + m - 1) / m * m : v; };
  TileGeometry g;
  g.tile_h = tile_h;
  g.tile_w = tile_w;
  g.view = TileView(shape);
  const size_t r = g.view.size();
  g.padded = g.view;
  g.padded[r - 2] = round_up(g.view[r - 2], tile_h);
  g.padded[r - 1] = round_up(g.view[r - 1], tile_w);
  const size_t n = explicit_padded.size();
  for (size_t i = 0; i < r && i < n; ++i) {
    const size_t d = r - 1 - i;
    g.padded[d] = std::max(g.view[d], explicit_padded[n - 1 - i]);
  }
  for (size_t i = 0; i + 2 < r; ++i) g.batch *= g.view[i];
  g.rows = g.view[r - 2];
  g.cols = g.view[r - 1];
  g.padded_rows = g.padded[r - 2];
  g.padded_cols = g.padded[r - 1];
  g.tiles_h = tile_h > 0 ? g.padded_rows / tile_h : 0;
  g.tiles_w = tile_w > 0 ? g.padded_cols / tile_w : 0;
  g.needs_padding = g.padded != g.view;
  g.page_bytes = dtype.TileBytes(tile_h, tile_w);
  g.pages = g.batch * g.tiles_h * g.tiles_w;
  return g;
}

}  // namespace ttc::ir
