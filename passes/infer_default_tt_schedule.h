// infer_default_tt_schedule (PASSES.md section 2).
// Before: tt_schedule_policy / tt_schedule_order set (apply_tt_defaults). After: the launch
// grid T.Kernel(gx, gy, gz) (absent axes 1) as tt_grid_x/y/z; tt_num_tiles = gx*gy*gz work
// units; tt_num_cores = the target's rows*cols; tt_tiles_per_core = one [start, count] row
// per core, contiguous with balanced remainder (core i gets T/C units plus one if i < T%C,
// starting at the running sum; cores past the work get [T, 0]); tt_schedule (policy, order,
// grid_shape, totals, assignments) and tt_runtime_args_schema (start_id, count).
// Errors: a policy other than "contiguous" (the only one TT-Metalium kernels here support).
#ifndef TTC_PASSES_INFER_DEFAULT_TT_SCHEDULE_H_
#define TTC_PASSES_INFER_DEFAULT_TT_SCHEDULE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "passes/pass.h"

namespace ttc {

void InferDefaultTTSchedule(PassContext& ctx, ir::PrimFunc& func);

// The contiguous balanced split of `units` work units over `cores` cores: one
// (start, count) per core. Shared with layout_aware_work_partition_tt.
std::vector<std::pair<int64_t, int64_t>> ContiguousSplit(int64_t units, int64_t cores);

}  // namespace ttc

#endif  // TTC_PASSES_INFER_DEFAULT_TT_SCHEDULE_H_
