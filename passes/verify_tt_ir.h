// verify_tt_ir — VerifyTTIR (PASSES.md section 12). Checks the lowered program against the
// target's real limits, not only attribute presence:
// - required attributes of every earlier pass present (missing = internal error);
// - cores used <= the target's compute grid;
// - circular buffers: count <= the target's max CBs, every index < max CBs, total bytes
//   (page_size * num_pages summed) <= the CB budget (error) and > 80% of it (warning);
// - dtypes of every global buffer have a TT data format;
// - DST tiles needed <= capacity (8 16-bit / 4 fp32 on the presets);
// - runtime arguments per kernel <= 341 (TT-Metalium's per-core limit);
// - global shapes tile-aligned after padding;
// - every global buffer's tiles, padded rows and columns and leading-dimension product fit
//   uint32_t (kernels and the host program index with it), and its bytes in DRAM (tiles x
//   tile bytes, padding and device dtype included) fit the target's DRAM, alone and together
//   with the other DRAM buffers (Target::dram_bytes);
// - every per-core runtime value (start_id, count, Mt, Kt, Nt, ...) and every integer
//   constant of the lowered kernels fit uint32_t (TT-Metalium's runtime arguments are
//   uint32_t; the kernels' loop counters and indices are too).
// Writes tt_ir_validated, tt_validation_error_count, tt_validation_warning_count. Errors
// stop the compile; messages say which limit, the values, and what to change.
#ifndef TTC_PASSES_VERIFY_TT_IR_H_
#define TTC_PASSES_VERIFY_TT_IR_H_

#include "passes/pass.h"

namespace ttc {

// TT-Metalium's maximum number of runtime arguments per core and kernel (host_api.hpp).
inline constexpr int64_t kMaxRuntimeArgs = 341;
// The largest value of a runtime argument, tile id or kernel index (uint32_t).
inline constexpr int64_t kMaxUint32 = 0xffffffffLL;

void VerifyTTIR(PassContext& ctx, ir::PrimFunc& func);

}  // namespace ttc

#endif  // TTC_PASSES_VERIFY_TT_IR_H_
