// The TT pipeline table: every pass declared once, in pipeline order (PASSES.md), with
// codegen's emit_tt_kernels as the last step. The command line's --passes/--stop-after names,
// `ttc passes` and docs/passes.md all come from this one table; the pass manager
// (passes/pass_manager.h) takes it as a parameter, so passes/ does not depend on codegen/.
#ifndef TTC_DRIVER_PIPELINE_H_
#define TTC_DRIVER_PIPELINE_H_

#include <string>
#include <vector>

#include "passes/pass.h"

namespace ttc {

// All passes in the order of the default pipeline. A static table: thread-safe to read.
const std::vector<PassInfo>& TTPipeline();

// docs/passes.md, generated from TTPipeline().
std::string PassesMarkdown();

}  // namespace ttc

#endif  // TTC_DRIVER_PIPELINE_H_
