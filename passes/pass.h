// What a pass is: a named function over a PrimFunc, declared once in the pipeline table
// (driver/pipeline.cc) with a one-line summary and the function attributes it requires and
// produces. The pass manager checks the requirements, so a pass may assume them.
#ifndef TTC_PASSES_PASS_H_
#define TTC_PASSES_PASS_H_

#include <map>
#include <string>
#include <vector>

#include "ir/stmt.h"
#include "ir/target.h"
#include "passes/diagnostics.h"

namespace ttc {

// Per-compilation state handed to every pass.
struct PassContext {
  const ir::Target& target;
  DiagnosticEngine& diag;
  std::vector<std::string> executed;  // passes already run on this function, in order
  // Generated files by name (emit_tt_kernels): "reader.cpp", "plan.json", ...
  std::map<std::string, std::string> artifacts;

  bool Ran(const std::string& pass) const;
};

// Runs the pass. Reports problems through ctx.diag; returns normally either way (the
// manager stops the pipeline when errors were reported).
using PassFn = void (*)(PassContext& ctx, ir::PrimFunc& func);

struct PassInfo {
  const char* name;
  const char* summary;
  std::vector<std::string> requires_attrs;  // function attributes that must be present
  std::vector<std::string> produces_attrs;  // function attributes it writes
  PassFn run;
};

// A pipeline table: passes in the order of the default pipeline (driver/pipeline.h has the
// TT one; tests may build their own).
using PassTable = std::vector<PassInfo>;

}  // namespace ttc

#endif  // TTC_PASSES_PASS_H_
