#include "driver/compile.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "driver/pipeline.h"

namespace ttc {
namespace {

// Drops a program over kMaxGeneratedBytes, reporting it at the kernel.
void EnforceOutputBudget(CompileResult& result) {
  int64_t total = 0;
  const std::pair<const std::string, std::string>* largest = nullptr;
  for (const auto& file : result.pipeline.artifacts) {
    total += static_cast<int64_t>(file.second.size());
    if (!largest || file.second.size() > largest->second.size()) largest = &file;
  }
  if (total <= kMaxGeneratedBytes) return;
  result.diag.Error(result.unit.func.loc,
                    absl::StrCat("the generated program would be ", total, " bytes (", largest->first, " alone ",
                                 largest->second.size(), "), over the limit of ", kMaxGeneratedBytes,
                                 " bytes per compile (kMaxGeneratedBytes); split the kernel"));
  result.pipeline.artifacts.clear();
  result.pipeline.ok = false;
  result.over_output_budget = true;
}

}  // namespace

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
  EnforceOutputBudget(result);
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
