// Lowering of a parsed TileLang file to a compile request: evaluates the file as a script
// (frontend/evaluator.h: harness code only as far as it goes, kernel builders fully), collects
// the kernels its factory calls, `.compile(...)` calls and @T.prim_func definitions built,
// selects one, and builds its ttc.v1.KernelRequest with the target of the `# ttc:
// target=NAME` directive. The request is then checked by the IR converter (ir::FromProto),
// whose structured error is reported at the line:col it carries.
//
// Semantics (docs/tilelang_frontend.md): compile-time values fold (`T.ceildiv(K, block_K)`
// is 32, `by * block_M` is `by * 128`); names bound by loops, `T.Kernel ... as` and kernel
// assignments of non-constant values are kernel variables; `if` on a compile-time condition
// keeps one branch. Annotation calls annotate the kernel object they are given.
// Errors: the first user error, at the line:col of the construct, with a message that says
// what is unsupported and what the TT backend accepts instead. Warnings are returned.
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
  // The kernel to compile when the file builds several: the name it is bound to, its factory
  // or @tilelang.jit function's name, or its @T.prim_func's name. Empty: the file must build
  // exactly one kernel.
  std::string func_name;
  // `--define NAME=VALUE` (VALUE an integer, a float, True/False, or a string such as a
  // dtype name): overrides a kernel builder's parameter or an eager kernel's T.const size.
  std::vector<std::string> defines;
  // Only list the kernels (LowerResult::kernels); no request is built.
  bool list_only = false;
};

// A kernel the file builds (or a builder it never calls), for `ttc compile --list`.
struct KernelSummary {
  std::string name;     // the name it is bound to, else its builder's, else its prim_func's
  std::string builder;  // factory / @tilelang.jit function ("" for a module-level @T.prim_func)
  std::string func;     // the @T.prim_func (or eager function) name
  SourceLoc loc;        // where it was built (the call), or where the unused builder is defined
  std::vector<std::string> sizes;    // "M=1024", "dtype=float16", ...
  std::vector<std::string> missing;  // an unused builder: the parameters a call (or --define) must give
};

struct LowerResult {
  v1::KernelRequest request;
  std::vector<Diagnostic> warnings;  // in source order
  std::vector<KernelSummary> kernels;
};

// Returns false and fills `error` on the first error (warnings found so far stay in `out`).
bool LowerModule(const ast::Module& module, const std::vector<Directive>& directives, const LowerOptions& opts,
                 LowerResult* out, Diagnostic* error);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_LOWER_H_
