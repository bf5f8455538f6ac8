// The evaluator of the TileLang frontend: runs, at compile time, what building a kernel
// needs of a Python file, never Python itself.
//
// A file is executed as `python file.py` would run it, with three differences:
// - Harness code is evaluated only as far as it can be: a statement of the module body, of
//   the `if __name__ == "__main__":` block or of a function they call (main(), ...) that
//   fails (a torch call, print, a profiler, Python the evaluator does not have) is skipped and
//   the names it assigns become unknown; an unknown value that a kernel later needs is
//   reported with the reason its statement was skipped. Nothing is skipped inside a kernel
//   builder (a @tilelang.jit / @autotune function, a function defining a @T.prim_func, a
//   @T.prim_func body): there the first error stops compilation at its line:col.
// - Host libraries are modelled only where a kernel's sizes come from them: argparse
//   answers its defaults, torch.randn/zeros/empty/... make tensors that know their shape and
//   dtype, torch dtypes are dtypes, `math`, `functools.partial`, `itertools.product` and
//   TileLang's host helpers (tilelang.cdiv, next_power_of_2, get_num_sms) are evaluated.
// - A kernel builder's result is a kernel (frontend/value.h Kernel): calling a factory runs
//   it and lowers the @T.prim_func it defines (frontend/kernel_lower.h); an eager
//   @tilelang.jit function (its body holds the `with T.Kernel` block) is lowered when called
//   with tensors or through `.compile(M=..., ...)`. Every kernel built is recorded (built()).
//
// Expressions evaluate to compile-time values with Python's semantics for integers (64-bit,
// overflow is an error), floats, strings, tuples, lists, dicts and sets, or to kernel
// expressions (ttc.v1.Expr, every node carrying its line:col) when they involve loop or
// block variables or buffer elements.
//
// Errors: methods return false after recording the error (Fail): the line:col of the
// construct and a message saying what is unsupported and what is accepted instead.
// Warnings (GPU-only hints, decorators without TT meaning) are appended to warnings().
// Thread-safety: an Evaluator belongs to one file's lowering; not shared between threads.
#ifndef TTC_FRONTEND_EVALUATOR_H_
#define TTC_FRONTEND_EVALUATOR_H_

#include <cstdint>
#include <functional>
#include <map>
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
  // Lowers a `with T.Kernel(...)` block of an eager @tilelang.jit body into `k`.
  using KernelBlockLowering =
      std::function<bool(const ast::Stmt& with, const std::shared_ptr<Scope>& scope, Kernel* k)>;

  struct Options {
    // `--define NAME=VALUE`: sizes that override a builder's parameter or a T.const of that name.
    std::map<std::string, Value> defines;
    // What tilelang.carver.arch.driver.get_num_sms() answers: the target's Tensix core count.
    int64_t core_count = 64;
  };

  Evaluator(Diagnostic* error, Options opts) : error_(error), opts_(std::move(opts)) {}
  void set_prim_func_lowering(PrimFuncLowering lowering) { lower_prim_func_ = std::move(lowering); }
  void set_kernel_block_lowering(KernelBlockLowering lowering) { lower_kernel_block_ = std::move(lowering); }

  // Executes a module as a script (`__name__ == "__main__"`); when that built no kernel and
  // the module defines main(), calls main() with its defaults. `*module` receives its scope.
  bool ExecModule(const ast::Module& m, std::shared_ptr<Scope>* module);
  // Kernel builders of the module that never ran (for `--list` and the "no kernel" error).
  struct Builder {
    std::string name;
    SourceLoc loc;
    std::vector<std::string> params;  // parameters without a default (eager: and its T.const names)
  };
  const std::vector<Builder>& unused_builders() const { return unused_builders_; }
  // Calls the unused builder `name` of `module` (`--func rms_norm_splitk`) with the
  // `--define` values of its parameters; the kernel it builds joins built(). False (with the
  // error set) when it fails, e.g. a parameter without a default is not defined.
  bool BuildUnused(const std::string& name, const std::shared_ptr<Scope>& module);
  // Every kernel built, in order, with the name it was first bound to ("" if none).
  struct Built {
    std::shared_ptr<Kernel> kernel;
    std::string bound_to;
  };
  const std::vector<Built>& built() const { return built_; }
  const std::vector<Diagnostic>& warnings() const { return warnings_; }
  // Why the first skipped harness statement was skipped (for the "no kernel found" error).
  const Diagnostic* first_skip() const { return first_skip_ ? &*first_skip_ : nullptr; }

  // Records the error at `loc` (the first one wins: callers stop at the first false).
  bool Fail(SourceLoc loc, std::string msg);
  // The error of using `v`, an unknown harness value, at `loc`: the reason it is unknown.
  bool FailUnknown(const Value& v, SourceLoc loc);
  void Warn(SourceLoc loc, std::string msg);

  bool Eval(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  // Binds `target` (a name, a tuple/list of targets with at most one starred, a dict/list
  // element) to `v` in `scope`, unpacking like Python; errors at the target's line:col.
  bool Assign(const ast::Expr& target, const Value& v, const std::shared_ptr<Scope>& scope);
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
  // (shape, dtype) of T.Buffer / T.Tensor / T.alloc_* / T.empty (`fn` names it in errors).
  bool BufferSpec(const ast::Expr& call, const std::string& fn, const std::shared_ptr<Scope>& scope, BufferInfo* b);
  // The canonical dtype name of a dtype value ("bfloat16", T.float32, torch.float16, ...).
  bool DType(const Value& v, SourceLoc loc, std::string* out);
  // The element indices of `sub` (a subscript of buffer `b`), one per dimension.
  bool Indices(const ast::Expr& sub, const BufferInfo& b, const std::shared_ptr<Scope>& scope,
               std::vector<v1::Expr>* out);
  // Evaluates call arguments: positional (with *iterables) and keyword (with **dicts).
  bool EvalArgs(const ast::Expr& call, const std::shared_ptr<Scope>& scope, std::vector<Value>* args,
                std::vector<std::pair<std::string, Value>>* kwargs);
  // Calls a callable value with evaluated arguments.
  bool CallValue(const Value& f, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                 SourceLoc loc, Value* out);
  // The elements of an iterable compile-time value (tuple, list, set, dict keys, str, range).
  bool Iterate(const Value& v, SourceLoc loc, std::vector<Value>* out);

  // True while a kernel builder runs: errors there are not skipped.
  bool in_builder() const { return builder_depth_ > 0; }
  struct BuilderScope {
    explicit BuilderScope(Evaluator* e) : ev(e) { ++ev->builder_depth_; }
    ~BuilderScope() { --ev->builder_depth_; }
    Evaluator* ev;
  };

 private:
  friend class EagerKernel;
  const Scope* module_scope_ = nullptr;  // the script's top level (ExecModule)
  // Module and function bodies (evaluator.cc).
  enum class Flow { kNormal, kReturn, kBreak, kContinue };
  bool ExecBody(const std::vector<ast::StmtPtr>& body, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow);
  bool ExecStmt(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow);
  bool ExecFor(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow);
  bool ExecWhile(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow);
  bool ExecTry(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Value* ret, Flow* flow);
  void SkipStmt(const ast::Stmt& s, Scope& scope);
  bool Import(const ast::Stmt& s, Scope& scope);
  bool Define(const ast::Stmt& s, const std::shared_ptr<Scope>& scope);
  bool CallFunction(const Value& f, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                    SourceLoc loc, Value* out);
  bool BindParams(const std::vector<ast::Param>& params, const std::string& fname, const std::vector<Value>& defaults,
                  std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs, SourceLoc loc,
                  Scope& scope);
  bool Attribute(const Value& base, const std::string& name, SourceLoc loc, Value* out);
  bool Subscript(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  void RecordKernel(const std::shared_ptr<Kernel>& k);

  // Expressions (eval_expr.cc).
  bool EvalName(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  bool EvalDisplay(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  bool EvalComprehension(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  bool Comprehend(const ast::Expr& x, size_t level, const std::shared_ptr<Scope>& scope, Value* acc);
  bool EvalFString(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  bool Format(const Value& v, const std::string& conversion, const std::string& spec, SourceLoc loc,
              std::string* out);
  bool Str(const Value& v, bool repr, SourceLoc loc, std::string* out);
  bool DictAdd(Value* dict, Value key, Value item, SourceLoc loc);

  // Builtins of tilelang and Python (builtins.cc), host libraries (host.cc).
  bool ModuleMember(const Value& mod, const std::string& name, SourceLoc loc, Value* out);
  bool HostMember(const Value& mod, const std::string& name, SourceLoc loc, Value* out);
  bool ExpectArgs(const std::string& sig, const std::vector<Value>& args,
                  const std::vector<std::pair<std::string, Value>>& kwargs, size_t min, size_t max, SourceLoc loc);
  bool Call(const ast::Expr& x, const std::shared_ptr<Scope>& scope, Value* out);
  bool CallBuiltin(const Value& f, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                   SourceLoc loc, Value* out);
  bool CallPython(const std::string& name, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                  SourceLoc loc, Value* out, bool* handled);
  bool CallHost(const std::string& name, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                SourceLoc loc, Value* out, bool* handled);
  bool CallMethod(const Value& self, const std::string& name, std::vector<Value> args,
                  std::vector<std::pair<std::string, Value>> kwargs, SourceLoc loc, Value* out);
  bool MakeCast(const Value& v, const Value& dtype, SourceLoc dtype_loc, SourceLoc loc, Value* out);
  bool Annotate(const std::string& name, const std::vector<Value>& args, const ast::Expr* call, SourceLoc loc,
                Value* out);
  bool Tensor(const std::vector<Value>& args, const std::vector<std::pair<std::string, Value>>& kwargs,
              const std::string& fn, SourceLoc loc, Value* out);

  // Eager @tilelang.jit kernels (eager.cc).
  bool CallEager(const Value& f, std::vector<Value> args, std::vector<std::pair<std::string, Value>> kwargs,
                 bool compile, SourceLoc loc, Value* out);
  // `A: T.Tensor(shape, dtype)` in an eager body: parameter A is a global buffer; its T.const
  // sizes are matched against the tensor the call passed.
  bool EagerParam(const ast::Stmt& s, const std::shared_ptr<Scope>& scope);
  // `C = T.empty(shape, dtype)`: an output buffer C, appended to the parameters.
  bool EagerOutput(const ast::Expr& target, const Value& type, const std::shared_ptr<Scope>& scope);
  // `with T.Kernel(...)` in an eager body: the kernel's grid and body.
  bool EagerKernelBlock(const ast::Stmt& s, const std::shared_ptr<Scope>& scope);
  // T.const("M, N"): the sizes the call gave, else symbolic sizes (kSym).
  bool EagerConst(const std::vector<Value>& args, SourceLoc loc, Value* out);

  // Operators (operators.cc).
  bool MakeCall(const std::string& name, std::vector<Value> args, SourceLoc loc, Value* out);
  bool MakeBinary(v1::BinaryOp op, const Value& a, const Value& b, SourceLoc loc, Value* out);
  bool FoldInt(const std::string& op, int64_t a, int64_t b, SourceLoc loc, Value* out);
  bool Compare(const std::string& op, const Value& a, const Value& b, SourceLoc loc, Value* out);
  bool UnaryOp(const std::string& op, const Value& a, SourceLoc loc, Value* out);
  bool SequenceOp(const std::string& op, const Value& a, const Value& b, SourceLoc loc, Value* out, bool* handled);

  Diagnostic* error_;
  Options opts_;
  PrimFuncLowering lower_prim_func_;
  KernelBlockLowering lower_kernel_block_;
  // Scopes that functions can close over (the module and function calls), alive until the end.
  std::vector<std::shared_ptr<Scope>> scopes_;
  int call_depth_ = 0;
  int builder_depth_ = 0;
  bool error_fatal_ = false;  // the recorded error happened inside a kernel builder
  int64_t steps_ = 0;  // loop iterations evaluated (bounded)
  std::vector<Built> built_;
  std::vector<Builder> unused_builders_;
  std::vector<Diagnostic> warnings_;
  std::unique_ptr<Diagnostic> first_skip_;
  // The eager kernel being built (eager.cc), if any.
  class EagerKernel* eager_ = nullptr;
};

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_EVALUATOR_H_
