// Compiler diagnostics: severity, message and IR location, kept apart as user errors (the
// kernel or its annotations are wrong: exit 1 / INVALID_ARGUMENT) and internal errors (a
// compiler bug: INTERNAL, reported with a reproducer). Passes report through a
// DiagnosticEngine and then signal failure; nothing throws through the pipeline.
// Thread-safety: a DiagnosticEngine belongs to one compilation; not shared across threads.
#ifndef TTC_PASSES_DIAGNOSTICS_H_
#define TTC_PASSES_DIAGNOSTICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "ir/loc.h"

namespace ttc {

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
  Severity severity = Severity::kError;
  bool internal = false;  // compiler bug rather than a problem with the input
  ir::Loc loc;
  std::string message;
  std::string pass;       // pass that reported it ("" for the driver)
};

class DiagnosticEngine {
 public:
  void Error(const ir::Loc& loc, std::string message);
  void Warning(const ir::Loc& loc, std::string message);
  void Note(const ir::Loc& loc, std::string message);
  void InternalError(const ir::Loc& loc, std::string message);

  // The pass that subsequent reports are attributed to.
  void set_current_pass(std::string pass) { pass_ = std::move(pass); }

  bool has_errors() const { return errors_ > 0; }
  bool has_internal_errors() const { return internal_ > 0; }
  int error_count() const { return errors_; }
  int warning_count() const { return warnings_; }
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }

 private:
  void Add(Severity s, bool internal, const ir::Loc& loc, std::string message);

  std::vector<Diagnostic> diags_;
  std::string pass_;
  int errors_ = 0;
  int warnings_ = 0;
  int internal_ = 0;
};

// `file:loc: error: message` (the form of GCC and Clang; `file: error: ...` without a
// location). Internal errors read `internal error:` and name the pass.
std::string FormatDiagnostic(const Diagnostic& d, std::string_view file);

// The same line from its parts (`location` already rendered: "14:9" or a field path; "" for
// none). Used for diagnostics that arrive as ttc.v1.DiagnosticMessage from the daemon.
std::string FormatDiagnosticLine(std::string_view file, std::string_view location, Severity severity, bool internal,
                                 std::string_view message, std::string_view pass);

}  // namespace ttc

#endif  // TTC_PASSES_DIAGNOSTICS_H_
