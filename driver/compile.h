// The compile core: request -> IR -> pass pipeline -> result, with no I/O and no RPC in it.
// `ttc compile` calls it locally; the daemon will call the same function on its workers.
// Thread-safety: Compile is reentrant (no shared mutable state); call it from any thread.
#ifndef TTC_DRIVER_COMPILE_H_
#define TTC_DRIVER_COMPILE_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "ir/proto_convert.h"
#include "passes/diagnostics.h"
#include "passes/pass_manager.h"
#include "ttc/v1/request.pb.h"

namespace ttc {

// The most bytes one compile may generate: the six files of the program together (16 MiB, the
// largest request ttcd accepts). A kernel whose program would be larger is an error naming the
// limit, with no files; ttcd answers it RESOURCE_EXHAUSTED (driver/action.h).
inline constexpr int64_t kMaxGeneratedBytes = int64_t{16} << 20;

struct CompileOptions {
  std::string target_override;  // --target; "" = the request's preset
  PipelineOptions pipeline;
};

struct CompileResult {
  ir::CompileUnit unit;          // the function after the passes that ran
  DiagnosticEngine diag;         // every diagnostic, in the order reported
  PipelineResult pipeline;       // per-pass timings; ok = no errors
  std::string pipeline_string;   // canonical "a,b,c" of the passes requested
  bool over_output_budget = false;  // the program exceeded kMaxGeneratedBytes (and was dropped)
  bool ok() const { return !diag.has_errors(); }
};

// Compiles `req`. Errors in the request itself (structure, names, shapes, target) are
// reported as diagnostics located at the field path (and line:col when the request carries
// locations), not as a failed status. The status is INVALID_ARGUMENT only for bad options
// (unknown pass names, --stop-after outside the pipeline). A program over kMaxGeneratedBytes
// is an error located at the kernel (over_output_budget set, no artifacts). `ir_out` receives
// --print-ir-after dumps (may be null).
absl::StatusOr<CompileResult> Compile(const v1::KernelRequest& req, const CompileOptions& opts,
                                      std::ostream* ir_out);

// The function's attributes under their spec keys plus "buffers": {name: {attrs}}, as one
// JSON object (what `ttc compile --emit=attrs` prints). Keys sorted; deterministic.
ir::AttrValue AttributesJson(const ir::PrimFunc& func);

}  // namespace ttc

#endif  // TTC_DRIVER_COMPILE_H_
