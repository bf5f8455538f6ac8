#include "passes/infer_default_tt_schedule.h"

#include "absl/strings/str_cat.h"
#include "passes/attrs.h"
#include "passes/coarsen_row_blocks.h"
#include "passes/fold_split_grid.h"

namespace ttc {

std::vector<std::pair<int64_t, int64_t>> ContiguousSplit(int64_t units, int64_t cores) {
  std::vector<std::pair<int64_t, int64_t>> out;
  const int64_t base = units / cores, rem = units % cores;
  int64_t start = 0;
  for (int64_t i = 0; i < cores; ++i) {
    const int64_t count = base + (i < rem ? 1 : 0);
    out.emplace_back(start, count);
    start += count;
  }
  return out;
}

void InferDefaultTTSchedule(PassContext& ctx, ir::PrimFunc& func) {
  const std::optional<std::string> policy = GetString(func.attrs, attr::kSchedulePolicy);
  if (policy != "contiguous") {
    ctx.diag.Error(func.loc, absl::StrCat("unsupported schedule policy ", DumpAttr(func.attrs, attr::kSchedulePolicy),
                                          "; supported: \"contiguous\""));
    return;
  }
  // A split-K grid dimension (updates of DRAM that do not depend on it) runs serially in the block.
  FoldSplitGrid(ctx, func);
  if (ctx.diag.has_errors()) return;
  // One-row blocks become tile rows before the grid is split; rank-1 tensors become rows.
  CoarsenRowBlocks(ctx, func);
  if (ctx.diag.has_errors()) return;
  RowViewOfVectors(func);
  const int64_t gx = func.grid.x(), gy = func.grid.y(), gz = func.grid.z();
  const int64_t units = gx * gy * gz;
  const int64_t cores = ctx.target.num_cores();
  SetAttr(func.attrs, attr::kGridX, gx);
  SetAttr(func.attrs, attr::kGridY, gy);
  SetAttr(func.attrs, attr::kGridZ, gz);
  SetAttr(func.attrs, attr::kNumTiles, units);
  SetAttr(func.attrs, attr::kNumCores, cores);

  ir::AttrValue per_core = ir::AttrValue::array();
  ir::AttrValue assignments = ir::AttrValue::array();
  int64_t core = 0;
  for (const auto& [start, count] : ContiguousSplit(units, cores)) {
    per_core.push_back({start, count});
    assignments.push_back({{"core_id", core++}, {"start_tile", start}, {"tile_count", count}});
  }
  const std::optional<std::string> order = GetString(func.attrs, attr::kScheduleOrder);
  SetAttr(func.attrs, attr::kTilesPerCore, std::move(per_core));
  SetAttr(func.attrs, attr::kSchedule, {{"policy", *policy},
                                 {"order", order ? ir::AttrValue(*order) : ir::AttrValue()},
                                 {"grid_shape", {gx, gy, gz}},
                                 {"total_tiles", units},
                                 {"num_cores", cores},
                                 {"assignments", std::move(assignments)}});
  SetAttr(func.attrs, attr::kRuntimeArgsSchema, ir::AttrValue::array(
      {{{"name", "start_id"}, {"dtype", "uint32"}, {"meaning", "index of the first work unit of this core"}},
       {{"name", "count"}, {"dtype", "uint32"}, {"meaning", "number of work units this core processes"}}}));
}

}  // namespace ttc
