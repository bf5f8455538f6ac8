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

std::string FormatDiagnosticLine(std::string_view file, std::string_view location, Severity severity, bool internal,
                                 std::string_view message, std::string_view pass) {
  std::string where(file);
  if (!location.empty()) absl::StrAppend(&where, ":", std::string(location));
  const char* sev = severity == Severity::kError ? (internal ? "internal error" : "error")
                    : severity == Severity::kWarning ? "warning"
                                                     : "note";
  std::string out = absl::StrCat(where, ": ", sev, ": ", std::string(message));
  if (internal && !pass.empty()) absl::StrAppend(&out, " [in pass ", std::string(pass), "]");
  return out;
}

std::string FormatDiagnostic(const Diagnostic& d, std::string_view file) {
  return FormatDiagnosticLine(file, d.loc.ToString(), d.severity, d.internal, d.message, d.pass);
}

}  // namespace ttc
