// ir/tile_geometry.h: the 2-D view (rank 1 is [1, N]), tile padding, batch and pages.
#include "ir/tile_geometry.h"

#include <gtest/gtest.h>

namespace ttc {
namespace {

struct GeometryCase {
  const char* name;
  std::vector<int64_t> shape;
  int64_t th, tw;
  const char* dtype;
  std::vector<int64_t> explicit_padded;
  // expected
  std::vector<int64_t> view, padded;
  int64_t batch, tiles_h, tiles_w, page_bytes, pages;
  bool needs_padding;
};

TEST(TileGeometry, Table) {
  const GeometryCase cases[] = {
      {"aligned 2-D", {256, 256}, 32, 32, "bfloat16", {}, {256, 256}, {256, 256}, 1, 8, 8, 2048, 64, false},
      {"padded 2-D", {100, 100}, 32, 32, "float32", {}, {100, 100}, {128, 128}, 1, 4, 4, 4096, 16, true},
      {"rank 1 is [1, N]", {1000}, 32, 32, "bfloat16", {}, {1, 1000}, {32, 1024}, 1, 1, 32, 2048, 32, true},
      {"rank 1, 1-row tiles", {64}, 1, 32, "bfloat16", {}, {1, 64}, {1, 64}, 1, 1, 2, 64, 2, false},
      {"rank 3 folds a batch", {3, 64, 40}, 32, 16, "float16", {}, {3, 64, 40}, {3, 64, 48}, 3, 2, 3, 1024, 18, true},
      {"explicit padded", {100, 100}, 32, 32, "bfloat16", {160, 128}, {100, 100}, {160, 128}, 1, 5, 4, 2048, 20, true},
      {"explicit padded, rank 1", {30}, 1, 32, "bfloat16", {1, 64}, {1, 30}, {1, 64}, 1, 1, 2, 64, 2, true},
  };
  for (const GeometryCase& c : cases) {
    SCOPED_TRACE(c.name);
    const ir::TileGeometry g = ir::TileGeometryOf(c.shape, c.th, c.tw, *ir::ParseDType(c.dtype), c.explicit_padded);
    EXPECT_EQ(g.view, c.view);
    EXPECT_EQ(g.padded, c.padded);
    EXPECT_EQ(g.batch, c.batch);
    EXPECT_EQ(g.rows, c.view[c.view.size() - 2]);
    EXPECT_EQ(g.cols, c.view.back());
    EXPECT_EQ(g.padded_rows, c.padded[c.padded.size() - 2]);
    EXPECT_EQ(g.padded_cols, c.padded.back());
    EXPECT_EQ(g.tiles_h, c.tiles_h);
    EXPECT_EQ(g.tiles_w, c.tiles_w);
    EXPECT_EQ(g.page_bytes, c.page_bytes);
    EXPECT_EQ(g.pages, c.pages);
    EXPECT_EQ(g.needs_padding, c.needs_padding);
  }
}

TEST(TileGeometry, PaddedInTheBuffersRank) {
  const ir::DType bf16 = *ir::ParseDType("bfloat16");
  EXPECT_EQ(ir::TileGeometryOf({1000}, 32, 32, bf16).PaddedInRank(1), std::vector<int64_t>{1024});
  EXPECT_EQ(ir::TileGeometryOf({2, 33, 33}, 32, 32, bf16).PaddedInRank(3), (std::vector<int64_t>{2, 64, 64}));
}

TEST(TileGeometry, ExplicitPaddedNeverShrinksTheShape) {
  const ir::TileGeometry g = ir::TileGeometryOf({100, 100}, 32, 32, *ir::ParseDType("bfloat16"), {64, 128});
  EXPECT_EQ(g.padded, (std::vector<int64_t>{100, 128}));
}

TEST(TileGeometry, ViewOfAShape) {
  EXPECT_EQ(ir::TileView({7}), (std::vector<int64_t>{1, 7}));
  EXPECT_EQ(ir::TileView({4, 7}), (std::vector<int64_t>{4, 7}));
  EXPECT_EQ(ir::TileView({2, 4, 7}), (std::vector<int64_t>{2, 4, 7}));
}

}  // namespace
}  // namespace ttc
