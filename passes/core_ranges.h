// Core range sets (TT-Metalium's CoreRangeSet; struct CoreRange in passes/attrs.h) over the
// logical compute grid: cores are (y, x) with core id = y * cols + x (PASSES.md conventions). Encoded flat as
// [y0, x0, y1, x1, ...], inclusive rectangles, in row-major order of their top-left corner.
#ifndef TTC_PASSES_CORE_RANGES_H_
#define TTC_PASSES_CORE_RANGES_H_

#include <cstdint>
#include <vector>

#include "passes/attrs.h"

namespace ttc {

// Merges the cores whose `used[id]` is true (ids row-major on a grid `cols` wide) into
// rectangles: maximal horizontal runs per row, stacked with the run above when it spans the
// same columns. Deterministic. A fully used 8x8 grid is the one range [0, 0, 7, 7].
std::vector<CoreRange> MergeCoreRanges(const std::vector<bool>& used, int64_t cols);

// Cores of `ranges` in order: rectangle by rectangle, row-major inside each, as (y, x).
std::vector<std::pair<int64_t, int64_t>> CoresOf(const std::vector<CoreRange>& ranges);

}  // namespace ttc

#endif  // TTC_PASSES_CORE_RANGES_H_
