#include "passes/infer_default_tt_schedule.h"

#include "absl/strings/str_cat.h"
#include "passes/attrs.h"

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
  const ir::AttrValue& policy = func.attrs[attr::kSchedulePolicy];
  if (policy != "contiguous") {
    ctx.diag.Error(func.loc, absl::StrCat("unsupported schedule policy ", policy.dump(),
                                          "; supported: \"contiguous\""));
    return;
  }
  const int64_t gx = func.grid.x(), gy = func.grid.y(), gz = func.grid.z();
  const int64_t units = gx * gy * gz;
  const int64_t cores = ctx.target.num_cores();
  func.attrs[attr::kGridX] = gx;
  func.attrs[attr::kGridY] = gy;
  func.attrs[attr::kGridZ] = gz;
  func.attrs[attr::kNumTiles] = units;
  func.attrs[attr::kNumCores] = cores;

  ir::AttrValue per_core = ir::AttrValue::array();
  ir::AttrValue assignments = ir::AttrValue::array();
  int64_t core = 0;
  for (const auto& [start, count] : ContiguousSplit(units, cores)) {
    per_core.push_back({start, count});
    assignments.push_back({{"core_id", core++}, {"start_tile", start}, {"tile_count", count}});
  }
  func.attrs[attr::kTilesPerCore] = std::move(per_core);
  func.attrs[attr::kSchedule] = {{"policy", policy},
                                 {"order", func.attrs[attr::kScheduleOrder]},
                                 {"grid_shape", {gx, gy, gz}},
                                 {"total_tiles", units},
                                 {"num_cores", cores},
                                 {"assignments", std::move(assignments)}};
  func.attrs[attr::kRuntimeArgsSchema] = ir::AttrValue::array(
      {{{"name", "start_id"}, {"dtype", "uint32"}, {"meaning", "index of the first work unit of this core"}},
       {{"name", "count"}, {"dtype", "uint32"}, {"meaning", "number of work units this core processes"}}});
}

}  // namespace ttc
