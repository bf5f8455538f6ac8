// Comparisons of loop indices decided by the loops' ranges, for tensorize_tt: a mask such as
// `T.if_then_else(k * block_N + j >= seq_kv, -inf, 0)` (TileLang's flash attention) compares
// index arithmetic, not tile data; when the enclosing loops' ranges decide it for every
// iteration (k < 4, j < 64: k * 64 + j <= 255 < 256), it is the constant it always is, and a
// select on a constant is the branch it picks. Interval arithmetic over integer + - * with
// constants, loop variables of constant extent, and constants; anything else (loads, block
// indices, divisions) leaves the comparison as it is. Pure; thread-safe.
#ifndef TTC_PASSES_FOLD_BOUNDS_H_
#define TTC_PASSES_FOLD_BOUNDS_H_

#include "ir/stmt.h"

namespace ttc {

// `body` with every comparison its loops decide replaced by 1 or 0, and selects on constants
// replaced by their branch.
ir::Stmt FoldIndexComparisons(const ir::Stmt& body);

}  // namespace ttc

#endif  // TTC_PASSES_FOLD_BOUNDS_H_
