#include "driver/diagnostic_text.h"

#include "passes/diagnostics.h"

namespace ttc {

std::string FormatDiagnosticMessage(const v1::DiagnosticMessage& d, std::string_view file) {
  const Severity severity = d.severity() == v1::DiagnosticMessage::ERROR     ? Severity::kError
                            : d.severity() == v1::DiagnosticMessage::WARNING ? Severity::kWarning
                                                                             : Severity::kNote;
  return FormatDiagnosticLine(file, d.location(), severity, d.internal(), d.message(), d.pass());
}

}  // namespace ttc
