// ir/structural_equal.h: equal for the same tree whatever the source locations; unequal as
// soon as any one value, name, buffer signature, loop property or annotation differs.
#include "ir/structural_equal.h"

#include <functional>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "ir/printer.h"
#include "ir/proto_convert.h"
#include "tests/ir/ir_test_kernels.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using testing::kRichKernel;
using testing::ParseRequestText;

ir::PrimFunc Convert(const v1::KernelRequest& req) {
  auto unit = ir::FromProto(req);
  EXPECT_TRUE(unit.ok()) << unit.status();
  return unit.ok() ? unit->func : ir::PrimFunc();
}

// Sets a distinct line:col on every SourceLoc of a message tree.
void SetAllLocs(google::protobuf::Message* m, int* counter) {
  const auto* refl = m->GetReflection();
  const auto* desc = m->GetDescriptor();
  for (int i = 0; i < desc->field_count(); ++i) {
    const auto* f = desc->field(i);
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->message_type() == v1::SourceLoc::descriptor()) {
      auto* loc = static_cast<v1::SourceLoc*>(refl->MutableMessage(m, f));
      loc->set_line(++*counter);
      loc->set_column(*counter % 80 + 1);
      continue;
    }
    if (f->is_repeated()) {
      for (int j = 0; j < refl->FieldSize(*m, f); ++j) SetAllLocs(refl->MutableRepeatedMessage(m, f, j), counter);
    } else if (refl->HasField(*m, f)) {
      SetAllLocs(refl->MutableMessage(m, f), counter);
    }
  }
}

TEST(StructuralEqual, SameTreeWithDifferentLocationsIsEqual) {
  v1::KernelRequest req = ParseRequestText(kRichKernel);
  v1::KernelRequest located = req;
  int counter = 0;
  SetAllLocs(&located, &counter);
  ASSERT_GT(counter, 30) << "expected locations on most nodes";
  ir::PrimFunc a = Convert(req), b = Convert(located);
  // The trees are distinct and carry different locations ...
  ASSERT_NE(a.body, b.body);
  EXPECT_EQ(a.params[0]->loc.ToString(), "func.params[0]");
  EXPECT_NE(b.params[0]->loc.ToString(), "func.params[0]");
  EXPECT_NE(ir::As<ir::Seq>(a.body)->stmts[4]->loc.ToString(), ir::As<ir::Seq>(b.body)->stmts[4]->loc.ToString());
  // ... and are structurally equal.
  EXPECT_TRUE(ir::StructuralEqual(a, b));
  EXPECT_TRUE(ir::StructuralEqual(b, a));
  EXPECT_TRUE(ir::StructuralEqual(a.body, b.body));
  EXPECT_TRUE(ir::StructuralEqual(a.params[0], b.params[0]));
  EXPECT_TRUE(ir::StructuralEqual(a, a));
}

TEST(StructuralEqual, HandBuiltExpressionsIgnoreLocations) {
  auto buf = std::make_shared<ir::BufferNode>();
  buf->name = "X";
  buf->shape = {4, 8};
  buf->dtype = *ir::ParseDType("float32");
  buf->scope = ir::Scope::kShared;
  auto buf2 = std::make_shared<ir::BufferNode>(*buf);
  buf2->loc = ir::Loc{7, 3, ""};
  auto build = [](ir::Buffer b, int line) {
    ir::Loc l{line, 1, ""};
    return ir::MakeCast(*ir::ParseDType("bfloat16"),
                        ir::MakeBinary(ir::BinOp::kMul,
                                       ir::MakeLoad(b, {ir::MakeVar("i", l), ir::MakeInt(2, l)}, l),
                                       ir::MakeCall("exp", {ir::MakeFloat(0.5, l)}, l), l),
                        l);
  };
  ir::Expr x = build(buf, 1), y = build(buf2, 99);
  EXPECT_TRUE(ir::StructuralEqual(x, y));
  EXPECT_TRUE(ir::StructuralEqual(ir::Expr(), ir::Expr()));
  EXPECT_FALSE(ir::StructuralEqual(x, ir::Expr()));
  EXPECT_FALSE(ir::StructuralEqual(ir::Expr(), x));
}

TEST(StructuralEqual, ExpressionsThatDifferInOneThing) {
  auto f32 = *ir::ParseDType("float32");
  auto make_buf = [&](std::vector<int64_t> shape, std::string dtype, ir::Scope scope) {
    auto b = std::make_shared<ir::BufferNode>();
    b->name = "X";
    b->shape = std::move(shape);
    b->dtype = *ir::ParseDType(dtype);
    b->scope = scope;
    return ir::Buffer(b);
  };
  ir::Buffer x = make_buf({4, 8}, "float32", ir::Scope::kShared);
  auto i = ir::MakeVar("i");
  const std::pair<ir::Expr, ir::Expr> cases[] = {
      {ir::MakeInt(1), ir::MakeInt(2)},
      {ir::MakeInt(1), ir::MakeFloat(1.0)},
      {ir::MakeFloat(0.5), ir::MakeFloat(0.25)},
      {ir::MakeVar("i"), ir::MakeVar("j")},
      {ir::MakeBinary(ir::BinOp::kAdd, i, ir::MakeInt(1)), ir::MakeBinary(ir::BinOp::kSub, i, ir::MakeInt(1))},
      {ir::MakeBinary(ir::BinOp::kAdd, i, ir::MakeInt(1)), ir::MakeBinary(ir::BinOp::kAdd, ir::MakeInt(1), i)},
      {ir::MakeCast(f32, i), ir::MakeCast(*ir::ParseDType("float16"), i)},
      {ir::MakeLoad(x, {i, i}), ir::MakeLoad(make_buf({4, 16}, "float32", ir::Scope::kShared), {i, i})},
      {ir::MakeLoad(x, {i, i}), ir::MakeLoad(make_buf({4, 8}, "bfloat16", ir::Scope::kShared), {i, i})},
      {ir::MakeLoad(x, {i, i}), ir::MakeLoad(make_buf({4, 8}, "float32", ir::Scope::kFragment), {i, i})},
      {ir::MakeLoad(x, {i, i}), ir::MakeLoad(x, {i, ir::MakeInt(0)})},
      {ir::MakeCall("exp", {i}), ir::MakeCall("log", {i})},
      {ir::MakeCall("select", {i, i, i}), ir::MakeCall("select", {i, i, ir::MakeVar("k")})},
  };
  for (const auto& [a, b] : cases) {
    SCOPED_TRACE(ir::PrintExpr(a) + " vs " + ir::PrintExpr(b));
    EXPECT_TRUE(ir::StructuralEqual(a, a));
    EXPECT_FALSE(ir::StructuralEqual(a, b));
    EXPECT_FALSE(ir::StructuralEqual(b, a));
  }
}

struct DiffCase {
  const char* name;
  std::function<void(v1::KernelRequest&)> change;       // applied to one side only
  std::function<void(v1::KernelRequest&)> setup = {};  // applied to both sides first
};

v1::Stmt& Body(v1::KernelRequest& r, int i) { return *r.mutable_func()->mutable_body(i); }
v1::For& Loop(v1::KernelRequest& r) { return *Body(r, 4).mutable_for_loop(); }
v1::IfThenElse& TheIf(v1::KernelRequest& r) { return *Body(r, 6).mutable_let()->mutable_body(0)->mutable_if_then_else(); }
v1::BufferStore& TheStore(v1::KernelRequest& r) { return *TheIf(r).mutable_then_body(0)->mutable_store(); }
v1::AttrValue& Attr(v1::KernelRequest& r, const std::string& key) { return (*r.mutable_func()->mutable_attrs())[key]; }

const DiffCase kDiffCases[] = {
    {"LoopExtentConstant", [](v1::KernelRequest& r) { Loop(r).mutable_extent()->set_int_imm(4); }},
    {"IndexConstant", [](v1::KernelRequest& r) { TheStore(r).mutable_indices(0)->set_int_imm(1); }},
    {"FloatConstant",
     [](v1::KernelRequest& r) {
       TheIf(r).mutable_else_body(0)->mutable_evaluate()->mutable_value()->mutable_call()->mutable_args(0)->set_float_imm(2.5);
     }},
    {"IntVersusFloatConstant", [](v1::KernelRequest& r) { Body(r, 3).mutable_fill()->mutable_value()->set_float_imm(0); }},
    {"VarName",
     [](v1::KernelRequest& r) {
       Body(r, 5).mutable_copy()->mutable_dst()->mutable_begin(0)->mutable_binary()->mutable_a()->set_var("bx");
     }},
    {"LoopVarName",
     [](v1::KernelRequest& r) {
       Loop(r).set_var("kk");
       Loop(r).mutable_body(0)->mutable_copy()->mutable_src()->mutable_begin(1)->mutable_binary()->mutable_a()->set_var("kk");
       Loop(r).mutable_body(1)->mutable_copy()->mutable_src()->mutable_begin(0)->mutable_binary()->mutable_a()->set_var("kk");
     }},
    {"LetVarName",
     [](v1::KernelRequest& r) {
       Body(r, 6).mutable_let()->set_var("u");
       TheIf(r).mutable_condition()->mutable_binary()->mutable_a()->set_var("u");
       TheStore(r).mutable_indices(1)->set_var("u");
     }},
    {"BinaryOp", [](v1::KernelRequest& r) { Body(r, 6).mutable_let()->mutable_value()->mutable_binary()->set_op(v1::SUB); }},
    {"ComparisonOp", [](v1::KernelRequest& r) { TheIf(r).mutable_condition()->mutable_binary()->set_op(v1::LE); }},
    {"CallName", [](v1::KernelRequest& r) { TheStore(r).mutable_value()->mutable_call()->set_name("sqrt"); }},
    {"ParamShape", [](v1::KernelRequest& r) { r.mutable_func()->mutable_params(0)->set_shape(0, 512); }},
    {"ParamDType", [](v1::KernelRequest& r) { r.mutable_func()->mutable_params(2)->set_dtype("float32"); }},
    {"ParamName",
     [](v1::KernelRequest& r) {
       r.mutable_func()->mutable_params(2)->set_name("D");
       Body(r, 5).mutable_copy()->mutable_dst()->set_buffer("D");
     }},
    {"ExtraParam",
     [](v1::KernelRequest& r) {
       auto* p = r.mutable_func()->add_params();
       p->set_name("D");
       p->add_shape(1);
       p->set_dtype("int32");
     }},
    {"AllocShape",
     [](v1::KernelRequest& r) { r.mutable_func()->mutable_body(7)->mutable_alloc()->mutable_buffer()->set_shape(0, 16); },
     [](v1::KernelRequest& r) {
       auto* b = r.mutable_func()->add_body()->mutable_alloc()->mutable_buffer();
       b->set_name("D_local");
       b->add_shape(32);
       b->add_shape(32);
       b->set_dtype("float32");
       b->set_scope("local");
     }},
    {"AllocDType", [](v1::KernelRequest& r) { Body(r, 2).mutable_alloc()->mutable_buffer()->set_dtype("float16"); }},
    {"AllocScope", [](v1::KernelRequest& r) { Body(r, 0).mutable_alloc()->mutable_buffer()->set_scope("fragment"); }},
    {"LoopKind", [](v1::KernelRequest& r) { Loop(r).set_kind(v1::UNROLLED); },
     [](v1::KernelRequest& r) {
       Loop(r).set_kind(v1::SERIAL);
       Loop(r).clear_num_stages();
     }},
    {"NumStages", [](v1::KernelRequest& r) { Loop(r).set_num_stages(3); }},
    {"LoopStart", [](v1::KernelRequest& r) { Loop(r).mutable_min()->set_int_imm(1); }},
    {"GemmTransposeA", [](v1::KernelRequest& r) { Loop(r).mutable_body(2)->mutable_gemm()->set_transpose_a(true); }},
    {"GemmClearAccum", [](v1::KernelRequest& r) { Loop(r).mutable_body(2)->mutable_gemm()->set_clear_accum(true); }},
    {"GemmOperands",
     [](v1::KernelRequest& r) {
       Loop(r).mutable_body(2)->mutable_gemm()->set_a("B_shared");
       Loop(r).mutable_body(2)->mutable_gemm()->set_b("A_shared");
     }},
    {"CopyOffset",
     [](v1::KernelRequest& r) { Body(r, 5).mutable_copy()->mutable_dst()->mutable_begin(1)->set_int_imm(0); }},
    {"CopyExtent",
     [](v1::KernelRequest& r) {
       // T.copy(C_local[0:16, 0:32], C[by * 32, bx * 32]): the destination takes the 16x32 extent.
       auto* src = Body(r, 5).mutable_copy()->mutable_src();
       src->add_begin()->set_int_imm(0);
       src->add_begin()->set_int_imm(0);
       src->add_extent(16);
       src->add_extent(32);
     }},
    {"FillValue", [](v1::KernelRequest& r) { Body(r, 3).mutable_fill()->mutable_value()->set_int_imm(1); }},
    {"ElseBranchRemoved", [](v1::KernelRequest& r) { TheIf(r).clear_else_body(); }},
    {"StatementOrder", [](v1::KernelRequest& r) { r.mutable_func()->mutable_body()->SwapElements(0, 1); }},
    {"ExtraStatement", [](v1::KernelRequest& r) { *r.mutable_func()->add_body() = Body(r, 3); }},
    {"FuncName", [](v1::KernelRequest& r) { r.mutable_func()->set_name("gemm"); }},
    {"GridExtent", [](v1::KernelRequest& r) { r.mutable_func()->mutable_grid()->set_extents(1, 4); }},
    {"GridThreads", [](v1::KernelRequest& r) { r.mutable_func()->mutable_grid()->set_threads(128); }},
    {"AttributeValue", [](v1::KernelRequest& r) { Attr(r, "tt_tile_height").set_int_value(16); }},
    {"AttributeIntVersusFloat", [](v1::KernelRequest& r) { Attr(r, "tt_tile_height").set_float_value(32.0); }},
    {"AttributeBoolVersusInt",
     [](v1::KernelRequest& r) { Attr(r, "flag").set_int_value(1); },
     [](v1::KernelRequest& r) { Attr(r, "flag").set_bool_value(true); }},
    {"AttributeNestedIntVersusFloat",
     [](v1::KernelRequest& r) {
       (*Attr(r, "m").mutable_map_value()->mutable_entries())["k"].set_float_value(2.0);
     },
     [](v1::KernelRequest& r) {
       (*Attr(r, "m").mutable_map_value()->mutable_entries())["k"].set_int_value(2);
     }},
    {"ExtraAttribute", [](v1::KernelRequest& r) { Attr(r, "tt_tile_width").set_int_value(32); }},
    {"LayoutAdded", [](v1::KernelRequest& r) { (*r.mutable_layouts())["A"].set_memory("DRAM"); }},
    {"LayoutMemory", [](v1::KernelRequest& r) { (*r.mutable_layouts())["A"].set_memory("L1"); },
     [](v1::KernelRequest& r) { (*r.mutable_layouts())["A"].set_memory("DRAM"); }},
    {"LayoutOnAnotherBuffer",
     [](v1::KernelRequest& r) {
       r.mutable_layouts()->erase("A");
       (*r.mutable_layouts())["B"].set_memory("DRAM");
     },
     [](v1::KernelRequest& r) { (*r.mutable_layouts())["A"].set_memory("DRAM"); }},
    {"EmptySchedulePresent", [](v1::KernelRequest& r) { r.mutable_schedule(); }},
    {"ScheduleOrder", [](v1::KernelRequest& r) { r.mutable_schedule()->set_order("match_shard"); },
     [](v1::KernelRequest& r) { r.mutable_schedule()->set_order("row_major"); }},
};

void PrintTo(const DiffCase& c, std::ostream* os) { *os << c.name; }

class StructuralEqualDiff : public ::testing::TestWithParam<DiffCase> {};

TEST_P(StructuralEqualDiff, OneDifferenceMakesFunctionsUnequal) {
  const DiffCase& c = GetParam();
  v1::KernelRequest base = ParseRequestText(kRichKernel);
  if (c.setup) c.setup(base);
  v1::KernelRequest changed = base;
  c.change(changed);
  ir::PrimFunc a = Convert(base);
  ir::PrimFunc a2 = Convert(base);
  ir::PrimFunc b = Convert(changed);
  ASSERT_FALSE(::testing::Test::HasFailure()) << "both requests must be valid";
  EXPECT_TRUE(ir::StructuralEqual(a, a2)) << "the unchanged request converts to an equal function";
  EXPECT_FALSE(ir::StructuralEqual(a, b)) << ir::PrintScript(a) << "\nvs\n" << ir::PrintScript(b);
  EXPECT_FALSE(ir::StructuralEqual(b, a));
}

INSTANTIATE_TEST_SUITE_P(Cases, StructuralEqualDiff, ::testing::ValuesIn(kDiffCases),
                         [](const ::testing::TestParamInfo<DiffCase>& info) { return info.param.name; });

TEST(StructuralEqual, BufferAttributesAreCompared) {
  ir::PrimFunc a = Convert(ParseRequestText(kRichKernel));
  ir::PrimFunc b = a;
  EXPECT_TRUE(ir::StructuralEqual(a, b));
  b.buffer_attrs["A"] = ir::AttrValue{{"tt_layout", "dram_interleaved"}};
  EXPECT_FALSE(ir::StructuralEqual(a, b));
  a.buffer_attrs["A"] = ir::AttrValue{{"tt_layout", "dram_interleaved"}};
  EXPECT_TRUE(ir::StructuralEqual(a, b));
  a.buffer_attrs["A"]["tt_num_pages"] = 4;
  b.buffer_attrs["A"]["tt_num_pages"] = 4.0;
  EXPECT_FALSE(ir::StructuralEqual(a, b)) << "an integer and a float attribute print and serialize differently";
}

TEST(StructuralEqual, StatementsAndBuffersDirectly) {
  ir::PrimFunc a = Convert(ParseRequestText(kRichKernel));
  const auto& s = ir::As<ir::Seq>(a.body)->stmts;
  EXPECT_TRUE(ir::StructuralEqual(s[0], s[0]));
  EXPECT_FALSE(ir::StructuralEqual(s[0], s[1]));  // two allocations of different buffers
  EXPECT_FALSE(ir::StructuralEqual(s[3], s[4]));  // different kinds
  EXPECT_FALSE(ir::StructuralEqual(s[0], ir::Stmt()));
  EXPECT_TRUE(ir::StructuralEqual(ir::Stmt(), ir::Stmt()));
  EXPECT_FALSE(ir::StructuralEqual(a.params[0], a.params[1]));  // same shape and dtype, other name
  EXPECT_FALSE(ir::StructuralEqual(a.params[0], ir::Buffer()));
  EXPECT_TRUE(ir::StructuralEqual(ir::MakeSeq({}), ir::MakeSeq({})));
  EXPECT_FALSE(ir::StructuralEqual(ir::MakeSeq({}), ir::MakeSeq({s[0]})));
}

}  // namespace
}  // namespace ttc
