// propagate_tt_layout — PropagateTTLayout (PASSES.md section 5).
// Before: tt.buffer.<B> for every global buffer (infer_tt_layout). After: both endpoints of
// every T.copy between a global buffer and an L1 buffer (shared/fragment) carry tt.cb.<name> =
// {page_size, depth, data_format} describing the circular buffer that carries the copy:
// page_size = th * tw * bytes(dtype) of the global side's tile and device dtype (bf16 32x32
// -> 2048, fp32 -> 4096, bf16 16x16 -> 512, bfp8_b -> 1088); depth = the buffer's cb_depth
// annotation, else by data-flow role: 2 when the kernel reads the global buffer (double
// buffering), 1 when it writes it (accumulators and outputs); data_format = the
// annotation's data_format, else the dtype's tt::DataFormat (bfloat16 -> Float16_b,
// float16 -> Float16, ...). An on-chip buffer on several copies takes the largest depth.
// First, staging copies between whole on-chip buffers of one shape and dtype
// (`T.copy(C_local, C_shared)` before `T.copy(C_shared, C[...])`) are forwarded
// (passes/forward_onchip_copies.h), so the DRAM copy reads the producing buffer.
// Remaining on-chip<->on-chip copies and copies to or from `local` buffers get no entry.
// Errors: `missing layout metadata: buffer 'A' has no tt.buffer entry (run infer_tt_layout
// first)` (internal when infer_tt_layout already ran), `unsupported dtype 'int4' for buffer
// 'A'`, and two copies that give one buffer different page sizes or formats.
#ifndef TTC_PASSES_PROPAGATE_TT_LAYOUT_H_
#define TTC_PASSES_PROPAGATE_TT_LAYOUT_H_

#include "passes/pass.h"

namespace ttc {
void PropagateTTLayout(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_PROPAGATE_TT_LAYOUT_H_
