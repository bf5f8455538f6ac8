// PASSES.md section 8 (tt_tiles_to_core_map): tt_core_ranges as nested merged rectangles of
// the cores with work, tt_core_coords (core id, logical (y, x), NoC (x, y)) one per used core
// in row order; the per-core argument rows of section 6 are left alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ir/structural_equal.h"
#include "passes/attrs.h"
#include "passes/tt_tiles_to_core_map.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using testing::CompileWith;
using testing::Errors;
using testing::Ints;
using testing::LoadExample;
using testing::SimpleRequest;
using testing::Through;

constexpr char kPass[] = "tt_tiles_to_core_map";

CompileResult CoreMap(const v1::KernelRequest& req, const std::string& target = "") {
  auto r = CompileWith(req, Through(kPass), target);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  return r;
}

std::vector<std::vector<int64_t>> Ranges(const ir::PrimFunc& f) {
  return f.attrs.at(attr::kCoreRangesLegacy).get<std::vector<std::vector<int64_t>>>();
}

TEST(TTTilesToCoreMap, FullGridIsOneRangeAndSixtyFourCoords) {
  auto r = CoreMap(SimpleRequest({8, 8}, {256, 256}));
  const auto& f = r.unit.func;
  EXPECT_EQ(Ranges(f), (std::vector<std::vector<int64_t>>{{0, 0, 7, 7}}));
  const auto& coords = f.attrs.at(attr::kCoreCoords);
  ASSERT_EQ(coords.size(), 64u);
  // Row order: entry i is core i.
  for (size_t i = 0; i < coords.size(); ++i) {
    EXPECT_EQ(coords[i].at("core_id"), static_cast<int64_t>(i));
    EXPECT_EQ(Ints(coords[i].at("logical")), (std::vector<int64_t>{static_cast<int64_t>(i) / 8,
                                                                    static_cast<int64_t>(i) % 8}));
  }
  EXPECT_EQ(coords[9].at("core_id"), 9);
  EXPECT_EQ(Ints(coords[9].at("logical")), (std::vector<int64_t>{1, 1}));
}

TEST(TTTilesToCoreMap, WormholeNocCoordinatesSkipTheNonWorkerColumnAndRow) {
  // wormhole_b0 workers sit at NoC x in {1..4, 6..9} and y in {1..5, 7..11}.
  auto r = CoreMap(SimpleRequest({8, 8}, {256, 256}));
  const auto& coords = r.unit.func.attrs.at(attr::kCoreCoords);
  ASSERT_EQ(coords.size(), 64u);
  EXPECT_EQ(Ints(coords[0].at("noc")), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(Ints(coords[9].at("noc")), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(Ints(coords[3].at("noc")), (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(Ints(coords[4].at("noc")), (std::vector<int64_t>{6, 1}));   // x = 5 is not a worker
  EXPECT_EQ(Ints(coords[40].at("noc")), (std::vector<int64_t>{1, 7}));  // y = 6 is not a worker
  EXPECT_EQ(Ints(coords[63].at("noc")), (std::vector<int64_t>{9, 9}));
}

TEST(TTTilesToCoreMap, PartlyUsedGridMergesRowsIntoRectangles) {
  // 16 work units: cores 0..15 = rows 0 and 1.
  auto r16 = CoreMap(SimpleRequest({4, 4}, {128, 128}));
  EXPECT_EQ(Ranges(r16.unit.func), (std::vector<std::vector<int64_t>>{{0, 0, 1, 7}}));
  EXPECT_EQ(r16.unit.func.attrs.at(attr::kCoreCoords).size(), 16u);
  // 10 work units: row 0 and the first two cores of row 1.
  auto r10 = CoreMap(SimpleRequest({10}, {32, 320}));
  EXPECT_EQ(Ranges(r10.unit.func), (std::vector<std::vector<int64_t>>{{0, 0, 0, 7}, {1, 0, 1, 1}}));
  const auto& coords = r10.unit.func.attrs.at(attr::kCoreCoords);
  ASSERT_EQ(coords.size(), 10u);
  EXPECT_EQ(coords[9].at("core_id"), 9);
  EXPECT_EQ(Ints(coords[9].at("logical")), (std::vector<int64_t>{1, 1}));
}

TEST(TTTilesToCoreMap, NestedRangesEqualTheFlatCoreRangeSet) {
  for (const auto& req : {SimpleRequest({10}, {32, 320}), SimpleRequest({10, 10}, {320, 320}),
                          LoadExample("gemm_l1_sharded"), LoadExample("kernel_3d")}) {
    auto r = CoreMap(req);
    std::vector<int64_t> flat;
    for (const auto& range : Ranges(r.unit.func)) flat.insert(flat.end(), range.begin(), range.end());
    EXPECT_EQ(flat, Ints(r.unit.func.attrs.at(attr::kCoreRanges)));
    // One coordinate per used core, as many as per-core argument rows.
    EXPECT_EQ(r.unit.func.attrs.at(attr::kCoreCoords).size(), r.unit.func.attrs.at(attr::kCoreRuntimeArgs).size());
  }
}

TEST(TTTilesToCoreMap, LocalShardUsesTheShardGrid) {
  auto r = CoreMap(LoadExample("gemm_l1_sharded"));
  EXPECT_EQ(Ranges(r.unit.func), (std::vector<std::vector<int64_t>>{{0, 0, 1, 3}}));
  const auto& coords = r.unit.func.attrs.at(attr::kCoreCoords);
  ASSERT_EQ(coords.size(), 8u);
  EXPECT_EQ(coords[4].at("core_id"), 8);  // (1, 0) on an 8-column grid
  EXPECT_EQ(Ints(coords[4].at("logical")), (std::vector<int64_t>{1, 0}));
}

TEST(TTTilesToCoreMap, BlackholeCoreIdsUseItsThirteenColumns) {
  auto r = CoreMap(SimpleRequest({15}, {32, 480}), "blackhole");
  const auto& coords = r.unit.func.attrs.at(attr::kCoreCoords);
  ASSERT_EQ(coords.size(), 15u);
  EXPECT_EQ(Ranges(r.unit.func), (std::vector<std::vector<int64_t>>{{0, 0, 0, 12}, {1, 0, 1, 1}}));
  EXPECT_EQ(coords[13].at("core_id"), 13);
  EXPECT_EQ(Ints(coords[13].at("logical")), (std::vector<int64_t>{1, 0}));
  // Blackhole workers: NoC x in {1..7, 10..16}, y from 2.
  EXPECT_EQ(Ints(coords[7].at("noc")), (std::vector<int64_t>{10, 2}));
  EXPECT_EQ(Ints(coords[13].at("noc")), (std::vector<int64_t>{1, 3}));
}

TEST(TTTilesToCoreMap, DoesNotTouchThePerCoreArgumentRowsOrAnythingElse) {
  for (const auto& req : {SimpleRequest({10, 10}, {320, 320}), LoadExample("gemm_l1_sharded")}) {
    auto before = CompileWith(req, Through("grid_to_persistent_tt"));
    ASSERT_TRUE(before.ok());
    ir::PrimFunc after = before.unit.func;
    DiagnosticEngine diag;
    PassContext ctx{before.unit.target, diag, {}, {}};
    TTTilesToCoreMap(ctx, after);
    EXPECT_FALSE(diag.has_errors());
    EXPECT_EQ(after.attrs.at(attr::kCoreRuntimeArgs), before.unit.func.attrs.at(attr::kCoreRuntimeArgs));
    // Exactly the two attributes added, nothing else changed.
    ASSERT_TRUE(after.attrs.contains(attr::kCoreRangesLegacy));
    ASSERT_TRUE(after.attrs.contains(attr::kCoreCoords));
    after.attrs.erase(attr::kCoreRangesLegacy);
    after.attrs.erase(attr::kCoreCoords);
    EXPECT_TRUE(ir::StructuralEqual(after, before.unit.func));
  }
}

}  // namespace
}  // namespace ttc
