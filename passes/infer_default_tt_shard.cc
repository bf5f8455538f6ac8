#include "passes/infer_default_tt_shard.h"

#include <map>

#include "ir/tile_geometry.h"
#include "passes/attrs.h"

namespace ttc {

void InferDefaultTTShard(PassContext& ctx, ir::PrimFunc& func) {
  const int64_t default_th = GetInt(func.attrs, attr::kTileHeight, 32);
  const int64_t default_tw = GetInt(func.attrs, attr::kTileWidth, 32);
  std::map<std::string, DefaultShardAttr> shards;
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
    shards[b->name] = {ir::TileGeometryOf(b->shape, th, tw, dtype), ctx.target.dram_banks};
  }
  SetDefaultShards(func, shards);
}

}  // namespace ttc
