// The evaluator of the TileLang frontend: runs the Python subset of a kernel file at compile
// time. Module and function bodies execute (assignments, imports of tilelang, `def`,
// factories called with constant arguments, `if` on constants, `return`); expressions
// evaluate to compile-time values (frontend/value.h) with Python's semantics for integers
// (64-bit, overflow is an error), floats, strings, tuples, lists and dicts, or to kernel
// expressions (ttc.v1.Expr, every node carrying its line:col) when they involve loop or block
// variables or buffer elements. The builtins of tilelang (`T.ceildiv`, `T.exp`, casts,
// `T.Buffer`, ...) and of Python (`min`, `max`, `abs`, `int`, `float`, `len`, `range`) are
// evaluated here; `annotate_tt_layout` / `annotate_tt_schedule` calls are applied to their
// kernel (frontend/annotations.h); a `@T.prim_func` definition is handed to the kernel
// lowering set with set_prim_func_lowering (frontend/kernel_lower.h).
//
// Errors: every method returns false after recording the first error (Fail): the line:col
// of the construct and a message saying what is unsupported and what is accepted instead.
// Thread-safety: an Evaluator belongs to one file's lowering; not shared between threads.
#ifndef TTC_FRONTEND_EVALUATOR_H_
#define TTC_FRONTEND_EVALUATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/source.h"
#include "frontend/value.h"
#include "ttc/v1/request.pb.h"

namespace ttc::frontend {

class Evaluator {
 public:
  // Lowers the @T.prim_func `def` whose decorators were evaluated in `scope` into a kernel.
  using PrimFuncLowering =
      std::function<bool(const ast::Stmt& def, const std::shared_ptr<Scope>& scope, std::shared_ptr<Kernel>* out)>;

  explicit Evaluator(Diagnostic* error) : error_(error) {}
  void set_prim_func_lowering(PrimFuncLowering lowering) { lower_prim_func_ = std::move(lowering); }

  // Executes a module; `*module` receives its scope (whose parent holds the builtins).
  bool ExecModule(const ast::Module& m, std::shared_ptr<Scope>* module);

  // Records the error at `loc` (the first one wins: callers stop at the first false).
  bool Fail(SourceLoc loc, std::string msg);

  bool Eval(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  // Evaluates `x` to a kernel expression (constants become immediates).
  bool EvalIR(const ast::Expr& x, const std::shared_ptr<Scope>& scope, v1::Expr* out);
  // Evaluates `x` to a compile-time integer; `what` names it in the error.
  bool ConstInt(const ast::Expr& x, const std::shared_ptr<Scope>& scope, const char* what, int64_t* out);
  // A number or kernel expression as IR; other values are errors.
  bool ToIR(const Value& v, v1::Expr* out);
  // Python truthiness of a compile-time value; `what` names the construct in the error.
  bool Truth(const Value& v, SourceLoc loc, const char* what, bool* out);
  // `a op b` for every Python binary operator and comparison (and "min", "max", "ceildiv"):
  // folded on constants, IR on kernel expressions.
  bool BinaryOp(const std::string& op, const Value& a, const Value& b, SourceLoc loc, Value* out);
  // (shape, dtype) of T.Buffer / T.Tensor / T.alloc_* (`fn` names it in errors).
  bool BufferSpec(const ast::Expr& call, const std::string& fn, const std::shared_ptr<Scope>& scope, BufferInfo* b);
  // The canonical dtype name of a dtype value ("bfloat16", T.float32, ...).
  bool DType(const Value& v, SourceLoc loc, std::string* out);
  // The element indices of `sub` (a subscript of buffer `b`), one per dimension.
  bool Indices(const ast::Expr& sub, const BufferInfo& b, const std::shared_ptr<Scope>& scope,
               std::vector<v1::Expr>* out);

 private:
  // Module and function bodies (evaluator.cc).
  bool ExecBody(const std::vector<ast::StmtPtr>& body, const std::shared_ptr<Scope>& scope, bool in_function,
                Value* ret, bool* returned);
  bool Import(const ast::Stmt& s, Scope& scope);
  bool AssignConst(const ast::Expr& target, const Value& v, Scope& scope);
  bool Define(const ast::Stmt& s, const std::shared_ptr<Scope>& scope);
  bool CallFunction(const Value& f, const ast::Expr& call, const std::shared_ptr<Scope>& caller, Value* out);
  bool Attribute(const Value& base, const std::string& name, SourceLoc loc, Value* out);
  bool Subscript(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);

  // Builtins of tilelang and Python (builtins.cc).
  bool ModuleMember(const Value& mod, const std::string& name, SourceLoc loc, Value* out);
  bool ExpectArgs(const ast::Expr& call, const std::string& sig, size_t min, size_t max);
  bool Call(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  bool MakeCast(const Value& v, const Value& dtype, SourceLoc dtype_loc, SourceLoc loc, Value* out);
  bool Annotate(const ast::Expr& x, const std::string& name, const std::shared_ptr<Scope>& scope, Value* out);

  // Operators (operators.cc).
  bool MakeCall(const std::string& name, std::vector<Value> args, SourceLoc loc, Value* out);
  bool MakeBinary(v1::BinaryOp op, const Value& a, const Value& b, SourceLoc loc, Value* out);
  bool FoldInt(const std::string& op, int64_t a, int64_t b, SourceLoc loc, Value* out);
  bool Compare(const std::string& op, const Value& a, const Value& b, SourceLoc loc, Value* out);
  bool UnaryOp(const std::string& op, const Value& a, SourceLoc loc, Value* out);

  Diagnostic* error_;
  PrimFuncLowering lower_prim_func_;
  // Scopes that functions can close over (the module and function calls), alive until the end.
  std::vector<std::shared_ptr<Scope>> scopes_;
  int call_depth_ = 0;
};

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_EVALUATOR_H_
