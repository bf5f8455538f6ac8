#include "passes/core_ranges.h"

#include <algorithm>

namespace ttc {

std::vector<CoreRange> MergeCoreRanges(const std::vector<bool>& used, int64_t cols) {
  std::vector<CoreRange> done, open;
  const int64_t rows = cols > 0 ? (static_cast<int64_t>(used.size()) + cols - 1) / cols : 0;
  for (int64_t y = 0; y < rows; ++y) {
    std::vector<CoreRange> next;
    for (int64_t x = 0; x < cols;) {
      const int64_t id = y * cols + x;
      if (id >= static_cast<int64_t>(used.size()) || !used[id]) {
        ++x;
        continue;
      }
      int64_t x1 = x;
      while (x1 + 1 < cols && y * cols + x1 + 1 < static_cast<int64_t>(used.size()) && used[y * cols + x1 + 1]) ++x1;
      auto it = std::find_if(open.begin(), open.end(),
                             [&](const CoreRange& r) { return r.x0 == x && r.x1 == x1 && r.y1 == y - 1; });
      if (it != open.end()) {
        CoreRange r = *it;
        r.y1 = y;
        open.erase(it);
        next.push_back(r);
      } else {
        next.push_back({y, x, y, x1});
      }
      x = x1 + 1;
    }
    done.insert(done.end(), open.begin(), open.end());
    open = std::move(next);
  }
  done.insert(done.end(), open.begin(), open.end());
  std::sort(done.begin(), done.end(), [](const CoreRange& a, const CoreRange& b) {
    return a.y0 != b.y0 ? a.y0 < b.y0 : a.x0 < b.x0;
  });
  return done;
}

std::vector<std::pair<int64_t, int64_t>> CoresOf(const std::vector<CoreRange>& ranges) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const CoreRange& r : ranges) {
    for (int64_t y = r.y0; y <= r.y1; ++y) {
      for (int64_t x = r.x0; x <= r.x1; ++x) out.emplace_back(y, x);
    }
  }
  return out;
}

}  // namespace ttc
