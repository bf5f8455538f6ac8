// ir/proto_convert.h: proto -> IR -> proto round trips, the validation FromProto does (each
// error names the offending field path first, and is also given structured, with the
// line:col of the nearest located node), and the IR verifier on IR built in C++.
#include "ir/proto_convert.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "ir/printer.h"
#include "ir/request_io.h"
#include "ir/structural_equal.h"
#include "ir/verifier.h"
#include "tests/ir/ir_test_kernels.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::kRichKernel;
using testing::ParseRequestText;

// FromProto(ToProto(FromProto(req))) is structurally equal to FromProto(req), and the second
// ToProto reproduces the first (the wire form is a fixed point after one trip).
void ExpectRoundTrip(const v1::KernelRequest& req) {
  auto unit = ir::FromProto(req);
  ASSERT_TRUE(unit.ok()) << unit.status();
  v1::KernelRequest wire = ir::ToProto(unit->func, req.target());
  auto again = ir::FromProto(wire);
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << wire.DebugString();
  EXPECT_TRUE(ir::StructuralEqual(unit->func, again->func))
      << "before:\n" << ir::PrintScript(unit->func) << "after:\n" << ir::PrintScript(again->func);
  EXPECT_TRUE(ir::StructuralEqual(again->func, unit->func));
  EXPECT_EQ(ir::PrintScript(unit->func), ir::PrintScript(again->func));
  EXPECT_EQ(unit->target.Fingerprint(), again->target.Fingerprint());
  v1::KernelRequest wire2 = ir::ToProto(again->func, wire.target());
  EXPECT_TRUE(MessageDifferencer::Equals(wire, wire2)) << wire.DebugString() << "\nvs\n" << wire2.DebugString();
}

TEST(ProtoConvertRoundTrip, EveryExampleRequest) {
  // Globbed at run time: examples added after this test was written are covered too.
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(TTC_SOURCE_DIR "/examples")) {
    if (entry.is_regular_file() && entry.path().extension() == ".textproto") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << "no examples/*.textproto found";
  EXPECT_TRUE(std::find(files.begin(), files.end(),
                        std::filesystem::path(TTC_SOURCE_DIR "/examples/gemm_256_bf16.textproto")) != files.end());
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    auto req = ir::ReadRequestFile(path.string());
    ASSERT_TRUE(req.ok()) << req.status();
    ExpectRoundTrip(*req);
  }
}

TEST(ProtoConvertRoundTrip, EveryStatementKindAndAnnotations) {
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  auto& layout = (*req.mutable_layouts())["A"];
  layout.set_memory("L1");
  layout.set_layout("sharded");
  layout.add_tile_shape(32);
  layout.add_tile_shape(32);
  layout.mutable_nd_shard()->add_axes("M");
  layout.mutable_nd_shard()->add_axes("N");
  layout.set_cb_depth(0);  // optional: presence must survive
  req.mutable_schedule()->set_order("row_major");
  req.mutable_schedule()->add_grid_tiles(8);
  req.mutable_schedule()->add_grid_tiles(8);
  auto& attrs = *req.mutable_func()->mutable_attrs();
  attrs["f"].set_float_value(0.5);
  attrs["s"].set_string_value("x");
  attrs["b"].set_bool_value(false);
  attrs["n"].set_null_value(true);
  attrs["l"].mutable_list_value()->add_items()->set_int_value(3);
  (*attrs["m"].mutable_map_value()->mutable_entries())["k"].set_int_value(-1);
  // A loop with a non-zero start, and every loop kind.
  auto* f = req.mutable_func()->mutable_body(4)->mutable_for_loop();
  f->mutable_min()->set_int_imm(0);  // an explicit zero start is the same loop
  auto* loop = req.mutable_func()->add_body()->mutable_for_loop();
  loop->set_var("i");
  loop->mutable_min()->set_var("bx");
  loop->mutable_extent()->set_int_imm(4);
  loop->set_kind(v1::UNROLLED);
  auto* inner = loop->add_body()->mutable_for_loop();
  inner->set_var("j");
  inner->mutable_extent()->set_int_imm(2);
  inner->set_kind(v1::PARALLEL);
  auto* st = inner->add_body()->mutable_store();
  st->set_buffer("C_local");
  st->add_indices()->set_var("i");
  st->add_indices()->set_var("j");
  auto* cast = st->mutable_value()->mutable_cast();
  cast->set_dtype("float32");
  auto* b = cast->mutable_value()->mutable_binary();
  b->set_op(v1::CEIL_DIV);
  b->mutable_a()->set_var("j");
  b->mutable_b()->set_float_imm(-2.25);
  ExpectRoundTrip(req);

  auto unit = ir::FromProto(req);
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_TRUE(unit->func.has_schedule);
  ASSERT_EQ(unit->func.layouts.count("A"), 1u);
  EXPECT_TRUE(unit->func.layouts.at("A").has_cb_depth());
  EXPECT_EQ(unit->func.layout_locs.at("A").ToString(), "layouts[\"A\"]");
  EXPECT_EQ(unit->func.attrs["m"]["k"], -1);
  EXPECT_TRUE(unit->func.attrs["n"].is_null());
}

TEST(ProtoConvert, FillsDefaultsAndFieldPathLocations) {
  auto unit = ir::FromProto(ParseRequestText(kRichKernel));
  ASSERT_TRUE(unit.ok()) << unit.status();
  const ir::PrimFunc& f = unit->func;
  EXPECT_EQ(f.params[0]->loc.ToString(), "func.params[0]");
  EXPECT_EQ(f.params[0]->scope, ir::Scope::kGlobal);  // scope omitted on parameters = global
  const ir::Seq* body = ir::As<ir::Seq>(f.body);
  ASSERT_NE(body, nullptr);
  ASSERT_EQ(body->stmts.size(), 7u);
  const ir::For* loop = ir::As<ir::For>(body->stmts[4]);
  ASSERT_NE(loop, nullptr);
  EXPECT_EQ(loop->loc.ToString(), "func.body[4].for_loop");
  EXPECT_EQ(loop->for_kind, ir::ForKind::kPipelined);
  EXPECT_EQ(loop->num_stages, 2);
  ASSERT_NE(ir::As<ir::IntImm>(loop->min), nullptr);  // unset min = 0
  EXPECT_EQ(ir::As<ir::IntImm>(loop->min)->value, 0);
  // A whole-buffer side and an offsets-only side: extents and begins are filled in.
  const ir::Copy* out = ir::As<ir::Copy>(body->stmts[5]);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->loc.ToString(), "func.body[5].copy");
  EXPECT_EQ(out->src.extent, (std::vector<int64_t>{32, 32}));
  EXPECT_EQ(out->dst.extent, (std::vector<int64_t>{32, 32}));
  ASSERT_EQ(out->src.begin.size(), 2u);
  EXPECT_EQ(ir::PrintExpr(out->dst.begin[1]), "bx * 32");
  EXPECT_EQ(out->dst.begin[1]->loc.ToString(), "func.body[5].copy.dst.begin[1]");
  // A line:col from the frontend wins over the field path.
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  req.mutable_func()->mutable_body(3)->mutable_loc()->set_line(12);
  req.mutable_func()->mutable_body(3)->mutable_loc()->set_column(9);
  auto located = ir::FromProto(req);
  ASSERT_TRUE(located.ok()) << located.status();
  EXPECT_EQ(ir::As<ir::Seq>(located->func.body)->stmts[3]->loc.ToString(), "12:9");
}

TEST(ProtoConvert, TargetOverrideReplacesThePreset) {
  auto unit = ir::FromProto(ParseRequestText(kRichKernel), "blackhole");
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_EQ(unit->target.preset, "blackhole");
  EXPECT_EQ(unit->target.num_cores(), 130);
}

struct InvalidCase {
  const char* name;
  std::function<void(v1::KernelRequest&)> mutate;
  const char* message_prefix;  // the whole message starts with this (field path first)
};

v1::Stmt& Body(v1::KernelRequest& r, int i) { return *r.mutable_func()->mutable_body(i); }
v1::Stmt& LoopBody(v1::KernelRequest& r, int i) { return *Body(r, 4).mutable_for_loop()->mutable_body(i); }
// body[6] = let t: if t < 8: store C_local[0, t] = T.exp(C_local[0, 0]) else: T.evaluate(T.relu(1.5))
v1::IfThenElse& TheIf(v1::KernelRequest& r) { return *Body(r, 6).mutable_let()->mutable_body(0)->mutable_if_then_else(); }
v1::BufferStore& TheStore(v1::KernelRequest& r) { return *TheIf(r).mutable_then_body(0)->mutable_store(); }
v1::CallExpr& TheRelu(v1::KernelRequest& r) {
  return *TheIf(r).mutable_else_body(0)->mutable_evaluate()->mutable_value()->mutable_call();
}

const InvalidCase kInvalidCases[] = {
    {"MissingFunc", [](v1::KernelRequest& r) { r.clear_func(); }, "func: missing: the request has no kernel"},
    {"MissingGrid", [](v1::KernelRequest& r) { r.mutable_func()->clear_grid(); },
     "func.grid: missing launch grid"},
    {"GridWithNoExtents",
     [](v1::KernelRequest& r) {
       r.mutable_func()->mutable_grid()->clear_extents();
       r.mutable_func()->mutable_grid()->clear_vars();
     },
     "func.grid.extents: T.Kernel takes 1 to 3 extents, got 0"},
    {"GridWithFourExtents",
     [](v1::KernelRequest& r) {
       auto* g = r.mutable_func()->mutable_grid();
       g->clear_vars();
       g->add_extents(1);
       g->add_extents(1);
     },
     "func.grid.extents: T.Kernel takes 1 to 3 extents, got 4"},
    {"NegativeGridExtent", [](v1::KernelRequest& r) { r.mutable_func()->mutable_grid()->set_extents(1, -2); },
     "func.grid.extents[1]: extent must be positive, got -2"},
    {"ZeroGridExtent", [](v1::KernelRequest& r) { r.mutable_func()->mutable_grid()->set_extents(0, 0); },
     "func.grid.extents[0]: extent must be positive, got 0"},
    {"GridVarsCountMismatch", [](v1::KernelRequest& r) { r.mutable_func()->mutable_grid()->add_vars("bz"); },
     "func.grid.vars: expected 2 block index names (one per extent), got 3"},
    {"NegativeShape", [](v1::KernelRequest& r) { r.mutable_func()->mutable_params(0)->set_shape(1, -4); },
     "func.params[0].shape[1]: extent must be positive, got -4"},
    {"ZeroAllocShape", [](v1::KernelRequest& r) { Body(r, 1).mutable_alloc()->mutable_buffer()->set_shape(0, 0); },
     "func.body[1].alloc.buffer.shape[0]: extent must be positive, got 0"},
    {"EmptyShape", [](v1::KernelRequest& r) { r.mutable_func()->mutable_params(2)->clear_shape(); },
     "func.params[2].shape: buffer 'C' has no shape"},
    {"EmptyBody", [](v1::KernelRequest& r) { r.mutable_func()->clear_body(); },
     "func.body: empty kernel body: the T.Kernel block has no statements"},
    {"UnknownDType", [](v1::KernelRequest& r) { r.mutable_func()->mutable_params(1)->set_dtype("bfloat17"); },
     "func.params[1].dtype: unknown dtype 'bfloat17'; known: bfloat16, float16, float32"},
    {"UnknownCastDType",
     [](v1::KernelRequest& r) {
       auto* c = Body(r, 6).mutable_let()->mutable_value()->mutable_binary()->mutable_b()->mutable_cast();
       c->set_dtype("int3");
       c->mutable_value()->set_int_imm(1);
     },
     "func.body[6].let.value.binary.b.cast.dtype: unknown dtype 'int3'"},
    {"UnknownScope", [](v1::KernelRequest& r) { Body(r, 0).mutable_alloc()->mutable_buffer()->set_scope("L1"); },
     "func.body[0].alloc.buffer.scope: unknown scope 'L1'; expected global, shared, fragment or local"},
    {"NonGlobalParameter", [](v1::KernelRequest& r) { r.mutable_func()->mutable_params(2)->set_scope("shared"); },
     "func.params[2].scope: parameter 'C' must be global, got shared"},
    {"GlobalAllocation",
     [](v1::KernelRequest& r) { Body(r, 1).mutable_alloc()->mutable_buffer()->set_scope("global"); },
     "func.body[1].alloc.buffer.scope: allocation 'B_shared' cannot be global"},
    {"DuplicateParameterName", [](v1::KernelRequest& r) { r.mutable_func()->mutable_params(1)->set_name("A"); },
     "func.params[1].name: name 'A' is already declared"},
    {"DuplicateAllocationName",
     [](v1::KernelRequest& r) { Body(r, 1).mutable_alloc()->mutable_buffer()->set_name("A_shared"); },
     "func.body[1].alloc.buffer.name: name 'A_shared' is already declared"},
    {"AllocationNamedLikeAParameter",
     [](v1::KernelRequest& r) {
       Body(r, 2).mutable_alloc()->mutable_buffer()->set_name("C");
     },
     "func.body[2].alloc.buffer.name: name 'C' is already declared"},
    {"AllocationNamedLikeABlockIndex",
     [](v1::KernelRequest& r) { Body(r, 0).mutable_alloc()->mutable_buffer()->set_name("bx"); },
     "func.body[0].alloc.buffer.name: name 'bx' is already declared"},
    {"BlockIndexNamedLikeAParameter",
     [](v1::KernelRequest& r) { r.mutable_func()->mutable_grid()->set_vars(0, "A"); },
     "func.grid.vars[0]: name 'A' is already declared"},
    {"LoopVariableNamedLikeABuffer", [](v1::KernelRequest& r) { Body(r, 4).mutable_for_loop()->set_var("B"); },
     "func.body[4].for_loop.var: name 'B' is already declared"},
    {"LetVariableNamedLikeABuffer", [](v1::KernelRequest& r) { Body(r, 6).mutable_let()->set_var("C_local"); },
     "func.body[6].let.var: name 'C_local' is already declared"},
    {"BadBufferName", [](v1::KernelRequest& r) { r.mutable_func()->mutable_params(0)->set_name("2A"); },
     "func.params[0].name: '2A' is not an identifier"},
    {"UnknownBufferInCopy", [](v1::KernelRequest& r) { Body(r, 5).mutable_copy()->mutable_src()->set_buffer("Q"); },
     "func.body[5].copy.src: unknown buffer 'Q'"},
    {"AllocationOutOfScope",  // A_shared is allocated inside the loop body below
     [](v1::KernelRequest& r) {
       v1::Stmt alloc = Body(r, 0);
       r.mutable_func()->mutable_body()->DeleteSubrange(0, 1);
       *Body(r, 3).mutable_for_loop()->add_body() = alloc;
       Body(r, 3).mutable_for_loop()->mutable_body()->SwapElements(0, 3);
       Body(r, 4).mutable_copy()->mutable_src()->set_buffer("A_shared");
     },
     "func.body[4].copy.src: unknown buffer 'A_shared'"},
    {"UnknownBufferInGemm", [](v1::KernelRequest& r) { LoopBody(r, 2).mutable_gemm()->set_b("Q"); },
     "func.body[4].for_loop.body[2].gemm.b: unknown buffer 'Q'"},
    {"UnknownBufferInStore", [](v1::KernelRequest& r) { TheStore(r).set_buffer("Q"); },
     "func.body[6].let.body[0].if_then_else.then_body[0].store.buffer: unknown buffer 'Q'"},
    {"UndefinedVariable",
     [](v1::KernelRequest& r) {
       Body(r, 5).mutable_copy()->mutable_dst()->mutable_begin(0)->mutable_binary()->mutable_a()->set_var("bz");
     },
     "func.body[5].copy.dst.begin[0].binary.a.var: undefined variable 'bz'"},
    {"LoopVariableOutOfScope",
     [](v1::KernelRequest& r) {
       Body(r, 5).mutable_copy()->mutable_dst()->mutable_begin(1)->mutable_binary()->mutable_a()->set_var("k");
     },
     "func.body[5].copy.dst.begin[1].binary.a.var: undefined variable 'k'"},
    {"LetVariableOutOfScope",
     [](v1::KernelRequest& r) { Body(r, 5).mutable_copy()->mutable_dst()->mutable_begin(0)->set_var("t"); },
     "func.body[5].copy.dst.begin[0].var: undefined variable 't'"},
    {"StoreIndexCount", [](v1::KernelRequest& r) { TheStore(r).add_indices()->set_int_imm(0); },
     "func.body[6].let.body[0].if_then_else.then_body[0].store.indices: buffer 'C_local' has rank 2 but 3 "
     "indices were given"},
    {"LoadIndexCount",
     [](v1::KernelRequest& r) {
       TheStore(r).mutable_value()->mutable_call()->mutable_args(0)->mutable_load()->mutable_indices()->RemoveLast();
     },
     "func.body[6].let.body[0].if_then_else.then_body[0].store.value.call.args[0].load.indices: buffer 'C_local' "
     "has rank 2 but 1 index was given"},
    {"RegionOffsetCount",
     [](v1::KernelRequest& r) { LoopBody(r, 0).mutable_copy()->mutable_src()->add_begin()->set_int_imm(0); },
     "func.body[4].for_loop.body[0].copy.src.begin: buffer 'A' has rank 2 but 3 indices were given"},
    {"RegionExtentCount",
     [](v1::KernelRequest& r) {
       for (int i = 0; i < 3; ++i) LoopBody(r, 0).mutable_copy()->mutable_src()->add_extent(32);
     },
     "func.body[4].for_loop.body[0].copy.src.extent: buffer 'A' has rank 2 but 3 extents were given"},
    {"CopySizeMismatch",
     [](v1::KernelRequest& r) {
       auto* dst = Body(r, 5).mutable_copy()->mutable_dst();
       dst->add_extent(16);
       dst->add_extent(16);
     },
     "func.body[5].copy: source region [32, 32] of 'C_local' and destination region [16, 16] of 'C' have "
     "different sizes (1024 vs 256 elements)"},
    {"CopyExtentUnknownOnBothSides",
     [](v1::KernelRequest& r) {
       auto* src = Body(r, 5).mutable_copy()->mutable_src();
       src->add_begin()->set_int_imm(0);
       src->add_begin()->set_int_imm(0);
     },
     "func.body[5].copy: cannot infer the copy extent"},
    {"ConstantRegionOutOfBounds",
     [](v1::KernelRequest& r) {
       auto* dst = Body(r, 5).mutable_copy()->mutable_dst();
       dst->mutable_begin(0)->set_int_imm(240);
       dst->mutable_begin(1)->set_int_imm(0);
     },
     "func.body[5].copy.dst: region [240:272, 0:32] is out of bounds of 'C' with shape [256, 256]"},
    {"NegativeConstantOffset",
     [](v1::KernelRequest& r) { Body(r, 5).mutable_copy()->mutable_dst()->mutable_begin(1)->set_int_imm(-1); },
     "func.body[5].copy.dst: region [?:?+32, -1:31] is out of bounds of 'C' with shape [256, 256]"},
    {"GemmShapeMismatch",
     [](v1::KernelRequest& r) { Body(r, 1).mutable_alloc()->mutable_buffer()->set_shape(1, 64); },
     "func.body[4].for_loop.body[2].gemm: T.gemm shapes do not agree: op(A) 'A_shared' is [32, 32], op(B) "
     "'B_shared' is [32, 64], C 'C_local' is [32, 32]"},
    {"GemmOnGlobalBuffer", [](v1::KernelRequest& r) { LoopBody(r, 2).mutable_gemm()->set_a("A"); },
     "func.body[4].for_loop.body[2].gemm.a: T.gemm operand 'A' is a global buffer"},
    {"UnknownCall", [](v1::KernelRequest& r) { TheRelu(r).set_name("frobnicate"); },
     "func.body[6].let.body[0].if_then_else.else_body[0].evaluate.value.call.name: unknown function 'frobnicate'"},
    {"CallArity", [](v1::KernelRequest& r) { TheRelu(r).add_args()->set_int_imm(2); },
     "func.body[6].let.body[0].if_then_else.else_body[0].evaluate.value.call.args: 'relu' takes 1 argument, "
     "got 2"},
    {"SelectArity", [](v1::KernelRequest& r) { TheRelu(r).set_name("select"); },
     "func.body[6].let.body[0].if_then_else.else_body[0].evaluate.value.call.args: 'select' takes 3 "
     "arguments, got 1"},
    {"UnspecifiedBinaryOp",
     [](v1::KernelRequest& r) {
       Body(r, 6).mutable_let()->mutable_value()->mutable_binary()->set_op(v1::BINARY_OP_UNSPECIFIED);
     },
     "func.body[6].let.value.binary.op: operator is unspecified"},
    {"UnknownBinaryOpNumber",
     [](v1::KernelRequest& r) {
       Body(r, 6).mutable_let()->mutable_value()->mutable_binary()->set_op(static_cast<v1::BinaryOp>(99));
     },
     "func.body[6].let.value.binary.op: unknown operator 99"},
    {"MissingBinaryOperand",
     [](v1::KernelRequest& r) { Body(r, 6).mutable_let()->mutable_value()->mutable_binary()->clear_b(); },
     "func.body[6].let.value.binary.b: missing operand"},
    {"EmptyStatement", [](v1::KernelRequest& r) { r.mutable_func()->add_body(); },
     "func.body[7]: empty statement"},
    {"EmptyExpression", [](v1::KernelRequest& r) { Body(r, 3).mutable_fill()->mutable_value()->Clear(); },
     "func.body[3].fill.value: empty expression"},
    {"EvaluateWithoutCall",
     [](v1::KernelRequest& r) {
       TheIf(r).mutable_else_body(0)->mutable_evaluate()->mutable_value()->set_int_imm(1);
     },
     "func.body[6].let.body[0].if_then_else.else_body[0].evaluate.value: T.evaluate needs a call"},
    {"PipelinedWithoutNumStages", [](v1::KernelRequest& r) { Body(r, 4).mutable_for_loop()->clear_num_stages(); },
     "func.body[4].for_loop.num_stages: T.Pipelined needs num_stages >= 1, got 0"},
    {"NumStagesOnSerialLoop", [](v1::KernelRequest& r) { Body(r, 4).mutable_for_loop()->set_kind(v1::SERIAL); },
     "func.body[4].for_loop.num_stages: num_stages is only meaningful for a pipelined loop"},
    {"UnknownLoopKind",
     [](v1::KernelRequest& r) { Body(r, 4).mutable_for_loop()->set_kind(static_cast<v1::ForKind>(42)); },
     "func.body[4].for_loop.kind: unknown loop kind 42"},
    {"NegativeLoopExtent", [](v1::KernelRequest& r) { Body(r, 4).mutable_for_loop()->mutable_extent()->set_int_imm(-1); },
     "func.body[4].for_loop.extent: loop extent must not be negative, got -1"},
    {"LoopWithoutVariable", [](v1::KernelRequest& r) { Body(r, 4).mutable_for_loop()->clear_var(); },
     "func.body[4].for_loop.var: loop has no variable"},
    {"LayoutOnUnknownBuffer", [](v1::KernelRequest& r) { (*r.mutable_layouts())["Q"].set_memory("DRAM"); },
     "layouts[\"Q\"]: unknown buffer 'Q'; layouts annotate kernel parameters (A, B, C)"},
    {"LayoutOnAnAllocation", [](v1::KernelRequest& r) { (*r.mutable_layouts())["A_shared"].set_memory("L1"); },
     "layouts[\"A_shared\"]: unknown buffer 'A_shared'"},
    {"UnknownTargetPreset", [](v1::KernelRequest& r) { r.mutable_target()->set_preset("tensix9000"); },
     "target.preset: unknown target 'tensix9000'; known targets: wormhole_b0, blackhole, grayskull"},
    {"AttributeWithoutValue",
     [](v1::KernelRequest& r) { (*r.mutable_func()->mutable_attrs())["x"].Clear(); },
     "func.attrs[\"x\"]: attribute value has no kind"},
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class ProtoConvertInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(ProtoConvertInvalid, ReportsTheFieldPathFirst) {
  const InvalidCase& c = GetParam();
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  ASSERT_TRUE(ir::FromProto(req).ok()) << "the base request must be valid";
  c.mutate(req);
  auto unit = ir::FromProto(req);
  ASSERT_FALSE(unit.ok()) << "accepted:\n" << req.DebugString();
  EXPECT_EQ(unit.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(unit.status().message(), c.message_prefix))
      << "  actual: " << unit.status().message() << "\nexpected: " << c.message_prefix << "...";
}

INSTANTIATE_TEST_SUITE_P(Cases, ProtoConvertInvalid, ::testing::ValuesIn(kInvalidCases),
                         [](const ::testing::TestParamInfo<InvalidCase>& info) { return info.param.name; });

TEST(ProtoConvert, FuncFromProtoChecksTheSameAsFromProto) {
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  req.mutable_func()->mutable_params(0)->set_shape(1, -4);
  auto f = ir::FuncFromProto(req.func());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "func.params[0].shape[1]: extent must be positive, got -4");
}

TEST(ProtoConvert, StructuredErrorOfAnUnlocatedRequestHasTheFieldPath) {
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  Body(req, 5).mutable_copy()->mutable_src()->set_buffer("Q");
  ir::LocatedError e;
  auto unit = ir::FromProto(req, {}, &e);
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(e.loc.path, "func.body[5].copy.src");
  EXPECT_EQ(e.loc.line, 0);
  EXPECT_EQ(e.message, "unknown buffer 'Q'");
  EXPECT_EQ(unit.status().message(), e.PathAndMessage());
}

TEST(ProtoConvert, StructuredErrorIsLocatedAtTheNearestLocatedNode) {
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  req.mutable_func()->mutable_loc()->set_line(3);
  req.mutable_func()->mutable_loc()->set_column(1);
  v1::Stmt& copy = Body(req, 5);
  copy.mutable_loc()->set_line(19);
  copy.mutable_loc()->set_column(9);
  ir::LocatedError e;
  // A conversion error inside the statement: the statement's line:col.
  copy.mutable_copy()->mutable_src()->set_buffer("Q");
  ASSERT_FALSE(ir::FromProto(req, {}, &e).ok());
  EXPECT_EQ(e.loc.path, "func.body[5].copy.src");
  EXPECT_EQ(e.loc.ToString(), "19:9");
  // A verifier error (out of bounds): the statement's line:col too.
  copy.mutable_copy()->mutable_src()->set_buffer("C_local");
  copy.mutable_copy()->mutable_dst()->mutable_begin(0)->set_int_imm(240);
  copy.mutable_copy()->mutable_dst()->mutable_begin(1)->set_int_imm(0);
  ASSERT_FALSE(ir::FromProto(req, {}, &e).ok());
  EXPECT_EQ(e.loc.path, "func.body[5].copy.dst");
  EXPECT_EQ(e.loc.ToString(), "19:9");
  EXPECT_EQ(e.message, "region [240:272, 0:32] is out of bounds of 'C' with shape [256, 256]");
  // An expression with its own location wins over its statement's.
  copy.mutable_copy()->mutable_dst()->mutable_begin(0)->set_var("zz");
  copy.mutable_copy()->mutable_dst()->mutable_begin(0)->mutable_loc()->set_line(19);
  copy.mutable_copy()->mutable_dst()->mutable_begin(0)->mutable_loc()->set_column(30);
  ASSERT_FALSE(ir::FromProto(req, {}, &e).ok());
  EXPECT_EQ(e.loc.path, "func.body[5].copy.dst.begin[0].var");
  EXPECT_EQ(e.loc.ToString(), "19:30");
  // Nothing located below the function: the function's line:col.
  req.mutable_func()->mutable_params(0)->set_shape(1, -4);
  ASSERT_FALSE(ir::FromProto(req, {}, &e).ok());
  EXPECT_EQ(e.loc.path, "func.params[0].shape[1]");
  EXPECT_EQ(e.loc.ToString(), "3:1");
}

TEST(ProtoConvert, AnnotationLocationsReachTheIRAndComeBack) {
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  v1::BufferLayout& layout = (*req.mutable_layouts())["A"];
  layout.mutable_loc()->set_line(30);
  layout.mutable_loc()->set_column(5);
  req.mutable_schedule()->mutable_loc()->set_line(33);
  req.mutable_schedule()->mutable_loc()->set_column(8);
  auto unit = ir::FromProto(req);
  ASSERT_TRUE(unit.ok()) << unit.status();
  const ir::Loc& l = unit->func.layout_locs.at("A");
  EXPECT_EQ(l.ToString(), "30:5");
  EXPECT_EQ(l.path, "layouts[\"A\"]");
  EXPECT_EQ(unit->func.schedule_loc.ToString(), "33:8");
  EXPECT_EQ(unit->func.schedule_loc.path, "schedule");
  // The annotations the passes read hold no location (the printer prints them as they are).
  EXPECT_FALSE(unit->func.layouts.at("A").has_loc());
  EXPECT_FALSE(unit->func.schedule.has_loc());
  v1::KernelRequest wire = ir::ToProto(unit->func, req.target());
  EXPECT_EQ(wire.layouts().at("A").loc().line(), 30);
  EXPECT_EQ(wire.schedule().loc().column(), 8);
  // A layout of an unknown buffer is reported at its entry.
  (*req.mutable_layouts())["Q"].mutable_loc()->set_line(31);
  ir::LocatedError e;
  ASSERT_FALSE(ir::FromProto(req, {}, &e).ok());
  EXPECT_EQ(e.loc.path, "layouts[\"Q\"]");
  EXPECT_EQ(e.loc.line, 31);
}

TEST(ProtoConvert, TargetErrorsAreStructured) {
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  req.mutable_target()->add_grid(9);
  req.mutable_target()->add_grid(9);
  ir::LocatedError e;
  auto unit = ir::FromProto(req, {}, &e);
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(e.loc.path, "target.grid");
  EXPECT_EQ(e.message, "[9, 9] exceeds the wormhole_b0 compute grid [8, 8]");
  EXPECT_EQ(unit.status().message(), "target.grid: [9, 9] exceeds the wormhole_b0 compute grid [8, 8]");
}

// The verifier on IR that no request produced: paths are relative to the node, line:col
// comes from the node or the nearest enclosing one.
TEST(Verifier, ChecksIRBuiltInCpp) {
  auto a = std::make_shared<ir::BufferNode>();
  a->name = "A";
  a->shape = {32, 32};
  a->dtype = *ir::ParseDType("float32");
  ir::PrimFunc f;
  f.name = "k";
  f.params = {a};
  f.grid.extents = {1};
  f.grid.vars = {"bx"};
  auto store = std::make_shared<ir::Store>();
  store->loc = ir::Loc{7, 5, ""};
  store->buffer = a;
  store->indices = {ir::MakeInt(0), ir::MakeInt(1)};
  store->value = ir::MakeCall("exp", {ir::MakeFloat(1.0)});
  f.body = ir::MakeSeq({store});
  EXPECT_TRUE(ir::VerifyFunc(f).ok());

  store->indices.pop_back();
  ir::LocatedError e;
  absl::Status st = ir::VerifyFunc(f, &e);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e.loc.path, "indices");
  EXPECT_EQ(e.loc.ToString(), "7:5");
  EXPECT_EQ(e.message, "buffer 'A' has rank 2 but 1 index was given");

  store->indices.push_back(ir::MakeInt(1));
  store->value = ir::MakeCall("exp", {ir::MakeFloat(1.0), ir::MakeFloat(2.0)});
  ASSERT_FALSE(ir::VerifyFunc(f, &e).ok());
  EXPECT_EQ(e.loc.path, "call.args");
  EXPECT_EQ(e.loc.line, 7);  // the call has no location: its statement's
  EXPECT_EQ(e.message, "'exp' takes 1 argument, got 2");

  store->value = ir::MakeFloat(1.0);
  f.grid.extents = {0};
  ASSERT_FALSE(ir::VerifyFunc(f, &e).ok());
  EXPECT_EQ(e.loc.path, "extents[0]");
  EXPECT_EQ(e.message, "extent must be positive, got 0");
}

}  // namespace
}  // namespace ttc
