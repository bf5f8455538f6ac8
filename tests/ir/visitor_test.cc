// ir/visitor.h: visitors reach every expression; mutators rebuild only the changed path and
// keep unchanged subtrees shared (pointer-identical).
#include "ir/visitor.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "ir/printer.h"
#include "ir/proto_convert.h"
#include "ir/structural_equal.h"
#include "tests/ir/ir_test_kernels.h"
#include "tests/testing.h"

namespace ttc {
namespace {

ir::PrimFunc Convert(const v1::KernelRequest& req) {
  auto unit = ir::FromProto(req);
  EXPECT_TRUE(unit.ok()) << unit.status();
  return unit.ok() ? unit->func : ir::PrimFunc();
}

class LoadCounter : public ir::StmtVisitor {
 public:
  std::map<std::string, int> loads;  // per buffer
  int vars = 0;

 protected:
  void VisitLoad(const ir::Load& n) override {
    ++loads[n.buffer->name];
    ir::StmtVisitor::VisitLoad(n);  // keep descending into the indices
  }
  void VisitVar(const ir::Var&) override { ++vars; }
};

TEST(Visitor, CountsLoadsEverywhere) {
  // Loads in a let value, an if condition, a loop extent, a store index (nested in another
  // load's index), a store value, a fill value, a copy offset and an evaluate.
  v1::KernelRequest req = testing::ParseRequestText(R"pb(
    func {
      params { name: "X" shape: [64] dtype: "float32" }
      params { name: "Idx" shape: [64] dtype: "int32" }
      grid { extents: [2] }
      body { alloc { buffer { name: "S" shape: [32] dtype: "float32" scope: "shared" } } }
      body { fill { buffer: "S" value { load { buffer: "X" indices { int_imm: 0 } } } } }
      body {
        copy {
          src { buffer: "X" begin { load { buffer: "Idx" indices { var: "bx" } } } }
          dst { buffer: "S" }
        }
      }
      body {
        let {
          var: "n"
          value { load { buffer: "Idx" indices { int_imm: 1 } } }
          body {
            for_loop {
              var: "i"
              extent { load { buffer: "Idx" indices { var: "n" } } }
              body {
                if_then_else {
                  condition {
                    binary { op: LT a { load { buffer: "S" indices { var: "i" } } } b { float_imm: 0 } }
                  }
                  then_body {
                    store {
                      buffer: "S"
                      indices { load { buffer: "Idx" indices { load { buffer: "Idx" indices { var: "i" } } } } }
                      value { call { name: "abs" args { load { buffer: "S" indices { var: "i" } } } } }
                    }
                  }
                  else_body { evaluate { value { call { name: "exp" args { load { buffer: "X" indices { var: "i" } } } } } } }
                }
              }
            }
          }
        }
      }
    }
  )pb");
  ir::PrimFunc f = Convert(req);
  LoadCounter counter;
  counter.VisitStmt(f.body);
  EXPECT_EQ(counter.loads["X"], 2);
  EXPECT_EQ(counter.loads["Idx"], 5);
  EXPECT_EQ(counter.loads["S"], 2);
  EXPECT_EQ(counter.loads.size(), 3u);
  // bx (copy offset), n (loop extent), i x4 (condition, store index, store value, evaluate).
  EXPECT_EQ(counter.vars, 6);

  LoadCounter on_expr;
  on_expr.VisitExpr(ir::As<ir::Let>(ir::As<ir::Seq>(f.body)->stmts[3])->value);
  EXPECT_EQ(on_expr.loads["Idx"], 1);
  EXPECT_EQ(on_expr.loads.size(), 1u);
}

TEST(Visitor, CountsLoadsInTheRichKernel) {
  LoadCounter counter;
  counter.VisitStmt(Convert(testing::ParseRequestText(testing::kRichKernel)).body);
  EXPECT_EQ(counter.loads, (std::map<std::string, int>{{"C_local", 1}}));
}

// Renames a variable: its uses, and the loop / let that binds it.
class RenameVar : public ir::StmtMutator {
 public:
  RenameVar(std::string from, std::string to) : from_(std::move(from)), to_(std::move(to)) {}

 protected:
  ir::Expr MutateVar(const ir::Var& n, const ir::Expr& self) override {
    return n.name == from_ ? ir::MakeVar(to_, n.loc) : self;
  }
  ir::Stmt MutateFor(const ir::For& n, const ir::Stmt& self) override {
    ir::Stmt s = ir::StmtMutator::MutateFor(n, self);
    if (n.var != from_) return s;
    auto r = std::make_shared<ir::For>(*ir::As<ir::For>(s));
    r->var = to_;
    return r;
  }

 private:
  std::string from_, to_;
};

int Count(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

const ir::Seq& SeqOf(const ir::Stmt& s) { return *ir::As<ir::Seq>(s); }

TEST(VisitorMutator, RenamingABlockIndexRebuildsOnlyThePathsThatUseIt) {
  ir::PrimFunc f = Convert(testing::ParseRequestText(testing::kRichKernel));
  const std::string before = ir::PrintScript(f);
  ir::Stmt body = RenameVar("bx", "block_x").MutateStmt(f.body);
  ASSERT_NE(body, f.body);
  const auto& old_s = SeqOf(f.body).stmts;
  const auto& new_s = SeqOf(body).stmts;
  ASSERT_EQ(new_s.size(), old_s.size());
  // Allocations and the fill do not mention bx: the same nodes.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(new_s[i], old_s[i]) << "statement " << i;
  // The loop uses bx in its second copy only.
  ASSERT_NE(new_s[4], old_s[4]);
  const auto& old_loop = SeqOf(ir::As<ir::For>(old_s[4])->body).stmts;
  const auto& new_loop = SeqOf(ir::As<ir::For>(new_s[4])->body).stmts;
  EXPECT_EQ(ir::As<ir::For>(new_s[4])->extent, ir::As<ir::For>(old_s[4])->extent);
  EXPECT_EQ(new_loop[0], old_loop[0]);  // T.copy(A[by * 32, k * 32], A_shared)
  EXPECT_NE(new_loop[1], old_loop[1]);  // T.copy(B[k * 32, bx * 32], B_shared)
  EXPECT_EQ(new_loop[2], old_loop[2]);  // T.gemm
  const ir::Copy* old_b = ir::As<ir::Copy>(old_loop[1]);
  const ir::Copy* new_b = ir::As<ir::Copy>(new_loop[1]);
  EXPECT_EQ(new_b->src.begin[0], old_b->src.begin[0]);  // k * 32
  ASSERT_NE(new_b->src.begin[1], old_b->src.begin[1]);  // bx * 32
  EXPECT_EQ(ir::As<ir::Binary>(new_b->src.begin[1])->b, ir::As<ir::Binary>(old_b->src.begin[1])->b);  // 32
  EXPECT_EQ(new_b->src.buffer, old_b->src.buffer);
  EXPECT_EQ(new_b->dst.begin, old_b->dst.begin);
  // The final copy: only its second offset changes.
  const ir::Copy* old_c = ir::As<ir::Copy>(old_s[5]);
  const ir::Copy* new_c = ir::As<ir::Copy>(new_s[5]);
  ASSERT_NE(new_s[5], old_s[5]);
  EXPECT_EQ(new_c->dst.begin[0], old_c->dst.begin[0]);
  EXPECT_NE(new_c->dst.begin[1], old_c->dst.begin[1]);
  EXPECT_EQ(new_c->loc.ToString(), "func.body[5].copy");  // locations are kept
  // The let's value uses bx; its body (the if) does not.
  const ir::Let* old_let = ir::As<ir::Let>(old_s[6]);
  const ir::Let* new_let = ir::As<ir::Let>(new_s[6]);
  ASSERT_NE(new_s[6], old_s[6]);
  EXPECT_NE(new_let->value, old_let->value);
  EXPECT_EQ(new_let->body, old_let->body);

  f.body = body;
  const std::string after = ir::PrintScript(f);
  EXPECT_NE(after.find("T.copy(B[k * 32, block_x * 32], B_shared)"), std::string::npos) << after;
  EXPECT_NE(after.find("T.copy(C_local, C[by * 32, block_x * 32])"), std::string::npos) << after;
  EXPECT_NE(after.find("t = block_x + 1"), std::string::npos) << after;
  // Every use renamed; only the launch grid header (not an expression) still says bx.
  EXPECT_EQ(Count(after, "bx"), 1) << after;
  EXPECT_NE(after.find("with T.Kernel(8, 8) as (bx, by):"), std::string::npos) << after;
  EXPECT_NE(before.find("bx * 32"), std::string::npos);
}

TEST(VisitorMutator, RenamingALoopVariableRebuildsTheLoop) {
  ir::PrimFunc f = Convert(testing::ParseRequestText(testing::kRichKernel));
  ir::Stmt body = RenameVar("k", "kk").MutateStmt(f.body);
  const auto& old_s = SeqOf(f.body).stmts;
  const auto& new_s = SeqOf(body).stmts;
  const ir::For* loop = ir::As<ir::For>(new_s[4]);
  EXPECT_EQ(loop->var, "kk");
  EXPECT_EQ(loop->num_stages, 2);
  EXPECT_EQ(loop->for_kind, ir::ForKind::kPipelined);
  EXPECT_EQ(SeqOf(loop->body).stmts[2], SeqOf(ir::As<ir::For>(old_s[4])->body).stmts[2]);  // gemm shared
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) EXPECT_EQ(new_s[i], old_s[i]) << "statement " << i;
  ir::PrimFunc g = f;
  g.body = body;
  EXPECT_FALSE(ir::StructuralEqual(f, g));
  EXPECT_NE(ir::PrintScript(g).find("for kk in T.Pipelined(8, num_stages=2):"), std::string::npos);
}

TEST(VisitorMutator, NoChangeKeepsTheWholeTree) {
  ir::PrimFunc f = Convert(testing::ParseRequestText(testing::kRichKernel));
  EXPECT_EQ(RenameVar("nope", "x").MutateStmt(f.body), f.body);
  ir::StmtMutator identity;
  EXPECT_EQ(identity.MutateStmt(f.body), f.body);
  EXPECT_EQ(identity.MutateStmt(ir::Stmt()), ir::Stmt());
  ir::Expr e = ir::MakeBinary(ir::BinOp::kAdd, ir::MakeVar("a"), ir::MakeInt(1));
  EXPECT_EQ(identity.MutateExpr(e), e);
}

// Replaces integer constants; checks that expression rebuilding keeps operators and shares
// the untouched operand.
class BumpInts : public ir::ExprMutator {
 protected:
  ir::Expr MutateIntImm(const ir::IntImm& n, const ir::Expr& self) override {
    return n.value == 1 ? ir::MakeInt(2, n.loc) : self;
  }
};

TEST(VisitorMutator, ExpressionMutatorSharesUntouchedOperands) {
  ir::Expr a = ir::MakeVar("a");
  ir::Expr e = ir::MakeCall("select", {ir::MakeBinary(ir::BinOp::kLt, a, ir::MakeInt(1)), a,
                                       ir::MakeCast(*ir::ParseDType("float32"), ir::MakeInt(7))});
  ir::Expr m = BumpInts().MutateExpr(e);
  ASSERT_NE(m, e);
  EXPECT_EQ(ir::PrintExpr(m), "T.if_then_else(a < 2, a, T.cast(7, \"float32\"))");
  const ir::Call* c = ir::As<ir::Call>(m);
  const ir::Call* old = ir::As<ir::Call>(e);
  EXPECT_EQ(c->args[1], old->args[1]);
  EXPECT_EQ(c->args[2], old->args[2]);
  EXPECT_EQ(ir::As<ir::Binary>(c->args[0])->a, a);
  EXPECT_EQ(ir::As<ir::Binary>(c->args[0])->op, ir::BinOp::kLt);
}

}  // namespace
}  // namespace ttc
