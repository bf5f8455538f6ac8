// Integer arithmetic simplification for index expressions: constant folding, identities
// (x + 0, x * 1, x * 0, x // 1, x % 1), flattening of constant chains, and exact division by
// a constant when every term is provably divisible. Used by the lowering passes to turn
// element offsets such as `by * 32` into tile indices (`by`) and to keep generated code
// free of noise like `0 + i * 1`. Pure functions; thread-safe.
#ifndef TTC_PASSES_SIMPLIFY_H_
#define TTC_PASSES_SIMPLIFY_H_

#include <cstdint>
#include <optional>

#include "ir/expr.h"

namespace ttc {

// A simplified, equivalent expression (on non-negative integers: TT index arithmetic).
ir::Expr Simplify(const ir::Expr& e);

// `e / d` when every additive term of `e` is a multiple of `d` (a constant, or a product
// with a constant factor divisible by d); nullopt when divisibility cannot be proven.
std::optional<ir::Expr> DivideExact(const ir::Expr& e, int64_t d);

// The value of `e` when it folds to an integer constant.
std::optional<int64_t> ConstValue(const ir::Expr& e);

// The value under any casts (`T.cast(T.cast(x, a), b)` -> x): the TT lowering computes in DST,
// whose format the packer converts from, so matching looks through them.
ir::Expr StripCasts(ir::Expr e);

// Builders that simplify as they build.
ir::Expr Add(const ir::Expr& a, const ir::Expr& b);
ir::Expr Mul(const ir::Expr& a, const ir::Expr& b);
ir::Expr Add(const ir::Expr& a, int64_t b);
ir::Expr Mul(const ir::Expr& a, int64_t b);

}  // namespace ttc

#endif  // TTC_PASSES_SIMPLIFY_H_
