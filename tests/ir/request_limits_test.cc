// ir/request_limits.h: each size limit of a request is an error at the field path of the
// first thing past it (and the line:col of the nearest located node), naming the limit; a
// request exactly at a limit passes it. FromProto checks the limits before anything else.
#include "ir/request_limits.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "ir/from_proto.h"
#include "tests/ir/ir_test_kernels.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using testing::kRichKernel;
using testing::ParseRequestText;

// `n` statements: an allocation of X, then n - 1 fills of it.
v1::KernelRequest WithStatements(int n) {
  v1::KernelRequest r = ParseRequestText(R"pb(
    func {
      name: "main"
      params { name: "A" shape: [32, 32] dtype: "bfloat16" }
      grid { extents: [1] }
      body { alloc { buffer { name: "X" shape: [32, 32] dtype: "bfloat16" scope: "fragment" } } }
    })pb");
  for (int i = 1; i < n; ++i) r.mutable_func()->add_body()->mutable_fill()->set_buffer("X");
  return r;
}

// `n` buffers: kRichKernel's six, then allocations Y6, Y7, ...
v1::KernelRequest WithBuffers(int n) {
  v1::KernelRequest r = ParseRequestText(kRichKernel);
  for (int i = 6; i < n; ++i) {
    v1::Buffer* b = r.mutable_func()->add_body()->mutable_alloc()->mutable_buffer();
    b->set_name(absl::StrCat("Y", i));
    b->add_shape(32);
    b->set_dtype("bfloat16");
    b->set_scope("shared");
  }
  return r;
}

// `n` outputs: parameters P0 .. P(n-1), each filled once.
v1::KernelRequest WithOutputs(int n) {
  v1::KernelRequest r = WithStatements(1);
  for (int i = 0; i < n; ++i) {
    v1::Buffer* p = r.mutable_func()->add_params();
    p->set_name(absl::StrCat("P", i));
    p->add_shape(32);
    p->set_dtype("bfloat16");
    r.mutable_func()->add_body()->mutable_fill()->set_buffer(p->name());
  }
  return r;
}

v1::KernelRequest RichWith(const std::function<void(v1::KernelRequest&)>& edit) {
  v1::KernelRequest r = ParseRequestText(kRichKernel);
  edit(r);
  return r;
}

struct Case {
  const char* name;
  v1::KernelRequest at_limit;    // passes the limits
  v1::KernelRequest past_limit;  // the first request past them
  std::string path;              // where FromProto reports it
  std::string message;
};

std::vector<Case> Cases() {
  const std::string n256(256, 'n'), n257(257, 'n');
  const std::string quoted257 = absl::StrCat("'", std::string(32, 'n'), "...' is 257 bytes; names and other ",
                                             "strings of a request are at most 256 bytes (kMaxNameBytes)");
  return {
      {"kernel name", RichWith([&](auto& r) { r.mutable_func()->set_name(n256); }),
       RichWith([&](auto& r) { r.mutable_func()->set_name(n257); }), "func.name", quoted257},
      {"buffer name",
       RichWith([&](auto& r) { r.mutable_func()->mutable_body(0)->mutable_alloc()->mutable_buffer()->set_name(n256); }),
       RichWith([&](auto& r) { r.mutable_func()->mutable_body(0)->mutable_alloc()->mutable_buffer()->set_name(n257); }),
       "func.body[0].alloc.buffer.name", quoted257},
      {"referenced name", ParseRequestText(kRichKernel), RichWith([&](auto& r) {
         v1::Copy* copy = r.mutable_func()->mutable_body(4)->mutable_for_loop()->mutable_body(0)->mutable_copy();
         copy->mutable_src()->set_buffer(n257);
       }),
       "func.body[4].for_loop.body[0].copy.src.buffer", quoted257},
      {"block index", RichWith([&](auto& r) { r.mutable_func()->mutable_grid()->set_vars(1, n256); }),
       RichWith([&](auto& r) { r.mutable_func()->mutable_grid()->set_vars(1, n257); }), "func.grid.vars[1]", quoted257},
      {"layout key", ParseRequestText(kRichKernel),
       RichWith([&](auto& r) { (*r.mutable_layouts())[n257].set_memory("DRAM"); }), "layouts",
       absl::StrCat("'", std::string(32, 'n'), "...' is 257 bytes; names and other strings of a request are at most ",
                    "256 bytes (kMaxNameBytes)")},
      {"attribute value", RichWith([&](auto& r) { (*r.mutable_func()->mutable_attrs())["k"].set_string_value(n256); }),
       RichWith([&](auto& r) { (*r.mutable_func()->mutable_attrs())["k"].set_string_value(n257); }),
       "func.attrs[\"k\"].string_value", quoted257},
      {"buffers", WithBuffers(1024), WithBuffers(1025), "func.body[1025].alloc.buffer",
       "too many buffers: 'Y1024' is buffer 1025 of the kernel (parameters and allocations); a request declares at "
       "most 1024 (kMaxBuffers)"},
      {"statements", WithStatements(10000), WithStatements(10001), "func.body[10000]",
       "too many statements: this is statement 10001 of the kernel; a request holds at most 10000 (kMaxStatements); "
       "split the kernel"},
      {"outputs", WithOutputs(32), WithOutputs(33), "func.body[33].fill.buffer",
       "too many outputs: 'P32' is parameter 33 the kernel writes; a kernel has at most 32 outputs (kMaxOutputs)"},
      {"buffer elements",
       RichWith([](auto& r) { r.mutable_func()->mutable_params(1)->set_shape(0, int64_t{1} << 27); }),
       RichWith([](auto& r) { r.mutable_func()->mutable_params(1)->set_shape(0, (int64_t{1} << 27) + 1); }),
       "func.params[1].shape",
       "buffer 'B' of shape [134217729, 256] has more than 34359738368 elements, the most a buffer may have "
       "(kMaxBufferElements: more than the DRAM of any target holds)"},
      {"2^62 elements", ParseRequestText(kRichKernel), RichWith([](auto& r) {
         r.mutable_func()->mutable_params(0)->set_shape(0, int64_t{1} << 31);
         r.mutable_func()->mutable_params(0)->set_shape(1, int64_t{1} << 31);
       }),
       "func.params[0].shape",
       "buffer 'A' of shape [2147483648, 2147483648] has more than 34359738368 elements, the most a buffer may have "
       "(kMaxBufferElements: more than the DRAM of any target holds)"},
      {"launch blocks", RichWith([](auto& r) {
         r.mutable_func()->mutable_grid()->set_extents(0, 65536);
         r.mutable_func()->mutable_grid()->set_extents(1, 65536);
       }),
       RichWith([](auto& r) {
         r.mutable_func()->mutable_grid()->set_extents(0, int64_t{1} << 31);
         r.mutable_func()->mutable_grid()->set_extents(1, int64_t{1} << 31);
       }),
       "func.grid.extents",
       "T.Kernel(2147483648, 2147483648) launches more than 4294967296 blocks, the most a kernel may launch "
       "(kMaxLaunchBlocks: TT-Metalium kernels number them with uint32_t)"},
  };
}

TEST(RequestLimits, EachLimitIsAnErrorAtTheFieldPathNamingIt) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(ir::CheckRequestLimits(c.at_limit).ok()) << ir::CheckRequestLimits(c.at_limit);
    ir::LocatedError e;
    EXPECT_EQ(ir::CheckRequestLimits(c.past_limit, &e).message(), absl::StrCat(c.path, ": ", c.message));
    ir::LocatedError converted;
    auto unit = ir::FromProto(c.past_limit, {}, &converted);
    ASSERT_FALSE(unit.ok());
    EXPECT_EQ(converted.loc.path, c.path);
    EXPECT_EQ(converted.message, c.message);
    EXPECT_EQ(converted.loc.line, 0);
  }
}

TEST(RequestLimits, NamesAtTheLimitStillConvert) {
  const std::string n256(256, 'n');
  auto unit = ir::FromProto(RichWith([&](auto& r) {
    r.mutable_func()->set_name(n256);
    v1::Buffer* b = r.mutable_func()->add_body()->mutable_alloc()->mutable_buffer();
    b->set_name(n256);
    b->add_shape(32);
    b->set_dtype("bfloat16");
    b->set_scope("shared");
  }));
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_EQ(unit->func.name, n256);
}

TEST(RequestLimits, AScriptRequestIsLocatedAtTheNearestLine) {
  v1::KernelRequest r = WithBuffers(1025);
  v1::Stmt* last = r.mutable_func()->mutable_body(r.func().body_size() - 1);
  last->mutable_loc()->set_line(1040);
  last->mutable_loc()->set_column(9);
  ir::LocatedError e;
  ASSERT_FALSE(ir::FromProto(r, {}, &e).ok());
  EXPECT_EQ(e.loc.path, "func.body[1025].alloc.buffer");
  EXPECT_EQ(e.loc.line, 1040);
  EXPECT_EQ(e.loc.col, 9);
}

TEST(RequestLimits, ACountIsReportedOnceAtTheFirstNodePastIt) {
  // Nested statements count: 9,999 fills inside one loop plus the loop and the allocation.
  v1::KernelRequest r = WithStatements(1);
  v1::For* loop = r.mutable_func()->add_body()->mutable_for_loop();
  loop->set_var("i");
  loop->mutable_extent()->set_int_imm(2);
  for (int i = 0; i < 9999; ++i) loop->add_body()->mutable_fill()->set_buffer("X");
  ir::LocatedError e;
  EXPECT_FALSE(ir::CheckRequestLimits(r, &e).ok());
  EXPECT_EQ(e.loc.path, "func.body[1].for_loop.body[9998]");
  loop->mutable_body()->RemoveLast();
  EXPECT_TRUE(ir::CheckRequestLimits(r).ok());
}

}  // namespace
}  // namespace ttc
