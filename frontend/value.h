// Compile-time values of the TileLang frontend's evaluator (frontend/evaluator.h): Python
// constants (None, bool, int, float, str, tuple, list, dict, set), modules and builtins,
// user functions and lambdas (factories, eager @tilelang.jit kernels, helpers), bound
// methods and functools.partial objects, kernels under construction, buffers, buffer types
// (`T.Buffer(shape, dtype)`), kernel expressions (IR that depends on loop or block
// variables), symbolic sizes (`T.const`) and host values (torch tensors with their shape,
// argparse parsers, anything the harness computes that a kernel cannot use). Scopes map
// names to values in binding order. Internal to the frontend.
#ifndef TTC_FRONTEND_VALUE_H_
#define TTC_FRONTEND_VALUE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/source.h"
#include "ttc/v1/request.pb.h"

namespace ttc::frontend {

struct BufferInfo {
  std::string name;
  std::vector<int64_t> shape;  // elements
  std::string dtype;           // canonical name ("float32" for "float")
  std::string scope;           // global, shared, fragment, local
  SourceLoc loc;
};

// A @T.prim_func (or eager @tilelang.jit kernel) being built, with the annotations attached
// to it (each annotation entry carries its script location in its `loc` field).
struct Kernel {
  v1::PrimFunc func;
  std::map<std::string, v1::BufferLayout> layouts;
  v1::Schedule schedule;
  bool has_schedule = false;
  // Where it came from, for selection and `ttc compile --list`: the factory or @tilelang.jit
  // function that built it ("" for a module-level @T.prim_func), the call that did
  // (line:col), and the sizes it was built with ("M=1024", "dtype=float16", ...).
  std::string builder;
  SourceLoc built_at;
  std::vector<std::string> sizes;
};

class Scope;

struct Value {
  enum Kind { kNone, kBool, kInt, kFloat, kStr, kTuple, kList, kDict, kModule, kBuiltin, kFunction, kKernel,
              kBuffer, kBufferType, kExpr, kSet, kBound, kSym, kHost, kClass };
  Kind kind = kNone;
  SourceLoc loc;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;              // kStr value; kModule / kBuiltin qualified name; kBound method name;
                              // kSym the size's name; kHost what it is ("torch.randn(...)")
  std::vector<Value> items;   // kTuple / kList / kSet elements; kDict values; kFunction parameter
                              // defaults; kBound (functools.partial) bound positional arguments
  std::vector<Value> keys;    // kDict keys (any hashable constant), with their locations; kBound
                              // partial keyword names (kStr) with items2 their values
  std::vector<Value> items2;  // kBound: partial keyword values
  const ast::Stmt* def = nullptr;        // kFunction (a def)
  const ast::Expr* lambda = nullptr;     // kFunction (a lambda)
  bool jit = false;                      // kFunction: decorated with @tilelang.jit / @autotune
  bool builder = false;                  // kFunction: builds a kernel (jit, or defines a @T.prim_func)
  std::shared_ptr<Value> self;           // kBound: the receiver of a method, or the partial's function
  // kHost: a torch tensor's shape (elements) and dtype when known; `unknown` when the value
  // stands for a harness statement that was not evaluated, `why` saying what stopped it.
  std::vector<int64_t> shape;
  std::string dtype;
  bool tensor = false;
  bool unknown = false;
  std::shared_ptr<Diagnostic> why;
  std::weak_ptr<Scope> closure;          // kFunction (weak: a scope holds its functions; the evaluator keeps scopes alive)
  std::shared_ptr<Kernel> kernel;        // kKernel
  std::shared_ptr<BufferInfo> buffer;    // kBuffer, kBufferType
  std::shared_ptr<v1::Expr> expr;        // kExpr
  std::shared_ptr<Scope> members;        // kClass: the class body's names (items: its bases)

  static Value None(SourceLoc l) { Value v; v.loc = l; return v; }
  static Value Bool(bool x, SourceLoc l) { Value v; v.kind = kBool; v.b = x; v.loc = l; return v; }
  static Value Int(int64_t x, SourceLoc l) { Value v; v.kind = kInt; v.i = x; v.loc = l; return v; }
  static Value Float(double x, SourceLoc l) { Value v; v.kind = kFloat; v.f = x; v.loc = l; return v; }
  static Value Str(std::string x, SourceLoc l) { Value v; v.kind = kStr; v.s = std::move(x); v.loc = l; return v; }
  static Value Module(std::string name, SourceLoc l) { Value v; v.kind = kModule; v.s = std::move(name); v.loc = l; return v; }
  static Value Builtin(std::string name, SourceLoc l) { Value v; v.kind = kBuiltin; v.s = std::move(name); v.loc = l; return v; }
  static Value Host(std::string what, SourceLoc l) { Value v; v.kind = kHost; v.s = std::move(what); v.loc = l; return v; }

  // For messages: "integer 5", "string \"x\"", "buffer 'A'", "T.copy", "a kernel expression", ...
  std::string Describe() const;
};

// Names bound in one block, function or module; lookups fall back to the parent.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}
  void Set(const std::string& name, Value v) {
    if (!values_.count(name)) order_.push_back(name);
    values_[name] = std::move(v);
  }
  // This scope's own binding of `name` (no parents), or null.
  const Value* LookupLocal(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }
  const Value* Lookup(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent_.get()) {
      auto it = s->values_.find(name);
      if (it != s->values_.end()) return &it->second;
    }
    return nullptr;
  }
  // Names bound in this scope (not its parents), in first-binding order.
  const std::vector<std::string>& order() const { return order_; }

 private:
  std::shared_ptr<Scope> parent_;
  std::map<std::string, Value> values_;
  std::vector<std::string> order_;
};

// Helpers shared by the evaluator, the kernel lowering and the annotations.
inline void SetLoc(SourceLoc l, v1::SourceLoc* out) {
  out->set_line(l.line);
  out->set_column(l.col);
}
inline bool IsNumber(const Value& v) { return v.kind == Value::kInt || v.kind == Value::kFloat || v.kind == Value::kBool; }
inline double AsDouble(const Value& v) { return v.kind == Value::kFloat ? v.f : v.kind == Value::kInt ? static_cast<double>(v.i) : v.b; }
inline int64_t AsInt(const Value& v) { return v.kind == Value::kInt ? v.i : v.b; }
// Python equality of two compile-time constants (numbers, strings, None, tuples, dtypes
// written as T.float16 or "float16" compare by their canonical name); false for the rest.
bool ConstEqual(const Value& a, const Value& b);
// Whether `v` can be a dict key or a set element (a constant ConstEqual understands).
bool Hashable(const Value& v);
// "1 argument", "3 arguments".
std::string Plural(size_t n, const char* word);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_VALUE_H_
