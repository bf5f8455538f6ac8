// Conversion of the wire schema (proto/ttc/v1) to the C++ kernel IR.
//
// FromProto builds the IR and checks everything its invariants rely on, reporting the first
// problem: first the request's size limits (ir/request_limits.h: bytes per name, buffers,
// statements, outputs, elements per buffer, launch blocks); then the conversion itself checks
// required fields (func, grid, body, operands), identifiers, unique names, names in scope
// (buffers, variables), dtypes, scopes, enum values, copy extents that can be inferred (from
// the other side, as TileLang does) and that layout annotations name parameters; then
// ir::VerifyFunc (ir/verifier.h) checks the structure (ranks, shapes, index counts, bounds,
// GEMM shapes, call arities); then the target is resolved (ir::ResolveTarget). Layout and
// schedule *semantics* (shards, memories) are checked by the passes, which report them as
// compile diagnostics at the annotation's location (PrimFunc::layout_locs, schedule_loc: the
// entry's line:col from its `loc` field when the request came from a script, and its field
// path `layouts["A"]` / `schedule`).
//
// Errors: INVALID_ARGUMENT whose message is "path: problem" (`func.body[2].copy.src: unknown
// buffer 'Q'`, `func.params[0].shape[1]: extent must be positive, got -4`). With `error`
// non-null the problem is also stored there structured (ir::LocatedError): the field path,
// the line:col of the nearest enclosing node that carries a location (0 when none does, as
// in textproto/JSON requests) and the problem alone, for callers that print diagnostics.
// Thread-safety: reentrant.
#ifndef TTC_IR_FROM_PROTO_H_
#define TTC_IR_FROM_PROTO_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "ir/located_error.h"
#include "ir/stmt.h"
#include "ir/target.h"
#include "ttc/v1/request.pb.h"

namespace ttc::ir {

// A request in IR form: the function (with its annotations) and the resolved target.
struct CompileUnit {
  PrimFunc func;
  Target target;
};

// `target_override`: the --target flag (empty = use the request's preset).
absl::StatusOr<CompileUnit> FromProto(const v1::KernelRequest& req, std::string_view target_override = {},
                                      LocatedError* error = nullptr);
// The function alone (no annotations, no target); the same checks but the size limits.
absl::StatusOr<PrimFunc> FuncFromProto(const v1::PrimFunc& func, LocatedError* error = nullptr);

}  // namespace ttc::ir

#endif  // TTC_IR_FROM_PROTO_H_
