// passes/attrs.h: the typed attributes round-trip through their serialized JSON, and
// infer_tt_layout resolves each buffer once into tt.buffer.<B> with its tile geometry.
#include "passes/attrs.h"

#include <gtest/gtest.h>

#include "passes/core_ranges.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using testing::CompileWith;
using testing::Errors;
using testing::kThroughLayout;
using testing::LayoutOf;
using testing::RankedRequest;
using testing::SimpleRequest;

TEST(Attrs, BufferLayoutRoundTripsWithTheOptionalCircularBufferFields) {
  BufferLayoutAttr a;
  a.memory = "DRAM";
  a.layout = "interleaved";
  a.tile_shape = {32, 32};
  a.dtype = "bfloat16";
  auto plain = BufferLayoutFromAttr(ToAttr(a));
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(ToAttr(a).contains("cb_depth"));
  EXPECT_FALSE(ToAttr(a).contains("data_format"));
  EXPECT_EQ(plain->ResolvedDataFormat(), "Float16_b");
  a.cb_depth = 3;
  a.data_format = "Bfp8_b";
  auto back = BufferLayoutFromAttr(ToAttr(a));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->cb_depth, 3);
  EXPECT_EQ(back->ResolvedDataFormat(), "Bfp8_b");
  ir::AttrValue bad = ToAttr(a);
  bad["cb_depth"] = "three";
  EXPECT_FALSE(BufferLayoutFromAttr(bad).has_value());
}

TEST(Attrs, WorkPartitionRoundTrips) {
  WorkPartitionAttr p{attr::kModeGlobal, "row_major", {8, 8}, {{0, 0, 7, 7}}, {}, {}, {}};
  p.runtime_args.names = {"start_id", "count"};
  p.runtime_args.constants = {{"Mt", 8}};
  for (int i = 0; i < 64; ++i) p.runtime_args.per_core.push_back({i, 1});
  ir::AttrValue attrs = ir::AttrValue::object();
  SetWorkPartition(attrs, p);
  EXPECT_EQ(attrs[attr::kCoreRanges], (ir::AttrValue{0, 0, 7, 7}));
  EXPECT_FALSE(HasAttr(attrs, attr::kLocalShapeTiles));
  auto back = WorkPartitionOf(attrs);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->mode, p.mode);
  EXPECT_EQ(back->grid_tiles, p.grid_tiles);
  ASSERT_EQ(back->core_ranges.size(), 1u);
  EXPECT_EQ(back->core_ranges[0].y1, 7);
  EXPECT_EQ(back->runtime_args.per_core, p.runtime_args.per_core);
  EXPECT_EQ(back->runtime_args.constants, p.runtime_args.constants);
  EXPECT_EQ(RuntimeArgNamesOf(attrs), p.runtime_args.names);
  EXPECT_EQ(CoresWithWork(attrs), 64);
  EXPECT_FALSE(WorkPartitionOf(ir::AttrValue::object()).has_value());
}

TEST(Attrs, CircularBuffersKeepTheirOrderAndSumTheirBytes) {
  std::vector<CircularBuffer> cbs = {{16, "C_local", "output", 2048, 2, "Float16_b", 1, 1, 1},
                                     {0, "A_shared", "input", 2048, 4, "Float16_b", 2, 1, 2}};
  ir::AttrValue attrs = ir::AttrValue::object();
  SetCircularBuffers(attrs, cbs);
  EXPECT_EQ(GetInt(attrs, attr::kNumCbs, -1), 2);
  EXPECT_EQ(GetInt(attrs, attr::kL1Bytes, -1), 2048 * 6);
  const auto back = CircularBuffersFromAttrs(attrs);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].buffer, "C_local");
  EXPECT_EQ(back[1].tile_cols, 2);
}

TEST(Attrs, InferTTLayoutRecordsTheAnnotationsCircularBufferOptions) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  LayoutOf(req, "A").set_cb_depth(3);
  LayoutOf(req, "A").set_data_format("Float32");
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const ir::PrimFunc& f = r.unit.func;
  auto a = BufferLayoutOf(f, *f.FindParam("A"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->cb_depth, 3);
  EXPECT_EQ(a->ResolvedDataFormat(), "Float32");
  auto b = BufferLayoutOf(f, *f.FindParam("B"));
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->cb_depth.has_value());
  EXPECT_EQ(b->ResolvedDataFormat(), "Float16_b");
  EXPECT_EQ(b->geometry.tiles_h, 8);
  EXPECT_EQ(b->geometry.pages, 64);
}

TEST(Attrs, BufferLayoutOfGivesTheRank1GeometryAsOneRow) {
  auto r = CompileWith(RankedRequest({1}, {1000}), kThroughLayout);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const ir::PrimFunc& f = r.unit.func;
  auto a = BufferLayoutOf(f, *f.FindParam("A"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->padded_shape, (std::vector<int64_t>{32, 1024}));
  EXPECT_EQ(a->geometry.view, (std::vector<int64_t>{1, 1000}));
  EXPECT_EQ(a->geometry.tiles_w, 32);
  EXPECT_EQ(a->geometry.pages, 32);
}

}  // namespace
}  // namespace ttc
