#include "passes/dst_plan.h"

#include <algorithm>

namespace ttc {

int64_t DstPlan::dst_tiles() const {
  switch (kind) {
    case Kind::kResident: return total;
    case Kind::kSubBlocks: return sub_block * static_cast<int64_t>(std::max<size_t>(offsets.size(), 1));
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
    // Results of the same size computed element-wise (nothing consumed inside): tile t of
    // every result is computed together, `sub_block` tiles of each at a time.
    const int64_t n = tiles.begin()->second;
    const int64_t k = static_cast<int64_t>(tiles.size());
    bool same = true;
    for (const auto& [name, t] : tiles) same = same && t == n;
    if (!same || consumes || k > capacity) {
      plan.kind = DstPlan::Kind::kOverflow;
      return plan;
    }
    plan.sub_block = capacity / k;
    while (n % plan.sub_block != 0) --plan.sub_block;
    int64_t off = 0;
    for (const auto& [name, t] : tiles) {
      plan.offsets[name] = off;
      off += plan.sub_block;
    }
    plan.kind = DstPlan::Kind::kSubBlocks;
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
