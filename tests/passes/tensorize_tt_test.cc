// PASSES.md section 11 (tensorize_tt): tile computations become TT compute intrinsics by
// analysis of the IR: T.gemm and manual `C[i, j] += A[i, k] * B[k, j]` nests -> matmul_tiles
// with DST acquired before the K loop and packed after it; element-wise nests -> add/sub/
// mul_tiles and copy_tile + SFPU ops; T.fill -> fill_tile; results larger than DST split
// into sub-blocks (a K-loop matmul spills partial sums to an intermediate CB); everything
// else is an error naming the loop nest. Checks: the exact intrinsic order; a manual nest
// reports its reduction variable and indices; two gemms -> tt_num_matmuls == 2.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "ir/printer.h"
#include "ir/structural_equal.h"
#include "passes/attrs.h"
#include "passes/circular_buffers.h"
#include "tests/passes/lowered_ir_util.h"
#include "tests/passes/pass_test_util.h"
#include "tests/passes/request_builder.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::CallArgs;
using testing::CallsNamed;
using testing::CompileWith;
using testing::Errors;
using testing::Eval;
using testing::FirstError;
using testing::Ints;
using testing::IntrinsicSequence;
using testing::LoadExample;
using testing::Outline;
using testing::Through;
using namespace testing::rb;

constexpr char kPass[] = "tensorize_tt";

CompileResult Tensorize(const v1::KernelRequest& req) {
  auto r = CompileWith(req, Through(kPass));
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  return r;
}

const ir::Stmt& Compute(const CompileResult& r) {
  static const ir::Stmt kEmpty = ir::MakeSeq({});
  auto it = r.unit.func.kernels.find("compute");
  EXPECT_NE(it, r.unit.func.kernels.end());
  return it == r.unit.func.kernels.end() ? kEmpty : it->second;
}

// Only loops, lets and TT intrinsics remain in the compute kernel.
void ExpectOnlyIntrinsics(const CompileResult& r) {
  for (const std::string& t : Outline(Compute(r))) {
    EXPECT_THAT(t, Not(::testing::AnyOf("gemm", "fill", "copy", "store", "alloc", "evaluate")))
        << ir::PrintScript(r.unit.func);
  }
}

// ---- Matmul ----

TEST(TensorizeTT, GemmIntrinsicOrderAcquiresBeforeAndPacksAfterTheKLoop) {
  auto r = Tensorize(LoadExample("gemm_256_bf16"));
  EXPECT_THAT(Outline(Compute(r)),
              ElementsAre("mm_init", "for tt_iter", "tile_regs_acquire", "for k", "cb_wait_front", "cb_wait_front",
                          "matmul_tiles", "cb_pop_front", "cb_pop_front", "end k", "tile_regs_commit",
                          "tile_regs_wait", "cb_reserve_back", "pack_tile", "cb_push_back", "tile_regs_release",
                          "end tt_iter"));
  const ir::Stmt& c = Compute(r);
  EXPECT_THAT(CallArgs(c, "mm_init"), ElementsAre("cb_A_shared, cb_B_shared, cb_C_local"));
  EXPECT_THAT(CallArgs(c, "cb_wait_front"), ElementsAre("cb_A_shared, 1", "cb_B_shared, 1"));
  EXPECT_THAT(CallArgs(c, "matmul_tiles"), ElementsAre("cb_A_shared, cb_B_shared, 0, 0, 0, 0"));
  EXPECT_THAT(CallArgs(c, "cb_pop_front"), ElementsAre("cb_A_shared, 1", "cb_B_shared, 1"));
  EXPECT_THAT(CallArgs(c, "cb_reserve_back"), ElementsAre("cb_C_local, 1"));
  EXPECT_THAT(CallArgs(c, "pack_tile"), ElementsAre("0, cb_C_local"));
  EXPECT_THAT(CallArgs(c, "cb_push_back"), ElementsAre("cb_C_local, 1"));
  ExpectOnlyIntrinsics(r);
}

TEST(TensorizeTT, GemmPatternAttributes) {
  auto r = Tensorize(LoadExample("gemm_256_bf16"));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kNumMatmuls), 1);
  EXPECT_EQ(a.at(attr::kHasTensorize), true);
  EXPECT_EQ(a.at(attr::kFp32DestAcc), true);  // float32 accumulator
  EXPECT_EQ(a.at(attr::kDstTilesNeeded), 1);
  const auto& p = a.at(attr::kMatmulPatterns).at(0);
  EXPECT_EQ(p.at("source"), "gemm");
  EXPECT_EQ(p.at("buffer_a"), "A_shared");
  EXPECT_EQ(p.at("buffer_b"), "B_shared");
  EXPECT_EQ(p.at("buffer_c"), "C_local");
  EXPECT_EQ(p.at("cb_in0"), 0);
  EXPECT_EQ(p.at("cb_in1"), 1);
  EXPECT_EQ(p.at("cb_out"), 16);
  EXPECT_EQ(Ints(p.at("tiles_mnk")), (std::vector<int64_t>{1, 1, 1}));
  EXPECT_TRUE(a.at(attr::kEltwisePatterns).empty());
}

TEST(TensorizeTT, ManualNestReportsItsReductionVariableAndIndices) {
  auto r = Tensorize(LoadExample("gemm_manual_loops"));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kNumMatmuls), 1);
  const auto& p = a.at(attr::kMatmulPatterns).at(0);
  EXPECT_EQ(p.at("source"), "loop");
  EXPECT_EQ(p.at("reduction_var"), "kk");
  EXPECT_EQ(p.at("A_indices"), ir::AttrValue({"i", "kk"}));
  EXPECT_EQ(p.at("B_indices"), ir::AttrValue({"kk", "j"}));
  EXPECT_EQ(p.at("C_indices"), ir::AttrValue({"i", "j"}));
  ExpectOnlyIntrinsics(r);
}

TEST(TensorizeTT, ManualNestLowersExactlyLikeTGemm) {
  auto manual = Tensorize(LoadExample("gemm_manual_loops"));
  auto gemm = Tensorize(LoadExample("gemm_256_bf16"));
  EXPECT_TRUE(ir::StructuralEqual(Compute(manual), Compute(gemm)))
      << ir::PrintScript(manual.unit.func) << "\nvs\n" << ir::PrintScript(gemm.unit.func);
}

// gemm_256 with the product written as a manual nest over loops p, q, r, operands in either
// order.
v1::KernelRequest ManualGemm(bool b_first) {
  const std::string a = Cast("float32", Load("A_shared", {V("p"), V("r")}));
  const std::string b = Cast("float32", Load("B_shared", {V("r"), V("q")}));
  const std::string prod = b_first ? Bin("MUL", b, a) : Bin("MUL", a, b);
  return Request(
      {{"A", {256, 256}}, {"B", {256, 256}}, {"C", {256, 256}}}, {8, 8},
      {Alloc("A_shared", {32, 32}), Alloc("B_shared", {32, 32}), Alloc("C_local", {32, 32}, "float32", "fragment"),
       Clear("C_local"),
       For("k", 8,
           {CopyIn("A", {Mul(V("by"), 32), Mul(V("k"), 32)}, "A_shared"),
            CopyIn("B", {Mul(V("k"), 32), Mul(V("bx"), 32)}, "B_shared"),
            For("p", 32,
                {For("q", 32,
                     {For("r", 32,
                          {Store("C_local", {V("p"), V("q")}, Bin("ADD", Load("C_local", {V("p"), V("q")}), prod))},
                          "GRID")},
                     "GRID")},
                "GRID")}),
       CopyOut("C_local", "C", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
}

TEST(TensorizeTT, ManualNestMatchesEitherOperandOrderWithAnyLoopNames) {
  auto gemm = Tensorize(LoadExample("gemm_256_bf16"));
  for (bool b_first : {false, true}) {
    auto r = Tensorize(ManualGemm(b_first));
    const auto& p = r.unit.func.attrs.at(attr::kMatmulPatterns).at(0);
    EXPECT_EQ(p.at("reduction_var"), "r");
    EXPECT_EQ(p.at("buffer_a"), "A_shared");
    EXPECT_EQ(p.at("buffer_b"), "B_shared");
    EXPECT_EQ(p.at("A_indices"), ir::AttrValue({"p", "r"}));
    EXPECT_EQ(p.at("B_indices"), ir::AttrValue({"r", "q"}));
    EXPECT_EQ(p.at("C_indices"), ir::AttrValue({"p", "q"}));
    EXPECT_TRUE(ir::StructuralEqual(Compute(r), Compute(gemm))) << "b_first=" << b_first;
  }
}

TEST(TensorizeTT, TwoGemmsAreTwoMatmulsSharingDst) {
  // C1 = A @ B and C2 = A @ D accumulate in the same K loop: both live in DST (tiles 0, 1).
  const std::vector<std::string> at = {Mul(V("by"), 32), Mul(V("bx"), 32)};
  auto req = Request({{"A", {256, 256}}, {"B", {256, 256}}, {"D", {256, 256}}, {"C", {256, 256}}, {"E", {256, 256}}},
                     {8, 8},
                     {Alloc("A_s", {32, 32}), Alloc("B_s", {32, 32}), Alloc("D_s", {32, 32}),
                      Alloc("C1", {32, 32}, "float32", "fragment"), Alloc("C2", {32, 32}, "float32", "fragment"),
                      Clear("C1"), Clear("C2"),
                      For("k", 8,
                          {CopyIn("A", {Mul(V("by"), 32), Mul(V("k"), 32)}, "A_s"),
                           CopyIn("B", {Mul(V("k"), 32), Mul(V("bx"), 32)}, "B_s"),
                           CopyIn("D", {Mul(V("k"), 32), Mul(V("bx"), 32)}, "D_s"), Gemm("A_s", "B_s", "C1"),
                           Gemm("A_s", "D_s", "C2")}),
                      CopyOut("C1", "C", at), CopyOut("C2", "E", at)});
  auto r = Tensorize(req);
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kNumMatmuls), 2);
  ASSERT_EQ(a.at(attr::kMatmulPatterns).size(), 2u);
  EXPECT_EQ(a.at(attr::kMatmulPatterns).at(0).at("buffer_c"), "C1");
  EXPECT_EQ(a.at(attr::kMatmulPatterns).at(1).at("buffer_c"), "C2");
  EXPECT_EQ(a.at(attr::kDstTilesNeeded), 2);
  const ir::Stmt& c = Compute(r);
  EXPECT_THAT(CallArgs(c, "matmul_tiles"), ElementsAre("cb_A_s, cb_B_s, 0, 0, 0, 0", "cb_A_s, cb_D_s, 0, 0, 1, 0"));
  EXPECT_THAT(CallArgs(c, "pack_tile"), ElementsAre("0, cb_C1", "1, cb_C2"));
  EXPECT_THAT(Outline(c), ElementsAre("mm_init", "for tt_iter", "tile_regs_acquire", "for k", "cb_wait_front",
                                      "cb_wait_front", "cb_wait_front", "matmul_tiles", "matmul_tiles", "cb_pop_front",
                                      "cb_pop_front", "cb_pop_front", "end k", "tile_regs_commit", "tile_regs_wait",
                                      "cb_reserve_back", "pack_tile", "cb_push_back", "cb_reserve_back", "pack_tile",
                                      "cb_push_back", "tile_regs_release", "end tt_iter"));
}

TEST(TensorizeTT, TransposedBIsPassedToMatmulTiles) {
  auto req = Request({{"A", {256, 256}}, {"B", {256, 256}}, {"C", {256, 256}}}, {8, 8},
                     {Alloc("A_s", {32, 32}), Alloc("B_s", {32, 32}), Alloc("C_l", {32, 32}, "float32", "fragment"),
                      Clear("C_l"),
                      For("k", 8,
                          {CopyIn("A", {Mul(V("by"), 32), Mul(V("k"), 32)}, "A_s"),
                           CopyIn("B", {Mul(V("bx"), 32), Mul(V("k"), 32)}, "B_s"),
                           Gemm("A_s", "B_s", "C_l", false, true)}),
                      CopyOut("C_l", "C", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
  auto r = Tensorize(req);
  EXPECT_THAT(CallArgs(Compute(r), "matmul_tiles"), ElementsAre("cb_A_s, cb_B_s, 0, 0, 0, 1"));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kMatmulPatterns).at(0).at("transpose_b"), true);
}

// ---- Element-wise ----

TEST(TensorizeTT, ElementwiseAddIsAddTiles) {
  auto r = Tensorize(LoadExample("eltwise_add_256_bf16"));
  const ir::Stmt& c = Compute(r);
  EXPECT_THAT(Outline(c), ElementsAre("binary_op_init_common", "for tt_iter", "cb_wait_front", "cb_wait_front",
                                      "tile_regs_acquire", "add_tiles_init", "add_tiles", "tile_regs_commit",
                                      "tile_regs_wait", "cb_reserve_back", "pack_tile", "cb_push_back",
                                      "tile_regs_release", "cb_pop_front", "cb_pop_front", "end tt_iter"));
  EXPECT_THAT(CallArgs(c, "add_tiles"), ElementsAre("cb_A_tile, cb_B_tile, 0, 0, 0"));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kNumMatmuls), 0);
  EXPECT_EQ(a.at(attr::kHasTensorize), true);
  EXPECT_EQ(a.at(attr::kFp32DestAcc), false);
  ASSERT_EQ(a.at(attr::kEltwisePatterns).size(), 1u);
  const auto& p = a.at(attr::kEltwisePatterns).at(0);
  EXPECT_EQ(p.at("buffer"), "C_tile");
  EXPECT_EQ(p.at("loop_vars"), ir::AttrValue({"i", "j"}));
  EXPECT_EQ(p.at("ops"), ir::AttrValue({"add"}));
  EXPECT_EQ(p.at("tiles"), 1);
  ExpectOnlyIntrinsics(r);
}

struct BinaryCase {
  std::string op;         // BinaryOp name
  std::string intrinsic;  // add / sub / mul
};

class TensorizeBinaryTest : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(TensorizeBinaryTest, MapsToTheTileOp) {
  const BinaryCase& c = GetParam();
  auto r = Tensorize(EltwiseRequest({"X", "Y"}, 256, 256, 32, 32, Bin(c.op, At("X_t"), At("Y_t"))));
  const auto seq = IntrinsicSequence(Compute(r));
  EXPECT_THAT(seq, Contains(c.intrinsic + "_tiles_init"));
  EXPECT_THAT(CallArgs(Compute(r), c.intrinsic + "_tiles"), ElementsAre("cb_X_t, cb_Y_t, 0, 0, 0"));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kEltwisePatterns).at(0).at("ops"), ir::AttrValue({c.intrinsic}));
}

INSTANTIATE_TEST_SUITE_P(Ops, TensorizeBinaryTest,
                         ::testing::Values(BinaryCase{"ADD", "add"}, BinaryCase{"SUB", "sub"},
                                           BinaryCase{"MUL", "mul"}),
                         [](const ::testing::TestParamInfo<BinaryCase>& i) { return i.param.intrinsic; });

TEST(TensorizeTT, ExpNestIsCopyTileThenExpTile) {
  auto r = Tensorize(LoadExample("kernel_1d"));
  const ir::Stmt& c = Compute(r);
  EXPECT_THAT(Outline(c), ElementsAre("init_sfpu", "for tt_iter", "cb_wait_front", "tile_regs_acquire",
                                      "copy_tile_init", "copy_tile", "exp_tile_init", "exp_tile", "tile_regs_commit",
                                      "tile_regs_wait", "cb_reserve_back", "pack_tile", "cb_push_back",
                                      "tile_regs_release", "cb_pop_front", "end tt_iter"));
  EXPECT_THAT(CallArgs(c, "copy_tile"), ElementsAre("cb_A_frag, 0, 0"));
  EXPECT_THAT(CallArgs(c, "exp_tile"), ElementsAre("0"));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kEltwisePatterns).at(0).at("ops"), ir::AttrValue({"copy", "exp"}));
}

struct UnaryCase {
  std::string call;  // the math call
  std::string sfpu;  // the SFPU op name
};

class TensorizeUnaryTest : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(TensorizeUnaryTest, IsCopyTileAndTheSfpuOp) {
  const UnaryCase& c = GetParam();
  auto r = Tensorize(EltwiseRequest({"X"}, 64, 64, 32, 32, Call(c.call, {At("X_t")})));
  EXPECT_THAT(IntrinsicSequence(Compute(r)),
              ::testing::IsSupersetOf(std::vector<std::string>{"copy_tile_init", "copy_tile", c.sfpu + "_tile_init",
                                                                c.sfpu + "_tile"}));
  const auto seq = Outline(Compute(r));
  auto pos = [&](const std::string& s) { return std::find(seq.begin(), seq.end(), s) - seq.begin(); };
  EXPECT_LT(pos("copy_tile"), pos(c.sfpu + "_tile"));
}

INSTANTIATE_TEST_SUITE_P(Ops, TensorizeUnaryTest,
                         ::testing::Values(UnaryCase{"exp", "exp"}, UnaryCase{"sqrt", "sqrt"},
                                           UnaryCase{"rsqrt", "rsqrt"}, UnaryCase{"recip", "recip"},
                                           UnaryCase{"relu", "relu"}, UnaryCase{"log", "log"},
                                           UnaryCase{"abs", "abs"}, UnaryCase{"tanh", "tanh"},
                                           UnaryCase{"sigmoid", "sigmoid"}, UnaryCase{"neg", "negative"}),
                         [](const ::testing::TestParamInfo<UnaryCase>& i) { return i.param.call; });

TEST(TensorizeTT, UnaryOfABinaryResultChainsInDst) {
  auto r = Tensorize(EltwiseRequest({"X", "Y"}, 64, 64, 32, 32, Call("relu", {Bin("ADD", At("X_t"), At("Y_t"))})));
  EXPECT_THAT(IntrinsicSequence(Compute(r)),
              ElementsAre("binary_op_init_common", "cb_wait_front", "cb_wait_front", "tile_regs_acquire",
                          "add_tiles_init", "add_tiles", "relu_tile_init", "relu_tile", "tile_regs_commit",
                          "tile_regs_wait", "cb_reserve_back", "pack_tile", "cb_push_back", "tile_regs_release",
                          "cb_pop_front", "cb_pop_front"));
}

TEST(TensorizeTT, FillIsFillTile) {
  auto req = Request({{"Out", {64, 64}}}, {2, 2},
                     {Alloc("Out_t", {32, 32}, "bfloat16", "fragment"), Fill("Out_t", F(2.5)),
                      CopyOut("Out_t", "Out", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
  auto r = Tensorize(req);
  EXPECT_THAT(IntrinsicSequence(Compute(r)),
              ElementsAre("init_sfpu", "tile_regs_acquire", "fill_tile_init", "fill_tile", "tile_regs_commit",
                          "tile_regs_wait", "cb_reserve_back", "pack_tile", "cb_push_back", "tile_regs_release"));
  EXPECT_THAT(CallArgs(Compute(r), "fill_tile"), ElementsAre("0, 2.5"));
}

TEST(TensorizeTT, ClearZeroesDstOnAcquireWithoutAnIntrinsic) {
  auto r = Tensorize(LoadExample("gemm_256_bf16"));
  EXPECT_THAT(IntrinsicSequence(Compute(r)), Not(Contains("fill_tile")));
  EXPECT_THAT(IntrinsicSequence(Compute(r)), Not(Contains("fill_tile_init")));
}

// ---- DST capacity ----

TEST(TensorizeTT, GemmLargerThanDstSpillsPartialSumsToAnIntermediateCb) {
  // gemm_1024_bf16_block128: C_local is 4x4 = 16 float32 tiles; fp32 DST holds 4.
  auto r = Tensorize(LoadExample("gemm_1024_bf16_block128"));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kDstTilesNeeded), 4);
  EXPECT_EQ(a.at(attr::kFp32DestAcc), true);
  const auto part = FindCircularBuffer(r.unit.func, "C_local_partials");
  ASSERT_TRUE(part.has_value()) << a.at(attr::kCircularBuffers).dump();
  EXPECT_EQ(part->cb_id, 24);
  EXPECT_EQ(part->role, "intermediate");
  EXPECT_EQ(part->num_pages, 16);  // every partial sum of the block
  EXPECT_EQ(part->page_size, 4096);
  EXPECT_EQ(part->data_format, "Float32");
  EXPECT_EQ(part->block_tiles, 4);
  EXPECT_EQ(a.at(attr::kNumCbs), 4);
  EXPECT_EQ(a.at(attr::kL1Bytes), (8 + 8 + 16) * 2048 + 16 * 4096);
  // Within each K step, the four sub-blocks of four DST tiles compute each output tile of the
  // 4x4 block exactly once, from A-block row m and B-block column n.
  const auto mm = CallsNamed(Compute(r), "matmul_tiles");
  ASSERT_EQ(mm.size(), 1u);
  std::set<std::pair<int64_t, int64_t>> tiles;
  for (int64_t sb = 0; sb < 4; ++sb) {
    for (int64_t d = 0; d < 4; ++d) {
      const std::map<std::string, int64_t> env = {{"tt_sb", sb}, {"tt_d", d}};
      const int64_t in0 = Eval(mm[0]->args[2], env), in1 = Eval(mm[0]->args[3], env);
      EXPECT_EQ(Eval(mm[0]->args[4], env), d);  // DST index
      EXPECT_EQ(in0 * 4 + in1, sb * 4 + d);     // row-major output tile
      tiles.insert({in0, in1});
    }
  }
  EXPECT_EQ(tiles.size(), 16u);
  // Zero the partial sums, accumulate per K step (reload, multiply, spill), pack the result.
  EXPECT_THAT(Outline(Compute(r)),
              ElementsAreArray<std::string>(
                  {"mm_init", "for tt_iter",
                   // initial partial sums
                   "for tt_sb", "tile_regs_acquire", "tile_regs_commit", "tile_regs_wait", "cb_reserve_back",
                   "for tt_d", "pack_tile", "end tt_d", "cb_push_back", "tile_regs_release", "end tt_sb",
                   // K loop
                   "for k", "cb_wait_front", "cb_wait_front", "for tt_sb", "tile_regs_acquire", "cb_wait_front",
                   "copy_tile_init", "for tt_d", "copy_tile", "end tt_d", "cb_pop_front", "mm_init_short", "for tt_d",
                   "matmul_tiles", "end tt_d", "tile_regs_commit", "tile_regs_wait", "cb_reserve_back", "for tt_d",
                   "pack_tile", "end tt_d", "cb_push_back", "tile_regs_release", "end tt_sb", "cb_pop_front",
                   "cb_pop_front", "end k",
                   // copy-out
                   "for tt_sb", "tile_regs_acquire", "cb_wait_front", "copy_tile_init", "for tt_d", "copy_tile",
                   "end tt_d", "cb_pop_front", "tile_regs_commit", "tile_regs_wait", "cb_reserve_back", "for tt_d",
                   "pack_tile", "end tt_d", "cb_push_back", "tile_regs_release", "end tt_sb", "end tt_iter"}));
  EXPECT_THAT(CallArgs(Compute(r), "cb_push_back"),
              ElementsAre("cb_C_local_partials, 4", "cb_C_local_partials, 4", "cb_C_local, 4"));
}

TEST(TensorizeTT, ElementwiseLargerThanDstRepeatsPerSubBlock) {
  // 128x128 bfloat16 = 16 tiles; 16-bit DST holds 8: two sub-blocks of 8.
  auto r = Tensorize(EltwiseRequest({"X", "Y"}, 256, 256, 128, 128, Bin("ADD", At("X_t"), At("Y_t"))));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kDstTilesNeeded), 8);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kFp32DestAcc), false);
  const auto add = CallsNamed(Compute(r), "add_tiles");
  ASSERT_EQ(add.size(), 1u);
  std::set<int64_t> tiles;
  for (int64_t sb = 0; sb < 2; ++sb) {
    for (int64_t d = 0; d < 8; ++d) {
      const std::map<std::string, int64_t> env = {{"tt_sb", sb}, {"tt_d", d}};
      EXPECT_EQ(Eval(add[0]->args[2], env), sb * 8 + d);
      EXPECT_EQ(Eval(add[0]->args[3], env), sb * 8 + d);
      EXPECT_EQ(Eval(add[0]->args[4], env), d);
      tiles.insert(Eval(add[0]->args[2], env));
    }
  }
  EXPECT_EQ(tiles.size(), 16u);
  EXPECT_THAT(CallArgs(Compute(r), "cb_reserve_back"), ElementsAre("cb_Out_t, 8"));
  const auto outline = Outline(Compute(r));
  EXPECT_EQ(std::count(outline.begin(), outline.end(), "for tt_sb"), 1);
  EXPECT_FALSE(FindCircularBuffer(r.unit.func, "Out_t_partials").has_value());
}

TEST(TensorizeTT, GemmWithoutAKLoopLargerThanDstRepeatsPerSubBlock) {
  // A 128x128 float32 accumulator (16 tiles) of one gemm without a K loop: its operands are
  // waited for before the region, so the gemm is computed 4 tiles (fp32 DST) at a time.
  auto r = Tensorize(Request({{"A", {128, 32}}, {"B", {32, 128}}, {"C", {128, 128}}}, {1, 1},
                             {Alloc("A_s", {128, 32}), Alloc("B_s", {32, 128}),
                              Alloc("C_l", {128, 128}, "float32", "fragment"), Clear("C_l"),
                              CopyIn("A", {I(0), I(0)}, "A_s"), CopyIn("B", {I(0), I(0)}, "B_s"),
                              Gemm("A_s", "B_s", "C_l"), CopyOut("C_l", "C", {I(0), I(0)})}));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kDstTilesNeeded), 4);
  const auto mm = CallsNamed(Compute(r), "matmul_tiles");
  ASSERT_EQ(mm.size(), 1u);
  std::set<int64_t> tiles;
  for (int64_t sb = 0; sb < 4; ++sb) {
    for (int64_t d = 0; d < 4; ++d) {
      const std::map<std::string, int64_t> env = {{"tt_sb", sb}, {"tt_d", d}};
      EXPECT_EQ(Eval(mm[0]->args[4], env), d);  // the DST slot within the sub-block
      tiles.insert(Eval(mm[0]->args[3], env));  // B's tile: the output column
    }
  }
  EXPECT_EQ(tiles.size(), 4u);
  EXPECT_THAT(CallArgs(Compute(r), "cb_reserve_back"), ElementsAre("cb_C_l, 4"));
  EXPECT_FALSE(FindCircularBuffer(r.unit.func, "C_l_partials").has_value());
}

// `n` results R0.. = X + Y computed in one block and copied out after all of them.
v1::KernelRequest LiveTogether(int n, const std::string& dtype) {
  std::vector<Param> params = {{"X", {64, 64}, dtype}, {"Y", {64, 64}, dtype}};
  Body body = {Alloc("X_t", {32, 32}, dtype), Alloc("Y_t", {32, 32}, dtype),
               CopyIn("X", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "X_t"),
               CopyIn("Y", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "Y_t")};
  for (int i = 0; i < n; ++i) {
    params.push_back({absl::StrCat("O", i), {64, 64}, dtype});
    body.insert(body.begin(), Alloc(absl::StrCat("R", i), {32, 32}, dtype, "fragment"));
    body.push_back(TileNest(absl::StrCat("R", i), 32, 32, Bin("ADD", At("X_t"), At("Y_t"))));
  }
  for (int i = 0; i < n; ++i) {
    body.push_back(CopyOut(absl::StrCat("R", i), absl::StrCat("O", i), {Mul(V("by"), 32), Mul(V("bx"), 32)}));
  }
  return Request(params, {2, 2}, body);
}

TEST(TensorizeTT, ResultsLiveTogetherShareDstWhenTheyFit) {
  // Five bfloat16 one-tile results: 5 <= 8 DST tiles.
  auto r = Tensorize(LiveTogether(5, "bfloat16"));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kDstTilesNeeded), 5);
  EXPECT_THAT(CallArgs(Compute(r), "add_tiles"),
              ElementsAre("cb_X_t, cb_Y_t, 0, 0, 0", "cb_X_t, cb_Y_t, 0, 0, 1", "cb_X_t, cb_Y_t, 0, 0, 2",
                          "cb_X_t, cb_Y_t, 0, 0, 3", "cb_X_t, cb_Y_t, 0, 0, 4"));
  const auto seq = IntrinsicSequence(Compute(r));
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "tile_regs_acquire"), 1);
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "pack_tile"), 5);
}

// ---- Errors ----

struct TensorizeError {
  std::string name;
  std::function<v1::KernelRequest()> make;
  std::string prefix;
  std::vector<std::string> substrings;
};

class TensorizeErrorTest : public ::testing::TestWithParam<TensorizeError> {};

TEST_P(TensorizeErrorTest, IsAUserErrorOfThisPass) {
  const TensorizeError& c = GetParam();
  auto r = CompileWith(c.make(), Through(kPass));
  ASSERT_FALSE(r.ok());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->internal);
  EXPECT_EQ(r.pipeline.failed_pass, kPass);
  EXPECT_THAT(d->message, StartsWith(c.prefix));
  for (const std::string& s : c.substrings) EXPECT_THAT(d->message, HasSubstr(s));
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::kHasTensorize));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, TensorizeErrorTest,
    ::testing::Values(
        TensorizeError{"FloorModMatchesNoIntrinsic",
                       [] { return EltwiseRequest({"A", "B"}, 64, 64, 32, 32, Bin("FLOOR_MOD", At("A_t"), At("B_t"))); },
                       "the loop nest over i, j storing to 'Out_t' matches no TT intrinsic: `A_t[i, j] % B_t[i, j]` is "
                       "not an element-wise operation ttc lowers to TT tile operations",
                       {"T.max, T.min", "negation"}},
        TensorizeError{"NestOverPartOfTheTile",
                       [] {
                         auto req = Request({{"A", {64, 64}}, {"B", {64, 64}}}, {2, 2},
                                            {Alloc("A_t", {32, 32}), Alloc("B_t", {32, 32}, "bfloat16", "fragment"),
                                             CopyIn("A", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "A_t"),
                                             TileNest("B_t", 16, 32, Call("exp", {At("A_t")})),
                                             CopyOut("B_t", "B", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
                         return req;
                       },
                       "the loop nest over i, j storing to 'B_t' matches no TT intrinsic: TT computes whole tiles",
                       {"every element of 'B_t'"}},
        TensorizeError{"DstOverflowOfResultsLiveTogether", [] { return LiveTogether(5, "float32"); },
                       "DST overflow that cannot be split: results R0, R1, R2, R3, R4 are live together and need 5 "
                       "tiles but DST holds 4 with fp32 accumulation",
                       {"separate blocks"}},
        TensorizeError{"TransposedA",
                       [] {
                         return Request({{"A", {256, 256}}, {"B", {256, 256}}, {"C", {256, 256}}}, {8, 8},
                                        {Alloc("A_s", {32, 32}), Alloc("B_s", {32, 32}),
                                         Alloc("C_l", {32, 32}, "float32", "fragment"), Clear("C_l"),
                                         For("k", 8,
                                             {CopyIn("A", {Mul(V("k"), 32), Mul(V("by"), 32)}, "A_s"),
                                              CopyIn("B", {Mul(V("k"), 32), Mul(V("bx"), 32)}, "B_s"),
                                              Gemm("A_s", "B_s", "C_l", true, false)}),
                                         CopyOut("C_l", "C", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
                       },
                       "T.gemm with transpose_A is not supported",
                       {"store 'A_s' untransposed"}},
        TensorizeError{"ResultNeverCopiedOut",
                       [] {
                         return Request({{"A", {64, 64}}, {"B", {64, 64}}}, {2, 2},
                                        {Alloc("A_t", {32, 32}), Alloc("T_t", {32, 32}, "bfloat16", "fragment"),
                                         Alloc("B_t", {32, 32}, "bfloat16", "fragment"),
                                         CopyIn("A", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "A_t"),
                                         TileNest("T_t", 32, 32, Call("exp", {At("A_t")})),
                                         TileNest("B_t", 32, 32, Call("abs", {At("A_t")})),
                                         CopyOut("B_t", "B", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
                       },
                       "'T_t' is computed on the Tensix core but never copied to DRAM",
                       {}},
        TensorizeError{"OutputNothingComputes",
                       [] {
                         // C_t is drained to DRAM by the writer but no compute statement writes it:
                         // the writer would wait for its circular buffer forever.
                         return Request({{"A", {64, 64}}, {"C", {64, 64}}}, {2, 2},
                                        {Alloc("A_t", {32, 32}), Alloc("C_t", {32, 32}, "bfloat16", "fragment"),
                                         CopyIn("A", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "A_t"),
                                         CopyOut("C_t", "C", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
                       },
                       "'C_t' is copied to DRAM but nothing computes it on the Tensix core",
                       {"the writer would wait forever"}}),
    [](const ::testing::TestParamInfo<TensorizeError>& i) { return i.param.name; });

}  // namespace
}  // namespace ttc
