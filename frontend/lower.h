// Lowering of a parsed TileLang script to a compile request: evaluates the module
// (frontend/evaluator.h: integer, float and string constants with Python arithmetic, imports
// of tilelang, factory functions called with constant arguments, `annotate_tt_layout` /
// `annotate_tt_schedule` calls, frontend/annotations.h), turns each `@T.prim_func` into the
// kernel IR (frontend/kernel_lower.h: ttc.v1.PrimFunc, every node carrying its line:col) and
// builds the ttc.v1.KernelRequest of the selected kernel, with the target of the
// `# ttc: target=NAME` directive. The request is then checked by the IR converter
// (ir::FromProto), whose structured error is reported at the line:col it carries.
//
// Semantics (docs/tilelang_frontend.md): compile-time values fold (`T.ceildiv(K, block_K)`
// is 32, `by * block_M` is `by * 128`); names bound by loops, `T.Kernel ... as` and kernel
// assignments of non-constant values are kernel variables; `if` on a compile-time condition
// keeps one branch. Annotation calls annotate the kernel object they are given (the call's
// result is the same kernel), so both `main = annotate_tt_layout(main, {...})` and a bare
// `annotate_tt_layout(main, {...})` work.
// Errors: the first user error, at the line:col of the construct, with a message that says
// what is unsupported and what the TT backend accepts instead.
// Thread-safety: LowerModule is reentrant (no shared state).
#ifndef TTC_FRONTEND_LOWER_H_
#define TTC_FRONTEND_LOWER_H_

#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/lexer.h"
#include "ttc/v1/request.pb.h"

namespace ttc::frontend {

struct LowerOptions {
  // The kernel to compile when the file defines several: a module-level name bound to a
  // kernel, or a @T.prim_func's own name. Empty: the file must define exactly one kernel.
  std::string func_name;
};

// Returns false and fills `error` on the first error.
bool LowerModule(const ast::Module& module, const std::vector<Directive>& directives, const LowerOptions& opts,
                 v1::KernelRequest* out, Diagnostic* error);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_LOWER_H_
