// Helpers shared by the pass tests (tests/passes/*_test.cc): pipeline prefixes, annotation
// builders for the request proto, a request of any buffer rank, and attribute accessors.
#ifndef TTC_TESTS_PASSES_PASS_TEST_UTIL_H_
#define TTC_TESTS_PASSES_PASS_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "driver/compile.h"
#include "driver/pipeline.h"
#include "passes/diagnostics.h"
#include "tests/testing.h"
#include "ttc/v1/request.pb.h"

namespace ttc::testing {

// The registry's pipeline, cut after the named pass ("" in CompileWith = the whole pipeline,
// codegen included; Through(name) below for any other cut).
inline constexpr char kThroughSchedule[] = "apply_tt_defaults,infer_default_tt_schedule";
inline constexpr char kThroughShard[] = "apply_tt_defaults,infer_default_tt_schedule,infer_default_tt_shard";
inline constexpr char kThroughLayout[] =
    "apply_tt_defaults,infer_default_tt_schedule,infer_default_tt_shard,infer_tt_layout";
inline constexpr char kThroughPropagate[] =
    "apply_tt_defaults,infer_default_tt_schedule,infer_default_tt_shard,infer_tt_layout,propagate_tt_layout";

// The registry's pipeline from its first pass through `last`, as a --passes list.
inline std::string Through(const std::string& last) {
  std::vector<std::string> names;
  for (const PassInfo& p : TTPipeline()) {
    names.push_back(p.name);
    if (last == p.name) break;
  }
  return absl::StrJoin(names, ",");
}

// An integer list attribute as a vector.
inline std::vector<int64_t> Ints(const ir::AttrValue& v) { return v.get<std::vector<int64_t>>(); }

// The first error diagnostic, or nullptr.
inline const Diagnostic* FirstError(const CompileResult& r) {
  for (const Diagnostic& d : r.diag.diagnostics()) {
    if (d.severity == Severity::kError) return &d;
  }
  return nullptr;
}

// annotate_tt_layout entry of `buffer` (created when absent).
inline v1::BufferLayout& LayoutOf(v1::KernelRequest& req, const std::string& buffer) {
  return (*req.mutable_layouts())[buffer];
}

// Sets an nd_shard on `l` (and layout "sharded"); leaves memory alone.
inline v1::BufferLayout& SetNdShard(v1::BufferLayout& l, const std::vector<std::string>& axes,
                                    const std::vector<int64_t>& grid, const std::vector<int64_t>& shard) {
  l.set_layout("sharded");
  v1::NdShard* s = l.mutable_nd_shard();
  s->clear_axes();
  s->clear_grid();
  s->clear_shard_shape_elems();
  for (const std::string& a : axes) s->add_axes(a);
  for (int64_t g : grid) s->add_grid(g);
  for (int64_t e : shard) s->add_shard_shape_elems(e);
  return l;
}

// `buffer` as an L1 shard over axes [M, N].
inline v1::BufferLayout& ShardInL1(v1::KernelRequest& req, const std::string& buffer,
                                   const std::vector<int64_t>& grid, const std::vector<int64_t>& shard) {
  v1::BufferLayout& l = LayoutOf(req, buffer);
  l.set_memory("L1");
  return SetNdShard(l, {"M", "N"}, grid, shard);
}

// Like SimpleRequest, for buffers of any rank >= 1: T.Kernel(extents...) with global A, B
// (read) and C (written) of `shape`; the on-chip tiles have the buffer's rank, leading
// extents 1 and trailing extents min(32, dim).
inline v1::KernelRequest RankedRequest(const std::vector<int64_t>& extents, const std::vector<int64_t>& shape,
                                       const std::string& dtype = "bfloat16") {
  std::vector<int64_t> tile(shape.size(), 1);
  for (size_t i = shape.size() >= 2 ? shape.size() - 2 : 0; i < shape.size(); ++i) {
    tile[i] = std::min<int64_t>(32, shape[i]);
  }
  std::string begins;
  for (size_t i = 0; i < shape.size(); ++i) begins += " begin { int_imm: 0 }";
  const std::string s = absl::StrJoin(shape, ", "), t = absl::StrJoin(tile, ", ");
  auto param = [&](const char* name) {
    return absl::StrCat("  params { name: \"", name, "\" shape: [", s, "] dtype: \"", dtype, "\" }\n");
  };
  auto alloc = [&](const char* name, const char* scope) {
    return absl::StrCat("  body { alloc { buffer { name: \"", name, "\" shape: [", t, "] dtype: \"", dtype,
                        "\" scope: \"", scope, "\" } } }\n");
  };
  return ParseRequestText(absl::StrCat(
      "func {\n  name: \"main\"\n", param("A"), param("B"), param("C"), "  grid { extents: [",
      absl::StrJoin(extents, ", "), "] }\n", alloc("A_tile", "shared"), alloc("B_tile", "shared"),
      alloc("C_tile", "fragment"), "  body { copy { src { buffer: \"A\"", begins, " } dst { buffer: \"A_tile\" } } }\n",
      "  body { copy { src { buffer: \"B\"", begins, " } dst { buffer: \"B_tile\" } } }\n",
      "  body { copy { src { buffer: \"C_tile\" } dst { buffer: \"C\"", begins, " } } }\n", "}\n"));
}

}  // namespace ttc::testing

#endif  // TTC_TESTS_PASSES_PASS_TEST_UTIL_H_
