// ttc emulator: splitting work units over a core grid (tt-metalium/work_split.hpp), with
// TT-Metalium's results: cores are taken column by column from {0, 0} (row by row when
// row_wise); with more units than cores the whole grid works and the first
// `units % cores` cores (core_group_1) take one unit more than the others (core_group_2).
#pragma once

#include <cstdint>
#include <tuple>

#include <tt-metalium/core_coord.hpp>

namespace tt::tt_metal {

// `target_num_cores` cores of a grid_size grid from start_core on, as at most three ranges
// (a partial row or column, full rows or columns, a partial one). Throws when they do not fit.
CoreRangeSet num_cores_to_corerangeset(CoreCoord start_core, std::uint32_t target_num_cores, CoreCoord grid_size,
                                       bool row_wise = false);
CoreRangeSet num_cores_to_corerangeset(std::uint32_t target_num_cores, CoreCoord grid_size, bool row_wise = false);

// The same taken from the ranges of `sub_core_grids` in order, from start_core on.
CoreRangeSet num_cores_to_corerangeset_in_subcoregrids(CoreCoord start_core, std::uint32_t target_num_cores,
                                                       const CoreRangeSet& sub_core_grids, bool row_wise = false);

// {num_cores, all_cores, core_group_1, core_group_2, units_per_core_group_1, units_per_core_group_2}.
std::tuple<std::uint32_t, CoreRangeSet, CoreRangeSet, CoreRangeSet, std::uint32_t, std::uint32_t> split_work_to_cores(
    CoreCoord grid_size, std::uint32_t units_to_divide, bool row_wise = false);
std::tuple<std::uint32_t, CoreRangeSet, CoreRangeSet, CoreRangeSet, std::uint32_t, std::uint32_t> split_work_to_cores(
    const CoreRangeSet& core_grid, std::uint32_t units_to_divide, bool row_wise = false);

}  // namespace tt::tt_metal
