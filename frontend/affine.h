// Affine analysis of integer kernel expressions (ttc.v1.Expr): an expression built from
// integer immediates, variables, `+`, `-` and multiplication by constants is a sum of
// coeff * var + constant. The frontend uses it to fold region extents (`A[by * 32:(by + 1) *
// 32]` has extent 32) and loop extents (`range(k, k + n)` runs n times).
// Thread-safety: pure functions.
#ifndef TTC_FRONTEND_AFFINE_H_
#define TTC_FRONTEND_AFFINE_H_

#include <cstdint>

#include "frontend/source.h"
#include "ttc/v1/kernel.pb.h"

namespace ttc::frontend {

// hi - lo when it is a constant (both affine and their variable terms cancel); false
// otherwise, also on 64-bit overflow or expressions nested deeper than kMaxExprDepth.
bool ConstDifference(const v1::Expr& hi, const v1::Expr& lo, int64_t* out);

// stop - start as a loop extent: a constant when it folds, `e` when `hi` is `lo + e` (the
// printer's form), else the subtraction (located at `loc`).
v1::Expr Difference(const v1::Expr& hi, const v1::Expr& lo, SourceLoc loc);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_AFFINE_H_
