#include "passes/attrs.h"

namespace ttc {

ir::AttrValue ToAttr(const NdShardAttr& a) {
  ir::AttrValue v{{"axes", a.axes},
                  {"grid", a.grid},
                  {"shard_shape_elems", a.shard_shape_elems},
                  {"order", a.order},
                  {"align_tiles", a.align_tiles}};
  if (!a.projected_grid.empty()) v["projected_grid"] = a.projected_grid;
  if (!a.projected_shard_tiles.empty()) v["projected_shard_tiles"] = a.projected_shard_tiles;
  return v;
}

ir::AttrValue ToAttr(const BufferLayoutAttr& a) {
  ir::AttrValue v{{"memory", a.memory},
                  {"layout", a.layout},
                  {"tile_shape", a.tile_shape},
                  {"dtype", a.dtype},
                  {"needs_padding", a.needs_padding}};
  if (a.needs_padding) v["padded_shape"] = a.padded_shape;
  if (a.nd_shard) v["nd_shard"] = ToAttr(*a.nd_shard);
  return v;
}

ir::AttrValue ToAttr(const CbAttr& a) {
  return ir::AttrValue{{"page_size", a.page_size}, {"depth", a.depth}, {"data_format", a.data_format}};
}

namespace {

template <typename T>
bool Get(const ir::AttrValue& v, const char* key, T* out) {
  auto it = v.find(key);
  if (it == v.end()) return false;
  try {
    *out = it->get<T>();
  } catch (const ir::AttrValue::exception&) {
    return false;
  }
  return true;
}

}  // namespace

std::optional<BufferLayoutAttr> BufferLayoutFromAttr(const ir::AttrValue& v) {
  if (!v.is_object()) return std::nullopt;
  BufferLayoutAttr a;
  if (!Get(v, "memory", &a.memory) || !Get(v, "layout", &a.layout) || !Get(v, "tile_shape", &a.tile_shape) ||
      !Get(v, "dtype", &a.dtype) || !Get(v, "needs_padding", &a.needs_padding) || a.tile_shape.size() != 2) {
    return std::nullopt;
  }
  if (a.needs_padding && !Get(v, "padded_shape", &a.padded_shape)) return std::nullopt;
  if (auto it = v.find("nd_shard"); it != v.end()) {
    NdShardAttr s;
    if (!Get(*it, "axes", &s.axes) || !Get(*it, "grid", &s.grid) ||
        !Get(*it, "shard_shape_elems", &s.shard_shape_elems) || !Get(*it, "order", &s.order) ||
        !Get(*it, "align_tiles", &s.align_tiles) || !Get(*it, "projected_grid", &s.projected_grid) ||
        !Get(*it, "projected_shard_tiles", &s.projected_shard_tiles)) {
      return std::nullopt;
    }
    a.nd_shard = std::move(s);
  }
  return a;
}

std::optional<CbAttr> CbFromAttr(const ir::AttrValue& v) {
  CbAttr a;
  if (!v.is_object() || !Get(v, "page_size", &a.page_size) || !Get(v, "depth", &a.depth) ||
      !Get(v, "data_format", &a.data_format)) {
    return std::nullopt;
  }
  return a;
}

int64_t GetInt(const ir::AttrValue& attrs, const char* key, int64_t fallback) {
  auto it = attrs.find(key);
  if (it == attrs.end() || !it->is_number_integer()) return fallback;
  return it->get<int64_t>();
}

}  // namespace ttc
