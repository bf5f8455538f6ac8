// ir/printer.h: the TileLang-like script, expression precedence and parentheses, literals,
// attributes and annotations.
#include "ir/printer.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "ir/proto_convert.h"
#include "tests/ir/ir_test_kernels.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ir::BinOp;
using ir::Expr;

Expr V(const std::string& n) { return ir::MakeVar(n); }
Expr I(int64_t v) { return ir::MakeInt(v); }
Expr F(double v) { return ir::MakeFloat(v); }
Expr B(BinOp op, Expr a, Expr b) { return ir::MakeBinary(op, std::move(a), std::move(b)); }
Expr Call(const std::string& n, std::vector<Expr> args) { return ir::MakeCall(n, std::move(args)); }
Expr Neg(Expr x) { return Call("neg", {std::move(x)}); }
Expr Not(Expr x) { return Call("not", {std::move(x)}); }

ir::Buffer Buf(const std::string& name, std::vector<int64_t> shape, const std::string& dtype,
               ir::Scope scope = ir::Scope::kGlobal) {
  auto b = std::make_shared<ir::BufferNode>();
  b->name = name;
  b->shape = std::move(shape);
  b->dtype = *ir::ParseDType(dtype);
  b->scope = scope;
  return b;
}

ir::PrimFunc Convert(const v1::KernelRequest& req) {
  auto unit = ir::FromProto(req);
  EXPECT_TRUE(unit.ok()) << unit.status();
  return unit.ok() ? unit->func : ir::PrimFunc();
}

TEST(Printer, GemmExample) {
  ir::PrimFunc f = Convert(testing::LoadExample("gemm_256_bf16"));
  EXPECT_EQ(ir::PrintScript(f),
            "@T.prim_func\n"
            "def main(A: T.Buffer((256, 256), \"bfloat16\"), B: T.Buffer((256, 256), \"bfloat16\"), "
            "C: T.Buffer((256, 256), \"bfloat16\")):\n"
            "    with T.Kernel(8, 8) as (bx, by):\n"
            "        A_shared = T.alloc_shared((32, 32), \"bfloat16\")\n"
            "        B_shared = T.alloc_shared((32, 32), \"bfloat16\")\n"
            "        C_local = T.alloc_fragment((32, 32), \"float32\")\n"
            "        T.clear(C_local)\n"
            "        for k in T.serial(8):\n"
            "            T.copy(A[by * 32, k * 32], A_shared)\n"
            "            T.copy(B[k * 32, bx * 32], B_shared)\n"
            "            T.gemm(A_shared, B_shared, C_local)\n"
            "        T.copy(C_local, C[by * 32, bx * 32])\n");
}

TEST(Printer, EveryStatementKind) {
  ir::PrimFunc f = Convert(testing::ParseRequestText(testing::kRichKernel));
  EXPECT_EQ(ir::PrintScript(f),
            "@T.prim_func\n"
            "def main(A: T.Buffer((256, 256), \"bfloat16\"), B: T.Buffer((256, 256), \"bfloat16\"), "
            "C: T.Buffer((256, 256), \"bfloat16\")):\n"
            "    T.func_attr({\n"
            "        \"tt_tile_height\": 32,\n"
            "    })\n"
            "    with T.Kernel(8, 8) as (bx, by):\n"
            "        A_shared = T.alloc_shared((32, 32), \"bfloat16\")\n"
            "        B_shared = T.alloc_shared((32, 32), \"bfloat16\")\n"
            "        C_local = T.alloc_fragment((32, 32), \"float32\")\n"
            "        T.clear(C_local)\n"
            "        for k in T.Pipelined(8, num_stages=2):\n"
            "            T.copy(A[by * 32, k * 32], A_shared)\n"
            "            T.copy(B[k * 32, bx * 32], B_shared)\n"
            "            T.gemm(A_shared, B_shared, C_local)\n"
            "        T.copy(C_local, C[by * 32, bx * 32])\n"
            "        t = bx + 1\n"
            "        if t < 8:\n"
            "            C_local[0, t] = T.exp(C_local[0, 0])\n"
            "        else:\n"
            "            T.evaluate(T.relu(1.5))\n");
}

// A small hand-built function with every kind of annotation.
ir::PrimFunc AddOne() {
  ir::PrimFunc f;
  f.name = "add_one";
  ir::Buffer x = Buf("X", {64}, "float32"), y = Buf("Y", {64}, "float32");
  f.params = {x, y};
  f.grid.extents = {2};
  f.grid.vars = {"bx"};
  f.grid.threads = 128;
  Expr idx = B(BinOp::kAdd, B(BinOp::kMul, V("bx"), I(32)), V("i"));
  auto store = std::make_shared<ir::Store>();
  store->buffer = y;
  store->indices = {idx};
  store->value = B(BinOp::kAdd, ir::MakeLoad(x, {idx}), F(1.0));
  auto loop = std::make_shared<ir::For>();
  loop->var = "i";
  loop->min = I(0);
  loop->extent = I(32);
  loop->for_kind = ir::ForKind::kParallel;
  loop->body = ir::MakeSeq({store});
  f.body = ir::MakeSeq({loop});
  return f;
}

TEST(Printer, HandBuiltFunctionExactly) {
  EXPECT_EQ(ir::PrintScript(AddOne()),
            "@T.prim_func\n"
            "def add_one(X: T.Buffer((64,), \"float32\"), Y: T.Buffer((64,), \"float32\")):\n"
            "    with T.Kernel(2, threads=128) as bx:\n"
            "        for i in T.Parallel(32):\n"
            "            Y[bx * 32 + i] = X[bx * 32 + i] + 1.0\n");
}

TEST(Printer, AttributesAndAnnotations) {
  ir::PrimFunc f = AddOne();
  f.attrs = ir::AttrValue{{"tiles", {1, 2}},   {"flag", true},        {"none", nullptr},
                          {"ratio", 0.5},      {"height", 32.0},      {"width", 32},
                          {"tag", "a\"b"},     {"nested", {{"ok", false}, {"empty", ir::AttrValue::array()}}}};
  f.buffer_attrs["X"] = ir::AttrValue{{"tt_layout", "dram_interleaved"}, {"tt_needs_padding", false}};
  v1::BufferLayout layout;
  layout.set_memory("L1");
  layout.add_tile_shape(32);
  layout.add_tile_shape(32);
  layout.mutable_nd_shard()->add_axes("M");
  layout.mutable_nd_shard()->add_axes("N");
  layout.mutable_nd_shard()->add_grid(1);
  layout.mutable_nd_shard()->add_grid(2);
  layout.set_cb_depth(2);
  layout.set_needs_padding(false);
  f.layouts["X"] = layout;
  f.layouts["Y"].set_layout("interleaved");
  f.schedule.set_order("row_major");
  f.schedule.add_grid_tiles(2);
  f.schedule.add_grid_tiles(1);
  f.has_schedule = true;
  EXPECT_EQ(ir::PrintScript(f),
            "@T.prim_func\n"
            "def add_one(X: T.Buffer((64,), \"float32\"), Y: T.Buffer((64,), \"float32\")):\n"
            "    T.func_attr({\n"
            "        \"flag\": True,\n"
            "        \"height\": 32.0,\n"
            "        \"nested\": {\"empty\": [], \"ok\": False},\n"
            "        \"none\": None,\n"
            "        \"ratio\": 0.5,\n"
            "        \"tag\": \"a\\\"b\",\n"
            "        \"tiles\": [1, 2],\n"
            "        \"width\": 32,\n"
            "    })\n"
            "    T.buffer_attr(\"X\", {\"tt_layout\": \"dram_interleaved\", \"tt_needs_padding\": False})\n"
            "    with T.Kernel(2, threads=128) as bx:\n"
            "        for i in T.Parallel(32):\n"
            "            Y[bx * 32 + i] = X[bx * 32 + i] + 1.0\n"
            "\n"
            "annotate_tt_layout(add_one, {\"X\": {\"cb_depth\": 2, \"memory\": \"L1\", \"nd_shard\": "
            "{\"axes\": [\"M\", \"N\"], \"grid\": [1, 2]}, \"needs_padding\": False, \"tile_shape\": [32, 32]}, "
            "\"Y\": {\"layout\": \"interleaved\"}})\n"
            "annotate_tt_schedule(add_one, {\"grid_tiles\": [2, 1], \"order\": \"row_major\"})\n");
}

TEST(Printer, ScheduleWithoutLayouts) {
  ir::PrimFunc f = AddOne();
  f.has_schedule = true;  // present but empty
  const std::string s = ir::PrintScript(f);
  EXPECT_NE(s.find("            Y[bx * 32 + i] = X[bx * 32 + i] + 1.0\n\nannotate_tt_schedule(add_one, {})\n"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("annotate_tt_layout"), std::string::npos);
  EXPECT_EQ(s.find("T.func_attr"), std::string::npos) << "no attributes, no T.func_attr line";
}

TEST(Printer, PyLiterals) {
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue(true)), "True");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue(false)), "False");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue(nullptr)), "None");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue(-7)), "-7");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue(2.0)), "2.0");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue(1e-07)), "1e-07");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue("x")), "\"x\"");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue::array()), "[]");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue::object()), "{}");
  EXPECT_EQ(ir::PrintPyLiteral(ir::AttrValue{{"b", {true, nullptr}}, {"a", 1}}), "{\"a\": 1, \"b\": [True, None]}");
}

TEST(Printer, JsonKeepsShortValuesOnOneLine) {
  ir::AttrValue v{{"b", {1, 2}}, {"a", "x"}, {"rows", ir::AttrValue::array()}};
  EXPECT_EQ(ir::PrintJson(v), "{\"a\": \"x\", \"b\": [1, 2], \"rows\": []}");
  ir::AttrValue wide = ir::AttrValue::array();
  for (int i = 0; i < 3; ++i) wide.push_back(std::string(40, static_cast<char>('a' + i)));
  EXPECT_EQ(ir::PrintJson(ir::AttrValue{{"k", wide}}),
            "{\n  \"k\": [\n    \"" + std::string(40, 'a') + "\",\n    \"" + std::string(40, 'b') + "\",\n    \"" +
                std::string(40, 'c') + "\"\n  ]\n}");
  EXPECT_EQ(ir::PrintJson(ir::AttrValue{{"s", "a,b:c"}}), "{\"s\": \"a,b:c\"}") << "no spaces inside strings";
}

TEST(Printer, MessageToAttrKeepsIntegersAndPresence) {
  v1::BufferLayout l;
  l.set_cb_depth(0);  // explicitly set optional: present
  l.add_padded_shape(int64_t{1} << 40);
  ir::AttrValue a = ir::MessageToAttr(l);
  EXPECT_EQ(a.dump(), "{\"cb_depth\":0,\"padded_shape\":[1099511627776]}");
  v1::Stmt s;
  s.mutable_for_loop()->set_kind(v1::PIPELINED);
  EXPECT_EQ(ir::MessageToAttr(s).dump(), "{\"for_loop\":{\"kind\":\"PIPELINED\"}}");
}

struct ExprCase {
  Expr expr;
  const char* printed;
};

TEST(Printer, PrecedenceAndParentheses) {
  Expr a = V("a"), b = V("b"), c = V("c"), d = V("d");
  const ExprCase cases[] = {
      {B(BinOp::kMul, B(BinOp::kAdd, a, b), c), "(a + b) * c"},
      {B(BinOp::kAdd, a, B(BinOp::kMul, b, c)), "a + b * c"},
      {B(BinOp::kMul, a, B(BinOp::kAdd, b, c)), "a * (b + c)"},
      {B(BinOp::kSub, a, B(BinOp::kSub, b, c)), "a - (b - c)"},
      {B(BinOp::kSub, B(BinOp::kSub, a, b), c), "a - b - c"},
      {B(BinOp::kAdd, a, B(BinOp::kAdd, b, c)), "a + (b + c)"},
      {B(BinOp::kFloorMod, B(BinOp::kFloorDiv, a, b), c), "a // b % c"},
      {B(BinOp::kFloorDiv, a, B(BinOp::kFloorMod, b, c)), "a // (b % c)"},
      {B(BinOp::kMul, B(BinOp::kDiv, a, b), c), "a / b * c"},
      {B(BinOp::kDiv, a, B(BinOp::kMul, b, c)), "a / (b * c)"},
      {B(BinOp::kLt, B(BinOp::kAdd, a, b), c), "a + b < c"},
      {B(BinOp::kEq, B(BinOp::kLt, a, b), c), "(a < b) == c"},
      {B(BinOp::kNe, a, B(BinOp::kGe, b, c)), "a != (b >= c)"},
      {B(BinOp::kAdd, B(BinOp::kLe, a, b), I(1)), "(a <= b) + 1"},
      {B(BinOp::kAnd, B(BinOp::kLt, a, b), B(BinOp::kGe, c, d)), "a < b and c >= d"},
      {B(BinOp::kAnd, B(BinOp::kOr, a, b), c), "(a or b) and c"},
      {B(BinOp::kOr, a, B(BinOp::kAnd, b, c)), "a or b and c"},
      {B(BinOp::kAnd, B(BinOp::kAnd, a, b), c), "a and b and c"},
      {B(BinOp::kGt, a, b), "a > b"},
      {Not(B(BinOp::kAnd, a, b)), "not (a and b)"},
      {Not(B(BinOp::kLt, a, b)), "not a < b"},
      {B(BinOp::kAnd, Not(a), b), "not a and b"},
      {B(BinOp::kLt, a, Not(b)), "a < (not b)"},
      {Neg(B(BinOp::kAdd, a, b)), "-(a + b)"},
      {Neg(B(BinOp::kMul, a, b)), "-(a * b)"},
      {B(BinOp::kMul, Neg(a), b), "-a * b"},
      {B(BinOp::kAdd, a, Neg(b)), "a + -b"},
      {Neg(B(BinOp::kLt, a, b)), "-(a < b)"},
      {Neg(I(-3)), "-(-3)"},
      {B(BinOp::kMul, a, I(-3)), "a * (-3)"},
      {B(BinOp::kAdd, a, I(-3)), "a + -3"},
      {I(-3), "-3"},
      {B(BinOp::kMul, I(-3), a), "-3 * a"},
      {B(BinOp::kMin, B(BinOp::kAdd, a, b), c), "T.min(a + b, c)"},
      {B(BinOp::kMul, B(BinOp::kMax, a, b), I(2)), "T.max(a, b) * 2"},
      {B(BinOp::kCeilDiv, V("n"), I(32)), "T.ceildiv(n, 32)"},
      {B(BinOp::kMul, ir::MakeCast(*ir::ParseDType("float32"), B(BinOp::kAdd, a, b)), c),
       "T.cast(a + b, \"float32\") * c"},
      {ir::MakeCast(*ir::ParseDType("bf16"), a), "T.cast(a, \"bfloat16\")"},
      {Call("select", {B(BinOp::kLt, a, b), a, b}), "T.if_then_else(a < b, a, b)"},
      {Call("exp", {Neg(a)}), "T.exp(-a)"},
      {Call("rsqrt", {B(BinOp::kAdd, a, F(1e-05))}), "T.rsqrt(a + 1e-05)"},
      {ir::MakeLoad(Buf("A", {4, 4}, "float32"), {V("i"), B(BinOp::kAdd, V("j"), I(1))}), "A[i, j + 1]"},
  };
  for (const ExprCase& c : cases) EXPECT_EQ(ir::PrintExpr(c.expr), c.printed);
}

TEST(Printer, FloatFormatting) {
  const std::pair<double, const char*> cases[] = {
      {1.0, "1.0"},     {0.5, "0.5"},       {0.1, "0.1"},         {100.0, "100.0"}, {-0.5, "-0.5"},
      {1e-07, "1e-07"}, {2.5e20, "2.5e+20"}, {123456789.0, "123456789.0"}, {0.0, "0.0"},
  };
  for (const auto& [v, s] : cases) EXPECT_EQ(ir::PrintExpr(F(v)), s) << v;
  EXPECT_EQ(ir::PrintExpr(B(BinOp::kMul, V("x"), F(-0.5))), "x * (-0.5)");
  EXPECT_EQ(ir::PrintExpr(B(BinOp::kMul, F(3.0), V("x"))), "3.0 * x");
}

TEST(Printer, StatementForms) {
  ir::Buffer g = Buf("G", {64, 64}, "bfloat16");
  ir::Buffer s = Buf("S", {16, 32}, "bfloat16", ir::Scope::kShared);
  ir::Buffer l = Buf("L", {4}, "int32", ir::Scope::kLocal);
  auto alloc_s = std::make_shared<ir::Alloc>();
  alloc_s->buffer = s;
  auto alloc_l = std::make_shared<ir::Alloc>();
  alloc_l->buffer = l;
  // T.copy with explicit slices on both sides (extents differ from the other side's shape).
  auto copy = std::make_shared<ir::Copy>();
  copy->src = ir::Region{g, {V("x"), V("n")}, {8, 16}};
  copy->dst = ir::Region{s, {V("y"), V("z")}, {8, 16}};
  auto fill = std::make_shared<ir::Fill>();
  fill->buffer = l;
  fill->value = F(-1.5);
  auto gemm = std::make_shared<ir::Gemm>();
  gemm->a = s;
  gemm->b = s;
  gemm->c = s;
  gemm->transpose_a = true;
  gemm->transpose_b = true;
  gemm->clear_accum = true;
  auto loop = [](const char* var, ir::ForKind kind, Expr min, Expr extent, ir::Stmt body) {
    auto f = std::make_shared<ir::For>();
    f->var = var;
    f->for_kind = kind;
    f->min = std::move(min);
    f->extent = std::move(extent);
    f->body = std::move(body);
    return f;
  };
  auto iff = std::make_shared<ir::IfThenElse>();
  iff->condition = B(BinOp::kEq, V("n"), I(0));
  iff->then_body = ir::MakeSeq({});
  iff->else_body = ir::MakeSeq({});
  auto ev = std::make_shared<ir::Evaluate>();
  ev->value = Call("sigmoid", {V("n")});
  ir::PrimFunc f;
  f.name = "forms";
  f.params = {g};
  f.grid.extents = {2, 3, 4};
  f.grid.vars = {"x", "y", "z"};
  f.body = ir::MakeSeq({
      alloc_s, alloc_l,
      loop("n", ir::ForKind::kSerial, V("x"), I(4),
           ir::MakeSeq({loop("u", ir::ForKind::kUnrolled, I(0), I(2),
                             ir::MakeSeq({loop("g", ir::ForKind::kGrid, I(0), V("n"), ir::MakeSeq({copy}))})),
                        fill, gemm, iff, ev})),
  });
  EXPECT_EQ(ir::PrintScript(f),
            "@T.prim_func\n"
            "def forms(G: T.Buffer((64, 64), \"bfloat16\")):\n"
            "    with T.Kernel(2, 3, 4) as (x, y, z):\n"
            "        S = T.alloc_shared((16, 32), \"bfloat16\")\n"
            "        L = T.alloc_local((4,), \"int32\")\n"
            "        for n in T.serial(x, x + 4):\n"
            "            for u in T.unroll(2):\n"
            "                for g in T.grid(n):\n"
            "                    T.copy(G[x:x + 8, n:n + 16], S[y:y + 8, z:z + 16])\n"
            "            T.fill(L, -1.5)\n"
            "            T.gemm(S, S, S, transpose_A=True, transpose_B=True, clear_accum=True)\n"
            "            if n == 0:\n"
            "                pass\n"
            "            T.evaluate(T.sigmoid(n))\n");
}

}  // namespace
}  // namespace ttc
