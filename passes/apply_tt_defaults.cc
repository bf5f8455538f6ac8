#include "passes/apply_tt_defaults.h"

#include "absl/strings/match.h"
#include "passes/attrs.h"

namespace ttc {

void ApplyTTDefaults(PassContext&, ir::PrimFunc& func) {
  for (auto it = func.attrs.begin(); it != func.attrs.end(); ++it) {
    if (absl::StartsWith(it.key(), "tt_")) return;
  }
  func.attrs[attr::kSchedulePolicy] = "contiguous";
  func.attrs[attr::kScheduleOrder] = attr::kOrderRowMajor;
  func.attrs[attr::kLayoutType] = "dram_interleaved";
  func.attrs[attr::kTileHeight] = 32;
  func.attrs[attr::kTileWidth] = 32;
}

}  // namespace ttc
