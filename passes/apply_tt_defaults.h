// apply_tt_defaults (PASSES.md section 1).
// Before: any function. After: when no function attribute key starts with `tt_` (dotted
// keys such as `tt.user_layout` do not count), tt_schedule_policy="contiguous",
// tt_schedule_order="row_major", tt_layout_type="dram_interleaved", tt_tile_height=32 and
// tt_tile_width=32 are set; otherwise nothing changes. Idempotent. No diagnostics.
#ifndef TTC_PASSES_APPLY_TT_DEFAULTS_H_
#define TTC_PASSES_APPLY_TT_DEFAULTS_H_

#include "passes/pass.h"

namespace ttc {
void ApplyTTDefaults(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_APPLY_TT_DEFAULTS_H_
