// Conversion between the wire schema (proto/ttc/v1) and the C++ kernel IR.
//
// FromProto validates everything the IR's invariants rely on and reports the first problem
// as INVALID_ARGUMENT with the field path first: `func.body[2].copy.src: unknown buffer 'Q'`,
// `func.params[0].shape[1]: extent must be positive, got -4`. Checked: required fields
// (func, grid, body), identifiers, unique buffer names, dtypes, scopes, enum values, rank vs
// index count, region extents (inferred from the other side of a copy as TileLang does),
// constant out-of-bounds offsets, GEMM operand shapes, names in scope, call arities, and that
// layout annotations name parameters. Layout *semantics* (shards, memories) are checked by
// the passes, which report them as compile diagnostics.
//
// ToProto is the inverse; FromProto(ToProto(f)) is structurally equal to f.
#ifndef TTC_IR_PROTO_CONVERT_H_
#define TTC_IR_PROTO_CONVERT_H_

#include "absl/status/statusor.h"
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
absl::StatusOr<CompileUnit> FromProto(const v1::KernelRequest& req,
                                      std::string_view target_override = {});
absl::StatusOr<PrimFunc> FuncFromProto(const v1::PrimFunc& func);

v1::PrimFunc FuncToProto(const PrimFunc& func);
// The request for `func`; target fields come from `target` (preset and values that differ
// from the preset).
v1::KernelRequest ToProto(const PrimFunc& func, const v1::Target& target);

}  // namespace ttc::ir

#endif  // TTC_IR_PROTO_CONVERT_H_
