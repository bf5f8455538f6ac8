// The structural verifier of the kernel IR: the invariants every consumer of a kernel's
// source IR relies on (the passes, the printer, the reference interpreter), checked on an
// ir::PrimFunc whatever built it. FromProto runs it on every function it converts.
//
// Checked, in this order, reporting the first problem only:
//  * parameters: non-empty shapes with positive extents, global scope;
//  * launch grid: 1 to 3 positive extents, one block index name per extent, threads >= 0;
//  * body: not empty; then every statement in program order:
//    allocations (shape as above, scope not global), loops (extent not a negative constant;
//    num_stages >= 1 for pipelined loops, 0 otherwise), stores and loads (one index per
//    buffer dimension), copies (offsets and extents per region dimension, positive extents,
//    equal element counts on both sides, constant offsets inside the buffer), GEMMs (2-D,
//    on-chip operands whose shapes agree as [M, K] x [K, N] -> [M, N]), calls (a known
//    function, ir::CallArity, with its number of arguments) and T.evaluate (of a call).
// Names (buffers in scope, bound variables, shadowing) are resolved by whatever builds the
// IR: FromProto for requests. The verifier is for source IR: lowered IR holds `tt.*`
// intrinsic calls it does not know.
//
// Errors carry the node's location (ir::LocatedError): its field path extended by the field
// at fault (`func.params[0].shape[1]`, `func.body[5].copy.dst`) and, when the node has none
// itself, the line:col of the nearest enclosing node that has one.
// Thread-safety: VerifyFunc is reentrant; it only reads `func`.
#ifndef TTC_IR_VERIFIER_H_
#define TTC_IR_VERIFIER_H_

#include "absl/status/status.h"
#include "ir/located_error.h"
#include "ir/stmt.h"

namespace ttc::ir {

// OK, or INVALID_ARGUMENT with the message "path: problem" for the first problem; with
// `error` non-null the problem is also stored there, structured.
absl::Status VerifyFunc(const PrimFunc& func, LocatedError* error = nullptr);

// The buffer checks alone (shape; global for parameters, on-chip for allocations), for
// builders that verify each buffer where it is declared (FromProto does, so that a bad
// shape is reported before the uses it would make inconsistent).
absl::Status VerifyBuffer(const Buffer& buffer, bool is_param, LocatedError* error = nullptr);

}  // namespace ttc::ir

#endif  // TTC_IR_VERIFIER_H_
