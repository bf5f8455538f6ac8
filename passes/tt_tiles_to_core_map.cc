#include "passes/tt_tiles_to_core_map.h"

#include <vector>

#include "passes/attrs.h"
#include "passes/core_ranges.h"

namespace ttc {
namespace {

// Nominal worker NoC coordinates per logical column / row (columns and rows that hold DRAM,
// ethernet or PCIe tiles skipped), for a full (unharvested) chip.
struct NocMap {
  const char* preset;
  std::vector<int64_t> x, y;
};

const NocMap& NocMapFor(const std::string& preset) {
  static const std::vector<NocMap> kMaps = {
      {"wormhole_b0", {1, 2, 3, 4, 6, 7, 8, 9}, {1, 2, 3, 4, 5, 7, 8, 9, 10, 11}},
      {"blackhole", {1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16}, {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
      {"grayskull", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {1, 2, 3, 4, 5, 7, 8, 9, 10, 11}},
  };
  for (const NocMap& m : kMaps) {
    if (preset == m.preset) return m;
  }
  return kMaps[0];
}

}  // namespace

void TTTilesToCoreMap(PassContext& ctx, ir::PrimFunc& func) {
  const std::vector<CoreRange> ranges = CoreRangesOf(func.attrs);
  const NocMap& noc = NocMapFor(ctx.target.preset);
  ir::AttrValue coords = ir::AttrValue::array();
  for (const auto& [y, x] : CoresOf(ranges)) {
    const int64_t nx = x < static_cast<int64_t>(noc.x.size()) ? noc.x[x] : -1;
    const int64_t ny = y < static_cast<int64_t>(noc.y.size()) ? noc.y[y] : -1;
    coords.push_back({{"core_id", y * ctx.target.cols + x}, {"logical", {y, x}}, {"noc", {nx, ny}}});
  }
  SetAttr(func.attrs, attr::kCoreRangesLegacy, NestedCoreRanges(ranges));
  SetAttr(func.attrs, attr::kCoreCoords, std::move(coords));
}

}  // namespace ttc
