#include "tests/testing.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "ir/request_io.h"

namespace ttc::testing {

v1::KernelRequest ParseRequestText(const std::string& text) {
  auto req = ir::ParseRequest(text, ir::RequestFormat::kTextProto);
  EXPECT_TRUE(req.ok()) << req.status();
  return req.ok() ? *req : v1::KernelRequest();
}

v1::KernelRequest LoadExample(const std::string& name) {
  auto req = ir::ReadRequestFile(absl::StrCat(TTC_SOURCE_DIR, "/examples/", name, ".textproto"));
  EXPECT_TRUE(req.ok()) << req.status();
  return req.ok() ? *req : v1::KernelRequest();
}

CompileResult CompileWith(const v1::KernelRequest& req, const std::string& passes, const std::string& target) {
  CompileOptions opts;
  opts.target_override = target;
  if (!passes.empty()) opts.pipeline.passes = absl::StrSplit(passes, ',');
  auto r = Compile(req, opts, nullptr);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(*r) : CompileResult();
}

std::vector<std::string> Errors(const CompileResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diag.diagnostics()) {
    if (d.severity == Severity::kError) out.push_back(d.message);
  }
  return out;
}

v1::KernelRequest SimpleRequest(const std::vector<int64_t>& extents, const std::vector<int64_t>& shape,
                                const std::string& dtype) {
  std::string s = absl::StrJoin(shape, ", ");
  std::string text = absl::StrCat(
      "func {\n"
      "  name: \"main\"\n"
      "  params { name: \"A\" shape: [", s, "] dtype: \"", dtype, "\" }\n",
      "  params { name: \"B\" shape: [", s, "] dtype: \"", dtype, "\" }\n",
      "  params { name: \"C\" shape: [", s, "] dtype: \"", dtype, "\" }\n",
      "  grid { extents: [", absl::StrJoin(extents, ", "), "] }\n",
      "  body { alloc { buffer { name: \"A_tile\" shape: [32, 32] dtype: \"", dtype, "\" scope: \"shared\" } } }\n",
      "  body { alloc { buffer { name: \"B_tile\" shape: [32, 32] dtype: \"", dtype, "\" scope: \"shared\" } } }\n",
      "  body { alloc { buffer { name: \"C_tile\" shape: [32, 32] dtype: \"", dtype, "\" scope: \"fragment\" } } }\n",
      "  body { copy { src { buffer: \"A\" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: \"A_tile\" } } }\n",
      "  body { copy { src { buffer: \"B\" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: \"B_tile\" } } }\n",
      "  body { for_loop { var: \"i\" extent { int_imm: 32 } kind: GRID body { for_loop { var: \"j\" extent { int_imm: 32 }"
      " kind: GRID body { store { buffer: \"C_tile\" indices { var: \"i\" } indices { var: \"j\" } value { binary {"
      " op: ADD a { load { buffer: \"A_tile\" indices { var: \"i\" } indices { var: \"j\" } } }"
      " b { load { buffer: \"B_tile\" indices { var: \"i\" } indices { var: \"j\" } } } } } } } } } } }\n",
      "  body { copy { src { buffer: \"C_tile\" } dst { buffer: \"C\" begin { int_imm: 0 } begin { int_imm: 0 } } } }\n",
      "}\n");
  return ParseRequestText(text);
}

v1::KernelRequest ManyCopiesRequest(int copies) {
  auto text = ir::ReadFileBytes(absl::StrCat(TTC_SOURCE_DIR, "/examples/eltwise_add_256_bf16.textproto"));
  EXPECT_TRUE(text.ok()) << text.status();
  const std::string name = "A_tile" + std::string(256 - 6, '_');
  v1::KernelRequest req =
      ParseRequestText(absl::StrReplaceAll(text.value_or(""), {{"\"A_tile\"", "\"" + name + "\""}}));
  // body: three allocations, [3] the copy of A into the tile, then what reads the tile.
  const google::protobuf::RepeatedPtrField<v1::Stmt> body = req.func().body();
  auto* out = req.mutable_func()->mutable_body();
  out->Clear();
  for (int i = 0; i < body.size(); ++i) {
    for (int n = i == 3 ? copies : 1; n > 0; --n) *out->Add() = body.Get(i);
  }
  return req;
}

}  // namespace ttc::testing
