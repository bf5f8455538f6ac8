#include "passes/propagate_tt_layout.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "passes/attrs.h"
#include "passes/dataflow.h"
#include "passes/forward_onchip_copies.h"
#include "passes/normalize_nests.h"
#include "passes/split_updated_inputs.h"
#include "passes/stage_global_accesses.h"

namespace ttc {

void PropagateTTLayout(PassContext& ctx, ir::PrimFunc& func) {
  // Staging copies between whole on-chip buffers (T.copy(C_local, C_shared)) are forwarded
  // first, so that circular buffers are sized for the buffers the DRAM copies really use.
  func.body = SplitParallelBodies(InlineParallelLets(func.body));
  // Element accesses to DRAM buffers in store nests become T.copy stagings first.
  StageGlobalAccesses(ctx, func);
  if (ctx.diag.has_errors()) return;
  SplitUpdatedInputs(func);
  ForwardOnChipCopies(func);
  TwinCopiedOutResults(func);
  LowerOnChipCopies(func);
  std::map<std::string, CbAttr> cbs;
  for (const CopyEdge& e : CollectCopyEdges(func)) {
    // Only L1 buffers (shared/fragment) are circular buffers; a T.alloc_local buffer is not.
    if (e.onchip->scope != ir::Scope::kShared && e.onchip->scope != ir::Scope::kFragment) continue;
    const std::string& g = e.global->name;
    if (!HasAttr(func.attrs, attr::BufferKey(g))) {
      std::string msg = absl::StrCat("missing layout metadata: buffer '", g,
                                     "' has no tt.buffer entry (run infer_tt_layout first)");
      if (ctx.Ran("infer_tt_layout")) {
        ctx.diag.InternalError(e.loc, std::move(msg));
      } else {
        ctx.diag.Error(e.loc, std::move(msg));
      }
      continue;
    }
    auto layout = BufferLayoutOf(func, *e.global);
    if (!layout) {
      ctx.diag.InternalError(e.loc, absl::StrCat("malformed ", attr::BufferKey(g), ": ",
                                                 DumpAttr(func.attrs, attr::BufferKey(g))));
      continue;
    }
    const std::string data_format = layout->ResolvedDataFormat();
    if (data_format.empty()) {
      ctx.diag.Error(e.global->loc, absl::StrCat("unsupported dtype '", layout->dtype, "' for buffer '", g,
                                                 "': no tt::DataFormat of target ", ctx.target.preset,
                                                 " holds it; its formats: bfloat16 (Float16_b), float16 (Float16), "
                                                 "float32 (Float32), int32, uint32, int16, uint16, int8, uint8 and "
                                                 "bfp8_b (Bfp8_b)"));
      continue;
    }
    CbAttr cb;
    cb.page_size = layout->geometry.page_bytes;
    cb.depth = layout->cb_depth.value_or(e.reads_global ? 2 : 1);
    cb.data_format = data_format;
    for (const ir::Buffer& b : {e.global, e.onchip}) {
      auto [pos, inserted] = cbs.emplace(b->name, cb);
      if (inserted) continue;
      CbAttr& prev = pos->second;
      if (prev.page_size != cb.page_size || prev.data_format != cb.data_format) {
        ctx.diag.Error(e.loc, absl::StrCat("conflicting circular buffers: buffer '", b->name, "' carries pages of ",
                                           prev.page_size, " bytes in ", prev.data_format, " on one copy and ",
                                           cb.page_size, " bytes in ", cb.data_format,
                                           " on another; copy through buffers of one format"));
        continue;
      }
      prev.depth = std::max(prev.depth, cb.depth);
    }
  }
  for (const auto& [name, cb] : cbs) SetAttr(func.attrs, attr::CbKey(name), ToAttr(cb));
}

}  // namespace ttc
