// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// Logical core coordinates, from tt-metal `tt_metal/api/tt-metalium/core_coord.hpp`
// (TT_METALIUM_API.md section 3.1). As there, the types are global and aliased into
// tt::tt_metal. CoreCoord is UMD's tt_xy_pair: {x, y} with a (x, y) constructor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

struct tt_xy_pair {
    tt_xy_pair();
    tt_xy_pair(std::size_t x, std::size_t y);

    std::size_t x;
    std::size_t y;
};

bool operator==(const tt_xy_pair& a, const tt_xy_pair& b);
bool operator<(const tt_xy_pair& a, const tt_xy_pair& b);

using CoreCoord = tt_xy_pair;

// The inclusive rectangle [start_coord, end_coord].
class CoreRange {
public:
    CoreCoord start_coord;
    CoreCoord end_coord;

    CoreRange(const CoreCoord& point);
    CoreRange(const CoreCoord& start_coord, const CoreCoord& end_coord);

    std::size_t size() const;
};

bool operator==(const CoreRange& a, const CoreRange& b);
bool operator<(const CoreRange& left, const CoreRange& right);

// A set of non-overlapping core ranges.
class CoreRangeSet {
public:
    CoreRangeSet();
    CoreRangeSet(const std::set<CoreRange>& core_ranges);
    CoreRangeSet(const CoreRange& core_range);

    const std::vector<CoreRange>& ranges() const;
    std::uint32_t num_cores() const;
    bool contains(const CoreCoord& other) const;
};

namespace tt::tt_metal {
using ::CoreCoord;
using ::CoreRange;
using ::CoreRangeSet;
}  // namespace tt::tt_metal
