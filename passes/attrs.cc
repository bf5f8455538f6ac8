#include "passes/attrs.h"

namespace ttc {
namespace {

// Reads `key` of object `v` as T; false when absent or of another type.
template <typename T>
bool Get(const ir::AttrValue& v, const char* key, T* out) {
  if (!v.is_object()) return false;
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

// ---- Untyped scalars ----

bool HasAttr(const ir::AttrValue& attrs, const std::string& key) { return attrs.contains(key); }

void SetAttr(ir::AttrValue& attrs, const std::string& key, ir::AttrValue value) { attrs[key] = std::move(value); }

int64_t GetInt(const ir::AttrValue& attrs, const char* key, int64_t fallback) {
  auto it = attrs.find(key);
  if (it == attrs.end() || !it->is_number_integer()) return fallback;
  return it->get<int64_t>();
}

bool GetBool(const ir::AttrValue& attrs, const char* key, bool fallback) {
  auto it = attrs.find(key);
  if (it == attrs.end() || !it->is_boolean()) return fallback;
  return it->get<bool>();
}

std::optional<std::string> GetString(const ir::AttrValue& attrs, const char* key) {
  std::string s;
  if (!Get(attrs, key, &s)) return std::nullopt;
  return s;
}

std::optional<std::vector<int64_t>> GetInts(const ir::AttrValue& attrs, const std::string& key) {
  std::vector<int64_t> v;
  if (!Get(attrs, key.c_str(), &v)) return std::nullopt;
  return v;
}

std::vector<std::string> AttrKeys(const ir::AttrValue& attrs) {
  std::vector<std::string> keys;
  for (auto it = attrs.begin(); it != attrs.end(); ++it) keys.push_back(it.key());
  return keys;
}

std::string DumpAttr(const ir::AttrValue& attrs, const std::string& key) {
  auto it = attrs.find(key);
  return it == attrs.end() ? "null" : it->dump();
}

// ---- infer_default_tt_shard ----

void SetDefaultShards(ir::PrimFunc& func, const std::map<std::string, DefaultShardAttr>& shards) {
  ir::AttrValue shard = ir::AttrValue::object();
  for (const auto& [name, s] : shards) {
    const ir::TileGeometry& g = s.geometry;
    ir::AttrValue& ba = func.buffer_attrs[name];
    ba[attr::kBufLayout] = "dram_interleaved";
    ba[attr::kBufTileShape] = {g.tile_h, g.tile_w};
    ba[attr::kBufNumTilesHeight] = g.tiles_h;
    ba[attr::kBufNumTilesWidth] = g.tiles_w;
    ba[attr::kBufNeedsPadding] = g.needs_padding;
    if (g.needs_padding) ba[attr::kBufPaddedShape] = g.padded;
    ba[attr::kBufTensorAccessorConfig] = {{"memory", "DRAM"},
                                          {"layout", "interleaved"},
                                          {"page_size", g.page_bytes},
                                          {"num_pages", g.pages},
                                          {"bank_count", s.bank_count}};
    ir::AttrValue entry = {{"layout", "dram_interleaved"},
                           {"tile_shape", {g.tile_h, g.tile_w}},
                           {"tiles_height", g.tiles_h},
                           {"tiles_width", g.tiles_w},
                           {"needs_padding", g.needs_padding}};
    if (g.needs_padding) entry["padded_shape"] = g.padded;
    shard[name] = std::move(entry);
  }
  func.attrs[attr::kShard] = std::move(shard);
}

std::optional<LegacyShardAttr> LegacyShardOf(const ir::AttrValue& attrs, const std::string& buffer) {
  auto s = attrs.find(attr::kShard);
  if (s == attrs.end() || !s->is_object()) return std::nullopt;
  auto e = s->find(buffer);
  if (e == s->end()) return std::nullopt;
  LegacyShardAttr out;
  if (std::string layout; Get(*e, "layout", &layout)) out.layout = layout;
  if (std::vector<int64_t> tile; Get(*e, "tile_shape", &tile)) out.tile_shape = tile;
  return out;
}

// ---- infer_tt_layout / propagate_tt_layout ----

std::string BufferLayoutAttr::ResolvedDataFormat() const {
  if (!data_format.empty()) return data_format;
  auto dt = ir::ParseDType(dtype);
  return dt ? dt->tt_data_format : std::string();
}

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
  if (!a.data_format.empty()) v["data_format"] = a.data_format;
  if (a.cb_depth) v["cb_depth"] = *a.cb_depth;
  return v;
}

ir::AttrValue ToAttr(const CbAttr& a) {
  return ir::AttrValue{{"page_size", a.page_size}, {"depth", a.depth}, {"data_format", a.data_format}};
}

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
  if (v.contains("data_format") && !Get(v, "data_format", &a.data_format)) return std::nullopt;
  if (int64_t depth = 0; v.contains("cb_depth")) {
    if (!Get(v, "cb_depth", &depth)) return std::nullopt;
    a.cb_depth = depth;
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

std::optional<BufferLayoutAttr> BufferLayoutOf(const ir::PrimFunc& func, const ir::BufferNode& b) {
  auto it = func.attrs.find(attr::BufferKey(b.name));
  if (it == func.attrs.end()) return std::nullopt;
  auto a = BufferLayoutFromAttr(*it);
  if (!a || b.shape.empty()) return std::nullopt;
  const ir::DType dtype = ir::ParseDType(a->dtype).value_or(b.dtype);
  a->geometry = ir::TileGeometryOf(b.shape, a->tile_shape[0], a->tile_shape[1], dtype,
                                   a->needs_padding ? a->padded_shape : std::vector<int64_t>{});
  return a;
}

std::optional<CbAttr> CbOf(const ir::AttrValue& attrs, const std::string& buffer) {
  auto it = attrs.find(attr::CbKey(buffer));
  if (it == attrs.end()) return std::nullopt;
  return CbFromAttr(*it);
}

// ---- Work partition, core ranges ----

namespace {

std::vector<CoreRange> RangesFromFlat(const std::vector<int64_t>& flat) {
  std::vector<CoreRange> out;
  for (size_t i = 0; i + 3 < flat.size(); i += 4) out.push_back({flat[i], flat[i + 1], flat[i + 2], flat[i + 3]});
  return out;
}

std::vector<int64_t> FlatFromRanges(const std::vector<CoreRange>& ranges) {
  std::vector<int64_t> out;
  for (const CoreRange& r : ranges) out.insert(out.end(), {r.y0, r.x0, r.y1, r.x1});
  return out;
}

}  // namespace

void SetWorkPartition(ir::AttrValue& attrs, const WorkPartitionAttr& p) {
  if (!p.shard_grid.empty()) attrs[attr::kShardGrid] = p.shard_grid;
  if (!p.local_shape_tiles.empty()) attrs[attr::kLocalShapeTiles] = p.local_shape_tiles;
  attrs[attr::kPartitionMode] = p.mode;
  attrs[attr::kOrder] = p.order;
  attrs[attr::kGridTiles] = p.grid_tiles;
  attrs[attr::kCoreRanges] = FlatFromRanges(p.core_ranges);
  attrs[attr::kRuntimeArgs] = p.runtime_args.names;
  attrs[attr::kRuntimeConstants] = p.runtime_args.constants;
  attrs[attr::kCoreRuntimeArgs] = p.runtime_args.per_core;
}

std::optional<WorkPartitionAttr> WorkPartitionOf(const ir::AttrValue& attrs) {
  WorkPartitionAttr p;
  std::vector<int64_t> flat;
  if (!Get(attrs, attr::kPartitionMode, &p.mode) || !Get(attrs, attr::kOrder, &p.order) ||
      !Get(attrs, attr::kGridTiles, &p.grid_tiles) || !Get(attrs, attr::kCoreRanges, &flat) ||
      !Get(attrs, attr::kRuntimeArgs, &p.runtime_args.names) ||
      !Get(attrs, attr::kCoreRuntimeArgs, &p.runtime_args.per_core)) {
    return std::nullopt;
  }
  p.core_ranges = RangesFromFlat(flat);
  Get(attrs, attr::kRuntimeConstants, &p.runtime_args.constants);
  Get(attrs, attr::kShardGrid, &p.shard_grid);
  Get(attrs, attr::kLocalShapeTiles, &p.local_shape_tiles);
  return p;
}

std::vector<CoreRange> CoreRangesOf(const ir::AttrValue& attrs) {
  std::vector<int64_t> flat;
  Get(attrs, attr::kCoreRanges, &flat);
  return RangesFromFlat(flat);
}

std::vector<std::string> RuntimeArgNamesOf(const ir::AttrValue& attrs) {
  std::vector<std::string> names;
  Get(attrs, attr::kRuntimeArgs, &names);
  return names;
}

int64_t CoresWithWork(const ir::AttrValue& attrs) {
  auto it = attrs.find(attr::kCoreRuntimeArgs);
  return it == attrs.end() ? 0 : static_cast<int64_t>(it->size());
}

ir::AttrValue NestedCoreRanges(const std::vector<CoreRange>& ranges) {
  ir::AttrValue nested = ir::AttrValue::array();
  for (const CoreRange& r : ranges) nested.push_back({r.y0, r.x0, r.y1, r.x1});
  return nested;
}

// ---- Circular buffers ----

ir::AttrValue ToAttr(const CircularBuffer& cb) {
  return ir::AttrValue{{"cb_id", cb.cb_id},         {"buffer", cb.buffer},
                       {"role", cb.role},           {"page_size", cb.page_size},
                       {"num_pages", cb.num_pages}, {"data_format", cb.data_format},
                       {"block_tiles", cb.block_tiles}, {"block_tile_grid", {cb.tile_rows, cb.tile_cols}}};
}

std::vector<CircularBuffer> CircularBuffersFromAttrs(const ir::AttrValue& attrs) {
  std::vector<CircularBuffer> out;
  auto it = attrs.find(attr::kCircularBuffers);
  if (it == attrs.end()) return out;
  for (const ir::AttrValue& v : *it) {
    CircularBuffer cb;
    cb.cb_id = v["cb_id"].get<int64_t>();
    cb.buffer = v["buffer"].get<std::string>();
    cb.role = v["role"].get<std::string>();
    cb.page_size = v["page_size"].get<int64_t>();
    cb.num_pages = v["num_pages"].get<int64_t>();
    cb.data_format = v["data_format"].get<std::string>();
    cb.block_tiles = v["block_tiles"].get<int64_t>();
    cb.tile_rows = v["block_tile_grid"][0].get<int64_t>();
    cb.tile_cols = v["block_tile_grid"][1].get<int64_t>();
    out.push_back(std::move(cb));
  }
  return out;
}

void SetCircularBuffers(ir::AttrValue& attrs, const std::vector<CircularBuffer>& cbs) {
  ir::AttrValue list = ir::AttrValue::array();
  int64_t bytes = 0;
  for (const CircularBuffer& cb : cbs) {
    list.push_back(ToAttr(cb));
    bytes += cb.page_size * cb.num_pages;
  }
  attrs[attr::kCircularBuffers] = std::move(list);
  attrs[attr::kNumCbs] = static_cast<int64_t>(cbs.size());
  attrs[attr::kL1Bytes] = bytes;
}

}  // namespace ttc
