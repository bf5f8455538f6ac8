// passes/stage_global_accesses (run at the start of propagate_tt_layout): element accesses to
// DRAM buffers in store nests become T.copy stagings through on-chip buffers; what cannot be
// staged is a user error at the statement's line:col naming the buffer and the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "absl/strings/str_replace.h"
#include "frontend/load.h"
#include "ir/printer.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::CompileWith;
using testing::Errors;
using testing::FirstError;
using testing::kThroughPropagate;

// A kernel over 64x64 float32 A and B; NEST replaces the statement after the copy of A.
constexpr char kKernel[] = R"(import tilelang.language as T


@T.prim_func
def main(A: T.Tensor((64, 64), "float32"), B: T.Tensor((64, 64), "float32")):
    with T.Kernel(2, 2, threads=128) as (bx, by):
        A_s = T.alloc_shared((32, 32), "float32")
        T.copy(A[by * 32, bx * 32], A_s)
        for i, j in T.Parallel(32, 32):
            NEST
)";

CompileResult Compile(const std::string& nest, const std::string& passes = kThroughPropagate) {
  auto req = frontend::ParseTileLangScript(absl::StrReplaceAll(kKernel, {{"NEST", nest}}), "k.py", {});
  EXPECT_TRUE(req.ok()) << req.status().message();
  return CompileWith(req.ok() ? *req : v1::KernelRequest(), passes);
}

std::string Body(const CompileResult& r) {
  const std::string s = ir::PrintScript(r.unit.func);
  return s.substr(s.find("with T.Kernel"));
}

TEST(StageGlobalAccesses, ReadModifyWriteGetsAnInputAndAnOutputBuffer) {
  // The read of B goes before the copy of A (as early as the allocations allow).
  auto r = Compile("B[by * 32 + i, bx * 32 + j] = A_s[i, j] + B[by * 32 + i, bx * 32 + j]");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Body(r),
            "with T.Kernel(2, 2, threads=128) as (bx, by):\n"
            "        tt_B_in_10_13 = T.alloc_shared((32, 32), \"float32\")\n"
            "        tt_B_out_10_13 = T.alloc_fragment((32, 32), \"float32\")\n"
            "        A_s = T.alloc_shared((32, 32), \"float32\")\n"
            "        T.copy(B[by * 32, bx * 32], tt_B_in_10_13)\n"
            "        T.copy(A[by * 32, bx * 32], A_s)\n"
            "        for i in T.Parallel(32):\n"
            "            for j in T.Parallel(32):\n"
            "                tt_B_out_10_13[i, j] = A_s[i, j] + tt_B_in_10_13[i, j]\n"
            "        T.copy(tt_B_out_10_13, B[by * 32, bx * 32])\n");
}

TEST(StageGlobalAccesses, ReadOnlyAccessIsCopiedIn) {
  // A read with the loop variables swapped reads the transposed block: the staging buffer has
  // the region's shape and the nest reads it as the global was read.
  auto r = Compile("B[by * 32 + i, bx * 32 + j] = A_s[i, j] * A[bx * 32 + j, by * 32 + i]");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const std::string body = Body(r);
  EXPECT_THAT(body, HasSubstr("T.copy(A[bx * 32, by * 32], tt_A_in_10_13)"));
  EXPECT_THAT(body, HasSubstr("tt_B_out_10_13[i, j] = A_s[i, j] * tt_A_in_10_13[j, i]"));
  EXPECT_THAT(body, HasSubstr("T.copy(tt_B_out_10_13, B[by * 32, bx * 32])"));
}

TEST(StageGlobalAccesses, DimensionWithoutLoopVariableHasExtentOne) {
  // B[by * 32, bx * 32 + j] is read for every i: a (1, 32) region, staged as a 32-element row.
  auto r = Compile("B[by * 32 + i, bx * 32 + j] = A_s[i, j] + A[by * 32, bx * 32 + j]");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const std::string body = Body(r);
  EXPECT_THAT(body, HasSubstr("tt_A_in_10_13 = T.alloc_shared((32,), \"float32\")"));
  EXPECT_THAT(body, HasSubstr("T.copy(A[by * 32:by * 32 + 1, bx * 32:bx * 32 + 32], tt_A_in_10_13)"));
  EXPECT_THAT(body, HasSubstr("= A_s[i, j] + tt_A_in_10_13[j]"));
}

TEST(StageGlobalAccesses, RepeatedReadsShareOneBuffer) {
  auto r = Compile("B[by * 32 + i, bx * 32 + j] = A[by * 32 + i, bx * 32 + j] * A[by * 32 + i, bx * 32 + j]");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const std::string body = Body(r);
  EXPECT_THAT(body, HasSubstr("tt_B_out_10_13[i, j] = tt_A_in_10_13[i, j] * tt_A_in_10_13[i, j]"));
  EXPECT_THAT(body, Not(HasSubstr("tt_A_in_10_13_2")));
}

TEST(StageGlobalAccesses, NestsWithoutGlobalAccessesAreUnchanged) {
  auto r = Compile("A_s[i, j] = A_s[i, j] * 2.0");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_THAT(Body(r), Not(HasSubstr("tt_")));
}

struct ErrorCase {
  const char* name;
  std::string nest;
  std::string message;  // a substring of the error
  std::string loc = "10:13";
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class StageGlobalAccessesErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(StageGlobalAccessesErrorTest, IsAUserErrorAtTheStatement) {
  const ErrorCase& c = GetParam();
  auto r = Compile(c.nest);
  const Diagnostic* e = FirstError(r);
  ASSERT_NE(e, nullptr) << Body(r);
  EXPECT_FALSE(e->internal) << e->message;
  EXPECT_EQ(e->loc.ToString(), c.loc) << e->message;
  EXPECT_THAT(e->message, HasSubstr(c.message));
  EXPECT_EQ(e->pass, "propagate_tt_layout");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, StageGlobalAccessesErrorTest,
    ::testing::Values(
        ErrorCase{"NonAffine", "B[by * 32 + i, bx * 32 + j] = A[by * 32 + i * i, bx * 32 + j]",
                  "cannot stage the element accesses of DRAM buffer 'A' in this nest through an on-chip buffer: the "
                  "read of A[by * 32 + i * i, bx * 32 + j]: index `by * 32 + i * i` (dimension 0) is not an offset "
                  "plus a loop variable of the nest"},
        ErrorCase{"Modulo", "B[by * 32 + i, bx * 32 + j] = A[by * 32 + i, (bx * 32 + j) % 64]",
                  "DRAM buffer 'A'"},
        ErrorCase{"VariableInTwoDimensions", "B[by * 32 + i, bx * 32 + j] = A[by * 32 + i, bx * 32 + i]",
                  "loop variable i indexes dimensions 0 and 1: the elements are not a rectangular block"},
        ErrorCase{"TwoVariablesInOneDimension", "B[by * 32 + i, bx * 32 + j] = A[by * 32 + i + j, bx * 32]",
                  "combines the loop variables i and j: the elements are not a rectangular block"},
        ErrorCase{"Strided", "B[by * 32 + i, bx * 32 + j] = A[by * 32 + i, j * 2]",
                  "steps by 2 with loop variable j: the elements are not a contiguous block"},
        ErrorCase{"StoreMissesALoopVariable", "B[by * 32 + i, bx * 32] = A_s[i, j]",
                  "cannot stage the element accesses of DRAM buffer 'B' in this nest through an on-chip buffer: the "
                  "store to B[by * 32 + i, bx * 32] does not use loop variable j, so the nest writes its elements "
                  "more than once"},
        ErrorCase{"ReadOfOtherWrittenElements",
                  "B[by * 32 + i, bx * 32 + j] = B[by * 32 + i, bx * 32 + j + 1] + A_s[i, j]",
                  "the nest reads B[by * 32 + i, bx * 32 + j + 1] besides writing other elements of it"},
        ErrorCase{"NotANest", "if i < j:\n                B[by * 32 + i, bx * 32 + j] = A_s[i, j]",
                  "this statement writes DRAM buffer 'B' element by element (B[by * 32 + i, bx * 32 + j]) outside "
                  "a store nest",
                  "11:17"}),
    [](const ::testing::TestParamInfo<ErrorCase>& i) { return i.param.name; });

TEST(StageGlobalAccesses, ErrorOutsideANestIsAtTheStatement) {
  // A read of DRAM in a let (a kernel variable) is not in a store nest.
  const std::string script = absl::StrReplaceAll(kKernel, {{"        for i, j in T.Parallel(32, 32):\n            NEST\n",
                                                            "        x = A[by, bx] * 2.0\n"
                                                            "        for i, j in T.Parallel(32, 32):\n"
                                                            "            A_s[i, j] = x\n"
                                                            "        T.copy(A_s, B[by * 32, bx * 32])\n"}});
  auto req = frontend::ParseTileLangScript(script, "k.py", {});
  ASSERT_TRUE(req.ok()) << req.status().message();
  auto r = CompileWith(*req, kThroughPropagate);
  const Diagnostic* e = FirstError(r);
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->internal);
  EXPECT_EQ(e->loc.ToString(), "9:9");
  EXPECT_THAT(e->message, HasSubstr("reads DRAM buffer 'A' element by element (A[by, bx])"));
}

TEST(StageGlobalAccesses, ReadModifyWriteValidatesThroughTheWholePipeline) {
  auto r = Compile("B[by * 32 + i, bx * 32 + j] = A_s[i, j] + B[by * 32 + i, bx * 32 + j]", "");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_TRUE(r.unit.func.kernels.count("compute"));
}

}  // namespace
}  // namespace ttc
