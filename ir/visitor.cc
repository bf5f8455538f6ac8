#include "ir/visitor.h"

#include <memory>

namespace ttc::ir {

void ExprVisitor::VisitExpr(const Expr& e) {
  if (!e) return;
  switch (e->kind) {
    case ExprKind::kIntImm: return VisitIntImm(*As<IntImm>(e));
    case ExprKind::kFloatImm: return VisitFloatImm(*As<FloatImm>(e));
    case ExprKind::kVar: return VisitVar(*As<Var>(e));
    case ExprKind::kBinary: return VisitBinary(*As<Binary>(e));
    case ExprKind::kCast: return VisitCast(*As<Cast>(e));
    case ExprKind::kLoad: return VisitLoad(*As<Load>(e));
    case ExprKind::kCall: return VisitCall(*As<Call>(e));
  }
}
void ExprVisitor::VisitBinary(const Binary& n) {
  VisitExpr(n.a);
  VisitExpr(n.b);
}
void ExprVisitor::VisitCast(const Cast& n) { VisitExpr(n.value); }
void ExprVisitor::VisitLoad(const Load& n) {
  for (const Expr& i : n.indices) VisitExpr(i);
}
void ExprVisitor::VisitCall(const Call& n) {
  for (const Expr& a : n.args) VisitExpr(a);
}

void StmtVisitor::VisitStmt(const Stmt& s) {
  if (!s) return;
  switch (s->kind) {
    case StmtKind::kFor: return VisitFor(*As<For>(s));
    case StmtKind::kAlloc: return VisitAlloc(*As<Alloc>(s));
    case StmtKind::kCopy: return VisitCopy(*As<Copy>(s));
    case StmtKind::kGemm: return VisitGemm(*As<Gemm>(s));
    case StmtKind::kFill: return VisitFill(*As<Fill>(s));
    case StmtKind::kStore: return VisitStore(*As<Store>(s));
    case StmtKind::kIf: return VisitIf(*As<IfThenElse>(s));
    case StmtKind::kLet: return VisitLet(*As<Let>(s));
    case StmtKind::kSeq: return VisitSeq(*As<Seq>(s));
    case StmtKind::kEvaluate: return VisitEvaluate(*As<Evaluate>(s));
  }
}
void StmtVisitor::VisitFor(const For& n) {
  VisitExpr(n.min);
  VisitExpr(n.extent);
  VisitStmt(n.body);
}
void StmtVisitor::VisitCopy(const Copy& n) {
  for (const Expr& e : n.src.begin) VisitExpr(e);
  for (const Expr& e : n.dst.begin) VisitExpr(e);
}
void StmtVisitor::VisitFill(const Fill& n) { VisitExpr(n.value); }
void StmtVisitor::VisitStore(const Store& n) {
  for (const Expr& i : n.indices) VisitExpr(i);
  VisitExpr(n.value);
}
void StmtVisitor::VisitIf(const IfThenElse& n) {
  VisitExpr(n.condition);
  VisitStmt(n.then_body);
  VisitStmt(n.else_body);
}
void StmtVisitor::VisitLet(const Let& n) {
  VisitExpr(n.value);
  VisitStmt(n.body);
}
void StmtVisitor::VisitSeq(const Seq& n) {
  for (const Stmt& s : n.stmts) VisitStmt(s);
}
void StmtVisitor::VisitEvaluate(const Evaluate& n) { VisitExpr(n.value); }

Expr ExprMutator::MutateExpr(const Expr& e) {
  if (!e) return e;
  switch (e->kind) {
    case ExprKind::kIntImm: return MutateIntImm(*As<IntImm>(e), e);
    case ExprKind::kFloatImm: return MutateFloatImm(*As<FloatImm>(e), e);
    case ExprKind::kVar: return MutateVar(*As<Var>(e), e);
    case ExprKind::kBinary: return MutateBinary(*As<Binary>(e), e);
    case ExprKind::kCast: return MutateCast(*As<Cast>(e), e);
    case ExprKind::kLoad: return MutateLoad(*As<Load>(e), e);
    case ExprKind::kCall: return MutateCall(*As<Call>(e), e);
  }
  return e;
}
Expr ExprMutator::MutateBinary(const Binary& n, const Expr& self) {
  Expr a = MutateExpr(n.a), b = MutateExpr(n.b);
  if (a == n.a && b == n.b) return self;
  return MakeBinary(n.op, a, b, n.loc);
}
Expr ExprMutator::MutateCast(const Cast& n, const Expr& self) {
  Expr v = MutateExpr(n.value);
  if (v == n.value) return self;
  return MakeCast(n.dtype, v, n.loc);
}
Expr ExprMutator::MutateLoad(const Load& n, const Expr& self) {
  std::vector<Expr> idx;
  bool changed = false;
  for (const Expr& i : n.indices) {
    idx.push_back(MutateExpr(i));
    changed |= idx.back() != i;
  }
  if (!changed) return self;
  return MakeLoad(n.buffer, std::move(idx), n.loc);
}
Expr ExprMutator::MutateCall(const Call& n, const Expr& self) {
  std::vector<Expr> args;
  bool changed = false;
  for (const Expr& a : n.args) {
    args.push_back(MutateExpr(a));
    changed |= args.back() != a;
  }
  if (!changed) return self;
  return MakeCall(n.name, std::move(args), n.loc);
}

bool StmtMutator::MutateExprs(const std::vector<Expr>& in, std::vector<Expr>* out) {
  bool changed = false;
  out->clear();
  for (const Expr& e : in) {
    out->push_back(MutateExpr(e));
    changed |= out->back() != e;
  }
  return changed;
}

Stmt StmtMutator::MutateStmt(const Stmt& s) {
  if (!s) return s;
  switch (s->kind) {
    case StmtKind::kFor: return MutateFor(*As<For>(s), s);
    case StmtKind::kAlloc: return MutateAlloc(*As<Alloc>(s), s);
    case StmtKind::kCopy: return MutateCopy(*As<Copy>(s), s);
    case StmtKind::kGemm: return MutateGemm(*As<Gemm>(s), s);
    case StmtKind::kFill: return MutateFill(*As<Fill>(s), s);
    case StmtKind::kStore: return MutateStore(*As<Store>(s), s);
    case StmtKind::kIf: return MutateIf(*As<IfThenElse>(s), s);
    case StmtKind::kLet: return MutateLet(*As<Let>(s), s);
    case StmtKind::kSeq: return MutateSeq(*As<Seq>(s), s);
    case StmtKind::kEvaluate: return MutateEvaluate(*As<Evaluate>(s), s);
  }
  return s;
}
Stmt StmtMutator::MutateFor(const For& n, const Stmt& self) {
  Expr mn = MutateExpr(n.min), ext = MutateExpr(n.extent);
  Stmt body = MutateStmt(n.body);
  if (mn == n.min && ext == n.extent && body == n.body) return self;
  auto r = std::make_shared<For>(n);
  r->min = mn;
  r->extent = ext;
  r->body = body;
  return r;
}
Stmt StmtMutator::MutateCopy(const Copy& n, const Stmt& self) {
  std::vector<Expr> sb, db;
  bool changed = MutateExprs(n.src.begin, &sb);
  changed |= MutateExprs(n.dst.begin, &db);
  if (!changed) return self;
  auto r = std::make_shared<Copy>(n);
  r->src.begin = std::move(sb);
  r->dst.begin = std::move(db);
  return r;
}
Stmt StmtMutator::MutateFill(const Fill& n, const Stmt& self) {
  Expr v = MutateExpr(n.value);
  if (v == n.value) return self;
  auto r = std::make_shared<Fill>(n);
  r->value = v;
  return r;
}
Stmt StmtMutator::MutateStore(const Store& n, const Stmt& self) {
  std::vector<Expr> idx;
  bool changed = MutateExprs(n.indices, &idx);
  Expr v = MutateExpr(n.value);
  if (!changed && v == n.value) return self;
  auto r = std::make_shared<Store>(n);
  r->indices = std::move(idx);
  r->value = v;
  return r;
}
Stmt StmtMutator::MutateIf(const IfThenElse& n, const Stmt& self) {
  Expr c = MutateExpr(n.condition);
  Stmt t = MutateStmt(n.then_body), e = MutateStmt(n.else_body);
  if (c == n.condition && t == n.then_body && e == n.else_body) return self;
  auto r = std::make_shared<IfThenElse>(n);
  r->condition = c;
  r->then_body = t;
  r->else_body = e;
  return r;
}
Stmt StmtMutator::MutateLet(const Let& n, const Stmt& self) {
  Expr v = MutateExpr(n.value);
  Stmt b = MutateStmt(n.body);
  if (v == n.value && b == n.body) return self;
  auto r = std::make_shared<Let>(n);
  r->value = v;
  r->body = b;
  return r;
}
Stmt StmtMutator::MutateSeq(const Seq& n, const Stmt& self) {
  std::vector<Stmt> out;
  bool changed = false;
  for (const Stmt& s : n.stmts) {
    out.push_back(MutateStmt(s));
    changed |= out.back() != s;
  }
  if (!changed) return self;
  return MakeSeq(std::move(out), n.loc);
}
Stmt StmtMutator::MutateEvaluate(const Evaluate& n, const Stmt& self) {
  Expr v = MutateExpr(n.value);
  if (v == n.value) return self;
  auto r = std::make_shared<Evaluate>(n);
  r->value = v;
  return r;
}

}  // namespace ttc::ir
