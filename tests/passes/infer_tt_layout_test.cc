// PASSES.md section 4 (infer_tt_layout / InferTTLayout): resolution of each buffer's layout,
// nd_shard projection, and every diagnostic of the section.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "passes/attrs.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::CompileWith;
using testing::Errors;
using testing::FirstError;
using testing::Ints;
using testing::kThroughLayout;
using testing::LayoutOf;
using testing::RankedRequest;
using testing::SetNdShard;
using testing::ShardInL1;
using testing::SimpleRequest;

const ir::AttrValue& BufferAttr(const CompileResult& r, const std::string& name) {
  return r.unit.func.attrs.at(attr::BufferKey(name));
}

TEST(InferTTLayout, DefaultsAreDramInterleavedWithTheFunctionTile) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), kThroughLayout);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  for (const char* name : {"A", "B", "C"}) {
    SCOPED_TRACE(name);
    const auto& b = BufferAttr(r, name);
    EXPECT_EQ(b.at("memory"), "DRAM");
    EXPECT_EQ(b.at("layout"), "interleaved");
    EXPECT_EQ(Ints(b.at("tile_shape")), (std::vector<int64_t>{32, 32}));
    EXPECT_EQ(b.at("dtype"), "bfloat16");
    EXPECT_EQ(b.at("needs_padding"), false);
    EXPECT_FALSE(b.contains("padded_shape"));
    EXPECT_FALSE(b.contains("nd_shard"));
  }
  // On-chip buffers get no tt.buffer entry.
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::BufferKey("A_tile")));
}

TEST(InferTTLayout, PaddingIsRecorded) {
  auto r = CompileWith(SimpleRequest({4, 4}, {100, 100}), kThroughLayout);
  ASSERT_TRUE(r.ok());
  const auto& b = BufferAttr(r, "A");
  EXPECT_EQ(b.at("needs_padding"), true);
  EXPECT_EQ(Ints(b.at("padded_shape")), (std::vector<int64_t>{128, 128}));
}

TEST(InferTTLayout, AnnotationOverridesDtypeAndTileShape) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  auto& l = LayoutOf(req, "B");
  l.set_dtype("float32");
  l.add_tile_shape(16);
  l.add_tile_shape(32);
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(BufferAttr(r, "B").at("dtype"), "float32");
  EXPECT_EQ(Ints(BufferAttr(r, "B").at("tile_shape")), (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(BufferAttr(r, "A").at("dtype"), "bfloat16");
}

struct NormaliseCase {
  std::string name;
  std::string memory, layout;  // annotation values ("" = not annotated)
  bool with_nd_shard;
  std::string want_memory, want_layout;
};

class InferTTLayoutNamesTest : public ::testing::TestWithParam<NormaliseCase> {};

TEST_P(InferTTLayoutNamesTest, NamesNormalise) {
  const NormaliseCase& c = GetParam();
  auto req = SimpleRequest({16, 4}, {128, 512});
  auto& l = LayoutOf(req, "A");
  if (c.with_nd_shard) SetNdShard(l, {"M", "N"}, {2, 4}, {64, 128});
  l.set_memory(c.memory);
  l.set_layout(c.layout);
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(BufferAttr(r, "A").at("memory"), c.want_memory);
  EXPECT_EQ(BufferAttr(r, "A").at("layout"), c.want_layout);
}

INSTANTIATE_TEST_SUITE_P(
    Annotations, InferTTLayoutNamesTest,
    ::testing::Values(NormaliseCase{"Defaults", "", "", false, "DRAM", "interleaved"},
                      NormaliseCase{"Interleaved", "DRAM", "interleaved", false, "DRAM", "interleaved"},
                      NormaliseCase{"DramInterleaved", "DRAM", "dram_interleaved", false, "DRAM", "interleaved"},
                      NormaliseCase{"DramSharded", "DRAM", "sharded", true, "DRAM", "sharded"},
                      NormaliseCase{"L1Sharded", "L1", "sharded", true, "L1", "sharded"},
                      NormaliseCase{"LowerCaseL1", "l1", "sharded", true, "L1", "sharded"},
                      NormaliseCase{"L1Interleaved", "L1", "interleaved", false, "L1", "interleaved"}),
    [](const ::testing::TestParamInfo<NormaliseCase>& i) { return i.param.name; });

TEST(InferTTLayout, LegacyShardMetadataSuppliesTheLayoutWhenUnannotated) {
  // No annotation: infer_default_tt_shard's "dram_interleaved" is read and normalised.
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), kThroughLayout);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.unit.func.attrs.at(attr::kShard).at("A").at("layout"), "dram_interleaved");
  EXPECT_EQ(BufferAttr(r, "A").at("layout"), "interleaved");
}

// Check: A 128x512 with nd_shard{axes [M,N], grid [2,4], shard_shape_elems [64,128]} ->
// projected_grid [2,4], projected_shard_tiles [2,4].
TEST(InferTTLayout, SpecCheckProjects128x512Shard) {
  auto req = SimpleRequest({16, 4}, {128, 512});
  ShardInL1(req, "A", {2, 4}, {64, 128});
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& nd = BufferAttr(r, "A").at("nd_shard");
  EXPECT_EQ(nd.at("axes"), (std::vector<std::string>{"M", "N"}));
  EXPECT_EQ(Ints(nd.at("grid")), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(Ints(nd.at("shard_shape_elems")), (std::vector<int64_t>{64, 128}));
  EXPECT_EQ(nd.at("order"), "row_major");
  EXPECT_EQ(nd.at("align_tiles"), true);
  EXPECT_EQ(Ints(nd.at("projected_grid")), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(Ints(nd.at("projected_shard_tiles")), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(BufferAttr(r, "A").at("memory"), "L1");
  EXPECT_EQ(BufferAttr(r, "A").at("layout"), "sharded");
}

struct ProjectionCase {
  std::string name;
  std::vector<int64_t> shape;
  std::string memory;
  std::vector<std::string> axes;
  std::vector<int64_t> grid, shard;
  std::vector<int64_t> tile;  // annotated tile_shape; empty = default
  std::vector<int64_t> want_grid, want_tiles;
};

class InferTTLayoutProjectionTest : public ::testing::TestWithParam<ProjectionCase> {};

TEST_P(InferTTLayoutProjectionTest, ProjectsMAndNOntoTheCorePlane) {
  const ProjectionCase& c = GetParam();
  auto req = RankedRequest({1}, c.shape);
  auto& l = LayoutOf(req, "A");
  l.set_memory(c.memory);
  SetNdShard(l, c.axes, c.grid, c.shard);
  for (int64_t t : c.tile) l.add_tile_shape(t);
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& nd = BufferAttr(r, "A").at("nd_shard");
  EXPECT_EQ(Ints(nd.at("projected_grid")), c.want_grid);
  EXPECT_EQ(Ints(nd.at("projected_shard_tiles")), c.want_tiles);
}

INSTANTIATE_TEST_SUITE_P(
    Shards, InferTTLayoutProjectionTest,
    ::testing::Values(
        ProjectionCase{"Dram128x512", {128, 512}, "DRAM", {"M", "N"}, {2, 4}, {64, 128}, {}, {2, 4}, {2, 4}},
        // axes in the other order: Gy = grid[M], Gx = grid[N] wherever they are
        ProjectionCase{"AxesNM", {512, 128}, "L1", {"N", "M"}, {4, 2}, {128, 64}, {}, {2, 4}, {2, 4}},
        // a batch axis with grid 1 does not project
        ProjectionCase{"BatchAxis", {2, 128, 512}, "L1", {"B", "M", "N"}, {1, 2, 4}, {2, 64, 128}, {}, {2, 4}, {2, 4}},
        ProjectionCase{"Tile16x16", {128, 512}, "L1", {"M", "N"}, {2, 4}, {64, 128}, {16, 16}, {2, 4}, {4, 8}},
        // Sm divides by the tile height, Sn by the tile width
        ProjectionCase{"Tile16x32", {128, 512}, "L1", {"M", "N"}, {2, 4}, {64, 128}, {16, 32}, {2, 4}, {4, 4}},
        // DRAM shards need no tile alignment: Sm = ceil(48/32), Sn = ceil(80/32)
        ProjectionCase{"DramUnaligned", {96, 160}, "DRAM", {"M", "N"}, {2, 2}, {48, 80}, {}, {2, 2}, {2, 3}},
        // last shard partially filled, but not empty
        ProjectionCase{"PartialLastShard", {96, 128}, "L1", {"M", "N"}, {2, 2}, {64, 64}, {}, {2, 2}, {2, 2}}),
    [](const ::testing::TestParamInfo<ProjectionCase>& i) { return i.param.name; });

// ---- Diagnostics ----

struct DiagCase {
  std::string name;
  std::vector<int64_t> shape;
  std::function<void(v1::KernelRequest&)> annotate;
  std::string prefix;                   // the message starts with this
  std::vector<std::string> substrings;  // and contains these
  std::string loc;                      // expected Diagnostic.loc.path
};

class InferTTLayoutDiagnosticsTest : public ::testing::TestWithParam<DiagCase> {};

TEST_P(InferTTLayoutDiagnosticsTest, ReportsTheUserError) {
  const DiagCase& c = GetParam();
  auto req = RankedRequest({1}, c.shape);
  c.annotate(req);
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(Errors(r).size(), 1u) << ::testing::PrintToString(Errors(r));
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_THAT(d->message, StartsWith(c.prefix));
  for (const std::string& s : c.substrings) EXPECT_THAT(d->message, HasSubstr(s));
  EXPECT_FALSE(d->internal);
  EXPECT_EQ(d->pass, "infer_tt_layout");
  EXPECT_EQ(d->loc.path, c.loc);
  EXPECT_EQ(r.pipeline.failed_pass, "infer_tt_layout");
  // The failing buffer gets no entry.
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::BufferKey("A")));
}

void L1Shard(v1::KernelRequest& req, std::vector<int64_t> grid, std::vector<int64_t> shard) {
  ShardInL1(req, "A", grid, shard);
}

INSTANTIATE_TEST_SUITE_P(
    Section4, InferTTLayoutDiagnosticsTest,
    ::testing::Values(
        DiagCase{"UnknownLayout",
                 {256, 256},
                 [](v1::KernelRequest& r) { LayoutOf(r, "A").set_layout("blocked"); },
                 "unknown layout 'blocked' for buffer 'A'; expected interleaved or sharded",
                 {},
                 "layouts[\"A\"].layout"},
        DiagCase{"UnknownMemory",
                 {256, 256},
                 [](v1::KernelRequest& r) { LayoutOf(r, "A").set_memory("SRAM"); },
                 "unknown memory 'SRAM' for buffer 'A'",
                 {"DRAM or L1"},
                 "layouts[\"A\"].memory"},
        DiagCase{"Halo",
                 {128, 512},
                 [](v1::KernelRequest& r) {
                   ShardInL1(r, "A", {2, 4}, {64, 128});
                   LayoutOf(r, "A").mutable_halo()->add_widths(1);
                 },
                 "halo unsupported: buffer 'A' requests a halo region",
                 {},
                 "layouts[\"A\"].halo"},
        DiagCase{"MissingGrid",
                 {128, 512},
                 [](v1::KernelRequest& r) {
                   ShardInL1(r, "A", {2, 4}, {64, 128});
                   LayoutOf(r, "A").mutable_nd_shard()->clear_grid();
                 },
                 "nd_shard incomplete: buffer 'A' is missing 'grid'",
                 {},
                 "layouts[\"A\"].nd_shard"},
        DiagCase{"MissingAxes",
                 {128, 512},
                 [](v1::KernelRequest& r) {
                   ShardInL1(r, "A", {2, 4}, {64, 128});
                   LayoutOf(r, "A").mutable_nd_shard()->clear_axes();
                 },
                 "nd_shard incomplete: buffer 'A' is missing 'axes'",
                 {},
                 "layouts[\"A\"].nd_shard"},
        DiagCase{"MissingShardShape",
                 {128, 512},
                 [](v1::KernelRequest& r) {
                   ShardInL1(r, "A", {2, 4}, {64, 128});
                   LayoutOf(r, "A").mutable_nd_shard()->clear_shard_shape_elems();
                 },
                 "nd_shard incomplete: buffer 'A' is missing 'shard_shape_elems'",
                 {},
                 "layouts[\"A\"].nd_shard"},
        DiagCase{"ShardedWithoutNdShard",
                 {128, 512},
                 [](v1::KernelRequest& r) { LayoutOf(r, "A").set_layout("sharded"); },
                 "nd_shard incomplete: buffer 'A'",
                 {"no nd_shard"},
                 "layouts[\"A\"].layout"},
        DiagCase{"AxesWithoutN",
                 {128, 512},
                 [](v1::KernelRequest& r) {
                   LayoutOf(r, "A").set_memory("L1");
                   SetNdShard(LayoutOf(r, "A"), {"M", "K"}, {2, 4}, {64, 128});
                 },
                 "nd_shard axes: buffer 'A' must shard axes 'M' and 'N'",
                 {},
                 "layouts[\"A\"].nd_shard.axes"},
        DiagCase{"OtherAxisWithGrid2",
                 {2, 128, 512},
                 [](v1::KernelRequest& r) {
                   LayoutOf(r, "A").set_memory("L1");
                   SetNdShard(LayoutOf(r, "A"), {"B", "M", "N"}, {2, 2, 4}, {1, 64, 128});
                 },
                 "nd_shard axes: buffer 'A' axis 'B' has grid 2; only M and N project onto cores",
                 {},
                 "layouts[\"A\"].nd_shard.grid"},
        DiagCase{"CoverageNotCovered",
                 {256, 512},
                 [](v1::KernelRequest& r) { L1Shard(r, {2, 4}, {64, 128}); },
                 "nd_shard coverage: buffer 'A' dimension M=256 is not covered by grid 2 x shard 64",
                 {},
                 "layouts[\"A\"].nd_shard"},
        // The design's own 128x256 example leaves two empty shards along N.
        DiagCase{"CoverageEmptyShards",
                 {128, 256},
                 [](v1::KernelRequest& r) { L1Shard(r, {2, 4}, {64, 128}); },
                 "nd_shard coverage: buffer 'A' dimension N=256",
                 {"empty shard", "grid 4 x shard 128"},
                 "layouts[\"A\"].nd_shard"},
        // Check: a 48x80 L1 shard fails on alignment.
        DiagCase{"L1Unaligned48x80",
                 {96, 160},
                 [](v1::KernelRequest& r) { L1Shard(r, {2, 2}, {48, 80}); },
                 "L1 shard requires tile alignment: buffer 'A' shard [48, 80] is not a multiple of tile [32, 32]",
                 {},
                 "layouts[\"A\"].nd_shard.shard_shape_elems"},
        DiagCase{"L1AlignTilesFalse",
                 {128, 512},
                 [](v1::KernelRequest& r) {
                   L1Shard(r, {2, 4}, {64, 128});
                   LayoutOf(r, "A").mutable_nd_shard()->set_align_tiles(false);
                 },
                 "L1 shard requires tile alignment: buffer 'A'",
                 {"align_tiles"},
                 "layouts[\"A\"].nd_shard.align_tiles"},
        // 32 x 32 tiles x 2048 B = 2 MiB > the 1 MiB wormhole_b0 budget.
        DiagCase{"L1ExceedsCapacity",
                 {1024, 1024},
                 [](v1::KernelRequest& r) { L1Shard(r, {1, 1}, {1024, 1024}); },
                 "L1 shard exceeds capacity: buffer 'A' needs 2097152 bytes",
                 {"32 x 32 tiles", "2048 bytes", "but the CB budget is 1048576 bytes"},
                 "layouts[\"A\"].nd_shard"},
        // 16 x 32 tiles x 2048 B x cb_depth 2 = 2 MiB: the depth counts.
        DiagCase{"L1ExceedsCapacityWithDepth",
                 {512, 1024},
                 [](v1::KernelRequest& r) {
                   L1Shard(r, {1, 1}, {512, 1024});
                   LayoutOf(r, "A").set_cb_depth(2);
                 },
                 "L1 shard exceeds capacity: buffer 'A' needs 2097152 bytes",
                 {"cb_depth 2", "but the CB budget is 1048576 bytes"},
                 "layouts[\"A\"].nd_shard"},
        // A 4096-byte budget override: 2 x 4 tiles x 2048 B = 16384 B.
        DiagCase{"L1ExceedsOverriddenBudget",
                 {128, 512},
                 [](v1::KernelRequest& r) {
                   L1Shard(r, {2, 4}, {64, 128});
                   r.mutable_target()->set_cb_budget_bytes(4096);
                 },
                 "L1 shard exceeds capacity: buffer 'A' needs 16384 bytes",
                 {"but the CB budget is 4096 bytes"},
                 "layouts[\"A\"].nd_shard"},
        DiagCase{"AutoPromotion",
                 {256, 256},
                 [](v1::KernelRequest& r) { LayoutOf(r, "A").set_memory("auto"); },
                 "L1 auto-promotion unsupported: buffer 'A'",
                 {},
                 "layouts[\"A\"].memory"},
        DiagCase{"UnknownDataFormat",
                 {256, 256},
                 [](v1::KernelRequest& r) { LayoutOf(r, "A").set_data_format("Float8"); },
                 "unknown data_format 'Float8' for buffer 'A'",
                 {"Float16_b"},
                 "layouts[\"A\"].data_format"},
        DiagCase{"TileShapeTooWide",
                 {256, 256},
                 [](v1::KernelRequest& r) {
                   LayoutOf(r, "A").add_tile_shape(32);
                   LayoutOf(r, "A").add_tile_shape(64);
                 },
                 "tile_shape [32, 64] for buffer 'A' is not a TT tile",
                 {},
                 "layouts[\"A\"].tile_shape"},
        DiagCase{"TileShapeOneEntry",
                 {256, 256},
                 [](v1::KernelRequest& r) { LayoutOf(r, "A").add_tile_shape(32); },
                 "tile_shape [32] for buffer 'A' is not a TT tile",
                 {},
                 "layouts[\"A\"].tile_shape"},
        DiagCase{"CbDepthZero",
                 {256, 256},
                 [](v1::KernelRequest& r) { LayoutOf(r, "A").set_cb_depth(0); },
                 "cb_depth for buffer 'A' must be at least 1, got 0",
                 {},
                 "layouts[\"A\"].cb_depth"},
        DiagCase{"UnknownDtypeOverride",
                 {256, 256},
                 [](v1::KernelRequest& r) { LayoutOf(r, "A").set_dtype("float13"); },
                 "unknown dtype 'float13' for buffer 'A'",
                 {},
                 "layouts[\"A\"].dtype"}),
    [](const ::testing::TestParamInfo<DiagCase>& i) { return i.param.name; });

TEST(InferTTLayout, L1ShardExactlyAtTheBudgetFits) {
  // 16 x 32 tiles x 2048 B x cb_depth 1 = 1 MiB: not above the budget. (Without a cb_depth
  // annotation the capacity check counts one copy of the shard, as infer_tt_layout.h says.)
  auto req = SimpleRequest({1, 1}, {512, 1024});
  ShardInL1(req, "A", {1, 1}, {512, 1024});
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Ints(BufferAttr(r, "A").at("nd_shard").at("projected_shard_tiles")), (std::vector<int64_t>{16, 32}));
}

TEST(InferTTLayout, EveryBufferReportsItsFirstError) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  LayoutOf(req, "A").set_layout("blocked");
  LayoutOf(req, "A").set_memory("auto");  // A's first error is the memory
  LayoutOf(req, "C").set_cb_depth(0);
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), ::testing::ElementsAre(StartsWith("L1 auto-promotion unsupported: buffer 'A'"),
                                                StartsWith("cb_depth for buffer 'C' must be at least 1")));
  // B is fine and resolved.
  EXPECT_TRUE(r.unit.func.attrs.contains(attr::BufferKey("B")));
}

TEST(InferTTLayout, NdShardOnAnInterleavedLayoutIsRejected) {
  auto req = SimpleRequest({16, 4}, {128, 512});
  auto& l = LayoutOf(req, "A");
  SetNdShard(l, {"M", "N"}, {2, 4}, {64, 128});
  l.set_layout("interleaved");
  auto r = CompileWith(req, kThroughLayout);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r).at(0), AllOf(StartsWith("nd_shard requires layout 'sharded': buffer 'A'"),
                                     HasSubstr("'interleaved'")));
}

}  // namespace
}  // namespace ttc
