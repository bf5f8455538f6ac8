// The text of a diagnostic received from ttcd, in its own object file so that ttc-client
// formats diagnostics without linking the compiler (driver/action.h would pull it in).
// Thread-safety: a pure function.
#ifndef TTC_DRIVER_DIAGNOSTIC_TEXT_H_
#define TTC_DRIVER_DIAGNOSTIC_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "frontend/source.h"
#include "ttc/v1/artifact.pb.h"

namespace ttc {

// `file:location: error: message`, the same text FormatDiagnostic gives for a local compile
// (passes/diagnostics.h, FormatDiagnosticLine).
std::string FormatDiagnosticMessage(const v1::DiagnosticMessage& d, std::string_view file);

// The TileLang frontend's warnings (frontend::LoadedKernel::warning_diagnostics) as requests
// carry them to ttcd (CompileRequest.frontend_diagnostics, service.proto): severity WARNING,
// location "line:col" in the script, pass "frontend", in the given (source) order.
std::vector<v1::DiagnosticMessage> FrontendWarningMessages(const std::vector<frontend::Diagnostic>& warnings);

}  // namespace ttc

#endif  // TTC_DRIVER_DIAGNOSTIC_TEXT_H_
