// PASSES.md section 3 (infer_default_tt_shard): tile counts, padding, the per-buffer
// attributes and the consolidated tt_shard map.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "passes/attrs.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using testing::CompileWith;
using testing::Errors;
using testing::Ints;
using testing::kThroughShard;
using testing::LayoutOf;
using testing::RankedRequest;
using testing::SimpleRequest;

struct TileCase {
  std::string name;
  std::vector<int64_t> shape;
  int64_t tiles_h, tiles_w;
  bool needs_padding;
  std::vector<int64_t> padded;  // expected tt_padded_shape; empty = absent
  int64_t num_pages;            // tiles including leading dims
};

class InferDefaultTTShardTilesTest : public ::testing::TestWithParam<TileCase> {};

TEST_P(InferDefaultTTShardTilesTest, TilesAndPaddingFollowTheLastTwoDimensions) {
  const TileCase& c = GetParam();
  auto r = CompileWith(RankedRequest({1}, c.shape), kThroughShard);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  for (const char* name : {"A", "B", "C"}) {
    SCOPED_TRACE(name);
    const auto& b = r.unit.func.buffer_attrs.at(name);
    EXPECT_EQ(b.at(attr::kBufLayout), "dram_interleaved");
    EXPECT_EQ(Ints(b.at(attr::kBufTileShape)), (std::vector<int64_t>{32, 32}));
    EXPECT_EQ(b.at(attr::kBufNumTilesHeight), c.tiles_h);
    EXPECT_EQ(b.at(attr::kBufNumTilesWidth), c.tiles_w);
    EXPECT_EQ(b.at(attr::kBufNeedsPadding), c.needs_padding);
    if (c.padded.empty()) {
      EXPECT_FALSE(b.contains(attr::kBufPaddedShape));
    } else {
      EXPECT_EQ(Ints(b.at(attr::kBufPaddedShape)), c.padded);
    }
    EXPECT_EQ(b.at(attr::kBufTensorAccessorConfig).at("num_pages"), c.num_pages);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, InferDefaultTTShardTilesTest,
    ::testing::Values(
        // Check: 256x256 -> 8x8 tiles, no padding
        TileCase{"Aligned256x256", {256, 256}, 8, 8, false, {}, 64},
        // Check: 100x100 -> 4x4 tiles, padded [128, 128]
        TileCase{"Padded100x100", {100, 100}, 4, 4, true, {128, 128}, 16},
        TileCase{"Padded250x250", {250, 250}, 8, 8, true, {256, 256}, 64},
        TileCase{"PaddedOnlyN", {64, 40}, 2, 2, true, {64, 64}, 4},
        TileCase{"Rectangular64x96", {64, 96}, 2, 3, false, {}, 6},
        // rank 1 is treated as [1, N]
        TileCase{"Rank1", {1000}, 1, 32, true, {32, 1024}, 32},
        // leading dimensions multiply the pages, not the tile grid
        TileCase{"Rank3", {2, 64, 64}, 2, 2, false, {}, 8}),
    [](const ::testing::TestParamInfo<TileCase>& i) { return i.param.name; });

TEST(InferDefaultTTShard, TensorAccessorConfigDescribesDramInterleavedTiles) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), kThroughShard);
  ASSERT_TRUE(r.ok());
  const auto& cfg = r.unit.func.buffer_attrs.at("A").at(attr::kBufTensorAccessorConfig);
  EXPECT_EQ(cfg.at("memory"), "DRAM");
  EXPECT_EQ(cfg.at("layout"), "interleaved");
  EXPECT_EQ(cfg.at("page_size"), 2048);  // bf16 32x32
  EXPECT_EQ(cfg.at("num_pages"), 64);
  EXPECT_EQ(cfg.at("bank_count"), 12);  // wormhole_b0 DRAM banks
}

TEST(InferDefaultTTShard, PageSizeFollowsTheDtype) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}, "float32"), kThroughShard);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.unit.func.buffer_attrs.at("C").at(attr::kBufTensorAccessorConfig).at("page_size"), 4096);
}

TEST(InferDefaultTTShard, AnnotatedTileShapeIsUsed) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  LayoutOf(req, "A").add_tile_shape(16);
  LayoutOf(req, "A").add_tile_shape(16);
  auto r = CompileWith(req, kThroughShard);
  ASSERT_TRUE(r.ok());
  const auto& a = r.unit.func.buffer_attrs.at("A");
  EXPECT_EQ(Ints(a.at(attr::kBufTileShape)), (std::vector<int64_t>{16, 16}));
  EXPECT_EQ(a.at(attr::kBufNumTilesHeight), 16);
  EXPECT_EQ(a.at(attr::kBufNumTilesWidth), 16);
  EXPECT_EQ(a.at(attr::kBufTensorAccessorConfig).at("page_size"), 512);
  // B keeps the function's 32x32 tile.
  EXPECT_EQ(r.unit.func.buffer_attrs.at("B").at(attr::kBufNumTilesHeight), 8);
}

TEST(InferDefaultTTShard, FunctionTileAttributesSetByTheRequestAreUsed) {
  // The request sets all five tt_ defaults itself, with a 16x16 tile; apply_tt_defaults
  // adds nothing and the whole pipeline uses the request's tile.
  auto req = SimpleRequest({8, 8}, {256, 256});
  auto& attrs = *req.mutable_func()->mutable_attrs();
  attrs["tt_schedule_policy"].set_string_value("contiguous");
  attrs["tt_schedule_order"].set_string_value("row_major");
  attrs["tt_layout_type"].set_string_value("dram_interleaved");
  attrs["tt_tile_height"].set_int_value(16);
  attrs["tt_tile_width"].set_int_value(16);
  auto r = CompileWith(req);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& a = r.unit.func.buffer_attrs.at("A");
  EXPECT_EQ(Ints(a.at(attr::kBufTileShape)), (std::vector<int64_t>{16, 16}));
  EXPECT_EQ(a.at(attr::kBufNumTilesHeight), 16);
  EXPECT_EQ(a.at(attr::kBufTensorAccessorConfig).at("page_size"), 512);
}

TEST(InferDefaultTTShard, ConsolidatedShardMapHasEveryGlobalBuffer) {
  auto r = CompileWith(SimpleRequest({4, 4}, {100, 100}), kThroughShard);
  ASSERT_TRUE(r.ok());
  const auto& shard = r.unit.func.attrs.at(attr::kShard);
  ASSERT_EQ(shard.size(), 3u);
  for (const char* name : {"A", "B", "C"}) {
    SCOPED_TRACE(name);
    const auto& e = shard.at(name);
    EXPECT_EQ(e.at("layout"), "dram_interleaved");
    EXPECT_EQ(Ints(e.at("tile_shape")), (std::vector<int64_t>{32, 32}));
    EXPECT_EQ(e.at("tiles_height"), 4);
    EXPECT_EQ(e.at("tiles_width"), 4);
    EXPECT_EQ(e.at("needs_padding"), true);
    EXPECT_EQ(Ints(e.at("padded_shape")), (std::vector<int64_t>{128, 128}));
  }
  // On-chip buffers are not global buffers.
  EXPECT_FALSE(shard.contains("A_tile"));
  EXPECT_FALSE(r.unit.func.buffer_attrs.contains("A_tile"));
}

}  // namespace
}  // namespace ttc
