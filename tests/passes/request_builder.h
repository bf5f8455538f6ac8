// Builders for kernel requests in protobuf text format, for the lowering-pass tests
// (tests/passes/*_test.cc): expressions and statements are text fragments that compose like
// the TileLang they stand for, so a test reads close to the kernel it compiles.
//
//   Request({P("A", {256, 256}), ...}, {8, 8},
//           {Alloc("A_s", {32, 32}), CopyIn("A", {Mul(V("by"), 32), I(0)}, "A_s"), ...})
#ifndef TTC_TESTS_PASSES_REQUEST_BUILDER_H_
#define TTC_TESTS_PASSES_REQUEST_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/testing.h"
#include "ttc/v1/request.pb.h"

namespace ttc::testing::rb {

// ---- Expressions: the contents of an Expr message ----
inline std::string I(int64_t v) { return absl::StrCat("int_imm: ", v); }
inline std::string F(double v) { return absl::StrCat("float_imm: ", v); }
inline std::string V(const std::string& name) { return absl::StrCat("var: \"", name, "\""); }
// op: a BinaryOp enum name (ADD, SUB, MUL, DIV, FLOOR_DIV, ...).
inline std::string Bin(const std::string& op, const std::string& a, const std::string& b) {
  return absl::StrCat("binary { op: ", op, " a { ", a, " } b { ", b, " } }");
}
inline std::string Mul(const std::string& a, int64_t k) { return Bin("MUL", a, I(k)); }
inline std::string Load(const std::string& buffer, const std::vector<std::string>& indices) {
  std::string s = absl::StrCat("load { buffer: \"", buffer, "\"");
  for (const std::string& i : indices) absl::StrAppend(&s, " indices { ", i, " }");
  return s + " }";
}
inline std::string Cast(const std::string& dtype, const std::string& v) {
  return absl::StrCat("cast { dtype: \"", dtype, "\" value { ", v, " } }");
}
inline std::string Call(const std::string& name, const std::vector<std::string>& args) {
  std::string s = absl::StrCat("call { name: \"", name, "\"");
  for (const std::string& a : args) absl::StrAppend(&s, " args { ", a, " }");
  return s + " }";
}

// ---- Statements: one `body { ... }` entry of a function or a loop ----
using Body = std::vector<std::string>;

inline std::string Join(const Body& body) { return absl::StrJoin(body, "\n"); }

inline std::string Alloc(const std::string& name, const std::vector<int64_t>& shape,
                         const std::string& dtype = "bfloat16", const std::string& scope = "shared") {
  return absl::StrCat("body { alloc { buffer { name: \"", name, "\" shape: [", absl::StrJoin(shape, ", "),
                      "] dtype: \"", dtype, "\" scope: \"", scope, "\" } } }");
}
inline std::string Region(const std::string& buffer, const std::vector<std::string>& begin,
                          const std::vector<int64_t>& extent = {}) {
  std::string s = absl::StrCat("buffer: \"", buffer, "\"");
  for (const std::string& b : begin) absl::StrAppend(&s, " begin { ", b, " }");
  if (!extent.empty()) absl::StrAppend(&s, " extent: [", absl::StrJoin(extent, ", "), "]");
  return s;
}
// T.copy(global[begin...], onchip), the extent taken from the on-chip buffer (or given).
inline std::string CopyIn(const std::string& global, const std::vector<std::string>& begin, const std::string& onchip,
                          const std::vector<int64_t>& extent = {}) {
  return absl::StrCat("body { copy { src { ", Region(global, begin, extent), " } dst { buffer: \"", onchip,
                      "\" } } }");
}
// T.copy(onchip, global[begin...]).
inline std::string CopyOut(const std::string& onchip, const std::string& global, const std::vector<std::string>& begin,
                           const std::vector<int64_t>& extent = {}) {
  return absl::StrCat("body { copy { src { buffer: \"", onchip, "\" } dst { ", Region(global, begin, extent),
                      " } } }");
}
// kind: a ForKind enum name (SERIAL, PIPELINED, PARALLEL, UNROLLED, GRID).
inline std::string For(const std::string& var, int64_t extent, const Body& body, const std::string& kind = "SERIAL") {
  return absl::StrCat("body { for_loop { var: \"", var, "\" extent { int_imm: ", extent, " } kind: ", kind, "\n",
                      Join(body), "\n} }");
}
inline std::string Store(const std::string& buffer, const std::vector<std::string>& indices, const std::string& value) {
  std::string s = absl::StrCat("body { store { buffer: \"", buffer, "\"");
  for (const std::string& i : indices) absl::StrAppend(&s, " indices { ", i, " }");
  return absl::StrCat(s, " value { ", value, " } } }");
}
inline std::string Gemm(const std::string& a, const std::string& b, const std::string& c, bool transpose_a = false,
                        bool transpose_b = false) {
  return absl::StrCat("body { gemm { a: \"", a, "\" b: \"", b, "\" c: \"", c, "\"",
                      transpose_a ? " transpose_a: true" : "", transpose_b ? " transpose_b: true" : "", " } }");
}
inline std::string Fill(const std::string& buffer, const std::string& value) {
  return absl::StrCat("body { fill { buffer: \"", buffer, "\" value { ", value, " } } }");
}
inline std::string Clear(const std::string& buffer) { return Fill(buffer, I(0)); }
// for i, j in T.grid(rows, cols): buffer[i, j] = value (value written in terms of i and j).
inline std::string TileNest(const std::string& buffer, int64_t rows, int64_t cols, const std::string& value) {
  return For("i", rows, {For("j", cols, {Store(buffer, {V("i"), V("j")}, value)}, "GRID")}, "GRID");
}
// X[i, j]: the element of a tile nest.
inline std::string At(const std::string& buffer) { return Load(buffer, {V("i"), V("j")}); }

// ---- Requests ----
struct Param {
  std::string name;
  std::vector<int64_t> shape;
  std::string dtype = "bfloat16";
};

// The request text of `T.Kernel(extents...)` over `params` with `body`.
inline std::string RequestText(const std::vector<Param>& params, const std::vector<int64_t>& extents,
                               const Body& body, const std::string& name = "main") {
  std::string s = absl::StrCat("func {\n  name: \"", name, "\"\n");
  for (const Param& p : params) {
    absl::StrAppend(&s, "  params { name: \"", p.name, "\" shape: [", absl::StrJoin(p.shape, ", "), "] dtype: \"",
                    p.dtype, "\" }\n");
  }
  absl::StrAppend(&s, "  grid { extents: [", absl::StrJoin(extents, ", "), "] }\n", Join(body), "\n}\n");
  return s;
}

inline v1::KernelRequest Request(const std::vector<Param>& params, const std::vector<int64_t>& extents,
                                 const Body& body) {
  return ParseRequestText(RequestText(params, extents, body));
}

// A tiled GEMM C = A @ B (M x K times K x N, bfloat16 in, float32 accumulation) with
// bm x bn output blocks and bk-deep K steps, T.Kernel(N / bn, M / bm), written like
// examples/gemm_256_bf16 but with the buffer names given: global a, b, c; on-chip as, bs, acc.
struct GemmNames {
  std::string a = "A", b = "B", c = "C", as = "A_shared", bs = "B_shared", acc = "C_local";
};
inline v1::KernelRequest GemmRequest(int64_t m, int64_t n, int64_t k, int64_t bm, int64_t bn, int64_t bk,
                                     const GemmNames& nm = {}) {
  return Request({{nm.a, {m, k}}, {nm.b, {k, n}}, {nm.c, {m, n}}}, {n / bn, m / bm},
                 {Alloc(nm.as, {bm, bk}), Alloc(nm.bs, {bk, bn}), Alloc(nm.acc, {bm, bn}, "float32", "fragment"),
                  Clear(nm.acc),
                  For("k", k / bk,
                      {CopyIn(nm.a, {Mul(V("by"), bm), Mul(V("k"), bk)}, nm.as),
                       CopyIn(nm.b, {Mul(V("k"), bk), Mul(V("bx"), bn)}, nm.bs), Gemm(nm.as, nm.bs, nm.acc)}),
                  CopyOut(nm.acc, nm.c, {Mul(V("by"), bm), Mul(V("bx"), bn)})});
}

// An element-wise kernel over m x n tensors with bm x bn blocks, T.Kernel(n / bn, m / bm):
// inputs (named in `inputs`) are copied into `<name>_t` fragments, `value` (in terms of
// At("<name>_t")) is stored into "Out_t", which is copied to "Out".
inline v1::KernelRequest EltwiseRequest(const std::vector<std::string>& inputs, int64_t m, int64_t n, int64_t bm,
                                        int64_t bn, const std::string& value, const std::string& dtype = "bfloat16") {
  std::vector<Param> params;
  Body body;
  for (const std::string& in : inputs) {
    params.push_back({in, {m, n}, dtype});
    body.push_back(Alloc(in + "_t", {bm, bn}, dtype, "fragment"));
  }
  params.push_back({"Out", {m, n}, dtype});
  body.push_back(Alloc("Out_t", {bm, bn}, dtype, "fragment"));
  for (const std::string& in : inputs) body.push_back(CopyIn(in, {Mul(V("by"), bm), Mul(V("bx"), bn)}, in + "_t"));
  body.push_back(TileNest("Out_t", bm, bn, value));
  body.push_back(CopyOut("Out_t", "Out", {Mul(V("by"), bm), Mul(V("bx"), bn)}));
  return Request(params, {n / bn, m / bm}, body);
}

}  // namespace ttc::testing::rb

#endif  // TTC_TESTS_PASSES_REQUEST_BUILDER_H_
