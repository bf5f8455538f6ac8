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
// - X and Y are on-chip (shared, fragment or local) with the same shape (elements) and dtype,
//   and the copy covers both whole (offsets 0, extents equal to the shape);
// - the copy is Y's only write, and not the only step between a buffer filled from DRAM
//   and one copied to DRAM (that would put one circular buffer on both sides);
// - every read of Y comes after the copy and every write of X before it, in program order
//   (so a read of Y sees exactly what X holds: X is not overwritten in between).
// Copies between on-chip buffers that do not qualify (a cast, a sub-block, a reshape) are kept
// and refused later by memory_space_lower_tt with their location.
//
// Before/after: `func.body` rewritten; Y's T.alloc removed. Returns the number of copies
// forwarded. Thread-safety: operates on `func` only.
#ifndef TTC_PASSES_FORWARD_ONCHIP_COPIES_H_
#define TTC_PASSES_FORWARD_ONCHIP_COPIES_H_

#include "ir/stmt.h"

namespace ttc {

int ForwardOnChipCopies(ir::PrimFunc& func);

}  // namespace ttc

#endif  // TTC_PASSES_FORWARD_ONCHIP_COPIES_H_
