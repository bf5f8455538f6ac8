#include "passes/infer_default_tt_shard.h"

#include "passes/attrs.h"

namespace ttc {

void InferDefaultTTShard(PassContext& ctx, ir::PrimFunc& func) {
  const int64_t default_th = GetInt(func.attrs, attr::kTileHeight, 32);
  const int64_t default_tw = GetInt(func.attrs, attr::kTileWidth, 32);
  ir::AttrValue shard = ir::AttrValue::object();
  for (const ir::Buffer& b : func.params) {
    int64_t th = default_th, tw = default_tw;
    ir::DType dtype = b->dtype;
    if (auto it = func.layouts.find(b->name); it != func.layouts.end()) {
      const auto& ts = it->second.tile_shape();
      if (ts.size() == 2 && ts[0] > 0 && ts[1] > 0) {
        th = ts[0];
        tw = ts[1];
      }
      if (auto dt = ir::ParseDType(it->second.dtype())) dtype = *dt;
    }
    const size_t rank = b->shape.size();
    const int64_t m = rank >= 2 ? b->shape[rank - 2] : 1;
    const int64_t n = b->shape[rank - 1];
    int64_t batch = 1;
    for (size_t i = 0; i + 2 < rank; ++i) batch *= b->shape[i];
    const int64_t tiles_h = (m + th - 1) / th, tiles_w = (n + tw - 1) / tw;
    const bool padding = m % th != 0 || n % tw != 0;
    std::vector<int64_t> padded = rank >= 2 ? b->shape : std::vector<int64_t>{1, n};
    padded[padded.size() - 2] = tiles_h * th;
    padded[padded.size() - 1] = tiles_w * tw;

    ir::AttrValue& ba = func.buffer_attrs[b->name];
    ba[attr::kBufLayout] = "dram_interleaved";
    ba[attr::kBufTileShape] = {th, tw};
    ba[attr::kBufNumTilesHeight] = tiles_h;
    ba[attr::kBufNumTilesWidth] = tiles_w;
    ba[attr::kBufNeedsPadding] = padding;
    if (padding) ba[attr::kBufPaddedShape] = padded;
    ba[attr::kBufTensorAccessorConfig] = {{"memory", "DRAM"},
                                          {"layout", "interleaved"},
                                          {"page_size", dtype.TileBytes(th, tw)},
                                          {"num_pages", batch * tiles_h * tiles_w},
                                          {"bank_count", ctx.target.dram_banks}};
    ir::AttrValue entry = {{"layout", "dram_interleaved"},
                           {"tile_shape", {th, tw}},
                           {"tiles_height", tiles_h},
                           {"tiles_width", tiles_w},
                           {"needs_padding", padding}};
    if (padding) entry["padded_shape"] = padded;
    shard[b->name] = std::move(entry);
  }
  func.attrs[attr::kShard] = std::move(shard);
}

}  // namespace ttc
