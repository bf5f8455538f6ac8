#include "passes/dst_plan.h"

namespace ttc {

int64_t DstPlan::dst_tiles() const {
  switch (kind) {
    case Kind::kResident: return total;
    case Kind::kSubBlocks:
    case Kind::kSpill: return sub_block;
    case Kind::kOverflow: return 0;
  }
  return 0;
}

DstPlan PlanDst(const std::map<std::string, int64_t>& tiles, int64_t capacity, bool consumes) {
  DstPlan plan;
  for (const auto& [name, n] : tiles) plan.total += n;
  if (plan.total <= capacity) {
    int64_t off = 0;
    for (const auto& [name, n] : tiles) {
      plan.offsets[name] = off;
      off += n;
    }
    return plan;
  }
  if (tiles.size() > 1) {
    plan.kind = DstPlan::Kind::kOverflow;
    return plan;
  }
  plan.result = tiles.begin()->first;
  const int64_t n = tiles.begin()->second;
  plan.sub_block = capacity;
  while (n % plan.sub_block != 0) --plan.sub_block;
  plan.kind = consumes ? DstPlan::Kind::kSpill : DstPlan::Kind::kSubBlocks;
  return plan;
}

}  // namespace ttc
