#include "passes/circular_buffers.h"

#include <algorithm>

#include "passes/attrs.h"

namespace ttc {

ir::AttrValue ToAttr(const CircularBuffer& cb) {
  return ir::AttrValue{{"cb_id", cb.cb_id},         {"buffer", cb.buffer},
                       {"role", cb.role},           {"page_size", cb.page_size},
                       {"num_pages", cb.num_pages}, {"data_format", cb.data_format},
                       {"block_tiles", cb.block_tiles}, {"block_tile_grid", {cb.tile_rows, cb.tile_cols}}};
}

std::vector<CircularBuffer> CircularBuffersOf(const ir::PrimFunc& func) {
  std::vector<CircularBuffer> out;
  auto it = func.attrs.find(attr::kCircularBuffers);
  if (it == func.attrs.end()) return out;
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
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.cb_id < b.cb_id; });
  return out;
}

std::optional<CircularBuffer> FindCircularBuffer(const ir::PrimFunc& func, const std::string& name) {
  for (CircularBuffer& cb : CircularBuffersOf(func)) {
    if (cb.buffer == name) return cb;
  }
  return std::nullopt;
}

}  // namespace ttc
