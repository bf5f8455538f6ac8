// PASSES.md section 2 (infer_default_tt_schedule): the launch grid, the contiguous split with
// balanced remainder, tt_schedule and the runtime-argument schema.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "passes/attrs.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::HasSubstr;
using testing::CompileWith;
using testing::Errors;
using testing::Ints;
using testing::kThroughSchedule;
using testing::SimpleRequest;

// `cores` consecutive cores that each get `count` work units.
struct CoreRun {
  int64_t cores;
  int64_t count;
};

struct SplitCase {
  std::string name;
  std::vector<int64_t> extents;  // T.Kernel(...)
  int64_t total;                 // expected tt_num_tiles
  std::vector<CoreRun> runs;         // expected counts, core 0 upwards (64 cores in all)
};

class InferDefaultTTScheduleSplitTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(InferDefaultTTScheduleSplitTest, TilesPerCoreFollowsTheBalancedContiguousRule) {
  const SplitCase& c = GetParam();
  auto r = CompileWith(SimpleRequest(c.extents, {256, 256}), kThroughSchedule);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kNumTiles), c.total);
  EXPECT_EQ(a.at(attr::kNumCores), 64);
  const auto& rows = a.at(attr::kTilesPerCore);
  ASSERT_EQ(rows.size(), 64u);
  int64_t core = 0, start = 0;
  for (const CoreRun& run : c.runs) {
    for (int64_t i = 0; i < run.cores; ++i, ++core) {
      EXPECT_EQ(Ints(rows.at(core)), (std::vector<int64_t>{start, run.count})) << "core " << core;
      start += run.count;
    }
  }
  EXPECT_EQ(core, 64);
  EXPECT_EQ(start, c.total);
}

INSTANTIATE_TEST_SUITE_P(
    Checks, InferDefaultTTScheduleSplitTest,
    ::testing::Values(
        // 8x8 grid on 64 cores -> tt_tiles_per_core[i] == [i, 1]
        SplitCase{"Grid8x8", {8, 8}, 64, {{64, 1}}},
        // 4x4 -> cores 0..15 get one, 16..63 get [16, 0]
        SplitCase{"Grid4x4", {4, 4}, 16, {{16, 1}, {48, 0}}},
        // 16x16 -> 4 each, 256 total
        SplitCase{"Grid16x16", {16, 16}, 256, {{64, 4}}},
        // 1x1 -> core 0 gets [0, 1]
        SplitCase{"Grid1x1", {1, 1}, 1, {{1, 1}, {63, 0}}},
        // 100 units: 100 / 64 = 1 each plus one more on the first 100 % 64 = 36 cores
        SplitCase{"Grid10x10Remainder", {10, 10}, 100, {{36, 2}, {28, 1}}},
        // 1D launch: 70 units -> 6 cores get 2, 58 get 1
        SplitCase{"Kernel70", {70}, 70, {{6, 2}, {58, 1}}},
        // 3D launch: 2*2*2 = 8 units
        SplitCase{"Grid2x2x2", {2, 2, 2}, 8, {{8, 1}, {56, 0}}}),
    [](const ::testing::TestParamInfo<SplitCase>& i) { return i.param.name; });

TEST(InferDefaultTTSchedule, SpecCheckValuesSpelledOut) {
  // The literal Checks of section 2, independent of the table above.
  auto r4 = CompileWith(SimpleRequest({4, 4}, {128, 128}), kThroughSchedule);
  ASSERT_TRUE(r4.ok());
  const auto& rows4 = r4.unit.func.attrs.at(attr::kTilesPerCore);
  EXPECT_EQ(Ints(rows4.at(15)), (std::vector<int64_t>{15, 1}));
  EXPECT_EQ(Ints(rows4.at(16)), (std::vector<int64_t>{16, 0}));
  EXPECT_EQ(Ints(rows4.at(63)), (std::vector<int64_t>{16, 0}));

  auto r1 = CompileWith(SimpleRequest({1, 1}, {32, 32}), kThroughSchedule);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(Ints(r1.unit.func.attrs.at(attr::kTilesPerCore).at(0)), (std::vector<int64_t>{0, 1}));

  auto r16 = CompileWith(SimpleRequest({16, 16}, {512, 512}), kThroughSchedule);
  ASSERT_TRUE(r16.ok());
  EXPECT_EQ(r16.unit.func.attrs.at(attr::kNumTiles), 256);
  EXPECT_EQ(Ints(r16.unit.func.attrs.at(attr::kTilesPerCore).at(63)), (std::vector<int64_t>{252, 4}));
}

struct GridCase {
  std::string name;
  std::vector<int64_t> extents;
  int64_t gx, gy, gz;
};

class InferDefaultTTScheduleGridTest : public ::testing::TestWithParam<GridCase> {};

TEST_P(InferDefaultTTScheduleGridTest, GridAttributesComeFromTheLaunchWithAbsentAxesOne) {
  const GridCase& c = GetParam();
  auto r = CompileWith(SimpleRequest(c.extents, {64, 64}), kThroughSchedule);
  ASSERT_TRUE(r.ok());
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kGridX), c.gx);
  EXPECT_EQ(a.at(attr::kGridY), c.gy);
  EXPECT_EQ(a.at(attr::kGridZ), c.gz);
  EXPECT_EQ(a.at(attr::kNumTiles), c.gx * c.gy * c.gz);
  EXPECT_EQ(Ints(a.at(attr::kSchedule).at("grid_shape")), (std::vector<int64_t>{c.gx, c.gy, c.gz}));
}

INSTANTIATE_TEST_SUITE_P(Launches, InferDefaultTTScheduleGridTest,
                         ::testing::Values(GridCase{"OneAxis", {32}, 32, 1, 1},
                                           GridCase{"TwoAxes", {8, 4}, 8, 4, 1},
                                           GridCase{"ThreeAxes", {2, 3, 4}, 2, 3, 4}),
                         [](const ::testing::TestParamInfo<GridCase>& i) { return i.param.name; });

TEST(InferDefaultTTSchedule, ScheduleRecordMirrorsTheSplit) {
  auto r = CompileWith(SimpleRequest({4, 4}, {128, 128}), kThroughSchedule);
  ASSERT_TRUE(r.ok());
  const auto& a = r.unit.func.attrs;
  const auto& s = a.at(attr::kSchedule);
  EXPECT_EQ(s.at("policy"), "contiguous");
  EXPECT_EQ(s.at("order"), "row_major");
  EXPECT_EQ(s.at("total_tiles"), 16);
  EXPECT_EQ(s.at("num_cores"), 64);
  const auto& assignments = s.at("assignments");
  ASSERT_EQ(assignments.size(), 64u);
  const auto& rows = a.at(attr::kTilesPerCore);
  for (int64_t i = 0; i < 64; ++i) {
    const auto& as = assignments.at(i);
    EXPECT_EQ(as.at("core_id"), i);
    EXPECT_EQ(as.at("start_tile"), rows.at(i).at(0)) << "core " << i;
    EXPECT_EQ(as.at("tile_count"), rows.at(i).at(1)) << "core " << i;
  }
  EXPECT_EQ(assignments.at(3).at("start_tile"), 3);
  EXPECT_EQ(assignments.at(20).at("tile_count"), 0);
}

TEST(InferDefaultTTSchedule, ScheduleOrderIsTakenFromTheFunctionAttribute) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  auto& attrs = *req.mutable_func()->mutable_attrs();
  attrs["tt_schedule_policy"].set_string_value("contiguous");
  attrs["tt_schedule_order"].set_string_value("block_linear(2)");
  auto r = CompileWith(req, kThroughSchedule);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.unit.func.attrs.at(attr::kSchedule).at("order"), "block_linear(2)");
}

TEST(InferDefaultTTSchedule, RuntimeArgsSchemaNamesStartIdAndCount) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), kThroughSchedule);
  ASSERT_TRUE(r.ok());
  const auto& schema = r.unit.func.attrs.at(attr::kRuntimeArgsSchema);
  ASSERT_EQ(schema.size(), 2u);
  EXPECT_EQ(schema.at(0).at("name"), "start_id");
  EXPECT_EQ(schema.at(1).at("name"), "count");
  for (const auto& arg : schema) {
    EXPECT_EQ(arg.at("dtype"), "uint32");
    EXPECT_FALSE(arg.at("meaning").get<std::string>().empty());
  }
}

TEST(InferDefaultTTSchedule, RejectsAPolicyOtherThanContiguous) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  auto& attrs = *req.mutable_func()->mutable_attrs();
  attrs["tt_schedule_policy"].set_string_value("strided");
  attrs["tt_schedule_order"].set_string_value("row_major");
  auto r = CompileWith(req, kThroughSchedule);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(Errors(r).size(), 1u);
  EXPECT_THAT(Errors(r)[0], HasSubstr("unsupported schedule policy \"strided\""));
  EXPECT_THAT(Errors(r)[0], HasSubstr("supported: \"contiguous\""));
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::kTilesPerCore));
}

}  // namespace
}  // namespace ttc
