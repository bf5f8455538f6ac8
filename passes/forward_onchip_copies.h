// Copy forwarding for whole on-chip buffers, run at the start of propagate_tt_layout
// (PASSES.md section 8 sizes circular buffers for the buffers on DRAM copies, so the copies
// must be final by then).
//
// TileLang kernels often stage a result through a second on-chip buffer before writing it:
//   T.copy(C_local, C_shared); T.copy(C_shared, C[by * bm, bx * bn])
// On a GPU that moves data from registers to shared memory; on a Tensix core both buffers are
// L1 tiles, and a copy between them would be a CB-to-CB copy_tile round trip through DST that
// computes nothing. A copy `T.copy(X, Y)` is forwarded (removed, every later use of Y reads X)
// when all of these hold:
// - X and Y are on-chip (shared, fragment or local) with the same shape (elements), and the
//   copy covers both whole (offsets 0, extents equal to the shape);
// - X and Y have the same dtype, or Y is only copied to DRAM tensors of Y's dtype and X is
//   computed on the core (a cast on the way out: pack_tile converts DST to the output
//   circular buffer's format, so the value is rounded once either way);
// - the copy is Y's only write; when X is filled from DRAM and Y copied to DRAM, nothing else
//   reads X (X becomes a loopback buffer: the writer drains the reader's circular buffer);
// - every read of Y comes after the copy and every write of X before it, in program order
//   (so a read of Y sees exactly what X holds: X is not overwritten in between).
// Copies between on-chip buffers that do not qualify (a sub-block, a reshape) are kept
// and refused later by memory_space_lower_tt with their location.
//
// Before/after: `func.body` rewritten; Y's T.alloc removed. Returns the number of copies
// forwarded. Thread-safety: operates on `func` only.
#ifndef TTC_PASSES_FORWARD_ONCHIP_COPIES_H_
#define TTC_PASSES_FORWARD_ONCHIP_COPIES_H_

#include "ir/stmt.h"

namespace ttc {

int ForwardOnChipCopies(ir::PrimFunc& func);

// What forwarding leaves: a copy of a whole on-chip buffer X into a same-shape on-chip buffer
// Y becomes the element-wise nest `Y[i, j] = X[i, j]` (with a cast when the dtypes differ),
// which tensorize_tt computes with copy_tile / pack_tile like any other element-wise result
// (and hands to a circular buffer when a T.gemm reads it). Copies of a part of a buffer are kept (memory_space_lower_tt refuses them with their
// location). Returns the number of copies rewritten.
int LowerOnChipCopies(ir::PrimFunc& func);

// A result computed on the core that is both copied to DRAM and read by later computation
// (layer norm's mean: written out and broadcast back over the row) needs two circular
// buffers, since an output circular buffer's only consumer is the writer: the copy to DRAM
// reads a twin `<X>_out` (a fragment of the same shape and dtype) filled by a whole on-chip
// copy right before it (run after ForwardOnChipCopies, before LowerOnChipCopies, which turns
// that copy into a copy nest). Returns the number of twins made.
int TwinCopiedOutResults(ir::PrimFunc& func);

}  // namespace ttc

#endif  // TTC_PASSES_FORWARD_ONCHIP_COPIES_H_
