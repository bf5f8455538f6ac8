// One cacheable compile action: a request plus the kind of answer wanted, keyed as in
// cache/action_key.h and turned into the ActionResult and files the artifact store keeps.
// Shared by `ttc` and the daemon, so that a local compile and a farm compile of the same
// request produce the same key and the same bytes. No RPC and no I/O in here.
// Thread-safety: all functions are reentrant.
#ifndef TTC_DRIVER_ACTION_H_
#define TTC_DRIVER_ACTION_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cache/action_key.h"
#include "driver/diagnostic_text.h"  // FormatDiagnosticMessage (declared here before)
#include "passes/diagnostics.h"
#include "ttc/v1/artifact.pb.h"
#include "ttc/v1/request.pb.h"

namespace ttc {

enum class ActionKind {
  kCompile,  // the whole pipeline; outputs: the program's files (reader.cpp, ..., plan.json)
  kLayout,   // the metadata passes through layout_aware_work_partition_tt; output: attrs.json
};

// The last pass of a kLayout action.
inline constexpr std::string_view kLayoutLastPass = "layout_aware_work_partition_tt";
// The single output file of a kLayout action: what `ttc compile --emit=attrs` prints.
inline constexpr std::string_view kLayoutFile = "attrs.json";

// The action key of (`request`, `kind`) compiled for `target_override` (or the request's own
// target when empty) by this compiler build. INVALID_ARGUMENT naming the field path when the
// request exceeds a size limit (ir/request_limits.h; `request.func.params[3].name: ...
// (kMaxNameBytes)`), checked before the request is digested, or when the target cannot be
// resolved (`request.target.preset`).
absl::StatusOr<cache::ActionKey> KeyAction(const v1::KernelRequest& request, std::string_view target_override,
                                           ActionKind kind);

struct ActionOutput {
  cache::ActionKey key;
  v1::ActionResult result;                   // output_files sorted by path, with digests
  std::map<std::string, std::string> files;  // path -> bytes, for every output file
  bool internal_error = false;               // a compiler bug: not to be cached
};

// Runs the action: compiles, converts the diagnostics and digests the outputs. A kernel with
// errors is not a failed status: the result has success = false and the diagnostics.
// INVALID_ARGUMENT only when the request cannot be keyed (see KeyAction); RESOURCE_EXHAUSTED,
// naming kMaxGeneratedBytes, when the program would exceed it (driver/compile.h): not a
// result, so nothing is cached.
// `key`: the action's key when the caller computed it already (KeyAction of the same
// arguments); null = compute it.
absl::StatusOr<ActionOutput> RunAction(const v1::KernelRequest& request, std::string_view target_override,
                                       ActionKind kind, const cache::ActionKey* key = nullptr);

v1::DiagnosticMessage ToDiagnosticMessage(const Diagnostic& d);

}  // namespace ttc

#endif  // TTC_DRIVER_ACTION_H_
