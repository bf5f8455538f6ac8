#include "driver/action.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "driver/build_id.h"
#include "driver/compile.h"
#include "driver/pipeline.h"
#include "ir/printer.h"
#include "ir/request_limits.h"
#include "ir/target.h"
#include "passes/pass_manager.h"

namespace ttc {
namespace {

PipelineOptions PipelineFor(ActionKind kind) {
  PipelineOptions p;
  if (kind == ActionKind::kLayout) p.stop_after = std::string(kLayoutLastPass);
  return p;
}

}  // namespace

absl::StatusOr<cache::ActionKey> KeyAction(const v1::KernelRequest& request, std::string_view target_override,
                                           ActionKind kind) {
  if (auto st = ir::CheckRequestLimits(request); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("request.", std::string(st.message())));
  }
  auto target = ir::ResolveTarget(request.target(), target_override);
  if (!target.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("request.target.preset: ", std::string(target.status().message())));
  }
  auto pipeline = BuildPipeline(TTPipeline(), PipelineFor(kind));
  if (!pipeline.ok()) return pipeline.status();
  return cache::ComputeActionKey(request, *target, CompilerBuildId(), PipelineString(*pipeline));
}

v1::DiagnosticMessage ToDiagnosticMessage(const Diagnostic& d) {
  v1::DiagnosticMessage m;
  m.set_severity(d.severity == Severity::kError     ? v1::DiagnosticMessage::ERROR
                 : d.severity == Severity::kWarning ? v1::DiagnosticMessage::WARNING
                                                    : v1::DiagnosticMessage::NOTE);
  m.set_internal(d.internal);
  m.set_location(d.loc.ToString());
  m.set_message(d.message);
  m.set_pass(d.pass);
  return m;
}

absl::StatusOr<ActionOutput> RunAction(const v1::KernelRequest& request, std::string_view target_override,
                                       ActionKind kind, const cache::ActionKey* known_key) {
  ActionOutput out;
  if (known_key) {
    out.key = *known_key;
  } else {
    auto key = KeyAction(request, target_override, kind);
    if (!key.ok()) return key.status();
    out.key = *key;
  }
  CompileOptions opts;
  opts.target_override = std::string(target_override);
  opts.pipeline = PipelineFor(kind);
  const auto start = std::chrono::steady_clock::now();
  auto compiled = Compile(request, opts, nullptr);
  if (!compiled.ok()) return compiled.status();
  if (compiled->over_output_budget) {
    return absl::ResourceExhaustedError(compiled->diag.diagnostics().back().message);
  }
  if (compiled->ok()) {
    if (kind == ActionKind::kCompile) {
      out.files = compiled->pipeline.artifacts;
    } else {
      out.files[std::string(kLayoutFile)] = ir::PrintJson(AttributesJson(compiled->unit.func)) + "\n";
    }
  }
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  for (const Diagnostic& d : compiled->diag.diagnostics()) *out.result.add_diagnostics() = ToDiagnosticMessage(d);
  for (const auto& [path, bytes] : out.files) {  // std::map: sorted by path
    v1::OutputFile* f = out.result.add_output_files();
    f->set_path(path);
    *f->mutable_digest() = cache::DigestOf(bytes);
  }
  out.result.set_success(compiled->ok());
  out.result.set_compiler_build_id(CompilerBuildId());
  out.result.set_request_digest(out.key.request_digest);
  out.result.set_pipeline(out.key.pipeline);
  out.result.set_target_fingerprint(out.key.target_fingerprint);
  out.result.set_compile_micros(micros);
  out.internal_error = compiled->diag.has_internal_errors();
  return out;
}

}  // namespace ttc
