// A problem found in a kernel request or in its IR, kept structured so that callers can print
// it where the user wrote it: `loc.path` is the field path of the offending field
// (`func.body[2].copy.src`, `layouts["A"]`, `target.grid`; set for every error FromProto,
// ResolveTarget and VerifyFunc report on a request), `loc.line` / `loc.col` the script
// location of the nearest enclosing node that carries one (0 when the request has no
// locations, as textproto/JSON requests usually do), and `message` the problem without the
// path. Located errors are printed as `file:line:col: error: message` with the source line
// and a caret (frontend) or `file:line:col: error: ...` (ttc compile); unlocated ones as
// `file:path: error: message`.
#ifndef TTC_IR_LOCATED_ERROR_H_
#define TTC_IR_LOCATED_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "ir/loc.h"

namespace ttc::ir {

struct LocatedError {
  Loc loc;
  std::string message;

  // "path: message" (just the message without a path): the text of the INVALID_ARGUMENT
  // status that functions reporting a LocatedError return alongside it.
  std::string PathAndMessage() const { return loc.path.empty() ? message : loc.path + ": " + message; }
  absl::Status ToStatus() const { return absl::InvalidArgumentError(PathAndMessage()); }
};

}  // namespace ttc::ir

#endif  // TTC_IR_LOCATED_ERROR_H_
