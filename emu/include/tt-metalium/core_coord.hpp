// ttc emulator: TT-Metalium's core coordinates (tt-metalium/core_coord.hpp).
//   CoreCoord     logical {x, y} of a Tensix core (UMD's xy_pair; a literal type);
//   CoreRange     the inclusive rectangle [start_coord, end_coord], iterable row by row
//                 (x fastest), as TT's CoreRange::CoreIterator;
//   CoreRangeSet  non-overlapping CoreRanges (construction from overlapping ranges throws).
// fmt prints a CoreCoord as "(x=1,y=2)", a CoreRange as "[(x=0,y=0) - (x=1,y=1)]" and a
// CoreRangeSet as "{[...], [...]}", as TT's str() does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>
#include <tt_stl/span.hpp>
#include <umd/device/types/xy_pair.hpp>

using CoreCoord = tt_xy_pair;

class CoreRangeSet;

constexpr bool operator<=(const CoreCoord& a, const CoreCoord& b) { return a < b || a == b; }

class CoreRange {
public:
    CoreCoord start_coord;
    CoreCoord end_coord;

    constexpr CoreRange(const CoreCoord& point) : start_coord(point), end_coord(point) {}
    // Throws std::invalid_argument when end_coord is left of or above start_coord.
    constexpr CoreRange(const CoreCoord& start, const CoreCoord& end) : start_coord(start), end_coord(end) {
        if (end.x < start.x || end.y < start.y) {
            throw std::invalid_argument("Invalid core range for start_coord: " + start.str() +
                                        ", end_coord: " + end.str());
        }
    }

    bool intersects(const CoreRange& other) const {
        return !(end_coord.x < other.start_coord.x || start_coord.x > other.end_coord.x ||
                 end_coord.y < other.start_coord.y || start_coord.y > other.end_coord.y);
    }
    std::optional<CoreRange> intersection(const CoreRange& other) const;
    // True when the two ranges touch along an edge without overlapping.
    bool adjacent(const CoreRange& other) const;
    bool contains(const CoreCoord& c) const {
        return c.x >= start_coord.x && c.x <= end_coord.x && c.y >= start_coord.y && c.y <= end_coord.y;
    }
    bool contains(const CoreRange& other) const {
        return contains(other.start_coord) && contains(other.end_coord);
    }
    bool contains(const CoreRangeSet& other) const;
    // The union when this and `cr` are lined up (same x extent or same y extent) and
    // intersect or touch; nullopt otherwise.
    std::optional<CoreRange> merge(const CoreRange& cr) const;
    std::string str() const { return "[" + start_coord.str() + " - " + end_coord.str() + "]"; }
    constexpr std::size_t size() const {
        return (end_coord.x - start_coord.x + 1) * (end_coord.y - start_coord.y + 1);
    }
    constexpr CoreCoord grid_size() const {
        return {end_coord.x - start_coord.x + 1, end_coord.y - start_coord.y + 1};
    }

    // Visits the cores row by row: (x0, y0), (x0 + 1, y0), ..., (x1, y0), (x0, y0 + 1), ...
    class CoreIterator {
    public:
        constexpr CoreIterator(const CoreCoord& current, const CoreRange& range) : current_(current), range_(&range) {}
        CoreCoord& operator*() { return current_; }
        const CoreCoord& operator*() const { return current_; }
        CoreIterator& operator++() {
            if (current_.x == range_->end_coord.x) {
                current_ = CoreCoord(range_->start_coord.x, current_.y + 1);
            } else {
                ++current_.x;
            }
            return *this;
        }
        bool operator==(const CoreIterator& other) const { return current_ == other.current_; }
        bool operator!=(const CoreIterator& other) const { return !(*this == other); }

    private:
        CoreCoord current_;
        const CoreRange* range_;
    };
    CoreIterator begin() const { return CoreIterator(start_coord, *this); }
    CoreIterator end() const { return CoreIterator(CoreCoord(start_coord.x, end_coord.y + 1), *this); }
};

constexpr bool operator==(const CoreRange& a, const CoreRange& b) {
    return a.start_coord == b.start_coord && a.end_coord == b.end_coord;
}
constexpr bool operator!=(const CoreRange& a, const CoreRange& b) { return !(a == b); }
constexpr bool operator<(const CoreRange& a, const CoreRange& b) {
    return a.start_coord < b.start_coord || (a.start_coord == b.start_coord && a.end_coord < b.end_coord);
}

class CoreRangeSet {
public:
    CoreRangeSet() = default;
    CoreRangeSet(tt::stl::Span<const CoreRange> core_ranges);
    CoreRangeSet(const std::set<CoreRange>& core_ranges);
    CoreRangeSet(const CoreRange& core_range) : ranges_{core_range} {}
    // One range per core, then merged into as few ranges as possible.
    CoreRangeSet(tt::stl::Span<const CoreCoord> core_coords);
    CoreRangeSet(std::vector<CoreRange>&& core_ranges);

    bool empty() const { return ranges_.empty(); }
    std::size_t size() const { return ranges_.size(); }
    const std::vector<CoreRange>& ranges() const { return ranges_; }
    std::uint32_t num_cores() const;

    bool intersects(const CoreCoord& other) const { return contains(other); }
    bool intersects(const CoreRange& other) const;
    bool intersects(const CoreRangeSet& other) const;
    CoreRangeSet intersection(const CoreRangeSet& other) const;
    bool contains(const CoreCoord& other) const;
    bool contains(const CoreRange& other) const;
    bool contains(const CoreRangeSet& other) const;

    // The union with `other` (a CoreRangeSet or a container of CoreRanges), merged.
    template <typename T>
    CoreRangeSet merge(const T& other) const {
        std::vector<CoreRange> all(ranges_);
        for (const CoreRange& r : RangesOf(other)) all.push_back(r);
        return MergeCovered(all);
    }
    // The same cores in as few ranges as this emulator's row-then-column merge finds.
    CoreRangeSet merge_ranges() const { return MergeCovered(ranges_); }
    // The cores of this set that are not in `other`.
    CoreRangeSet subtract(const CoreRangeSet& other) const;
    CoreRange bounding_box() const;
    std::string str() const;

private:
    static const std::vector<CoreRange>& RangesOf(const CoreRangeSet& s) { return s.ranges_; }
    template <typename T>
    static const T& RangesOf(const T& container) {
        return container;
    }
    static CoreRangeSet MergeCovered(const std::vector<CoreRange>& ranges);
    void validate_no_overlap() const;
    std::vector<CoreRange> ranges_;
};

bool operator==(const CoreRangeSet& a, const CoreRangeSet& b);
inline bool operator!=(const CoreRangeSet& a, const CoreRangeSet& b) { return !(a == b); }

// The cores of `num_cores` taken from a grid_size_x x grid_size_y grid, row by row
// (row_wise) or column by column.
std::vector<CoreCoord> grid_to_cores(std::uint32_t num_cores, std::uint32_t grid_size_x, std::uint32_t grid_size_y,
                                     bool row_wise = false);
std::vector<CoreCoord> grid_to_cores(CoreCoord start, CoreCoord end, bool row_wise = false);
// The cores of `crs` in range order; within a range row by row (row_wise) or column by
// column; at most max_cores of them.
std::vector<CoreCoord> corerange_to_cores(const CoreRangeSet& crs, std::optional<std::uint32_t> max_cores = std::nullopt,
                                          bool row_wise = false);

template <>
struct fmt::formatter<CoreCoord> : fmt::formatter<std::string_view> {
    auto format(const CoreCoord& c, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(c.str(), ctx);
    }
};
template <>
struct fmt::formatter<CoreRange> : fmt::formatter<std::string_view> {
    auto format(const CoreRange& r, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(r.str(), ctx);
    }
};
template <>
struct fmt::formatter<CoreRangeSet> : fmt::formatter<std::string_view> {
    auto format(const CoreRangeSet& s, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(s.str(), ctx);
    }
};

namespace tt::tt_metal {
using ::CoreCoord;
using ::CoreRange;
using ::CoreRangeSet;
}  // namespace tt::tt_metal

namespace std {
template <>
struct hash<CoreRange> {
    std::size_t operator()(const CoreRange& r) const noexcept {
        const std::size_t a = std::hash<CoreCoord>()(r.start_coord), b = std::hash<CoreCoord>()(r.end_coord);
        return a ^ (b + 0x9e3779b9 + (a << 6) + (a >> 2));
    }
};
}  // namespace std
