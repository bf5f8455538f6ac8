// PASSES.md section 7 (grid_to_persistent_tt): the block launch becomes a persistent loop
// over each core's work units; the work unit of an iteration is recovered for row_major,
// block_linear(k) and local_shard, and the block indices from it. Checks: 8x8 -> ndims 2,
// symbols [bx, by]; T.Kernel(32) -> grid_tiles [1, 32], ndims 1; T.Kernel(2,2,2) -> ndims 3.
// Idempotent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/printer.h"
#include "ir/structural_equal.h"
#include "passes/attrs.h"
#include "passes/grid_to_persistent_tt.h"
#include "tests/passes/lowered_ir_util.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::ElementsAre;
using testing::CompileWith;
using testing::Errors;
using testing::Eval;
using testing::FindLet;
using testing::Ints;
using testing::LoadExample;
using testing::SimpleRequest;
using testing::Through;

constexpr char kPass[] = "grid_to_persistent_tt";

CompileResult Persistent(const v1::KernelRequest& req) {
  auto r = CompileWith(req, Through(kPass));
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  return r;
}

// The persistent loop: the one statement of the function body.
const ir::For* PersistentLoop(const ir::PrimFunc& f) {
  const ir::Seq* top = ir::As<ir::Seq>(f.body);
  if (!top || top->stmts.size() != 1) return nullptr;
  return ir::As<ir::For>(top->stmts[0]);
}

// The value of column `name` (a tt.runtime_args entry) in one tt_core_runtime_args row.
int64_t Arg(const ir::PrimFunc& f, const ir::AttrValue& row, const std::string& name) {
  const auto& names = f.attrs.at(attr::kRuntimeArgs);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return row[i].get<int64_t>();
  }
  ADD_FAILURE() << "no runtime argument " << name;
  return 0;
}

// The work unit (tt_tile_id) of every iteration of every core, core by core, in iteration
// order, evaluated from the IR with each core's runtime arguments.
std::vector<std::vector<int64_t>> WorkUnitsPerCore(const ir::PrimFunc& f) {
  const ir::Let* tid = FindLet(f.body, attr::kTileIdVar);
  EXPECT_NE(tid, nullptr);
  std::vector<std::vector<int64_t>> out;
  if (!tid) return out;
  for (const ir::AttrValue& row : f.attrs.at(attr::kCoreRuntimeArgs)) {
    std::map<std::string, int64_t> env;
    const auto& names = f.attrs.at(attr::kRuntimeArgs);
    for (size_t i = 0; i < names.size(); ++i) env[names[i].get<std::string>()] = row[i].get<int64_t>();
    std::vector<int64_t> units;
    for (int64_t it = 0; it < env.at("count"); ++it) {
      env[attr::kIterVar] = it;
      units.push_back(Eval(tid->value, env));
    }
    out.push_back(units);
  }
  return out;
}

std::vector<int64_t> Flatten(const std::vector<std::vector<int64_t>>& v) {
  std::vector<int64_t> out;
  for (const auto& r : v) out.insert(out.end(), r.begin(), r.end());
  return out;
}

std::vector<int64_t> Iota(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

// ---- Checks of PASSES.md section 7 ----

TEST(GridToPersistentTT, Grid8x8HasTwoIterationDimsBxBy) {
  auto r = Persistent(SimpleRequest({8, 8}, {256, 256}));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kPersistentIterationNdims), 2);
  EXPECT_EQ(a.at(attr::kPersistentRuntimeArgs).at("iteration_symbols"), ir::AttrValue({"bx", "by"}));
  EXPECT_EQ(a.at(attr::kPersistentRuntimeArgs).at("iteration_ndims"), 2);
  EXPECT_EQ(a.at(attr::kPersistentLoop), true);
  EXPECT_TRUE(r.unit.func.persistent);
}

TEST(GridToPersistentTT, Kernel32IsOneDimensionalOverGridTiles1x32) {
  auto r = Persistent(LoadExample("kernel_1d"));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(Ints(a.at(attr::kGridTiles)), (std::vector<int64_t>{1, 32}));
  EXPECT_EQ(Ints(a.at(attr::kPersistentRuntimeArgs).at("grid_tiles")), (std::vector<int64_t>{1, 32}));
  EXPECT_EQ(Ints(a.at(attr::kPersistentRuntimeArgs).at("grid_shape")), (std::vector<int64_t>{32, 1, 1}));
  EXPECT_EQ(a.at(attr::kPersistentIterationNdims), 1);
  EXPECT_EQ(a.at(attr::kPersistentRuntimeArgs).at("iteration_symbols"), ir::AttrValue({"bx"}));
  // bx is the work unit itself.
  const ir::Let* bx = FindLet(r.unit.func.body, "bx");
  ASSERT_NE(bx, nullptr);
  EXPECT_EQ(ir::PrintExpr(bx->value), "tt_tile_id");
}

TEST(GridToPersistentTT, Kernel2x2x2HasThreeIterationDims) {
  auto r = Persistent(LoadExample("kernel_3d"));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kPersistentIterationNdims), 3);
  EXPECT_EQ(a.at(attr::kPersistentRuntimeArgs).at("iteration_symbols"), ir::AttrValue({"bx", "by", "bz"}));
  EXPECT_EQ(Ints(a.at(attr::kPersistentRuntimeArgs).at("grid_shape")), (std::vector<int64_t>{2, 2, 2}));
}

TEST(GridToPersistentTT, Kernel8x1HasOneIterationDim) {
  auto r = Persistent(SimpleRequest({8, 1}, {32, 256}));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kPersistentIterationNdims), 1);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kPersistentRuntimeArgs).at("iteration_symbols"), ir::AttrValue({"bx"}));
}

TEST(GridToPersistentTT, IterationSymbolsAreTheBlockIndicesThatVary) {
  // T.Kernel(2, 1, 2): bx and bz vary, by is always 0.
  auto req = LoadExample("kernel_3d");
  req.mutable_func()->mutable_grid()->set_extents(1, 1);
  auto r = Persistent(req);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kPersistentIterationNdims), 2);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kPersistentRuntimeArgs).at("iteration_symbols"), ir::AttrValue({"bx", "bz"}));
  // T.Kernel(1, 8): by varies.
  auto r18 = Persistent(SimpleRequest({1, 8}, {256, 32}));
  EXPECT_EQ(r18.unit.func.attrs.at(attr::kPersistentIterationNdims), 2);
  EXPECT_EQ(r18.unit.func.attrs.at(attr::kPersistentRuntimeArgs).at("iteration_symbols"), ir::AttrValue({"bx", "by"}));
}

TEST(GridToPersistentTT, RuntimeArgsRecordStartCountGridAndArgOrder) {
  auto r = Persistent(LoadExample("gemm_256_bf16"));
  const auto& ra = r.unit.func.attrs.at(attr::kPersistentRuntimeArgs);
  EXPECT_EQ(ra.at("start_tile").at("name"), "start_id");
  EXPECT_EQ(ra.at("start_tile").at("dtype"), "uint32");
  EXPECT_EQ(ra.at("tile_count").at("name"), "count");
  EXPECT_EQ(Ints(ra.at("grid_shape")), (std::vector<int64_t>{8, 8, 1}));
  EXPECT_EQ(Ints(ra.at("grid_tiles")), (std::vector<int64_t>{8, 8}));
  EXPECT_EQ(ra.at("arg_names"), r.unit.func.attrs.at(attr::kRuntimeArgs));
  EXPECT_EQ(ra.at("arg_names"), ir::AttrValue({"start_id", "count", "Mt", "Kt", "Nt"}));
  EXPECT_EQ(ra.at("partition_mode"), "global");
}

// ---- The loop and the recovery of the work unit ----

TEST(GridToPersistentTT, BodyBecomesALoopOverCountWithTileIdAndBlockIndexLets) {
  const auto req = LoadExample("gemm_256_bf16");
  auto before = CompileWith(req, Through("layout_aware_work_partition_tt"));
  ASSERT_TRUE(before.ok());
  auto r = Persistent(req);
  const ir::For* loop = PersistentLoop(r.unit.func);
  ASSERT_NE(loop, nullptr) << ir::PrintScript(r.unit.func);
  EXPECT_EQ(loop->var, attr::kIterVar);
  EXPECT_EQ(ir::PrintExpr(loop->min), "0");
  EXPECT_EQ(ir::PrintExpr(loop->extent), "count");
  EXPECT_EQ(loop->for_kind, ir::ForKind::kSerial);
  // tt_tile_id = start_id + tt_iter; bx = tt_tile_id % 8; by = tt_tile_id // 8; <body>
  const ir::Seq* s0 = ir::As<ir::Seq>(loop->body);
  ASSERT_TRUE(s0 && s0->stmts.size() == 1);
  const ir::Let* tid = ir::As<ir::Let>(s0->stmts[0]);
  ASSERT_NE(tid, nullptr);
  EXPECT_EQ(tid->var, "tt_tile_id");
  EXPECT_EQ(ir::PrintExpr(tid->value), "start_id + tt_iter");
  const ir::Seq* s1 = ir::As<ir::Seq>(tid->body);
  ASSERT_TRUE(s1 && s1->stmts.size() == 1);
  const ir::Let* bx = ir::As<ir::Let>(s1->stmts[0]);
  ASSERT_NE(bx, nullptr);
  EXPECT_EQ(bx->var, "bx");
  EXPECT_EQ(ir::PrintExpr(bx->value), "tt_tile_id % 8");
  const ir::Seq* s2 = ir::As<ir::Seq>(bx->body);
  ASSERT_TRUE(s2 && s2->stmts.size() == 1);
  const ir::Let* by = ir::As<ir::Let>(s2->stmts[0]);
  ASSERT_NE(by, nullptr);
  EXPECT_EQ(by->var, "by");
  EXPECT_EQ(ir::PrintExpr(by->value), "tt_tile_id // 8");
  // The original body, unchanged, inside.
  EXPECT_TRUE(ir::StructuralEqual(by->body, before.unit.func.body));
}

TEST(GridToPersistentTT, GlobalRowMajorVisitsEveryWorkUnitOnceInCoreOrder) {
  // 100 work units over 64 cores: 36 cores take 2, 28 take 1; contiguous in core order.
  auto r = Persistent(SimpleRequest({10, 10}, {320, 320}));
  const auto units = WorkUnitsPerCore(r.unit.func);
  EXPECT_EQ(Flatten(units), Iota(100));
  ASSERT_EQ(units.size(), 64u);
  EXPECT_EQ(units[0], (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(units[63], (std::vector<int64_t>{99}));
}

TEST(GridToPersistentTT, ThreeDimensionalRecoveryIsABijectionWithBxFastest) {
  auto r = Persistent(LoadExample("kernel_3d"));
  const ir::Stmt& body = r.unit.func.body;
  const ir::Let* bx = FindLet(body, "bx");
  const ir::Let* by = FindLet(body, "by");
  const ir::Let* bz = FindLet(body, "bz");
  ASSERT_TRUE(bx && by && bz);
  std::set<std::vector<int64_t>> seen;
  for (int64_t t = 0; t < 8; ++t) {
    const std::map<std::string, int64_t> env = {{"tt_tile_id", t}};
    const std::vector<int64_t> b = {Eval(bx->value, env), Eval(by->value, env), Eval(bz->value, env)};
    EXPECT_EQ(b, (std::vector<int64_t>{t % 2, t / 2 % 2, t / 4})) << "work unit " << t;
    seen.insert(b);
  }
  EXPECT_EQ(seen.size(), 8u);
}

// block_linear(k): position p of the schedule is the p-th work unit of k x k blocks taken
// row-major, each block row-major inside.
std::vector<int64_t> BlockLinearOrder(int64_t mt, int64_t nt, int64_t k) {
  std::vector<int64_t> out;
  for (int64_t br = 0; br < mt / k; ++br) {
    for (int64_t bc = 0; bc < nt / k; ++bc) {
      for (int64_t r = 0; r < k; ++r) {
        for (int64_t c = 0; c < k; ++c) out.push_back((br * k + r) * nt + bc * k + c);
      }
    }
  }
  return out;
}

TEST(GridToPersistentTT, BlockLinear2On4x4IsThe2x2BlockOrderAndAPermutation) {
  auto req = SimpleRequest({4, 4}, {128, 128});
  req.mutable_schedule()->set_order("block_linear(2)");
  auto r = Persistent(req);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kPersistentRuntimeArgs).at("iteration_order"), "block_linear(2)");
  const std::vector<int64_t> order = Flatten(WorkUnitsPerCore(r.unit.func));
  EXPECT_EQ(order, (std::vector<int64_t>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15}));
  EXPECT_EQ(order, BlockLinearOrder(4, 4, 2));
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, Iota(16));
  // The block indices follow from the work unit: (by, bx) = (unit // 4, unit % 4).
  const ir::Let* bx = FindLet(r.unit.func.body, "bx");
  const ir::Let* by = FindLet(r.unit.func.body, "by");
  ASSERT_TRUE(bx && by);
  EXPECT_EQ(Eval(bx->value, {{"tt_tile_id", 6}}), 2);
  EXPECT_EQ(Eval(by->value, {{"tt_tile_id", 6}}), 1);
}

TEST(GridToPersistentTT, BlockLinearOnFourCoresGivesEachCoreOneBlock) {
  // 16 work units on a 2x2 core grid: 4 per core, and with block_linear(2) each core's four
  // units are one 2x2 block of the 4x4 grid.
  auto req = SimpleRequest({4, 4}, {128, 128});
  req.mutable_schedule()->set_order("block_linear(2)");
  req.mutable_target()->add_grid(2);
  req.mutable_target()->add_grid(2);
  auto r = Persistent(req);
  const auto units = WorkUnitsPerCore(r.unit.func);
  ASSERT_EQ(units.size(), 4u);
  EXPECT_EQ(units[0], (std::vector<int64_t>{0, 1, 4, 5}));
  EXPECT_EQ(units[1], (std::vector<int64_t>{2, 3, 6, 7}));
  EXPECT_EQ(units[2], (std::vector<int64_t>{8, 9, 12, 13}));
  EXPECT_EQ(units[3], (std::vector<int64_t>{10, 11, 14, 15}));
}

TEST(GridToPersistentTT, BlockLinear4On8x4FollowsTheBlockOrder) {
  auto req = SimpleRequest({4, 8}, {256, 128});  // T.Kernel(4, 8): Mt = 8, Nt = 4
  req.mutable_schedule()->set_order("block_linear(4)");
  auto r = Persistent(req);
  EXPECT_EQ(Flatten(WorkUnitsPerCore(r.unit.func)), BlockLinearOrder(8, 4, 4));
}

TEST(GridToPersistentTT, LocalShardTileIdUsesShardCoordinatesAndShape) {
  // gemm_l1_sharded: A is an L1 shard grid [2, 4] of [4, 2] tiles; the output is 8x8 tiles.
  auto r = Persistent(LoadExample("gemm_l1_sharded"));
  const ir::PrimFunc& f = r.unit.func;
  EXPECT_EQ(f.attrs.at(attr::kPersistentRuntimeArgs).at("partition_mode"), "local_shard");
  const ir::Let* tid = FindLet(f.body, attr::kTileIdVar);
  ASSERT_NE(tid, nullptr);
  // tl = start_id + tt_iter; m = sy*Sm + tl // Sn; n = sx*Sn + tl % Sn; tile_id = m*Nt + n.
  EXPECT_EQ(ir::PrintExpr(tid->value),
            "(sy * 4 + (start_id + tt_iter) // 2) * 8 + (sx * 2 + (start_id + tt_iter) % 2)");
  // Every core computes exactly the 4x2 output tiles of its shard, and together they cover
  // the 8x8 output once.
  const auto rows = f.attrs.at(attr::kCoreRuntimeArgs);
  const auto units = WorkUnitsPerCore(f);
  ASSERT_EQ(units.size(), 8u);
  std::vector<int64_t> all;
  for (size_t c = 0; c < units.size(); ++c) {
    const int64_t sy = Arg(f, rows[c], "sy"), sx = Arg(f, rows[c], "sx");
    ASSERT_EQ(units[c].size(), 8u);
    for (int64_t t : units[c]) {
      EXPECT_GE(t / 8, sy * 4);
      EXPECT_LT(t / 8, sy * 4 + 4);
      EXPECT_GE(t % 8, sx * 2);
      EXPECT_LT(t % 8, sx * 2 + 2);
      all.push_back(t);
    }
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, Iota(64));
}

// ---- Idempotence ----

void ExpectIdempotent(const v1::KernelRequest& req) {
  auto r = Persistent(req);
  ir::PrimFunc again = r.unit.func;
  DiagnosticEngine diag;
  PassContext ctx{r.unit.target, diag, {}, {}};
  GridToPersistentTT(ctx, again);
  EXPECT_FALSE(diag.has_errors());
  EXPECT_TRUE(ir::StructuralEqual(again, r.unit.func)) << ir::PrintScript(again);
  // Non-trivial: the function holds exactly one persistent loop.
  ASSERT_NE(PersistentLoop(again), nullptr);
  const auto outline = testing::Outline(again.body);
  EXPECT_EQ(std::count(outline.begin(), outline.end(), "for tt_iter"), 1);
}

TEST(GridToPersistentTT, RunningTwiceChangesNothingGlobal) { ExpectIdempotent(LoadExample("gemm_256_bf16")); }
TEST(GridToPersistentTT, RunningTwiceChangesNothingLocalShard) { ExpectIdempotent(LoadExample("gemm_l1_sharded")); }
TEST(GridToPersistentTT, RunningTwiceChangesNothing3d) { ExpectIdempotent(LoadExample("kernel_3d")); }

}  // namespace
}  // namespace ttc
