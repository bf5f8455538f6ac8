// split_work_to_cores and num_cores_to_corerangeset (tt-metalium/work_split.hpp).
#include <stdexcept>
#include <string>
#include <vector>

#include <tt-metalium/work_split.hpp>

namespace tt::tt_metal {

namespace {

// Cores [start, start + count) of a `grid` (ordered row by row or column by column) as ranges,
// translated by `origin`.
std::vector<CoreRange> TakeCores(CoreCoord origin, CoreCoord start, std::uint32_t count, CoreCoord grid, bool row_wise) {
    // Work in (major, minor) = (y, x) for row_wise, (x, y) otherwise: a "line" is a row or a column.
    const std::size_t line_len = row_wise ? grid.x : grid.y;
    const std::size_t lines = row_wise ? grid.y : grid.x;
    std::size_t major = row_wise ? start.y : start.x, minor = row_wise ? start.x : start.y;
    const std::size_t available = (lines - 1 - major) * line_len + (line_len - minor);
    if (start.x >= grid.x || start.y >= grid.y || count > available) {
        throw std::invalid_argument("num_cores_to_corerangeset: " + std::to_string(count) + " cores from " + start.str() +
                                    " do not fit a " + std::to_string(grid.x) + "x" + std::to_string(grid.y) + " grid (" +
                                    std::to_string(available) + " available)");
    }
    auto at = [&](std::size_t maj, std::size_t min) {
        return row_wise ? CoreCoord(origin.x + min, origin.y + maj) : CoreCoord(origin.x + maj, origin.y + min);
    };
    std::vector<CoreRange> out;
    std::size_t left = count;
    if (minor != 0 && left > line_len - minor) {  // the rest of the start line
        out.emplace_back(at(major, minor), at(major, line_len - 1));
        left -= line_len - minor;
        ++major;
        minor = 0;
    }
    if (left > line_len) {  // whole lines
        const std::size_t full = left / line_len;
        out.emplace_back(at(major, 0), at(major + full - 1, line_len - 1));
        left -= full * line_len;
        major += full;
    }
    if (left > 0) out.emplace_back(at(major, minor), at(major, minor + left - 1));
    return out;
}

}  // namespace

CoreRangeSet num_cores_to_corerangeset(CoreCoord start_core, std::uint32_t target_num_cores, CoreCoord grid_size,
                                       bool row_wise) {
    return CoreRangeSet(TakeCores({0, 0}, start_core, target_num_cores, grid_size, row_wise));
}

CoreRangeSet num_cores_to_corerangeset(std::uint32_t target_num_cores, CoreCoord grid_size, bool row_wise) {
    return num_cores_to_corerangeset({0, 0}, target_num_cores, grid_size, row_wise);
}

CoreRangeSet num_cores_to_corerangeset_in_subcoregrids(CoreCoord start_core, std::uint32_t target_num_cores,
                                                       const CoreRangeSet& sub_core_grids, bool row_wise) {
    if (target_num_cores == 0 || target_num_cores > sub_core_grids.num_cores() || !sub_core_grids.contains(start_core)) {
        throw std::invalid_argument("num_cores_to_corerangeset_in_subcoregrids: " + std::to_string(target_num_cores) +
                                    " cores from " + start_core.str() + " are not in " + sub_core_grids.str());
    }
    std::vector<CoreRange> out;
    std::uint32_t left = target_num_cores;
    bool started = false;
    for (const CoreRange& r : sub_core_grids.ranges()) {
        if (left == 0) break;
        CoreCoord local(0, 0);
        if (!started) {
            if (!r.contains(start_core)) continue;
            started = true;
            local = CoreCoord(start_core.x - r.start_coord.x, start_core.y - r.start_coord.y);
        }
        const CoreCoord g = r.grid_size();
        const std::size_t line_len = row_wise ? g.x : g.y, lines = row_wise ? g.y : g.x;
        const std::size_t major = row_wise ? local.y : local.x, minor = row_wise ? local.x : local.y;
        const std::uint32_t here =
            std::min<std::uint32_t>(left, static_cast<std::uint32_t>((lines - 1 - major) * line_len + line_len - minor));
        for (const CoreRange& piece : TakeCores(r.start_coord, local, here, g, row_wise)) out.push_back(piece);
        left -= here;
    }
    if (left != 0) throw std::invalid_argument("num_cores_to_corerangeset_in_subcoregrids: not enough cores");
    return CoreRangeSet(std::move(out));
}

std::tuple<std::uint32_t, CoreRangeSet, CoreRangeSet, CoreRangeSet, std::uint32_t, std::uint32_t> split_work_to_cores(
    CoreCoord grid_size, std::uint32_t units_to_divide, bool row_wise) {
    if (units_to_divide == 0) return {0, CoreRangeSet(), CoreRangeSet(), CoreRangeSet(), 0, 0};
    const auto max_cores = static_cast<std::uint32_t>(grid_size.x * grid_size.y);
    const std::uint32_t num_cores = std::min(units_to_divide, max_cores);
    const CoreRangeSet all_cores = units_to_divide >= max_cores
                                       ? CoreRangeSet(CoreRange({0, 0}, {grid_size.x - 1, grid_size.y - 1}))
                                       : num_cores_to_corerangeset(num_cores, grid_size, row_wise);
    const std::uint32_t per_core = units_to_divide / num_cores, more = units_to_divide % num_cores;
    if (more == 0) return {num_cores, all_cores, all_cores, CoreRangeSet(), per_core, 0};
    // The first `more` cores take per_core + 1 units; the rest start right after them.
    const CoreRangeSet group_1 = num_cores_to_corerangeset(more, grid_size, row_wise);
    const CoreCoord last = group_1.ranges().back().end_coord;
    CoreCoord next;
    if (row_wise) {
        next = last.x + 1 < grid_size.x ? CoreCoord(last.x + 1, last.y) : CoreCoord(0, last.y + 1);
    } else {
        next = last.y + 1 < grid_size.y ? CoreCoord(last.x, last.y + 1) : CoreCoord(last.x + 1, 0);
    }
    const CoreRangeSet group_2 = num_cores_to_corerangeset(next, num_cores - more, grid_size, row_wise);
    return {num_cores, all_cores, group_1, group_2, per_core + 1, per_core};
}

std::tuple<std::uint32_t, CoreRangeSet, CoreRangeSet, CoreRangeSet, std::uint32_t, std::uint32_t> split_work_to_cores(
    const CoreRangeSet& core_grid, std::uint32_t units_to_divide, bool row_wise) {
    if (units_to_divide == 0) return {0, CoreRangeSet(), CoreRangeSet(), CoreRangeSet(), 0, 0};
    const std::uint32_t max_cores = core_grid.num_cores();
    if (max_cores == 0) throw std::invalid_argument("split_work_to_cores: the core grid has no cores");
    const CoreCoord start = core_grid.ranges().front().start_coord;
    const std::uint32_t num_cores = std::min(units_to_divide, max_cores);
    const CoreRangeSet all_cores = units_to_divide >= max_cores
                                       ? core_grid
                                       : num_cores_to_corerangeset_in_subcoregrids(start, num_cores, core_grid, row_wise);
    const std::uint32_t per_core = units_to_divide / num_cores, more = units_to_divide % num_cores;
    if (more == 0) return {num_cores, all_cores, all_cores, CoreRangeSet(), per_core, 0};
    // Group 1 is the first `more` cores in the grid's order, group 2 the next ones.
    const std::vector<CoreCoord> ordered = corerange_to_cores(all_cores, std::nullopt, row_wise);
    const CoreRangeSet group_1 = num_cores_to_corerangeset_in_subcoregrids(start, more, core_grid, row_wise);
    const CoreRangeSet group_2 =
        num_cores_to_corerangeset_in_subcoregrids(ordered.at(more), num_cores - more, core_grid, row_wise);
    return {num_cores, all_cores, group_1, group_2, per_core + 1, per_core};
}

}  // namespace tt::tt_metal
