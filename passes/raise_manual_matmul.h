// Manual-matmul raising, the first step of tensorize_tt (PASSES.md section 11: "analysis of
// the IR, never names"): a perfect nest of three serial loops from 0 whose single statement is
// a manual multiply-accumulate store `C[i, j] = C[i, j] + A[i, k] * B[k, j]` (forms accepted:
// dataflow.h MatchMatmulStore), with loop extents that cover A, B and C exactly, becomes one
// T.gemm(A, B, C) carrying the nest's location and transposes. Any other loop is kept.
//
// Before: a kernel body with manual nests. After: the same body with T.gemm in their place;
// everything else shared, not copied. Runs on the compute kernel of memory_space_lower_tt.
#ifndef TTC_PASSES_RAISE_MANUAL_MATMUL_H_
#define TTC_PASSES_RAISE_MANUAL_MATMUL_H_

#include <map>
#include <utility>
#include <vector>

#include "ir/stmt.h"
#include "passes/dataflow.h"

namespace ttc {

// The matches of the nests raised by RaiseManualMatmuls, by the T.gemm node that replaced
// each (tensorize_tt records them in tt_matmul_patterns as "source": "loop").
using RaisedMatmuls = std::map<const ir::Gemm*, MatmulInfo>;

// The perfect nest rooted at `f`: its loops, outermost first, and the single statement inside
// the innermost (tensorize_tt matches element-wise nests with it too).
std::pair<std::vector<const ir::For*>, ir::Stmt> PerfectNest(const ir::For& f);

// Whether `s` is a perfect loop nest around one store (an element-wise or reduction nest):
// the passes treat it as one statement.
bool IsStoreNest(const ir::Stmt& s);

// Returns `body` with every qualifying manual nest replaced by T.gemm; `raised` (not null)
// receives one entry per replacement.
ir::Stmt RaiseManualMatmuls(const ir::Stmt& body, RaisedMatmuls* raised);

}  // namespace ttc

#endif  // TTC_PASSES_RAISE_MANUAL_MATMUL_H_
