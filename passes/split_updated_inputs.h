// In-place updates of a DRAM-filled on-chip buffer, split for circular buffers (run at the
// start of propagate_tt_layout, before copy forwarding).
//
// TileLang kernels often read a block into a buffer, update it in place and write it back:
//   T.copy(A[bx * bm, 0], A_local); ...; A_local[i, j] *= s[i]; T.copy(A_local, B[bx * bm, 0])
// On a Tensix core the buffer filled from DRAM is an input circular buffer that the compute
// kernel only reads, and the buffer copied to DRAM is an output circular buffer that it fills:
// one buffer cannot be both. So the values written from the first in-place update on are a
// buffer of their own, `<A>_updated` (same shape and dtype, a fragment): in the statement
// sequence holding that update (a store nest or fill, not inside a nested loop), the update
// writes `<A>_updated` while reading `A`, and every later use reads or copies
// `<A>_updated`; a new T.copy into `A` from DRAM starts over. Each split adds one T.alloc.
// Returns the number of buffers split. Thread-safety: operates on `func` only.
#ifndef TTC_PASSES_SPLIT_UPDATED_INPUTS_H_
#define TTC_PASSES_SPLIT_UPDATED_INPUTS_H_

#include "ir/stmt.h"

namespace ttc {

int SplitUpdatedInputs(ir::PrimFunc& func);

}  // namespace ttc

#endif  // TTC_PASSES_SPLIT_UPDATED_INPUTS_H_
