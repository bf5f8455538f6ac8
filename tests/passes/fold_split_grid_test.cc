// T.atomic_add (frontend/atomic_lower.cc) and split-K on one core (passes/fold_split_grid, run
// at the start of infer_default_tt_schedule): the frontend writes the update `C = C + x`; a grid
// dimension no DRAM write uses becomes a serial loop fused with the K loop, the accumulator
// cleared before it and the epilogue after it; other forms are user errors at the update.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "frontend/load.h"
#include "ir/printer.h"
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
using testing::kThroughSchedule;

// TileLang's split-K GEMM (example_tilelang_gemm_splitk.py) at 128x192x256, blocks 64x64x32,
// two splits; SPLIT is the A/B offset along K, EPILOGUE follows the K loop.
constexpr char kSplitK[] = R"(import tilelang
import tilelang.language as T


@tilelang.jit
def matmul(M, N, K, block_M, block_N, block_K, split_k, dtype="bfloat16", accum_dtype="float32"):
    splitK = K // split_k

    @T.prim_func
    def main(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype), C: T.Tensor((M, N), accum_dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), split_k, threads=128) as (bx, by, bz):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_shared = T.alloc_shared((block_M, block_N), accum_dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for ko in T.Pipelined(T.ceildiv(splitK, block_K), num_stages=2):
                T.copy(A[by * block_M, SPLIT], A_shared)
                T.copy(B[SPLIT, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            EPILOGUE

    return main


kernel = matmul(128, 192, 256, 64, 64, 32, 2)
)";

constexpr char kSplit[] = "bz * splitK + ko * block_K";
constexpr char kElementUpdate[] =
    "T.copy(C_local, C_shared)\n"
    "            for i, j in T.Parallel(block_M, block_N):\n"
    "                T.atomic_add(C[by * block_M + i, bx * block_N + j], C_shared[i, j])";

v1::KernelRequest Script(const std::string& epilogue, const std::string& split = kSplit,
                         const std::string& extra = "") {
  std::string s = absl::StrReplaceAll(kSplitK, {{"EPILOGUE", epilogue}, {"SPLIT", split}});
  if (!extra.empty()) s = absl::StrReplaceAll(s, {{"            T.clear(C_local)\n", extra}});
  auto req = frontend::ParseTileLangScript(s, "k.py", {});
  EXPECT_TRUE(req.ok()) << req.status().message();
  return req.ok() ? *req : v1::KernelRequest();
}

std::string Body(const CompileResult& r) {
  const std::string s = ir::PrintScript(r.unit.func);
  return s.substr(s.find("with T.Kernel"));
}

TEST(AtomicAdd, ElementFormIsTheUpdate) {
  auto r = CompileWith(Script(kElementUpdate), "apply_tt_defaults");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_THAT(Body(r), HasSubstr("C[by * 64 + i, bx * 64 + j] = C[by * 64 + i, bx * 64 + j] + C_shared[i, j]"));
}

TEST(AtomicAdd, RegionFormIsAnUpdateNest) {
  for (const char* dst : {"C[by * block_M, bx * block_N]",
                          "C[by * block_M:(by + 1) * block_M, bx * block_N:(bx + 1) * block_N]"}) {
    SCOPED_TRACE(dst);
    auto r = CompileWith(Script(absl::StrCat("T.atomic_add(", dst, ", C_local)")), "apply_tt_defaults");
    ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
    EXPECT_THAT(Body(r), HasSubstr("for tt_atomic_0 in T.Parallel(64):\n"
                                   "            for tt_atomic_1 in T.Parallel(64):\n"
                                   "                C[by * 64 + tt_atomic_0, bx * 64 + tt_atomic_1] = "
                                   "C[by * 64 + tt_atomic_0, bx * 64 + tt_atomic_1] + C_local[tt_atomic_0, tt_atomic_1]"));
  }
}

TEST(AtomicAdd, FrontendErrors) {
  struct Case {
    std::string epilogue, error;
  };
  for (const Case& c : std::vector<Case>{
           {"T.atomic_add(C[by * block_M, bx * block_N], C_local, return_prev=True)",
            "k.py:21:66: error: T.atomic_add return_prev=True is not supported by the TT backend"},
           {"T.atomic_add(C[by * block_M:(by + 1) * block_M, 0], 1.0)",
            "k.py:21:28: error: T.atomic_add of a value updates one element"},
           {"T.atomic_add(C[by * block_M:(by + 2) * block_M, bx * block_N], C_local)",
            "k.py:21:26: error: T.atomic_add updates a region of extent 128 in dimension 0 from buffer 'C_local' of "
            "extent 64"},
           {"T.atomic_add(C[by * block_M, bx * block_N], C_local, scope=1)",
            "k.py:21:66: error: T.atomic_add keyword 'scope' is not supported by the TT backend"},
       }) {
    const std::string s = absl::StrReplaceAll(kSplitK, {{"EPILOGUE", c.epilogue}, {"SPLIT", kSplit}});
    auto req = frontend::ParseTileLangScript(s, "k.py", {});
    ASSERT_FALSE(req.ok()) << c.epilogue;
    EXPECT_THAT(std::string(req.status().message()), StartsWith(c.error));
  }
}

TEST(FoldSplitGrid, SplitDimensionBecomesPartOfTheKLoop) {
  auto r = CompileWith(Script(kElementUpdate), kThroughSchedule);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.func.grid.extents, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(r.unit.func.grid.vars, (std::vector<std::string>{"bx", "by"}));
  EXPECT_EQ(GetInt(r.unit.func.attrs, attr::kNumTiles, 0), 6);
  // One K loop over both splits (bz * 128 + ko * 32 == ko' * 32 over 8 steps); the copy of the
  // accumulator is read directly by the update.
  EXPECT_EQ(Body(r),
            "with T.Kernel(3, 2, threads=128) as (bx, by):\n"
            "        A_shared = T.alloc_shared((64, 32), \"bfloat16\")\n"
            "        B_shared = T.alloc_shared((32, 64), \"bfloat16\")\n"
            "        C_shared = T.alloc_shared((64, 64), \"float32\")\n"
            "        C_local = T.alloc_fragment((64, 64), \"float32\")\n"
            "        T.clear(C_local)\n"
            "        for ko in T.Pipelined(8, num_stages=2):\n"
            "            T.copy(A[by * 64, ko * 32], A_shared)\n"
            "            T.copy(B[ko * 32, bx * 64], B_shared)\n"
            "            T.gemm(A_shared, B_shared, C_local)\n"
            "        for i in T.Parallel(64):\n"
            "            for j in T.Parallel(64):\n"
            "                C[by * 64 + i, bx * 64 + j] = C[by * 64 + i, bx * 64 + j] + C_local[i, j]\n");
}

TEST(FoldSplitGrid, IndicesThatDoNotCombineKeepASplitLoop) {
  // Interleaved splits (bz * 32 + ko * 64): a serial loop over bz around the K loop.
  auto r = CompileWith(Script(kElementUpdate, "bz * block_K + ko * (block_K * split_k)"), kThroughSchedule);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_THAT(Body(r), HasSubstr("        T.clear(C_local)\n"
                                 "        for bz in T.serial(2):\n"
                                 "            for ko in T.Pipelined(4, num_stages=2):\n"
                                 "                T.copy(A[by * 64, bz * 32 + ko * 64], A_shared)\n"));
}

TEST(FoldSplitGrid, GridOfTheSplitsOnlyIsOneBlock) {
  const std::string s = absl::StrReplaceAll(
      kSplitK, {{"EPILOGUE", "T.atomic_add(C[0, 0], C_local)"},
                {"SPLIT", kSplit},
                {"T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), split_k, threads=128) as (bx, by, bz)",
                 "T.Kernel(split_k, threads=128) as bz"},
                {"by * block_M", "0"},
                {"bx * block_N", "0"},
                {"matmul(128, 192, 256, 64, 64, 32, 2)", "matmul(64, 64, 256, 64, 64, 32, 4)"}});
  auto req = frontend::ParseTileLangScript(s, "k.py", {});
  ASSERT_TRUE(req.ok()) << req.status().message();
  auto r = CompileWith(*req, "");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.func.grid.extents, (std::vector<int64_t>{1}));
}

TEST(FoldSplitGrid, UpdatesOfOwnElementsKeepTheGrid) {
  // Every grid index is used by the update: each block updates its own elements.
  auto req = frontend::ParseTileLangScript(R"(import tilelang.language as T


@T.prim_func
def main(A: T.Tensor((64, 64), "float32"), B: T.Tensor((64, 64), "float32")):
    with T.Kernel(2, 2, threads=128) as (bx, by):
        A_s = T.alloc_shared((32, 32), "float32")
        T.copy(A[by * 32, bx * 32], A_s)
        for i, j in T.Parallel(32, 32):
            T.atomic_add(B[by * 32 + i, bx * 32 + j], A_s[i, j])
)",
                                           "k.py", {});
  ASSERT_TRUE(req.ok()) << req.status().message();
  auto r = CompileWith(*req, kThroughSchedule);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.unit.func.grid.extents, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(GetInt(r.unit.func.attrs, attr::kNumTiles, 0), 4);
}

struct ErrorCase {
  const char* name;
  std::string epilogue, split, prefix, reason;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class FoldSplitGridErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(FoldSplitGridErrorTest, IsAUserErrorAtTheUpdate) {
  const ErrorCase& c = GetParam();
  auto r = CompileWith(Script(c.epilogue.empty() ? kElementUpdate : c.epilogue, c.split.empty() ? kSplit : c.split,
                              c.prefix),
                       kThroughSchedule);
  const Diagnostic* e = FirstError(r);
  ASSERT_NE(e, nullptr) << Body(r);
  EXPECT_FALSE(e->internal);
  EXPECT_EQ(e->pass, "infer_default_tt_schedule");
  EXPECT_THAT(e->message, StartsWith("this update of DRAM buffer 'C' (T.atomic_add) does not depend on grid index "
                                     "bz: TT has no DRAM atomics, so the TT lowering runs the 2 splits of bz one "
                                     "after another on one core"));
  EXPECT_THAT(e->message, HasSubstr("; here " + c.reason));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FoldSplitGridErrorTest,
    ::testing::Values(
        ErrorCase{"NonlinearEpilogue",
                  "for i, j in T.Parallel(block_M, block_N):\n"
                  "                C_local[i, j] = T.max(C_local[i, j], 0)\n"
                  "            T.atomic_add(C[by * block_M, bx * block_N], C_local)",
                  "", "",
                  "the statement at 21:13 after the K loop is neither a whole copy of the accumulator nor an update "
                  "that adds (a copy of) the accumulator"},
        ErrorCase{"ScaledUpdate",
                  "T.copy(C_local, C_shared)\n"
                  "            for i, j in T.Parallel(block_M, block_N):\n"
                  "                T.atomic_add(C[by * block_M + i, bx * block_N + j], C_shared[i, j] * 2.0)",
                  "", "", "the update at 23:17 adds `C_shared[i, j] * 2.0`, not the accumulator or a whole copy of it"},
        ErrorCase{"NoClear", "", "", "            pass\n", "the accumulator 'C_local' is not cleared (T.clear) before the K loop"},
        ErrorCase{"SplitIndexInTheEpilogue",
                  "T.copy(C_local, C_shared)\n"
                  "            for i, j in T.Parallel(block_M, block_N):\n"
                  "                T.atomic_add(C[by * block_M + i, bx * block_N + j], C_shared[i, j] * bz)",
                  "", "", "the statements at 17:13 and 22:13 both use bz; only the K loop may"},
        ErrorCase{"SplitIndexUnused", "", "ko * block_K", "",
                  "nothing in the block uses bz, so every split adds the same values"},
        ErrorCase{"PlainWriteToo",
                  "T.copy(C_local, C_shared)\n"
                  "            T.copy(C_shared, C[by * block_M, bx * block_N])\n"
                  "            T.atomic_add(C[by * block_M, bx * block_N], C_shared)",
                  "", "",
                  "the statement at 22:13 after the K loop is neither a whole copy of the accumulator nor an update "
                  "that adds (a copy of) the accumulator"}),
    [](const ::testing::TestParamInfo<ErrorCase>& i) { return i.param.name; });

TEST(FoldSplitGrid, TwoUnusedGridIndicesAreAnError) {
  const std::string s = absl::StrReplaceAll(
      kSplitK, {{"EPILOGUE", "T.atomic_add(C[0, 0], C_local)"},
                {"SPLIT", "bz * splitK + by * 32 + ko * block_K"},
                {"T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), split_k, threads=128) as (bx, by, bz)",
                 "T.Kernel(1, 2, split_k, threads=128) as (bx, by, bz)"},
                {"by * block_M", "0"},
                {"bx * block_N", "0"}});
  auto req = frontend::ParseTileLangScript(s, "k.py", {});
  ASSERT_TRUE(req.ok()) << req.status().message();
  auto r = CompileWith(*req, kThroughSchedule);
  const Diagnostic* e = FirstError(r);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->loc.ToString(), "21:13");
  EXPECT_THAT(e->message, HasSubstr("; here grid indices by and bz are both unused by the writes"));
}

}  // namespace
}  // namespace ttc
