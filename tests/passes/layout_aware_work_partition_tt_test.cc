// PASSES.md section 6 (layout_aware_work_partition_tt / LayoutAwareWorkPartitionTT): the
// partition mode, per-core work rows, core ranges, runtime arguments, orders and every
// diagnostic of the section.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "passes/attrs.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::CompileWith;
using testing::Errors;
using testing::FirstError;
using testing::Ints;
using testing::LayoutOf;
using testing::LoadExample;
using testing::ParseRequestText;
using testing::ShardInL1;
using testing::SimpleRequest;

using Row = std::vector<int64_t>;

std::vector<Row> CoreRows(const CompileResult& r) {
  return r.unit.func.attrs.at(attr::kCoreRuntimeArgs).get<std::vector<Row>>();
}

std::vector<std::string> ArgNames(const CompileResult& r) {
  return r.unit.func.attrs.at(attr::kRuntimeArgs).get<std::vector<std::string>>();
}

// T.gemm over M x K times K x N with 32x32 blocks, T.Kernel(N/32, M/32), a K loop of K/32
// steps. Operand names are parameters so that Kt can be checked to follow roles.
v1::KernelRequest GemmRequest(int64_t m, int64_t k, int64_t n, const std::string& a = "A",
                              const std::string& b = "B", const std::string& c = "C") {
  return ParseRequestText(absl::StrCat(
      "func {\n  name: \"main\"\n", "  params { name: \"", a, "\" shape: [", m, ", ", k, "] dtype: \"bfloat16\" }\n",
      "  params { name: \"", b, "\" shape: [", k, ", ", n, "] dtype: \"bfloat16\" }\n", "  params { name: \"", c,
      "\" shape: [", m, ", ", n, "] dtype: \"bfloat16\" }\n", "  grid { extents: [", n / 32, ", ", m / 32,
      "] vars: [\"bx\", \"by\"] }\n",
      "  body { alloc { buffer { name: \"a_s\" shape: [32, 32] dtype: \"bfloat16\" scope: \"shared\" } } }\n"
      "  body { alloc { buffer { name: \"b_s\" shape: [32, 32] dtype: \"bfloat16\" scope: \"shared\" } } }\n"
      "  body { alloc { buffer { name: \"acc\" shape: [32, 32] dtype: \"float32\" scope: \"fragment\" } } }\n"
      "  body { fill { buffer: \"acc\" value { int_imm: 0 } } }\n"
      "  body { for_loop { var: \"kk\" extent { int_imm: ",
      k / 32,
      " } kind: SERIAL\n"
      "    body { copy { src { buffer: \"",
      a,
      "\" begin { binary { op: MUL a { var: \"by\" } b { int_imm: 32 } } }"
      " begin { binary { op: MUL a { var: \"kk\" } b { int_imm: 32 } } } } dst { buffer: \"a_s\" } } }\n"
      "    body { copy { src { buffer: \"",
      b,
      "\" begin { binary { op: MUL a { var: \"kk\" } b { int_imm: 32 } } }"
      " begin { binary { op: MUL a { var: \"bx\" } b { int_imm: 32 } } } } dst { buffer: \"b_s\" } } }\n"
      "    body { gemm { a: \"a_s\" b: \"b_s\" c: \"acc\" } }\n"
      "  } }\n"
      "  body { copy { src { buffer: \"acc\" } dst { buffer: \"",
      c,
      "\" begin { binary { op: MUL a { var: \"by\" } b { int_imm: 32 } } }"
      " begin { binary { op: MUL a { var: \"bx\" } b { int_imm: 32 } } } } } }\n"
      "}\n"));
}

// ---- global ----

TEST(LayoutAwareWorkPartitionTT, Global8x8UsesEveryCoreOnce) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kPartitionMode), "global");
  EXPECT_EQ(a.at(attr::kOrder), "row_major");
  EXPECT_EQ(Ints(a.at(attr::kGridTiles)), (Row{8, 8}));
  // Check: an 8x8 grid fully used is one core range [0,0,7,7].
  EXPECT_EQ(Ints(a.at(attr::kCoreRanges)), (Row{0, 0, 7, 7}));
  EXPECT_FALSE(a.contains(attr::kShardGrid));
  EXPECT_FALSE(a.contains(attr::kLocalShapeTiles));
  const auto rows = CoreRows(r);
  ASSERT_EQ(rows.size(), 64u);
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(rows[i], (Row{i, 1, 8, 1, 8})) << "core " << i;
}

TEST(LayoutAwareWorkPartitionTT, GlobalRuntimeArgumentNamesAndConstants) {
  auto r = CompileWith(SimpleRequest({4, 2}, {64, 128}));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_THAT(ArgNames(r), ElementsAre("start_id", "count", "Mt", "Kt", "Nt"));
  const auto& k = r.unit.func.attrs.at(attr::kRuntimeConstants);
  EXPECT_EQ(k, (ir::AttrValue{{"Mt", 2}, {"Kt", 1}, {"Nt", 4}}));
  // T.Kernel(4, 2): Mt = gy = 2 rows, Nt = gx = 4 columns; 8 units on 8 cores of row 0.
  EXPECT_EQ(Ints(r.unit.func.attrs.at(attr::kGridTiles)), (Row{2, 4}));
  EXPECT_EQ(Ints(r.unit.func.attrs.at(attr::kCoreRanges)), (Row{0, 0, 0, 7}));
}

struct GlobalCase {
  std::string name;
  std::vector<int64_t> extents;
  Row grid_tiles;
  Row core_ranges;
  std::vector<Row> first_rows;  // the first rows of tt_core_runtime_args ([start, count] only)
  size_t used_cores;
};

class LayoutAwareGlobalTest : public ::testing::TestWithParam<GlobalCase> {};

TEST_P(LayoutAwareGlobalTest, ContiguousRowsOnTheUsedCores) {
  const GlobalCase& c = GetParam();
  auto r = CompileWith(SimpleRequest(c.extents, {64, 64}));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Ints(r.unit.func.attrs.at(attr::kGridTiles)), c.grid_tiles);
  EXPECT_EQ(Ints(r.unit.func.attrs.at(attr::kCoreRanges)), c.core_ranges);
  const auto rows = CoreRows(r);
  ASSERT_EQ(rows.size(), c.used_cores);
  int64_t total = 0;
  for (const Row& row : rows) {
    ASSERT_EQ(row.size(), 5u);
    EXPECT_GT(row[1], 0) << "only cores with work get a row";
    total += row[1];
  }
  EXPECT_EQ(total, c.grid_tiles[0] * c.grid_tiles[1]);
  for (size_t i = 0; i < c.first_rows.size(); ++i) {
    EXPECT_EQ((Row{rows[i][0], rows[i][1]}), c.first_rows[i]) << "row " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Launches, LayoutAwareGlobalTest,
    ::testing::Values(
        // 4x4 = 16 units: cores 0..15 = rows 0 and 1 of the grid, one rectangle
        GlobalCase{"Grid4x4", {4, 4}, {4, 4}, {0, 0, 1, 7}, {{0, 1}, {1, 1}, {2, 1}}, 16},
        // 10 units: row 0 full, then cores (1,0) and (1,1): two rectangles
        GlobalCase{"Kernel10", {10}, {1, 10}, {0, 0, 0, 7, 1, 0, 1, 1}, {{0, 1}, {1, 1}}, 10},
        // 16x16 = 256 units, 4 per core
        GlobalCase{"Grid16x16", {16, 16}, {16, 16}, {0, 0, 7, 7}, {{0, 4}, {4, 4}, {8, 4}}, 64},
        // 1x1: core 0 only
        GlobalCase{"Grid1x1", {1, 1}, {1, 1}, {0, 0, 0, 0}, {{0, 1}}, 1},
        // 100 units: 36 cores get 2, 28 get 1
        GlobalCase{"Grid10x10", {10, 10}, {10, 10}, {0, 0, 7, 7}, {{0, 2}, {2, 2}, {4, 2}}, 64},
        // 3D launch: Mt = gy * gz
        GlobalCase{"Grid2x3x2", {2, 3, 2}, {6, 2}, {0, 0, 0, 7, 1, 0, 1, 3}, {{0, 1}}, 12}),
    [](const ::testing::TestParamInfo<GlobalCase>& i) { return i.param.name; });

TEST(LayoutAwareWorkPartitionTT, Grid10x10RowsFollowTheBalancedRule) {
  auto r = CompileWith(SimpleRequest({10, 10}, {320, 320}));
  ASSERT_TRUE(r.ok());
  const auto rows = CoreRows(r);
  ASSERT_EQ(rows.size(), 64u);
  EXPECT_EQ(rows[35], (Row{70, 2, 10, 1, 10}));
  EXPECT_EQ(rows[36], (Row{72, 1, 10, 1, 10}));
  EXPECT_EQ(rows[63], (Row{99, 1, 10, 1, 10}));
}

// ---- Kt ----

TEST(LayoutAwareWorkPartitionTT, KtIsTheGemmExampleKInTiles) {
  auto r = CompileWith(LoadExample("gemm_256_bf16"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kRuntimeConstants).at("Kt"), 8);
  EXPECT_EQ(CoreRows(r).at(0), (Row{0, 1, 8, 8, 8}));
}

struct KtCase {
  std::string name;
  int64_t m, k, n;
  std::string a, b, c;
  std::vector<int64_t> a_tile;  // annotated tile_shape of the A operand
  int64_t kt, mt, nt;
};

class LayoutAwareKtTest : public ::testing::TestWithParam<KtCase> {};

TEST_P(LayoutAwareKtTest, KtIsTheWidthOfTheMatmulAOperandInTiles) {
  const KtCase& c = GetParam();
  auto req = GemmRequest(c.m, c.k, c.n, c.a, c.b, c.c);
  for (int64_t t : c.a_tile) LayoutOf(req, c.a).add_tile_shape(t);
  auto r = CompileWith(req);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& k = r.unit.func.attrs.at(attr::kRuntimeConstants);
  EXPECT_EQ(k.at("Kt"), c.kt);
  EXPECT_EQ(k.at("Mt"), c.mt);
  EXPECT_EQ(k.at("Nt"), c.nt);
  for (const Row& row : CoreRows(r)) EXPECT_EQ(row.at(3), c.kt);
}

INSTANTIATE_TEST_SUITE_P(
    Gemms, LayoutAwareKtTest,
    ::testing::Values(
        // K differs from M and N, so neither Kt = 1 nor Kt = Mt passes.
        KtCase{"K512", 256, 512, 128, "A", "B", "C", {}, 16, 8, 4},
        KtCase{"K64", 128, 64, 256, "A", "B", "C", {}, 2, 4, 8},
        // Role, not name: the A operand is the parameter called "C".
        KtCase{"OperandsNamedBackwards", 64, 384, 128, "C", "A", "B", {}, 12, 2, 4},
        // The A operand's tile width divides K.
        KtCase{"Tile16Wide", 256, 512, 128, "A", "B", "C", {32, 16}, 32, 8, 4}),
    [](const ::testing::TestParamInfo<KtCase>& i) { return i.param.name; });

// ---- local_shard ----

// T.Kernel(16, 4) over 128x512 buffers: one work unit per output tile ([4, 16]).
v1::KernelRequest ShardedRequest() {
  auto req = SimpleRequest({16, 4}, {128, 512});
  ShardInL1(req, "A", {2, 4}, {64, 128});
  return req;
}

TEST(LayoutAwareWorkPartitionTT, L1ShardSelectsLocalShard) {
  auto r = CompileWith(ShardedRequest());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kPartitionMode), "local_shard");
  EXPECT_EQ(a.at(attr::kOrder), "match_shard");
  EXPECT_EQ(Ints(a.at(attr::kShardGrid)), (Row{2, 4}));
  EXPECT_EQ(Ints(a.at(attr::kLocalShapeTiles)), (Row{2, 4}));
  EXPECT_EQ(Ints(a.at(attr::kGridTiles)), (Row{4, 16}));
  // The core ranges are the shard footprint: Gy x Gx cores.
  EXPECT_EQ(Ints(a.at(attr::kCoreRanges)), (Row{0, 0, 1, 3}));
  EXPECT_THAT(ArgNames(r),
              ElementsAre("start_id", "count", "Mt", "Kt", "Nt", "Sm", "Sn", "Gy", "Gx", "sy", "sx"));
  EXPECT_EQ(a.at(attr::kRuntimeConstants),
            (ir::AttrValue{{"Mt", 4}, {"Kt", 1}, {"Nt", 16}, {"Sm", 2}, {"Sn", 4}, {"Gy", 2}, {"Gx", 4}}));
  const auto rows = CoreRows(r);
  ASSERT_EQ(rows.size(), 8u);
  size_t i = 0;
  for (int64_t y = 0; y < 2; ++y) {
    for (int64_t x = 0; x < 4; ++x, ++i) {
      // (sy, sx) = (y, x), start_id 0, count Sm*Sn
      EXPECT_EQ(rows[i], (Row{0, 8, 4, 1, 16, 2, 4, 2, 4, y, x})) << "core (" << y << ", " << x << ")";
    }
  }
}

TEST(LayoutAwareWorkPartitionTT, DramShardStaysGlobal) {
  auto req = SimpleRequest({16, 4}, {128, 512});
  ShardInL1(req, "A", {2, 4}, {64, 128}).set_memory("DRAM");
  auto r = CompileWith(req);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kPartitionMode), "global");
}

TEST(LayoutAwareWorkPartitionTT, AgreeingShardsAndMatchingScheduleAreAccepted) {
  auto req = ShardedRequest();
  ShardInL1(req, "B", {2, 4}, {64, 128});
  ShardInL1(req, "C", {2, 4}, {64, 128});
  auto* s = req.mutable_schedule();
  s->set_partition_mode("local_shard");
  s->set_order("match_shard");
  s->add_grid_tiles(4);
  s->add_grid_tiles(16);
  s->add_shard_grid(2);
  s->add_shard_grid(4);
  s->add_local_shape_tiles(2);
  s->add_local_shape_tiles(4);
  auto r = CompileWith(req);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kPartitionMode), "local_shard");
  EXPECT_EQ(CoreRows(r).size(), 8u);
}

// ---- orders ----

struct OrderCase {
  std::string name;
  std::vector<int64_t> extents;
  std::string order;
};

class LayoutAwareOrderTest : public ::testing::TestWithParam<OrderCase> {};

TEST_P(LayoutAwareOrderTest, GlobalOrderIsRecorded) {
  const OrderCase& c = GetParam();
  auto req = SimpleRequest(c.extents, {256, 256});
  req.mutable_schedule()->set_order(c.order);
  auto r = CompileWith(req);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kOrder), c.order);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kPartitionMode), "global");
}

INSTANTIATE_TEST_SUITE_P(Orders, LayoutAwareOrderTest,
                         ::testing::Values(OrderCase{"RowMajor", {8, 8}, "row_major"},
                                           OrderCase{"BlockLinear2", {8, 8}, "block_linear(2)"},
                                           OrderCase{"BlockLinear4On8x4", {8, 4}, "block_linear(4)"},
                                           OrderCase{"BlockLinear1", {3, 5}, "block_linear(1)"}),
                         [](const ::testing::TestParamInfo<OrderCase>& i) { return i.param.name; });

// ---- diagnostics ----

struct DiagCase {
  std::string name;
  std::function<v1::KernelRequest()> make;
  std::string prefix;
  std::vector<std::string> substrings;
  std::string loc;  // expected Diagnostic.loc.path; "" = not checked
};

class LayoutAwareDiagnosticsTest : public ::testing::TestWithParam<DiagCase> {};

TEST_P(LayoutAwareDiagnosticsTest, ReportsTheUserError) {
  const DiagCase& c = GetParam();
  auto r = CompileWith(c.make());
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(Errors(r).size(), 1u) << ::testing::PrintToString(Errors(r));
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_THAT(d->message, StartsWith(c.prefix));
  for (const std::string& s : c.substrings) EXPECT_THAT(d->message, HasSubstr(s));
  EXPECT_FALSE(d->internal);
  EXPECT_EQ(d->pass, "layout_aware_work_partition_tt");
  if (!c.loc.empty()) {
    EXPECT_EQ(d->loc.path, c.loc);
  }
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::kCoreRuntimeArgs));
}

v1::KernelRequest WithSchedule(v1::KernelRequest req, const std::string& mode, const std::string& order) {
  if (!mode.empty()) req.mutable_schedule()->set_partition_mode(mode);
  if (!order.empty()) req.mutable_schedule()->set_order(order);
  return req;
}

INSTANTIATE_TEST_SUITE_P(
    Section6, LayoutAwareDiagnosticsTest,
    ::testing::Values(
        DiagCase{"ShardGeometryMismatch",
                 [] {
                   auto req = ShardedRequest();                // A: grid [2,4] tiles [2,4]
                   ShardInL1(req, "B", {4, 2}, {32, 256});     // B: grid [4,2] tiles [1,8]
                   return req;
                 },
                 "shard geometry mismatch: 'A' has grid [2, 4] tiles [2, 4] but 'B' has grid [4, 2] tiles [1, 8]",
                 {},
                 "layouts[\"B\"]"},
        DiagCase{"ShardGridExceedsTargetOverride",
                 [] {
                   auto req = ShardedRequest();
                   req.mutable_target()->add_grid(2);
                   req.mutable_target()->add_grid(2);
                   return req;
                 },
                 "shard grid [2, 4] exceeds available cores [2, 2]",
                 {},
                 ""},
        DiagCase{"ShardGridExceedsRows",
                 [] {
                   // 512x32 in 16 shards of one tile along M: 16 > 8 rows.
                   auto req = SimpleRequest({1, 16}, {512, 32});
                   ShardInL1(req, "A", {16, 1}, {32, 32});
                   return req;
                 },
                 "shard grid [16, 1] exceeds available cores [8, 8]",
                 {},
                 ""},
        DiagCase{"ShardFootprintMismatch",
                 [] {
                   // 96x128 in 2x2 shards of 64x64: footprint [4, 4] tiles, output [3, 4].
                   auto req = SimpleRequest({4, 3}, {96, 128});
                   ShardInL1(req, "A", {2, 2}, {64, 64});
                   return req;
                 },
                 "shard footprint [4, 4] does not match output tiles [3, 4]",
                 {"'C'"},
                 ""},
        DiagCase{"ForcedGlobalWithL1Shard",
                 [] { return WithSchedule(ShardedRequest(), "global", ""); },
                 "partition_mode 'global' conflicts with L1-sharded buffer 'A'",
                 {"local_shard"},
                 "schedule.partition_mode"},
        DiagCase{"ForcedLocalShardWithoutL1Shard",
                 [] { return WithSchedule(SimpleRequest({8, 8}, {256, 256}), "local_shard", ""); },
                 "partition_mode 'local_shard' needs an L1-sharded buffer",
                 {},
                 "schedule.partition_mode"},
        DiagCase{"UnknownPartitionMode",
                 [] { return WithSchedule(SimpleRequest({8, 8}, {256, 256}), "striped", ""); },
                 "unknown partition_mode 'striped'",
                 {"global", "local_shard"},
                 "schedule.partition_mode"},
        DiagCase{"MatchShardWithGlobal",
                 [] { return WithSchedule(SimpleRequest({8, 8}, {256, 256}), "", "match_shard"); },
                 "schedule order 'match_shard' is not supported with partition_mode global",
                 {"supported: row_major, block_linear(k)"},
                 "schedule.order"},
        DiagCase{"RowMajorWithLocalShard",
                 [] { return WithSchedule(ShardedRequest(), "", "row_major"); },
                 "schedule order 'row_major' is not supported with partition_mode local_shard",
                 {"supported: match_shard"},
                 "schedule.order"},
        DiagCase{"BlockLinearWithLocalShard",
                 [] { return WithSchedule(ShardedRequest(), "local_shard", "block_linear(2)"); },
                 "schedule order 'block_linear(2)' is not supported with partition_mode local_shard",
                 {"supported: match_shard"},
                 "schedule.order"},
        DiagCase{"UnknownOrder",
                 [] { return WithSchedule(SimpleRequest({8, 8}, {256, 256}), "", "zigzag"); },
                 "unknown schedule order 'zigzag'",
                 {"row_major", "block_linear(k)", "match_shard"},
                 "schedule.order"},
        DiagCase{"BlockLinearKDoesNotDivide",
                 [] { return WithSchedule(SimpleRequest({8, 8}, {256, 256}), "", "block_linear(3)"); },
                 "block_linear(3) needs k to divide the work-unit grid [8, 8]",
                 {},
                 "schedule.order"},
        DiagCase{"BlockLinearKDividesMtOnly",
                 [] { return WithSchedule(SimpleRequest({6, 4}, {128, 192}), "", "block_linear(4)"); },
                 "block_linear(4) needs k to divide the work-unit grid [4, 6]",
                 {},
                 "schedule.order"},
        DiagCase{"BlockLinearZero",
                 [] { return WithSchedule(SimpleRequest({8, 8}, {256, 256}), "", "block_linear(0)"); },
                 "block_linear(0) needs k to divide",
                 {},
                 "schedule.order"},
        DiagCase{"GridTilesMismatch",
                 [] {
                   auto req = SimpleRequest({8, 8}, {256, 256});
                   req.mutable_schedule()->add_grid_tiles(4);
                   req.mutable_schedule()->add_grid_tiles(4);
                   return req;
                 },
                 "grid_tiles [4, 4] does not match the launch grid [8, 8]",
                 {},
                 "schedule.grid_tiles"},
        DiagCase{"ShardGridWithGlobal",
                 [] {
                   auto req = SimpleRequest({8, 8}, {256, 256});
                   req.mutable_schedule()->add_shard_grid(2);
                   req.mutable_schedule()->add_shard_grid(4);
                   return req;
                 },
                 "shard_grid and local_shape_tiles are only meaningful with partition_mode 'local_shard'",
                 {},
                 "schedule.shard_grid"},
        DiagCase{"ScheduleShardGridDisagrees",
                 [] {
                   auto req = ShardedRequest();
                   req.mutable_schedule()->add_shard_grid(4);
                   req.mutable_schedule()->add_shard_grid(2);
                   return req;
                 },
                 "shard_grid [4, 2] does not match the L1 shards' grid [2, 4]",
                 {},
                 "schedule.shard_grid"},
        DiagCase{"ScheduleLocalShapeDisagrees",
                 [] {
                   auto req = ShardedRequest();
                   req.mutable_schedule()->add_local_shape_tiles(1);
                   req.mutable_schedule()->add_local_shape_tiles(8);
                   return req;
                 },
                 "local_shape_tiles [1, 8] does not match the L1 shards' tiles [2, 4]",
                 {},
                 "schedule.local_shape_tiles"},
        DiagCase{"LaunchGridNotOneUnitPerTile",
                 [] {
                   // Shards match the output [4, 16] tiles, but T.Kernel(8, 2) gives [2, 8] units.
                   auto req = SimpleRequest({8, 2}, {128, 512});
                   ShardInL1(req, "A", {2, 4}, {64, 128});
                   return req;
                 },
                 "local_shard needs one work unit per output tile",
                 {"[2, 8]", "[4, 16]"},
                 ""}),
    [](const ::testing::TestParamInfo<DiagCase>& i) { return i.param.name; });

TEST(LayoutAwareWorkPartitionTT, MissingLayoutMetadataIsAUserErrorWithoutInferTTLayout) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}),
                       "apply_tt_defaults,infer_default_tt_schedule,layout_aware_work_partition_tt");
  ASSERT_FALSE(r.ok());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_THAT(d->message, StartsWith("missing layout metadata: buffer 'A' has no tt.buffer entry"));
  EXPECT_FALSE(d->internal);
}

}  // namespace
}  // namespace ttc
