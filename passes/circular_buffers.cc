#include "passes/circular_buffers.h"

#include <algorithm>

#include "passes/attrs.h"

namespace ttc {

std::vector<CircularBuffer> CircularBuffersOf(const ir::PrimFunc& func) {
  std::vector<CircularBuffer> out = CircularBuffersFromAttrs(func.attrs);
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
