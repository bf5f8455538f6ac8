// Conversion of the C++ kernel IR back to the wire schema (proto/ttc/v1), the inverse of
// ir/from_proto.h: FromProto(ToProto(f)) is structurally equal to f, and node locations
// (line:col) and annotation locations are written back when known.
// Thread-safety: reentrant.
#ifndef TTC_IR_TO_PROTO_H_
#define TTC_IR_TO_PROTO_H_

#include "ir/stmt.h"
#include "ttc/v1/request.pb.h"

namespace ttc::ir {

v1::PrimFunc FuncToProto(const PrimFunc& func);
// The request for `func`; target fields come from `target` (preset and values that differ
// from the preset).
v1::KernelRequest ToProto(const PrimFunc& func, const v1::Target& target);

}  // namespace ttc::ir

#endif  // TTC_IR_TO_PROTO_H_
