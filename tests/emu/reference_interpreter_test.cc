// emu/reference_interpreter.h: every example of examples/ run on pseudo-random inputs and
// compared with a straightforward computation of what it means; then the semantics the
// examples do not reach (tile padding of parameters, integer arithmetic, casts, calls,
// lets, conditionals, transposed GEMMs) and the errors.
#include "emu/reference_interpreter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "emu/formats.h"
#include "ir/expr.h"
#include "ir/proto_convert.h"
#include "ir/request_io.h"
#include "ir/stmt.h"

namespace ttc::emu {
namespace {

using ir::BinOp;

// ---- Helpers ----

ir::PrimFunc LoadExample(const std::string& name) {
  auto req = ir::ReadRequestFile(std::string(TTC_SOURCE_DIR "/examples/") + name + ".textproto");
  EXPECT_TRUE(req.ok()) << req.status();
  if (!req.ok()) return {};
  auto unit = ir::FromProto(*req);
  EXPECT_TRUE(unit.ok()) << unit.status();
  if (!unit.ok()) return {};
  return unit->func;
}

// Inputs in [-1, 1] from a fixed seed for every parameter named in `in`; every other parameter
// (the outputs) is filled with NaN, so that an element the kernel does not write shows up.
BufferValues MakeInputs(const ir::PrimFunc& f, const std::vector<std::string>& in, unsigned seed = 1234) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  BufferValues out;
  for (const ir::Buffer& p : f.params) {
    std::vector<double> v(p->NumElements(), std::numeric_limits<double>::quiet_NaN());
    if (std::find(in.begin(), in.end(), p->name) != in.end()) {
      for (double& x : v) x = dist(rng);
    }
    out[p->name] = std::move(v);
  }
  return out;
}

double Bf16(double x) { return Bf16ToFloat(FloatToBf16(static_cast<float>(x))); }

std::vector<double> Bf16(const std::vector<double>& v) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = Bf16(v[i]);
  return out;
}

struct Comparison {
  double max_abs = 0, max_rel = 0;
  int64_t mismatches = 0, exact = 0;
};

// |got - want| <= rtol * |want| + atol for every element; reports the largest errors.
Comparison ExpectClose(const std::vector<double>& got, const std::vector<double>& want, double rtol, double atol,
                       const std::string& what) {
  Comparison c;
  EXPECT_EQ(got.size(), want.size()) << what;
  if (got.size() != want.size()) return c;
  int64_t first_bad = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(got[i] - want[i]);
    if (got[i] == want[i]) ++c.exact;
    c.max_abs = std::max(c.max_abs, err);
    if (want[i] != 0) c.max_rel = std::max(c.max_rel, err / std::fabs(want[i]));
    if (!(err <= rtol * std::fabs(want[i]) + atol)) {  // NaN fails too
      ++c.mismatches;
      if (first_bad < 0) first_bad = static_cast<int64_t>(i);
    }
  }
  EXPECT_EQ(c.mismatches, 0) << what << ": first mismatch at element " << first_bad << ": got "
                             << (first_bad >= 0 ? got[first_bad] : 0) << ", want "
                             << (first_bad >= 0 ? want[first_bad] : 0) << "; max abs error " << c.max_abs;
  std::printf("[ %s ] max abs error %.3g, max rel error %.3g, %lld of %zu elements exact\n", what.c_str(),
              c.max_abs, c.max_rel, static_cast<long long>(c.exact), got.size());
  return c;
}

absl::StatusOr<BufferValues> TimedRun(const ir::PrimFunc& f, const BufferValues& in, const std::string& name,
                                      double* seconds = nullptr) {
  const auto t0 = std::chrono::steady_clock::now();
  auto out = RunReference(f, in);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ %s ] RunReference took %.3f s\n", name.c_str(), s);
  if (seconds) *seconds = s;
  return out;
}

// C = A @ B for row-major n x n matrices, in double, rounded once per element by `round`.
template <typename Round>
std::vector<double> MatMul(const std::vector<double>& a, const std::vector<double>& b, int64_t n, Round round) {
  std::vector<double> c(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < n; ++k) {
      const double x = a[i * n + k];
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += x * b[k * n + j];
    }
  }
  for (double& v : c) v = round(v);
  return c;
}

// The tiled bfloat16 GEMMs: C = bf16(sum_k bf16(A)[i, k] * bf16(B)[k, j]).
void CheckBf16Gemm256(const std::string& example) {
  const ir::PrimFunc f = LoadExample(example);
  ASSERT_EQ(f.params.size(), 3u);
  const BufferValues in = MakeInputs(f, {"A", "B"});
  auto out = TimedRun(f, in, example);
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<double> a = Bf16(in.at("A")), b = Bf16(in.at("B"));
  EXPECT_EQ(out->at("A"), a);  // inputs come back rounded and unchanged
  EXPECT_EQ(out->at("B"), b);
  const std::vector<double> want = MatMul(a, b, 256, [](double v) { return Bf16(v); });
  // Accumulation order and float32 partial sums may move a result across a bfloat16 rounding
  // boundary: at most one bfloat16 ulp (2^-8 relative), or a tiny absolute error near 0.
  const Comparison c = ExpectClose(out->at("C"), want, 1e-2, 1e-4, example + " C");
  EXPECT_LT(c.max_rel, 1e-2);
  EXPECT_GT(c.exact, static_cast<int64_t>(want.size() * 95 / 100));  // nearly all bit-exact
}

// ---- The examples ----

TEST(ReferenceExamples, Gemm256Bf16) { CheckBf16Gemm256("gemm_256_bf16"); }
TEST(ReferenceExamples, GemmManualLoops) { CheckBf16Gemm256("gemm_manual_loops"); }
TEST(ReferenceExamples, GemmL1Sharded) { CheckBf16Gemm256("gemm_l1_sharded"); }

TEST(ReferenceExamples, EltwiseAdd256Bf16) {
  const ir::PrimFunc f = LoadExample("eltwise_add_256_bf16");
  const BufferValues in = MakeInputs(f, {"A", "B"});
  auto out = TimedRun(f, in, "eltwise_add_256_bf16");
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<double> a = Bf16(in.at("A")), b = Bf16(in.at("B"));
  std::vector<double> want(a.size());
  for (size_t i = 0; i < a.size(); ++i) want[i] = Bf16(a[i] + b[i]);
  const Comparison c = ExpectClose(out->at("C"), want, 1e-2, 0, "eltwise_add_256_bf16 C");
  EXPECT_EQ(c.max_abs, 0.0);  // the same math: bit-exact
}

TEST(ReferenceExamples, Kernel1dExp) {
  const ir::PrimFunc f = LoadExample("kernel_1d");
  const BufferValues in = MakeInputs(f, {"A"});
  auto out = TimedRun(f, in, "kernel_1d");
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<double> a = Bf16(in.at("A"));
  std::vector<double> want(a.size());
  for (size_t i = 0; i < a.size(); ++i) want[i] = Bf16(std::exp(a[i]));
  const Comparison c = ExpectClose(out->at("B"), want, 1e-2, 0, "kernel_1d B");
  EXPECT_EQ(c.max_abs, 0.0);
}

TEST(ReferenceExamples, Kernel3dBatchedAdd) {
  const ir::PrimFunc f = LoadExample("kernel_3d");
  const BufferValues in = MakeInputs(f, {"A", "B"});
  auto out = TimedRun(f, in, "kernel_3d");
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<double> a = Bf16(in.at("A")), b = Bf16(in.at("B"));
  ASSERT_EQ(a.size(), 2u * 64 * 64);
  std::vector<double> want(a.size());
  for (int z = 0; z < 2; ++z) {
    for (int i = 0; i < 64; ++i) {
      for (int j = 0; j < 64; ++j) {
        const size_t e = (static_cast<size_t>(z) * 64 + i) * 64 + j;
        want[e] = Bf16(a[e] + b[e]);
      }
    }
  }
  const Comparison c = ExpectClose(out->at("C"), want, 1e-2, 0, "kernel_3d C");
  EXPECT_EQ(c.max_abs, 0.0);
}

TEST(ReferenceExamples, Matmul100x100Fp32PaddedEdges) {
  const ir::PrimFunc f = LoadExample("matmul_100x100_fp32");
  const BufferValues in = MakeInputs(f, {"A", "B"});
  auto out = TimedRun(f, in, "matmul_100x100_fp32");
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<double> a = in.at("A"), b = in.at("B");
  for (double& v : a) v = static_cast<float>(v);
  for (double& v : b) v = static_cast<float>(v);
  EXPECT_EQ(out->at("A"), a);
  // A plain float32 matmul: float products summed in float.
  std::vector<double> want(100 * 100);
  for (int i = 0; i < 100; ++i) {
    for (int j = 0; j < 100; ++j) {
      float acc = 0.0f;
      for (int k = 0; k < 100; ++k) acc += static_cast<float>(a[i * 100 + k]) * static_cast<float>(b[k * 100 + j]);
      want[i * 100 + j] = acc;
    }
  }
  const Comparison c = ExpectClose(out->at("C"), want, 1e-5, 1e-5, "matmul_100x100_fp32 C");
  EXPECT_LT(c.max_abs, 1e-5);
}

// 64 blocks x 32 K steps of a 128x128x32 GEMM: 2^30 multiply-adds. Checked on a sample of
// output elements; skipped when the run takes more than 2 s (unoptimised builds).
TEST(ReferenceExamples, Gemm1024Bf16Block128) {
  const ir::PrimFunc f = LoadExample("gemm_1024_bf16_block128");
  const BufferValues in = MakeInputs(f, {"A", "B"});
  double seconds = 0;
  auto out = TimedRun(f, in, "gemm_1024_bf16_block128", &seconds);
  ASSERT_TRUE(out.ok()) << out.status();
  if (seconds > 2.0) GTEST_SKIP() << "RunReference took " << seconds << " s (> 2 s); not checked";
  const std::vector<double> a = Bf16(in.at("A")), b = Bf16(in.at("B"));
  std::mt19937 rng(99);
  std::vector<double> got, want;
  for (int s = 0; s < 4096; ++s) {
    const int64_t i = rng() % 1024, j = rng() % 1024;
    double acc = 0;
    for (int64_t k = 0; k < 1024; ++k) acc += a[i * 1024 + k] * b[k * 1024 + j];
    want.push_back(Bf16(acc));
    got.push_back(out->at("C")[i * 1024 + j]);
  }
  ExpectClose(got, want, 1e-2, 1e-4, "gemm_1024_bf16_block128 C (4096 samples)");
  for (double v : out->at("C")) ASSERT_FALSE(std::isnan(v));  // every element written
}

// ---- Programs built in the test ----

ir::Buffer Buf(const std::string& name, std::vector<int64_t> shape, const std::string& dtype,
               ir::Scope scope = ir::Scope::kGlobal) {
  auto b = std::make_shared<ir::BufferNode>();
  b->name = name;
  b->shape = std::move(shape);
  b->dtype = *ir::ParseDType(dtype);
  b->scope = scope;
  return b;
}

ir::Expr I(int64_t v) { return ir::MakeInt(v); }
ir::Expr F(double v) { return ir::MakeFloat(v); }
ir::Expr V(const std::string& n) { return ir::MakeVar(n); }
ir::Expr Bin(BinOp op, ir::Expr a, ir::Expr b) { return ir::MakeBinary(op, std::move(a), std::move(b)); }
ir::Expr Ld(const ir::Buffer& b, std::vector<ir::Expr> idx) { return ir::MakeLoad(b, std::move(idx)); }
ir::Expr Call(const std::string& name, std::vector<ir::Expr> args) { return ir::MakeCall(name, std::move(args)); }
ir::Expr Cast(const std::string& dtype, ir::Expr v) { return ir::MakeCast(*ir::ParseDType(dtype), std::move(v)); }

ir::Stmt St(const ir::Buffer& b, std::vector<ir::Expr> idx, ir::Expr v) {
  auto s = std::make_shared<ir::Store>();
  s->buffer = b;
  s->indices = std::move(idx);
  s->value = std::move(v);
  return s;
}

ir::Stmt Loop(const std::string& var, int64_t extent, std::vector<ir::Stmt> body, int64_t min = 0) {
  auto s = std::make_shared<ir::For>();
  s->var = var;
  s->min = I(min);
  s->extent = I(extent);
  s->body = ir::MakeSeq(std::move(body));
  return s;
}

ir::Stmt AllocS(const ir::Buffer& b) {
  auto s = std::make_shared<ir::Alloc>();
  s->buffer = b;
  return s;
}

ir::Stmt CopyS(const ir::Buffer& src, std::vector<ir::Expr> sb, std::vector<int64_t> se, const ir::Buffer& dst,
               std::vector<ir::Expr> db, std::vector<int64_t> de) {
  auto s = std::make_shared<ir::Copy>();
  s->src = {src, std::move(sb), std::move(se)};
  s->dst = {dst, std::move(db), std::move(de)};
  return s;
}

ir::PrimFunc Func(std::vector<ir::Buffer> params, std::vector<int64_t> grid, std::vector<ir::Stmt> body) {
  ir::PrimFunc f;
  f.name = "main";
  f.params = std::move(params);
  f.grid.extents = std::move(grid);
  const char* vars[] = {"bx", "by", "bz"};
  for (size_t i = 0; i < f.grid.extents.size(); ++i) f.grid.vars.push_back(vars[i]);
  f.body = ir::MakeSeq(std::move(body));
  return f;
}

// A 40x40 float32 parameter is stored as 64x64 (two 32-tiles per dimension): 32x32 block
// copies at offset 32 read zeros past element 39 and drop the writes there.
TEST(ReferenceSemantics, ParameterTilePaddingReadsZeroAndDropsWrites) {
  auto A = Buf("A", {40, 40}, "float32"), B = Buf("B", {40, 40}, "float32"), S = Buf("S", {2, 2}, "float64");
  auto T = Buf("T", {32, 32}, "float32", ir::Scope::kFragment);
  auto by32 = Bin(BinOp::kMul, V("by"), I(32)), bx32 = Bin(BinOp::kMul, V("bx"), I(32));
  // Per block: T = A block (+1 everywhere, so padding shows up as 1); B block = T; S[by, bx] =
  // the sum of T (only the 1s of the padding for blocks at the edge are added).
  auto f = Func({A, B, S}, {2, 2},
                {AllocS(T), CopyS(A, {by32, bx32}, {32, 32}, T, {I(0), I(0)}, {32, 32}),
                 Loop("i", 32, {Loop("j", 32, {St(T, {V("i"), V("j")}, Bin(BinOp::kAdd, Ld(T, {V("i"), V("j")}), F(1)))})}),
                 CopyS(T, {I(0), I(0)}, {32, 32}, B, {by32, bx32}, {32, 32}),
                 St(S, {V("by"), V("bx")}, F(0)),
                 Loop("i", 32, {Loop("j", 32, {St(S, {V("by"), V("bx")},
                                                  Bin(BinOp::kAdd, Ld(S, {V("by"), V("bx")}), Ld(T, {V("i"), V("j")})))})})});
  BufferValues in = MakeInputs(f, {"A"});
  auto out = RunReference(f, in);
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<double> a = in.at("A");
  double sums[2][2] = {};
  for (int i = 0; i < 40; ++i) {
    for (int j = 0; j < 40; ++j) {
      a[i * 40 + j] = static_cast<float>(a[i * 40 + j]);
      EXPECT_EQ(out->at("B")[i * 40 + j], static_cast<float>(a[i * 40 + j] + 1)) << i << "," << j;
    }
  }
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 64; ++j) sums[i / 32][j / 32] += (i < 40 && j < 40) ? static_cast<float>(a[i * 40 + j] + 1) : 1.0;
  }
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 2; ++c) EXPECT_NEAR(out->at("S")[r * 2 + c], sums[r][c], 1e-9) << r << "," << c;
  }
}

TEST(ReferenceSemantics, LoadsAndStoresInTilePaddingAndBeyond) {
  auto A = Buf("A", {40, 40}, "float32"), B = Buf("B", {40, 40}, "float32");
  // A[50, 63] is tile padding: reads 0; B[45, 0] is tile padding: the write is dropped.
  auto f = Func({A, B}, {1},
                {St(B, {I(0), I(0)}, Bin(BinOp::kAdd, Ld(A, {I(50), I(63)}), F(2))), St(B, {I(45), I(0)}, F(7))});
  BufferValues in = MakeInputs(f, {"A", "B"});
  auto out = RunReference(f, in);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->at("B")[0], 2.0);
  for (size_t i = 1; i < 1600; ++i) ASSERT_EQ(out->at("B")[i], static_cast<float>(in.at("B")[i]));

  // Past the padded shape [64, 64]: an error naming the buffer, the index and both shapes.
  auto g = Func({A, B}, {1}, {St(B, {I(0), I(0)}, Ld(A, {I(64), I(0)}))});
  auto bad = RunReference(g, in);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("load of 'A' at index [64, 0] is out of bounds of its shape [40, 40] "
                                        "(tile-padded to [64, 64])"),
            std::string::npos)
      << bad.status();
  auto h = Func({A, B}, {1}, {St(B, {I(-1), I(0)}, F(1))});
  auto bad2 = RunReference(h, in);
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.status().message().find("store to 'B' at index [-1, 0]"), std::string::npos) << bad2.status();
}

TEST(ReferenceSemantics, LayoutTileShapeAndPaddedShape) {
  auto A = Buf("A", {40, 40}, "float32"), B = Buf("B", {40, 40}, "float32");
  auto f = Func({A, B}, {1}, {St(B, {I(0), I(0)}, Ld(A, {I(47), I(40)}))});
  BufferValues in = MakeInputs(f, {"A", "B"});
  // 16x16 tiles: A is stored as 48x48, so [47, 40] is padding ...
  f.layouts["A"].add_tile_shape(16);
  f.layouts["A"].add_tile_shape(16);
  auto out = RunReference(f, in);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->at("B")[0], 0.0);
  // ... and [48, 0] is not.
  auto g = Func({A, B}, {1}, {St(B, {I(0), I(0)}, Ld(A, {I(48), I(0)}))});
  g.layouts = f.layouts;
  EXPECT_EQ(RunReference(g, in).status().code(), absl::StatusCode::kInvalidArgument);
  // An explicit padded_shape wins.
  g.layouts["A"].add_padded_shape(96);
  g.layouts["A"].add_padded_shape(48);
  EXPECT_TRUE(RunReference(g, in).ok());
}

TEST(ReferenceSemantics, IntegerArithmeticFollowsPython) {
  auto O = Buf("O", {6, 11}, "int32");
  auto x = Bin(BinOp::kSub, V("i"), I(5));  // -5 .. 5
  auto f = Func({O}, {1},
                {Loop("i", 11, {St(O, {I(0), V("i")}, Bin(BinOp::kFloorDiv, x, I(3))),
                                St(O, {I(1), V("i")}, Bin(BinOp::kFloorMod, x, I(3))),
                                St(O, {I(2), V("i")}, Bin(BinOp::kDiv, x, I(3))),
                                St(O, {I(3), V("i")}, Bin(BinOp::kCeilDiv, x, I(3))),
                                St(O, {I(4), V("i")}, Bin(BinOp::kFloorMod, x, I(-3))),
                                St(O, {I(5), V("i")}, Bin(BinOp::kMax, Bin(BinOp::kMin, x, I(2)), I(-1)))})});
  auto out = RunReference(f, MakeInputs(f, {"O"}));
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<double>& o = out->at("O");
  const double floordiv[] = {-2, -2, -1, -1, -1, 0, 0, 0, 1, 1, 1};
  const double floormod[] = {1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};
  const double truncdiv[] = {-1, -1, -1, 0, 0, 0, 0, 0, 1, 1, 1};
  const double ceildiv[] = {-1, -1, -1, 0, 0, 0, 1, 1, 1, 2, 2};
  const double floormod_neg[] = {-2, -1, 0, -2, -1, 0, -2, -1, 0, -2, -1};
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(o[0 * 11 + i], floordiv[i]) << "(" << i - 5 << ") // 3";
    EXPECT_EQ(o[1 * 11 + i], floormod[i]) << "(" << i - 5 << ") % 3";
    EXPECT_EQ(o[2 * 11 + i], truncdiv[i]) << "(" << i - 5 << ") / 3";
    EXPECT_EQ(o[3 * 11 + i], ceildiv[i]) << "ceildiv(" << i - 5 << ", 3)";
    EXPECT_EQ(o[4 * 11 + i], floormod_neg[i]) << "(" << i - 5 << ") % -3";
    EXPECT_EQ(o[5 * 11 + i], std::max(std::min(i - 5, 2), -1));
  }
  // Division by zero is an error.
  auto g = Func({O}, {1}, {St(O, {I(0), I(0)}, Bin(BinOp::kFloorDiv, I(1), Bin(BinOp::kSub, I(2), I(2))))});
  auto bad = RunReference(g, MakeInputs(g, {"O"}));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("division by zero"), std::string::npos) << bad.status();
}

TEST(ReferenceSemantics, CastsAndStoresRoundToTheDtype) {
  auto I8 = Buf("I8", {4}, "int8"), U8 = Buf("U8", {2}, "uint8"), H = Buf("H", {3}, "float16"),
       Fb = Buf("Fb", {2}, "bfloat16"), F64 = Buf("F64", {3}, "float64"), Bo = Buf("Bo", {2}, "bool");
  auto f = Func({I8, U8, H, Fb, F64, Bo}, {1},
                {St(I8, {I(0)}, F(-2.7)),                             // float -> int: truncates
                 St(I8, {I(1)}, F(1000.0)),                           // ... and saturates
                 St(I8, {I(2)}, I(200)),                              // int -> int8 wraps: -56
                 St(I8, {I(3)}, Cast("int8", F(-130.5))),             // cast saturates: -128
                 St(U8, {I(0)}, F(-3.0)), St(U8, {I(1)}, I(257)),     // 0 and 1
                 St(H, {I(0)}, F(65520.0)),                           // overflows to inf
                 St(H, {I(1)}, F(1.0 / 3.0)),                         // RNE: 0.333251953125
                 St(H, {I(2)}, Cast("float32", F(0.1))),
                 St(Fb, {I(0)}, F(1.0 + 1.0 / 256 + std::ldexp(1.0, -30))),  // one rounding from double
                 St(Fb, {I(1)}, Bin(BinOp::kAdd, Cast("bfloat16", F(1.00390625)), F(0))),
                 St(F64, {I(0)}, F(0.1)),
                 St(F64, {I(1)}, Cast("float32", F(0.1))),
                 St(F64, {I(2)}, Bin(BinOp::kDiv, Cast("float32", I(7)), I(2))),
                 St(Bo, {I(0)}, F(0.25)), St(Bo, {I(1)}, I(0))});
  BufferValues in = MakeInputs(f, {});
  for (auto& [name, v] : in) std::fill(v.begin(), v.end(), 0.0);
  auto out = RunReference(f, in);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->at("I8"), (std::vector<double>{-2, 127, -56, -128}));
  EXPECT_EQ(out->at("U8"), (std::vector<double>{0, 1}));
  EXPECT_EQ(out->at("H")[0], std::numeric_limits<double>::infinity());
  EXPECT_EQ(out->at("H")[1], 0.333251953125);
  EXPECT_EQ(out->at("H")[2], HalfToFloat(FloatToHalf(0.1f)));
  EXPECT_EQ(out->at("Fb"), (std::vector<double>{1.0078125, 1.0}));
  EXPECT_EQ(out->at("F64"), (std::vector<double>{0.1, static_cast<double>(0.1f), 3.5}));
  EXPECT_EQ(out->at("Bo"), (std::vector<double>{1, 0}));
}

TEST(ReferenceSemantics, InputsAreRoundedOnEntry) {
  auto A = Buf("A", {3}, "bfloat16"), B = Buf("B", {2}, "int32");
  auto f = Func({A, B}, {1}, {Loop("i", 0, {})});
  BufferValues in{{"A", {1.00390625, 1.01171875, 1e39}}, {"B", {2.9, -2.9}}};
  auto out = RunReference(f, in);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->at("A"), (std::vector<double>{1.0, 1.015625, std::numeric_limits<double>::infinity()}));
  EXPECT_EQ(out->at("B"), (std::vector<double>{2, -2}));
}

TEST(ReferenceSemantics, CallsLetsIfsAndSelect) {
  auto A = Buf("A", {12}, "float64");
  auto x = F(0.5);
  auto f = Func(
      {A}, {1},
      {St(A, {I(0)}, Call("exp", {x})), St(A, {I(1)}, Call("sqrt", {x})), St(A, {I(2)}, Call("rsqrt", {x})),
       St(A, {I(3)}, Call("log", {x})), St(A, {I(4)}, Call("abs", {F(-0.5)})), St(A, {I(5)}, Call("relu", {F(-0.5)})),
       St(A, {I(6)}, Call("recip", {x})), St(A, {I(7)}, Call("tanh", {x})), St(A, {I(8)}, Call("sigmoid", {x})),
       St(A, {I(9)}, Call("neg", {x})),
       // select evaluates only the chosen operand: the other one would load out of bounds.
       St(A, {I(10)}, Call("select", {Bin(BinOp::kLt, F(0.5), I(1)), F(3.0), Ld(A, {I(99)})})),
       [&] {
         // let t = 4; if not (t >= 5): A[11] = t * 2 else A[11] = -1
         auto let = std::make_shared<ir::Let>();
         let->var = "t";
         let->value = I(4);
         auto iff = std::make_shared<ir::IfThenElse>();
         iff->condition = Call("not", {Bin(BinOp::kGe, V("t"), I(5))});
         iff->then_body = ir::MakeSeq({St(A, {I(11)}, Bin(BinOp::kMul, V("t"), I(2)))});
         iff->else_body = ir::MakeSeq({St(A, {I(11)}, F(-1))});
         let->body = ir::MakeSeq({iff});
         return ir::Stmt(let);
       }()});
  auto out = RunReference(f, MakeInputs(f, {}));
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<double> want = {std::exp(0.5), std::sqrt(0.5), 1 / std::sqrt(0.5), std::log(0.5), 0.5, 0.0,
                                    2.0, std::tanh(0.5), 1 / (1 + std::exp(-0.5)), -0.5, 3.0, 8.0};
  EXPECT_EQ(out->at("A"), want);
}

TEST(ReferenceSemantics, LoopsWithMinGridOrderAndAllocPerBlock) {
  // Each block writes its linear visit order and block indices; the fragment is fresh per block.
  auto O = Buf("O", {2, 3, 4, 3}, "int32"), N = Buf("N", {1}, "int32");
  auto T = Buf("T", {1}, "int32", ir::Scope::kLocal);
  auto f = Func({O, N}, {4, 3, 2},
                {AllocS(T),
                 Loop("k", 3, {St(T, {I(0)}, Bin(BinOp::kAdd, Ld(T, {I(0)}), V("k")))}, /*min=*/2),  // 2+3+4 = 9
                 St(O, {V("bz"), V("by"), V("bx"), I(0)}, Ld(N, {I(0)})),
                 St(O, {V("bz"), V("by"), V("bx"), I(1)}, Ld(T, {I(0)})),
                 St(O, {V("bz"), V("by"), V("bx"), I(2)}, Bin(BinOp::kAdd, Bin(BinOp::kMul, V("bx"), I(100)), V("bz"))),
                 St(N, {I(0)}, Bin(BinOp::kAdd, Ld(N, {I(0)}), I(1)))});
  BufferValues in = MakeInputs(f, {});
  for (auto& [name, v] : in) std::fill(v.begin(), v.end(), 0.0);
  auto out = RunReference(f, in);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->at("N")[0], 24);
  for (int z = 0; z < 2; ++z) {
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 4; ++x) {
        const size_t e = ((static_cast<size_t>(z) * 3 + y) * 4 + x) * 3;
        EXPECT_EQ(out->at("O")[e], (z * 3 + y) * 4 + x);  // x fastest, then y, then z
        EXPECT_EQ(out->at("O")[e + 1], 9);
        EXPECT_EQ(out->at("O")[e + 2], x * 100 + z);
      }
    }
  }
}

TEST(ReferenceSemantics, GemmTransposesAndClearAccum) {
  auto A = Buf("A", {3, 2}, "float64"), B = Buf("B", {4, 3}, "float64"), C = Buf("C", {2, 4}, "float64");
  auto As = Buf("As", {3, 2}, "float64", ir::Scope::kShared), Bs = Buf("Bs", {4, 3}, "float64", ir::Scope::kShared);
  auto Cl = Buf("Cl", {2, 4}, "float64", ir::Scope::kFragment);
  auto gemm = [&](bool clear) {
    auto g = std::make_shared<ir::Gemm>();
    g->a = As;
    g->b = Bs;
    g->c = Cl;
    g->transpose_a = true;
    g->transpose_b = true;
    g->clear_accum = clear;
    return ir::Stmt(g);
  };
  auto fill = std::make_shared<ir::Fill>();
  fill->buffer = Cl;
  fill->value = F(100);
  auto f = Func({A, B, C}, {1},
                {AllocS(As), AllocS(Bs), AllocS(Cl), CopyS(A, {I(0), I(0)}, {3, 2}, As, {I(0), I(0)}, {3, 2}),
                 CopyS(B, {I(0), I(0)}, {4, 3}, Bs, {I(0), I(0)}, {4, 3}), fill, gemm(false),
                 CopyS(Cl, {I(0), I(0)}, {2, 4}, C, {I(0), I(0)}, {2, 4})});
  BufferValues in = MakeInputs(f, {"A", "B"});
  auto out = RunReference(f, in);
  ASSERT_TRUE(out.ok()) << out.status();
  const auto& a = in.at("A");
  const auto& b = in.at("B");
  std::vector<double> want(8);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += a[k * 2 + i] * b[j * 3 + k];  // A^T @ B^T
      want[i * 4 + j] = 100 + s;
    }
  }
  ExpectClose(out->at("C"), want, 1e-12, 1e-12, "gemm A^T B^T + 100");
  // clear_accum ignores the fill.
  auto g = f;
  std::vector<ir::Stmt> stmts = ir::As<ir::Seq>(f.body)->stmts;
  stmts[6] = gemm(true);
  g.body = ir::MakeSeq(stmts);
  out = RunReference(g, in);
  ASSERT_TRUE(out.ok()) << out.status();
  for (double& w : want) w -= 100;
  ExpectClose(out->at("C"), want, 1e-12, 1e-12, "gemm A^T B^T, clear_accum");
}

TEST(ReferenceSemantics, CopyWithDifferentRegionShapesIsRowMajor) {
  // A (1, 4, 8) region [0, 0:4, 0:8] copied into a (32,) fragment, then the fragment into a
  // (8, 4) region of C: element order is row-major on both sides.
  auto A = Buf("A", {2, 4, 8}, "float32"), C = Buf("C", {8, 8}, "float32");
  auto T = Buf("T", {32}, "float32", ir::Scope::kFragment);
  auto f = Func({A, C}, {1},
                {AllocS(T), CopyS(A, {I(1), I(0), I(0)}, {1, 4, 8}, T, {I(0)}, {32}),
                 CopyS(T, {I(0)}, {32}, C, {I(0), I(4)}, {8, 4})});
  BufferValues in = MakeInputs(f, {"A", "C"});
  auto out = RunReference(f, in);
  ASSERT_TRUE(out.ok()) << out.status();
  for (int r = 0; r < 8; ++r) {
    for (int c = 0; c < 8; ++c) {
      const double want = c < 4 ? in.at("C")[r * 8 + c] : in.at("A")[32 + r * 4 + (c - 4)];
      EXPECT_EQ(out->at("C")[r * 8 + c], static_cast<float>(want)) << r << "," << c;
    }
  }
}

// ---- Errors ----

TEST(ReferenceErrors, MissingInput) {
  const ir::PrimFunc f = LoadExample("gemm_256_bf16");
  BufferValues in = MakeInputs(f, {"A", "B"});
  in.erase("B");
  auto out = RunReference(f, in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("missing input for parameter 'B'"), std::string::npos) << out.status();
}

TEST(ReferenceErrors, WrongElementCount) {
  const ir::PrimFunc f = LoadExample("gemm_256_bf16");
  BufferValues in = MakeInputs(f, {"A", "B"});
  in["A"].resize(100);
  auto out = RunReference(f, in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("input 'A' has 100 elements; parameter 'A' with shape [256, 256] has 65536"),
            std::string::npos)
      << out.status();
}

TEST(ReferenceErrors, UnknownInput) {
  const ir::PrimFunc f = LoadExample("kernel_1d");
  BufferValues in = MakeInputs(f, {"A"});
  in["Z"] = {1.0};
  auto out = RunReference(f, in);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("input 'Z' is not a parameter of 'main' (parameters: A, B)"),
            std::string::npos)
      << out.status();
}

TEST(ReferenceErrors, LoadOutOfBoundsOfOnChipBuffer) {
  // kernel_1d with the exp loop running over 33 rows of the 32x32 fragment.
  auto req = ir::ReadRequestFile(TTC_SOURCE_DIR "/examples/kernel_1d.textproto");
  ASSERT_TRUE(req.ok()) << req.status();
  v1::Stmt* loop = req->mutable_func()->mutable_body(3);
  ASSERT_TRUE(loop->has_for_loop());
  loop->mutable_for_loop()->mutable_extent()->set_int_imm(33);
  auto unit = ir::FromProto(*req);
  ASSERT_TRUE(unit.ok()) << unit.status();
  auto out = RunReference(unit->func, MakeInputs(unit->func, {"A"}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("load of 'A_frag' at index [32, 0] is out of bounds of its shape [32, 32]"),
            std::string::npos)
      << out.status();
  EXPECT_NE(out.status().message().find("func.body[3]"), std::string::npos) << out.status();
}

TEST(ReferenceErrors, CopyRegionOutOfBoundsOfOnChipBuffer) {
  auto A = Buf("A", {64, 64}, "float32");
  auto T = Buf("T", {32, 32}, "float32", ir::Scope::kShared);
  auto f = Func({A}, {2},
                {AllocS(T), CopyS(A, {I(0), I(0)}, {16, 32}, T, {Bin(BinOp::kMul, V("bx"), I(24)), I(0)}, {16, 32})});
  auto out = RunReference(f, MakeInputs(f, {"A"}));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("copy destination region [24:40, 0:32] of 'T' is out of bounds of its shape "
                                        "[32, 32]"),
            std::string::npos)
      << out.status();
}

TEST(ReferenceErrors, UnsupportedDtypeAndLoweredIr) {
  auto A = Buf("A", {32, 32}, "bfp8_b");
  auto f = Func({A}, {1}, {Loop("i", 1, {})});
  auto out = RunReference(f, {{"A", std::vector<double>(1024, 0.0)}});
  EXPECT_EQ(out.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(out.status().message().find("bfp8_b"), std::string::npos) << out.status();

  ir::PrimFunc g = LoadExample("kernel_1d");
  g.persistent = true;
  auto lowered = RunReference(g, MakeInputs(g, {"A"}));
  EXPECT_EQ(lowered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(lowered.status().message().find("source IR only"), std::string::npos) << lowered.status();
}

TEST(ReferenceErrors, IllFormedIr) {
  auto A = Buf("A", {4}, "float32");
  auto undefined = Func({A}, {1}, {St(A, {V("q")}, F(1))});
  auto out = RunReference(undefined, MakeInputs(undefined, {"A"}));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("undefined variable 'q'"), std::string::npos) << out.status();
  auto float_index = Func({A}, {1}, {St(A, {F(1.0)}, F(1))});
  out = RunReference(float_index, MakeInputs(float_index, {"A"}));
  EXPECT_NE(out.status().message().find("not an integer expression"), std::string::npos) << out.status();
  auto unknown = Func({A}, {1}, {St(A, {I(0)}, Ld(Buf("Q", {4}, "float32"), {I(0)}))});
  out = RunReference(unknown, MakeInputs(unknown, {"A"}));
  EXPECT_NE(out.status().message().find("unknown buffer 'Q'"), std::string::npos) << out.status();
  auto intrinsic = Func({A}, {1}, {St(A, {I(0)}, Call("tt.cb_wait_front", {I(0), I(1)}))});
  out = RunReference(intrinsic, MakeInputs(intrinsic, {"A"}));
  EXPECT_NE(out.status().message().find("source IR only"), std::string::npos) << out.status();
}

// Every rank rule (Interpreter::CheckRank, until ir/verifier takes them over): loads and
// stores with the buffer's rank of indices, copy regions with its rank of offsets (or none)
// and extents, 2-D T.gemm operands.
TEST(ReferenceErrors, RankMismatches) {
  auto A = Buf("A", {4, 4}, "float32");
  auto T = Buf("T", {4, 4}, "float32", ir::Scope::kShared);
  auto V3 = Buf("V", {2, 4, 4}, "float32", ir::Scope::kShared);
  auto gemm = [&](const ir::Buffer& a) {
    auto g = std::make_shared<ir::Gemm>();
    g->a = a;
    g->b = T;
    g->c = T;
    return g;
  };
  const std::pair<ir::PrimFunc, std::string> cases[] = {
      {Func({A}, {1}, {St(A, {I(0), I(0)}, Ld(A, {I(0)}))}), "load of 'A' has 1 indices; the buffer has rank 2"},
      {Func({A}, {1}, {St(A, {I(0), I(0), I(0)}, F(1))}), "store to 'A' has 3 indices; the buffer has rank 2"},
      {Func({A}, {1}, {AllocS(T), CopyS(A, {I(0)}, {4, 4}, T, {}, {4, 4})}),
       "copy source region of 'A' has 1 offsets and 2 extents; the buffer has rank 2"},
      {Func({A}, {1}, {AllocS(T), CopyS(A, {}, {4, 4}, T, {}, {16})}),
       "copy destination region of 'T' has 0 offsets and 1 extents; the buffer has rank 2"},
      {Func({A}, {1}, {AllocS(T), AllocS(V3), gemm(V3)}), "T.gemm operand 'V' must be 2-D, has shape [2, 4, 4]"},
  };
  for (const auto& [f, message] : cases) {
    SCOPED_TRACE(message);
    auto out = RunReference(f, MakeInputs(f, {"A"}));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(out.status().message().find(message), std::string::npos) << out.status();
  }
  // A copy region without offsets starts at 0 in every dimension.
  auto ok = Func({A}, {1}, {AllocS(T), CopyS(A, {}, {4, 4}, T, {}, {4, 4})});
  EXPECT_TRUE(RunReference(ok, MakeInputs(ok, {"A"})).ok());
}

}  // namespace
}  // namespace ttc::emu
