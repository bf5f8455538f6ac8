#include "passes/diagnostics.h"

#include "absl/strings/str_cat.h"

namespace ttc {

void DiagnosticEngine::Add(Severity s, bool internal, const ir::Loc& loc, std::string message) {
  if (s == Severity::kError) ++errors_;
  if (s == Severity::kWarning) ++warnings_;
  if (internal) ++internal_;
  diags_.push_back(Diagnostic{s, internal, loc, std::move(message), pass_});
}

void DiagnosticEngine::Error(const ir::Loc& loc, std::string message) {
  Add(Severity::kError, false, loc, std::move(message));
}
void DiagnosticEngine::Warning(const ir::Loc& loc, std::string message) {
  Add(Severity::kWarning, false, loc, std::move(message));
}
void DiagnosticEngine::Note(const ir::Loc& loc, std::string message) {
  Add(Severity::kNote, false, loc, std::move(message));
}
void DiagnosticEngine::InternalError(const ir::Loc& loc, std::string message) {
  Add(Severity::kError, true, loc, std::move(message));
}

std::string FormatDiagnostic(const Diagnostic& d, std::string_view file) {
  std::string where(file);
  std::string loc = d.loc.ToString();
  if (!loc.empty()) absl::StrAppend(&where, ":", loc);
  const char* sev = d.severity == Severity::kError ? (d.internal ? "internal error" : "error")
                    : d.severity == Severity::kWarning ? "warning"
                                                       : "note";
  std::string out = absl::StrCat(where, ": ", sev, ": ", d.message);
  if (d.internal && !d.pass.empty()) absl::StrAppend(&out, " [in pass ", d.pass, "]");
  return out;
}

}  // namespace ttc
