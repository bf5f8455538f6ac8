#include "driver/compile.h"

#include <utility>

#include "driver/pipeline.h"

namespace ttc {

absl::StatusOr<CompileResult> Compile(const v1::KernelRequest& req, const CompileOptions& opts,
                                      std::ostream* ir_out) {
  auto pipeline = BuildPipeline(TTPipeline(), opts.pipeline);
  if (!pipeline.ok()) return pipeline.status();
  CompileResult result;
  result.pipeline_string = PipelineString(*pipeline);
  ir::LocatedError error;
  auto unit = ir::FromProto(req, opts.target_override, &error);
  if (!unit.ok()) {
    result.diag.Error(error.loc, error.message);
    result.pipeline.ok = false;
    return result;
  }
  result.unit = std::move(*unit);
  result.pipeline = RunPipeline(TTPipeline(), *pipeline, opts.pipeline, result.unit.target, result.unit.func, result.diag, ir_out);
  return result;
}

ir::AttrValue AttributesJson(const ir::PrimFunc& func) {
  ir::AttrValue out = func.attrs;
  ir::AttrValue buffers = ir::AttrValue::object();
  for (const auto& [name, attrs] : func.buffer_attrs) buffers[name] = attrs;
  out["buffers"] = std::move(buffers);
  return out;
}

}  // namespace ttc
