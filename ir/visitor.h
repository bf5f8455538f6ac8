// Traversal of the kernel IR. ExprVisitor/StmtVisitor walk a tree in evaluation order (a
// statement's expressions before its sub-statements); override a Visit* hook and call the
// base to keep descending. StmtMutator rebuilds only what changed: a hook returns the node
// itself to keep it, so unchanged subtrees stay shared.
#ifndef TTC_IR_VISITOR_H_
#define TTC_IR_VISITOR_H_

#include "ir/stmt.h"

namespace ttc::ir {

class ExprVisitor {
 public:
  virtual ~ExprVisitor() = default;
  void VisitExpr(const Expr& e);

 protected:
  virtual void VisitIntImm(const IntImm&) {}
  virtual void VisitFloatImm(const FloatImm&) {}
  virtual void VisitVar(const Var&) {}
  virtual void VisitBinary(const Binary& n);
  virtual void VisitCast(const Cast& n);
  virtual void VisitLoad(const Load& n);
  virtual void VisitCall(const Call& n);
};

class StmtVisitor : public ExprVisitor {
 public:
  void VisitStmt(const Stmt& s);

 protected:
  virtual void VisitFor(const For& n);
  virtual void VisitAlloc(const Alloc&) {}
  virtual void VisitCopy(const Copy& n);
  virtual void VisitGemm(const Gemm&) {}
  virtual void VisitFill(const Fill& n);
  virtual void VisitStore(const Store& n);
  virtual void VisitIf(const IfThenElse& n);
  virtual void VisitLet(const Let& n);
  virtual void VisitSeq(const Seq& n);
  virtual void VisitEvaluate(const Evaluate& n);
};

class ExprMutator {
 public:
  virtual ~ExprMutator() = default;
  Expr MutateExpr(const Expr& e);

 protected:
  // Each hook receives the node and the shared pointer that holds it; return `self` to keep.
  virtual Expr MutateIntImm(const IntImm&, const Expr& self) { return self; }
  virtual Expr MutateFloatImm(const FloatImm&, const Expr& self) { return self; }
  virtual Expr MutateVar(const Var&, const Expr& self) { return self; }
  virtual Expr MutateBinary(const Binary& n, const Expr& self);
  virtual Expr MutateCast(const Cast& n, const Expr& self);
  virtual Expr MutateLoad(const Load& n, const Expr& self);
  virtual Expr MutateCall(const Call& n, const Expr& self);
};

class StmtMutator : public ExprMutator {
 public:
  Stmt MutateStmt(const Stmt& s);

 protected:
  virtual Stmt MutateFor(const For& n, const Stmt& self);
  virtual Stmt MutateAlloc(const Alloc&, const Stmt& self) { return self; }
  virtual Stmt MutateCopy(const Copy& n, const Stmt& self);
  virtual Stmt MutateGemm(const Gemm&, const Stmt& self) { return self; }
  virtual Stmt MutateFill(const Fill& n, const Stmt& self);
  virtual Stmt MutateStore(const Store& n, const Stmt& self);
  virtual Stmt MutateIf(const IfThenElse& n, const Stmt& self);
  virtual Stmt MutateLet(const Let& n, const Stmt& self);
  virtual Stmt MutateSeq(const Seq& n, const Stmt& self);
  virtual Stmt MutateEvaluate(const Evaluate& n, const Stmt& self);

  // Mutates each expression; true when any changed.
  bool MutateExprs(const std::vector<Expr>& in, std::vector<Expr>* out);
};

}  // namespace ttc::ir

#endif  // TTC_IR_VISITOR_H_
