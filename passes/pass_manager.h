// The pass manager: builds a pipeline from pass names, runs it over one function, and
// provides the instrumentation that passes never implement themselves: requirement checks,
// --print-ir-after-all / --print-ir-after=NAME, --stop-after=NAME and --time-passes.
// A pass that reports an error stops the pipeline; an exception escaping a pass is caught
// and reported as an internal error naming the pass. Deterministic: same input, same output.
#ifndef TTC_PASSES_PASS_MANAGER_H_
#define TTC_PASSES_PASS_MANAGER_H_

#include <ostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "passes/pass.h"

namespace ttc {

struct PipelineOptions {
  std::vector<std::string> passes;     // explicit pass list; empty = the whole table
  std::string stop_after;              // last pass to run; "" = run to the end
  bool print_ir_after_all = false;
  std::set<std::string> print_ir_after;
  bool time_passes = false;
};

// The pass of `table` named `name`, or nullptr.
const PassInfo* FindPass(const PassTable& table, const std::string& name);

// The pass of `table` that produces function attribute `key` (first in table order), or nullptr.
const PassInfo* ProducerOf(const PassTable& table, const std::string& key);

// The passes of `table` to run, validated: INVALID_ARGUMENT naming an unknown pass (with the
// known ones), a repeated pass, or a --stop-after/--print-ir-after name not in the pipeline.
// The returned pointers point into `table`, which must outlive them.
absl::StatusOr<std::vector<const PassInfo*>> BuildPipeline(const PassTable& table, const PipelineOptions& opts);

// "a,b,c": the canonical pipeline string (enters cache keys and reproducers).
std::string PipelineString(const std::vector<const PassInfo*>& pipeline);

struct PassTiming {
  std::string pass;
  double wall_ms = 0;
};

struct PipelineResult {
  bool ok = true;                  // no errors reported
  std::string failed_pass;         // pass that reported the first error
  std::vector<PassTiming> timings; // one per pass run
  std::map<std::string, std::string> artifacts;  // generated files, when the pipeline emitted them
};

// Runs `pipeline` on `func`. IR dumps go to `ir_out` (when requested), each preceded by
// `# -----// IR Dump After <pass> //----- #`. Diagnostics go to `diag`. `table` names the
// producer of a missing required attribute in its diagnostic.
PipelineResult RunPipeline(const PassTable& table, const std::vector<const PassInfo*>& pipeline, const PipelineOptions& opts,
                           const ir::Target& target, ir::PrimFunc& func, DiagnosticEngine& diag,
                           std::ostream* ir_out);

// The --time-passes report: one line per pass with its wall time and share, then the total.
std::string FormatTimings(const std::vector<PassTiming>& timings);

}  // namespace ttc

#endif  // TTC_PASSES_PASS_MANAGER_H_
