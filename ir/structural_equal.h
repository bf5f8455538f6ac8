// Structural equality of IR trees: same node kinds, values, names and buffer signatures
// (name, shape, dtype, scope), ignoring source locations. Used by the round-trip tests
// (proto -> IR -> proto, printer -> frontend) and by passes that check idempotence.
#ifndef TTC_IR_STRUCTURAL_EQUAL_H_
#define TTC_IR_STRUCTURAL_EQUAL_H_

#include "ir/stmt.h"

namespace ttc::ir {

bool StructuralEqual(const Expr& a, const Expr& b);
bool StructuralEqual(const Stmt& a, const Stmt& b);
bool StructuralEqual(const Buffer& a, const Buffer& b);
// Compares name, params, grid, body, attributes, buffer attributes and annotations.
bool StructuralEqual(const PrimFunc& a, const PrimFunc& b);

}  // namespace ttc::ir

#endif  // TTC_IR_STRUCTURAL_EQUAL_H_
