#include "driver/diagnostic_text.h"

#include "absl/strings/str_cat.h"

#include "passes/diagnostics.h"

namespace ttc {

std::string FormatDiagnosticMessage(const v1::DiagnosticMessage& d, std::string_view file) {
  const Severity severity = d.severity() == v1::DiagnosticMessage::ERROR     ? Severity::kError
                            : d.severity() == v1::DiagnosticMessage::WARNING ? Severity::kWarning
                                                                             : Severity::kNote;
  return FormatDiagnosticLine(file, d.location(), severity, d.internal(), d.message(), d.pass());
}

std::vector<v1::DiagnosticMessage> FrontendWarningMessages(const std::vector<frontend::Diagnostic>& warnings) {
  std::vector<v1::DiagnosticMessage> out;
  for (const frontend::Diagnostic& w : warnings) {
    v1::DiagnosticMessage& d = out.emplace_back();
    d.set_severity(v1::DiagnosticMessage::WARNING);
    d.set_location(absl::StrCat(w.loc.line, ":", w.loc.col));
    d.set_message(w.message);
    d.set_pass("frontend");
  }
  return out;
}

}  // namespace ttc
