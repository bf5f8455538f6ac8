#include "passes/tile_pad_tt.h"

#include "passes/attrs.h"

namespace ttc {

void TilePadTT(PassContext& ctx, ir::PrimFunc& func) {
  ir::AttrValue info = ir::AttrValue::object();
  for (const ir::Buffer& b : func.params) {
    if (!HasAttr(func.attrs, attr::BufferKey(b->name))) continue;
    auto layout = BufferLayoutOf(func, *b);
    if (!layout) {
      ctx.diag.InternalError(b->loc, "malformed " + attr::BufferKey(b->name));
      return;
    }
    const ir::TileGeometry& g = layout->geometry;
    if (!g.needs_padding) continue;
    std::vector<int64_t> amount;
    for (size_t i = 0; i < g.view.size(); ++i) amount.push_back(g.padded[i] - g.view[i]);
    info.emplace(b->name, ir::AttrValue{{"original_shape", b->shape}, {"padded_shape", g.padded},
                                        {"padding_amount", amount}});
  }
  if (!info.empty()) SetAttr(func.attrs, attr::kPaddingInfo, std::move(info));
}

}  // namespace ttc
