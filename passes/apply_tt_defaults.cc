#include "passes/apply_tt_defaults.h"

#include "absl/strings/match.h"
#include "passes/attrs.h"

namespace ttc {

void ApplyTTDefaults(PassContext&, ir::PrimFunc& func) {
  for (const std::string& key : AttrKeys(func.attrs)) {
    if (absl::StartsWith(key, "tt_")) return;
  }
  SetAttr(func.attrs, attr::kSchedulePolicy, "contiguous");
  SetAttr(func.attrs, attr::kScheduleOrder, attr::kOrderRowMajor);
  SetAttr(func.attrs, attr::kLayoutType, "dram_interleaved");
  SetAttr(func.attrs, attr::kTileHeight, 32);
  SetAttr(func.attrs, attr::kTileWidth, 32);
}

}  // namespace ttc
