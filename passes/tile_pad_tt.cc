#include "passes/tile_pad_tt.h"

#include "passes/attrs.h"

namespace ttc {

void TilePadTT(PassContext& ctx, ir::PrimFunc& func) {
  ir::AttrValue info = ir::AttrValue::object();
  for (const ir::Buffer& b : func.params) {
    auto it = func.attrs.find(attr::BufferKey(b->name));
    if (it == func.attrs.end()) continue;
    auto layout = BufferLayoutFromAttr(*it);
    if (!layout) {
      ctx.diag.InternalError(b->loc, "malformed " + attr::BufferKey(b->name));
      return;
    }
    if (!layout->needs_padding) continue;
    // Rank-1 buffers are described as [1, N]; compare against that view.
    std::vector<int64_t> original = b->shape.size() >= 2 ? b->shape : std::vector<int64_t>{1, b->shape[0]};
    std::vector<int64_t> amount;
    for (size_t i = 0; i < original.size(); ++i) amount.push_back(layout->padded_shape[i] - original[i]);
    info[b->name] = {{"original_shape", b->shape}, {"padded_shape", layout->padded_shape},
                     {"padding_amount", amount}};
  }
  if (!info.empty()) func.attrs[attr::kPaddingInfo] = std::move(info);
}

}  // namespace ttc
