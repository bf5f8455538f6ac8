// PASSES.md section 0 (target presets and overrides) as seen by the passes: the preset
// values, the core count and core ranges the schedule and partition use, and the errors for
// bad targets (located at the `target.` field).
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
using ::testing::StartsWith;
using testing::CompileWith;
using testing::Errors;
using testing::FirstError;
using testing::Ints;
using testing::kThroughSchedule;
using testing::ShardInL1;
using testing::SimpleRequest;

struct PresetCase {
  std::string preset;
  int64_t rows, cols, cores;
  int64_t l1_bytes, cb_budget, dram_banks, max_cbs, dst16, dst32;
};

class TargetPresetTest : public ::testing::TestWithParam<PresetCase> {};

TEST_P(TargetPresetTest, PresetValuesMatchSection0) {
  const PresetCase& c = GetParam();
  auto req = SimpleRequest({8, 8}, {256, 256});
  req.mutable_target()->set_preset(c.preset);
  auto r = CompileWith(req, kThroughSchedule);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const ir::Target& t = r.unit.target;
  EXPECT_EQ(t.preset, c.preset);
  EXPECT_EQ(t.rows, c.rows);
  EXPECT_EQ(t.cols, c.cols);
  EXPECT_EQ(t.l1_bytes, c.l1_bytes);
  EXPECT_EQ(t.cb_budget_bytes, c.cb_budget);
  EXPECT_EQ(t.dram_banks, c.dram_banks);
  EXPECT_EQ(t.max_cbs, c.max_cbs);
  EXPECT_EQ(t.dst_tiles_16, c.dst16);
  EXPECT_EQ(t.dst_tiles_32, c.dst32);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kNumCores), c.cores);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kTilesPerCore).size(), static_cast<size_t>(c.cores));
}

TEST_P(TargetPresetTest, TargetFlagSelectsThePreset) {
  const PresetCase& c = GetParam();
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), kThroughSchedule, c.preset);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.unit.target.preset, c.preset);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kNumCores), c.cores);
}

TEST_P(TargetPresetTest, FullyUsedGridIsOneCoreRange) {
  const PresetCase& c = GetParam();
  // Twice as many units as cores: every core gets 2.
  auto req = SimpleRequest({c.cols * 2, c.rows}, {32 * c.rows, 64 * c.cols});
  req.mutable_target()->set_preset(c.preset);
  auto r = CompileWith(req);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Ints(r.unit.func.attrs.at(attr::kCoreRanges)), (std::vector<int64_t>{0, 0, c.rows - 1, c.cols - 1}));
  const auto rows = r.unit.func.attrs.at(attr::kCoreRuntimeArgs);
  ASSERT_EQ(rows.size(), static_cast<size_t>(c.cores));
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows.at(i).at(1), 2) << "core " << i;
}

INSTANTIATE_TEST_SUITE_P(
    Section0, TargetPresetTest,
    ::testing::Values(PresetCase{"wormhole_b0", 8, 8, 64, 1499136, 1 << 20, 12, 32, 8, 4},
                      PresetCase{"blackhole", 10, 13, 130, 1572864, 1 << 20, 8, 64, 8, 4},
                      PresetCase{"grayskull", 9, 12, 108, 1048576, 768 << 10, 8, 32, 8, 4}),
    [](const ::testing::TestParamInfo<PresetCase>& i) { return i.param.preset; });

TEST(Target, DefaultPresetIsWormhole) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  req.clear_target();
  auto r = CompileWith(req, kThroughSchedule);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.unit.target.preset, "wormhole_b0");
  EXPECT_EQ(r.unit.func.attrs.at(attr::kNumCores), 64);
}

TEST(Target, BlackholeSplitsTheRemainderOverItsCores) {
  // 256 units on 130 cores: 126 cores get 2, the last 4 get 1.
  auto req = SimpleRequest({16, 16}, {512, 512});
  req.mutable_target()->set_preset("blackhole");
  auto r = CompileWith(req, kThroughSchedule);
  ASSERT_TRUE(r.ok());
  const auto& rows = r.unit.func.attrs.at(attr::kTilesPerCore);
  ASSERT_EQ(rows.size(), 130u);
  EXPECT_EQ(Ints(rows.at(125)), (std::vector<int64_t>{250, 2}));
  EXPECT_EQ(Ints(rows.at(126)), (std::vector<int64_t>{252, 1}));
  EXPECT_EQ(Ints(rows.at(129)), (std::vector<int64_t>{255, 1}));
}

TEST(Target, GridOverrideSetsTheCoreCount) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  req.mutable_target()->add_grid(4);
  req.mutable_target()->add_grid(4);
  auto r = CompileWith(req);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.target.rows, 4);
  EXPECT_EQ(r.unit.target.cols, 4);
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kNumCores), 16);
  ASSERT_EQ(a.at(attr::kTilesPerCore).size(), 16u);
  EXPECT_EQ(Ints(a.at(attr::kTilesPerCore).at(15)), (std::vector<int64_t>{60, 4}));
  EXPECT_EQ(Ints(a.at(attr::kCoreRanges)), (std::vector<int64_t>{0, 0, 3, 3}));
  EXPECT_EQ(a.at(attr::kCoreRuntimeArgs).size(), 16u);
}

TEST(Target, GridOverrideStillAppliesUnderTheTargetFlag) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  req.mutable_target()->set_preset("wormhole_b0");
  req.mutable_target()->add_grid(9);
  req.mutable_target()->add_grid(10);
  auto r = CompileWith(req, kThroughSchedule, "blackhole");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.target.preset, "blackhole");
  EXPECT_EQ(r.unit.func.attrs.at(attr::kNumCores), 90);
}

TEST(Target, CbBudgetOverride) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  req.mutable_target()->set_cb_budget_bytes(65536);
  auto r = CompileWith(req, kThroughSchedule);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.unit.target.cb_budget_bytes, 65536);
}

TEST(Target, ShardGridLimitFollowsThePreset) {
  // 10 shards along M fit blackhole's 10 rows but not wormhole_b0's 8.
  auto req = SimpleRequest({1, 10}, {320, 32});
  ShardInL1(req, "A", {10, 1}, {32, 32});
  req.mutable_target()->set_preset("blackhole");
  auto ok = CompileWith(req);
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(Errors(ok));
  EXPECT_EQ(ok.unit.func.attrs.at(attr::kPartitionMode), "local_shard");
  EXPECT_EQ(Ints(ok.unit.func.attrs.at(attr::kCoreRanges)), (std::vector<int64_t>{0, 0, 9, 0}));

  req.mutable_target()->set_preset("wormhole_b0");
  auto bad = CompileWith(req);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(Errors(bad).at(0), StartsWith("shard grid [10, 1] exceeds available cores [8, 8]"));
}

TEST(Target, FingerprintDistinguishesPresetsAndOverrides) {
  auto base = SimpleRequest({8, 8}, {256, 256});
  auto grid = base;
  grid.mutable_target()->add_grid(4);
  grid.mutable_target()->add_grid(4);
  auto budget = base;
  budget.mutable_target()->set_cb_budget_bytes(65536);
  const std::string f_base = CompileWith(base, kThroughSchedule).unit.target.Fingerprint();
  const std::string f_bh = CompileWith(base, kThroughSchedule, "blackhole").unit.target.Fingerprint();
  const std::string f_grid = CompileWith(grid, kThroughSchedule).unit.target.Fingerprint();
  const std::string f_budget = CompileWith(budget, kThroughSchedule).unit.target.Fingerprint();
  EXPECT_NE(f_base, f_bh);
  EXPECT_NE(f_base, f_grid);
  EXPECT_NE(f_base, f_budget);
  EXPECT_EQ(f_base, CompileWith(base, kThroughSchedule).unit.target.Fingerprint());
}

struct BadTargetCase {
  std::string name;
  std::vector<int64_t> grid;
  int64_t cb_budget;
  std::string api_dialect;
  std::string flag;  // --target
  std::string loc;   // "target.<field>"
  std::vector<std::string> substrings;
};

class TargetBadTest : public ::testing::TestWithParam<BadTargetCase> {};

TEST_P(TargetBadTest, ErrorIsLocatedAtTheTargetField) {
  const BadTargetCase& c = GetParam();
  auto req = SimpleRequest({8, 8}, {256, 256});
  for (int64_t g : c.grid) req.mutable_target()->add_grid(g);
  req.mutable_target()->set_cb_budget_bytes(c.cb_budget);
  req.mutable_target()->set_api_dialect(c.api_dialect);
  auto r = CompileWith(req, "", c.flag);
  ASSERT_FALSE(r.ok());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->loc.path, c.loc);
  EXPECT_THAT(d->loc.path, StartsWith("target."));
  EXPECT_THAT(FormatDiagnostic(*d, "req.textproto"), HasSubstr(c.loc + ": error: "));
  for (const std::string& s : c.substrings) EXPECT_THAT(d->message, HasSubstr(s));
  // No pass ran.
  EXPECT_TRUE(r.pipeline.timings.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Section0, TargetBadTest,
    ::testing::Values(
        BadTargetCase{"OversizeGrid", {9, 9}, 0, "", "", "target.grid", {"[9, 9] exceeds the wormhole_b0", "[8, 8]"}},
        BadTargetCase{"OversizeGridForFlagPreset", {10, 13}, 0, "", "grayskull", "target.grid",
                      {"grayskull", "[9, 12]"}},
        BadTargetCase{"MalformedGrid", {4}, 0, "", "", "target.grid", {"[rows, cols]"}},
        BadTargetCase{"ZeroGrid", {0, 4}, 0, "", "", "target.grid", {"positive"}},
        BadTargetCase{"BudgetAboveL1", {}, 2000000, "", "", "target.cb_budget_bytes", {"2000000", "1499136"}},
        BadTargetCase{"NegativeBudget", {}, -1, "", "", "target.cb_budget_bytes", {"-1"}},
        BadTargetCase{"UnknownDialect", {}, 0, "metalium-next", "", "target.api_dialect",
                      {"unknown dialect 'metalium-next'"}}),
    [](const ::testing::TestParamInfo<BadTargetCase>& i) { return i.param.name; });

TEST(Target, UnknownPresetInTheRequest) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  req.mutable_target()->set_preset("quasar");
  auto r = CompileWith(req);
  ASSERT_FALSE(r.ok());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->loc.path, "target.preset");
  EXPECT_THAT(FormatDiagnostic(*d, "req.textproto"), HasSubstr("target.preset: error: "));
  EXPECT_THAT(d->message, StartsWith("unknown target 'quasar'"));
  EXPECT_THAT(d->message, HasSubstr("known targets: wormhole_b0, blackhole, grayskull"));
  EXPECT_TRUE(r.pipeline.timings.empty());
}

}  // namespace
}  // namespace ttc
