// Helpers for inspecting lowered kernels in the lowering-pass tests: an integer evaluator
// over ir::Expr, the sequence of TT intrinsics a kernel calls, a structural outline (loops
// and intrinsics), and finders for lets and calls.
#ifndef TTC_TESTS_PASSES_LOWERED_IR_UTIL_H_
#define TTC_TESTS_PASSES_LOWERED_IR_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/printer.h"
#include "ir/stmt.h"
#include "ir/visitor.h"

namespace ttc::testing {

// Evaluates an integer expression with the variables in `env` (Python semantics for // and
// %, as in the IR). Reports a test failure for anything else (unknown variable, load, call).
inline int64_t Eval(const ir::Expr& e, const std::map<std::string, int64_t>& env) {
  using namespace ir;
  if (const IntImm* i = As<IntImm>(e)) return i->value;
  if (const Var* v = As<Var>(e)) {
    auto it = env.find(v->name);
    if (it == env.end()) {
      ADD_FAILURE() << "Eval: unbound variable '" << v->name << "' in " << PrintExpr(e);
      return 0;
    }
    return it->second;
  }
  if (const Cast* c = As<Cast>(e)) return Eval(c->value, env);
  if (const Binary* b = As<Binary>(e)) {
    const int64_t x = Eval(b->a, env), y = Eval(b->b, env);
    auto floordiv = [](int64_t p, int64_t q) {
      int64_t d = p / q;
      return (p % q != 0 && ((p < 0) != (q < 0))) ? d - 1 : d;
    };
    switch (b->op) {
      case BinOp::kAdd: return x + y;
      case BinOp::kSub: return x - y;
      case BinOp::kMul: return x * y;
      case BinOp::kFloorDiv: return floordiv(x, y);
      case BinOp::kFloorMod: return x - floordiv(x, y) * y;
      case BinOp::kMin: return std::min(x, y);
      case BinOp::kMax: return std::max(x, y);
      case BinOp::kCeilDiv: return -floordiv(-x, y);
      default: break;
    }
  }
  ADD_FAILURE() << "Eval: cannot evaluate " << PrintExpr(e);
  return 0;
}

// Every `tt.*` call in `s`, in evaluation order (let values before their bodies), without
// the "tt." prefix: {"cb_reserve_back", "get_write_ptr", ...}.
inline std::vector<std::string> IntrinsicSequence(const ir::Stmt& s) {
  class V : public ir::StmtVisitor {
   public:
    std::vector<std::string> names;

   protected:
    void VisitCall(const ir::Call& c) override {
      if (absl::StartsWith(c.name, "tt.")) names.push_back(c.name.substr(3));
      ir::ExprVisitor::VisitCall(c);
    }
  };
  V v;
  v.VisitStmt(s);
  return v.names;
}

// The statement structure of a kernel as tokens: "for <var>" ... "end <var>" around loop
// bodies, intrinsic names for `tt.*` calls evaluated as statements, and "gemm", "fill",
// "copy", "store" for statements that are not intrinsics. Lets are transparent.
inline std::vector<std::string> Outline(const ir::Stmt& s) {
  using namespace ir;
  std::vector<std::string> out;
  std::function<void(const Stmt&)> walk = [&](const Stmt& st) {
    if (!st) return;
    switch (st->kind) {
      case StmtKind::kSeq:
        for (const Stmt& c : As<Seq>(st)->stmts) walk(c);
        return;
      case StmtKind::kFor:
        out.push_back("for " + As<For>(st)->var);
        walk(As<For>(st)->body);
        out.push_back("end " + As<For>(st)->var);
        return;
      case StmtKind::kLet: walk(As<Let>(st)->body); return;
      case StmtKind::kIf:
        out.push_back("if");
        walk(As<IfThenElse>(st)->then_body);
        out.push_back("else");
        walk(As<IfThenElse>(st)->else_body);
        out.push_back("end if");
        return;
      case StmtKind::kEvaluate: {
        const Call* c = As<Call>(As<Evaluate>(st)->value);
        out.push_back(c && absl::StartsWith(c->name, "tt.") ? c->name.substr(3) : "evaluate");
        return;
      }
      case StmtKind::kGemm: out.push_back("gemm"); return;
      case StmtKind::kFill: out.push_back("fill"); return;
      case StmtKind::kCopy: out.push_back("copy"); return;
      case StmtKind::kStore: out.push_back("store"); return;
      case StmtKind::kAlloc: out.push_back("alloc"); return;
    }
  };
  walk(s);
  return out;
}

// The `tt.<name>` calls in `s`, in evaluation order.
inline std::vector<const ir::Call*> CallsNamed(const ir::Stmt& s, const std::string& name) {
  class V : public ir::StmtVisitor {
   public:
    explicit V(std::string n) : name_(std::move(n)) {}
    std::vector<const ir::Call*> calls;

   protected:
    void VisitCall(const ir::Call& c) override {
      if (c.name == name_) calls.push_back(&c);
      ir::ExprVisitor::VisitCall(c);
    }

   private:
    std::string name_;
  };
  V v("tt." + name);
  v.VisitStmt(s);
  return v.calls;
}

// The printed arguments of each `tt.<name>` call in `s`: {"by * 8 + k, s_A, l1_write_addr_A_shared", ...}.
inline std::vector<std::string> CallArgs(const ir::Stmt& s, const std::string& name) {
  std::vector<std::string> out;
  for (const ir::Call* c : CallsNamed(s, name)) {
    std::vector<std::string> args;
    for (const ir::Expr& a : c->args) args.push_back(ir::PrintExpr(a));
    out.push_back(absl::StrJoin(args, ", "));
  }
  return out;
}

// The first let of `var` in `s` (pre-order), or nullptr.
inline const ir::Let* FindLet(const ir::Stmt& s, const std::string& var) {
  using namespace ir;
  if (!s) return nullptr;
  switch (s->kind) {
    case StmtKind::kSeq:
      for (const Stmt& c : As<Seq>(s)->stmts) {
        if (const Let* l = FindLet(c, var)) return l;
      }
      return nullptr;
    case StmtKind::kFor: return FindLet(As<For>(s)->body, var);
    case StmtKind::kLet:
      if (As<Let>(s)->var == var) return As<Let>(s);
      return FindLet(As<Let>(s)->body, var);
    case StmtKind::kIf: {
      if (const Let* l = FindLet(As<IfThenElse>(s)->then_body, var)) return l;
      return FindLet(As<IfThenElse>(s)->else_body, var);
    }
    default: return nullptr;
  }
}

}  // namespace ttc::testing

#endif  // TTC_TESTS_PASSES_LOWERED_IR_UTIL_H_
