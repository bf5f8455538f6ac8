// passes/raise_manual_matmul.h: a perfect i/j/k nest of C[i, j] += A[i, k] * B[k, j] covering
// the buffers becomes T.gemm; nests that do not cover them, or are not perfect, stay loops.
#include "passes/raise_manual_matmul.h"

#include <gtest/gtest.h>

#include "ir/builder.h"

namespace ttc {
namespace {

using namespace ir;

Buffer Buf(const std::string& name, std::vector<int64_t> shape) {
  auto b = std::make_shared<BufferNode>();
  b->name = name;
  b->shape = std::move(shape);
  b->dtype = *ParseDType("float32");
  b->scope = Scope::kShared;
  return b;
}

// for i < m: for j < n: for k < kext: C[i, j] = C[i, j] + A[i, k] * B[k, j]
Stmt MatmulNest(const Buffer& a, const Buffer& b, const Buffer& c, int64_t m, int64_t n, int64_t kext) {
  auto i = MakeVar("i"), j = MakeVar("j"), k = MakeVar("k");
  auto store = std::make_shared<Store>();
  store->buffer = c;
  store->indices = {i, j};
  store->value = MakeBinary(BinOp::kAdd, MakeLoad(c, {i, j}),
                            MakeBinary(BinOp::kMul, MakeLoad(a, {i, k}), MakeLoad(b, {k, j})));
  return MakeSerialLoop("i", m, {MakeSerialLoop("j", n, {MakeSerialLoop("k", kext, {store})})});
}

TEST(RaiseManualMatmul, CoveringNestBecomesGemm) {
  auto A = Buf("A", {32, 64}), B = Buf("B", {64, 32}), C = Buf("C", {32, 32});
  RaisedMatmuls raised;
  Stmt out = RaiseManualMatmuls(MakeSeq({MatmulNest(A, B, C, 32, 32, 64)}), &raised);
  const Seq* seq = As<Seq>(out);
  ASSERT_NE(seq, nullptr);
  ASSERT_EQ(seq->stmts.size(), 1u);
  const Gemm* g = As<Gemm>(seq->stmts[0]);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->a, A);
  EXPECT_EQ(g->b, B);
  EXPECT_EQ(g->c, C);
  ASSERT_EQ(raised.count(g), 1u);
  EXPECT_EQ(raised[g].reduction_var, "k");
  EXPECT_EQ(raised[g].c_indices, (std::vector<std::string>{"i", "j"}));
}

TEST(RaiseManualMatmul, PartialOrImperfectNestsStayLoops) {
  auto A = Buf("A", {32, 64}), B = Buf("B", {64, 32}), C = Buf("C", {32, 32});
  RaisedMatmuls raised;
  // K covers half of A's columns.
  Stmt partial = MakeSeq({MatmulNest(A, B, C, 32, 32, 32)});
  EXPECT_EQ(RaiseManualMatmuls(partial, &raised), partial);
  // A second statement in the outer loop: not a perfect nest.
  Stmt extra = MakeSeq({MakeSerialLoop("x", 1, {MatmulNest(A, B, C, 32, 32, 64), MakeIntrinsic("noop")})});
  Stmt out = RaiseManualMatmuls(extra, &raised);
  EXPECT_EQ(raised.size(), 1u);  // only the inner covering nest
  EXPECT_NE(out, extra);
}

TEST(RaiseManualMatmul, PerfectNestFindsTheInnermostStatement) {
  auto A = Buf("A", {32, 64}), B = Buf("B", {64, 32}), C = Buf("C", {32, 32});
  Stmt nest = MatmulNest(A, B, C, 32, 32, 64);
  auto [loops, inner] = PerfectNest(*As<For>(nest));
  ASSERT_EQ(loops.size(), 3u);
  EXPECT_EQ(loops[2]->var, "k");
  EXPECT_NE(As<Store>(inner), nullptr);
}

}  // namespace
}  // namespace ttc
