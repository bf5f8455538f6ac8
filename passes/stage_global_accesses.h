// Direct element accesses to DRAM buffers in store nests, staged through on-chip buffers the
// way a TileLang author would with T.copy (run at the start of propagate_tt_layout, before
// SplitUpdatedInputs and copy forwarding).
//
// A TileLang kernel may read or write a global buffer element by element inside a T.Parallel
// nest (T.atomic_add becomes such an update too):
//   for i, j in T.Parallel(32, 32): B[by * 32 + i, bx * 32 + j] = A_s[i, j] + B[by * 32 + i, bx * 32 + j]
// TT cores reach DRAM only through the reader's and writer's tile transfers, so for a store
// nest (a perfect nest of loops from 0 with constant extents around one store) whose global
// indices are `offset_d + v_d` (v_d a loop variable of the nest, offset_d free of the nest's
// variables; a dimension without a loop variable has extent 1):
//   - a global read becomes `T.copy(G[offsets], tt_G_in_<line>_<col>)` (a shared buffer of the
//     region's shape without its extent-1 dimensions) before the nest, and the nest loads it;
//     the copy goes as early in the nest's statement sequence as the last write of G there
//     (or an allocation) allows (the reader then reads it before the blocks of a K loop above the nest, in the
//     order the compute kernel waits for the inputs of a GEMM and its epilogue);
//   - a global store becomes a store into `tt_G_out_<line>_<col>` (a fragment) and
//     `T.copy(tt_G_out_..., G[offsets])` after the nest. When the nest reads a fragment of the
//     block's shape only at the element each iteration writes and nothing reads it after the
//     nest (outside loops), the store goes into that fragment instead (`acc[i, j] = G_in[i, j]
//     + acc[i, j]`, then `T.copy(acc, G[...])`: the epilogue form of a GEMM accumulator).
// A buffer both read and written gets separate input and output buffers (the read must be of
// the elements the nest writes). The new buffers are allocated at the start of the body.
// Anything else is an error at the statement's line:col naming the buffer and the reason: an
// index that is not an offset plus one loop variable, a loop variable in two dimensions, a
// store that does not use every loop variable (elements written more than once), a read of a
// written buffer at other elements, and element accesses to DRAM outside a store nest.
// Returns the number of nests staged. Thread-safety: operates on `func` only.
#ifndef TTC_PASSES_STAGE_GLOBAL_ACCESSES_H_
#define TTC_PASSES_STAGE_GLOBAL_ACCESSES_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "passes/pass.h"

namespace ttc {

int StageGlobalAccesses(PassContext& ctx, ir::PrimFunc& func);

// Whether `e` mentions one of the variables `vars`.
bool MentionsVars(const ir::Expr& e, const std::set<std::string>& vars);

// `e` as sum(coeff[v] * v) + offset over the variables `vars` (offset free of them, null when
// there is none); false when `e` is not affine in them (a product of two of them, a division,
// a load or a call that depends on one). Casts are looked through.
bool AffineTerms(const ir::Expr& e, const std::set<std::string>& vars, std::map<std::string, int64_t>* coeff,
                 ir::Expr* offset);

}  // namespace ttc

#endif  // TTC_PASSES_STAGE_GLOBAL_ACCESSES_H_
