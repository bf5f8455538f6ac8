// Element-wise nests in the one form tensorize_tt maps to TT compute: a perfect nest of
// T.Parallel loops around one store (run at the start of propagate_tt_layout).
//
// TileLang authors write several statements, and named temporaries, in one T.Parallel body:
//   for i, j in T.Parallel(bm, n):
//       norm = (x[i, j] - mean[i]) * rstd[i]
//       y[i, j] = norm * g[j]
//       z[i, j] = y[i, j] * 2
// T.Parallel iterations are independent, so the body is the same computation as one nest per
// statement in order (loop fission), with each let's value substituted where it is read (let
// values are pure expressions). Pure functions; thread-safe.
#ifndef TTC_PASSES_NORMALIZE_NESTS_H_
#define TTC_PASSES_NORMALIZE_NESTS_H_

#include "ir/stmt.h"

namespace ttc {

// `s` with every Let inside a T.Parallel loop replaced by its body with the value substituted.
ir::Stmt InlineParallelLets(const ir::Stmt& s);

// `s` with every perfect nest of T.Parallel loops whose innermost body holds several stores
// (and nothing else) split into one nest per store, in order.
ir::Stmt SplitParallelBodies(const ir::Stmt& s);

}  // namespace ttc

#endif  // TTC_PASSES_NORMALIZE_NESTS_H_
