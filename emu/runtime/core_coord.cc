// CoreRange / CoreRangeSet (tt-metalium/core_coord.hpp): intersections, merging, and the
// conversions between core lists and range sets.
#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

#include <tt-metalium/core_coord.hpp>

std::optional<CoreRange> CoreRange::intersection(const CoreRange& other) const {
    const std::size_t x0 = std::max(start_coord.x, other.start_coord.x), y0 = std::max(start_coord.y, other.start_coord.y);
    const std::size_t x1 = std::min(end_coord.x, other.end_coord.x), y1 = std::min(end_coord.y, other.end_coord.y);
    if (x0 > x1 || y0 > y1) return std::nullopt;
    return CoreRange({x0, y0}, {x1, y1});
}

bool CoreRange::adjacent(const CoreRange& other) const {
    const std::size_t x0 = std::max(start_coord.x, other.start_coord.x), y0 = std::max(start_coord.y, other.start_coord.y);
    const std::size_t x1 = std::min(end_coord.x, other.end_coord.x), y1 = std::min(end_coord.y, other.end_coord.y);
    return (x1 + 1 == x0 && y0 <= y1) || (y1 + 1 == y0 && x0 <= x1);
}

bool CoreRange::contains(const CoreRangeSet& other) const {
    for (const CoreRange& r : other.ranges()) {
        if (!contains(r)) return false;
    }
    return true;
}

std::optional<CoreRange> CoreRange::merge(const CoreRange& cr) const {
    if (!intersects(cr) && !adjacent(cr)) return std::nullopt;
    if (start_coord.x == cr.start_coord.x && end_coord.x == cr.end_coord.x) {
        return CoreRange({start_coord.x, std::min(start_coord.y, cr.start_coord.y)},
                         {end_coord.x, std::max(end_coord.y, cr.end_coord.y)});
    }
    if (start_coord.y == cr.start_coord.y && end_coord.y == cr.end_coord.y) {
        return CoreRange({std::min(start_coord.x, cr.start_coord.x), start_coord.y},
                         {std::max(end_coord.x, cr.end_coord.x), end_coord.y});
    }
    return std::nullopt;
}

CoreRangeSet::CoreRangeSet(tt::stl::Span<const CoreRange> core_ranges) : ranges_(core_ranges.begin(), core_ranges.end()) {
    validate_no_overlap();
}

CoreRangeSet::CoreRangeSet(const std::set<CoreRange>& core_ranges) : ranges_(core_ranges.begin(), core_ranges.end()) {
    validate_no_overlap();
}

CoreRangeSet::CoreRangeSet(std::vector<CoreRange>&& core_ranges) : ranges_(std::move(core_ranges)) {
    validate_no_overlap();
}

CoreRangeSet::CoreRangeSet(tt::stl::Span<const CoreCoord> core_coords) {
    std::vector<CoreRange> ranges;
    for (const CoreCoord& c : core_coords) ranges.emplace_back(c);
    *this = MergeCovered(ranges);
}

void CoreRangeSet::validate_no_overlap() const {
    for (std::size_t i = 0; i < ranges_.size(); ++i) {
        for (std::size_t j = i + 1; j < ranges_.size(); ++j) {
            if (ranges_[i].intersects(ranges_[j])) {
                throw std::invalid_argument("Cannot create CoreRangeSet with specified core ranges because core ranges " +
                                            ranges_[i].str() + " and " + ranges_[j].str() + " overlap!");
            }
        }
    }
}

std::uint32_t CoreRangeSet::num_cores() const {
    std::uint32_t n = 0;
    for (const CoreRange& r : ranges_) n += static_cast<std::uint32_t>(r.size());
    return n;
}

bool CoreRangeSet::intersects(const CoreRange& other) const {
    return std::any_of(ranges_.begin(), ranges_.end(), [&](const CoreRange& r) { return r.intersects(other); });
}

bool CoreRangeSet::intersects(const CoreRangeSet& other) const {
    return std::any_of(other.ranges_.begin(), other.ranges_.end(), [&](const CoreRange& r) { return intersects(r); });
}

CoreRangeSet CoreRangeSet::intersection(const CoreRangeSet& other) const {
    std::vector<CoreRange> out;
    for (const CoreRange& a : ranges_) {
        for (const CoreRange& b : other.ranges_) {
            if (auto i = a.intersection(b)) out.push_back(*i);
        }
    }
    return CoreRangeSet(std::move(out));
}

bool CoreRangeSet::contains(const CoreCoord& other) const {
    return std::any_of(ranges_.begin(), ranges_.end(), [&](const CoreRange& r) { return r.contains(other); });
}

// The ranges do not overlap, so `other` is covered when the covered parts add up to its size.
bool CoreRangeSet::contains(const CoreRange& other) const {
    std::size_t covered = 0;
    for (const CoreRange& r : ranges_) {
        if (auto i = r.intersection(other)) covered += i->size();
    }
    return covered == other.size();
}

bool CoreRangeSet::contains(const CoreRangeSet& other) const {
    return std::all_of(other.ranges_.begin(), other.ranges_.end(), [&](const CoreRange& r) { return contains(r); });
}

CoreRangeSet CoreRangeSet::subtract(const CoreRangeSet& other) const {
    std::vector<CoreCoord> keep;
    for (const CoreRange& r : ranges_) {
        for (const CoreCoord& c : r) {
            if (!other.contains(c)) keep.push_back(c);
        }
    }
    return CoreRangeSet(tt::stl::Span<const CoreCoord>(keep));
}

CoreRange CoreRangeSet::bounding_box() const {
    if (ranges_.empty()) throw std::invalid_argument("Cannot get bounding_box of an empty CoreRangeSet!");
    std::size_t x0 = std::numeric_limits<std::size_t>::max(), y0 = x0, x1 = 0, y1 = 0;
    for (const CoreRange& r : ranges_) {
        x0 = std::min(x0, r.start_coord.x);
        y0 = std::min(y0, r.start_coord.y);
        x1 = std::max(x1, r.end_coord.x);
        y1 = std::max(y1, r.end_coord.y);
    }
    return CoreRange({x0, y0}, {x1, y1});
}

std::string CoreRangeSet::str() const {
    std::string s = "{";
    for (std::size_t i = 0; i < ranges_.size(); ++i) s += (i ? ", " : "") + ranges_[i].str();
    return s + "}";
}

// Covers every core of `ranges` (overlaps allowed) with disjoint ranges: each row's cores
// become maximal horizontal runs, then runs with the same x extent on consecutive rows are
// stacked into rectangles.
CoreRangeSet CoreRangeSet::MergeCovered(const std::vector<CoreRange>& ranges) {
    std::map<std::size_t, std::set<std::size_t>> rows;  // y -> x of every covered core
    for (const CoreRange& r : ranges) {
        for (const CoreCoord& c : r) rows[c.y].insert(c.x);
    }
    std::vector<CoreRange> open;  // rectangles that may still grow downwards
    std::vector<CoreRange> done;
    for (const auto& [y, xs] : rows) {
        std::vector<std::pair<std::size_t, std::size_t>> runs;
        for (std::size_t x : xs) {
            if (!runs.empty() && runs.back().second + 1 == x) {
                runs.back().second = x;
            } else {
                runs.emplace_back(x, x);
            }
        }
        std::vector<CoreRange> next;
        for (const auto& [x0, x1] : runs) {
            auto it = std::find_if(open.begin(), open.end(), [&](const CoreRange& r) {
                return r.start_coord.x == x0 && r.end_coord.x == x1 && r.end_coord.y + 1 == y;
            });
            if (it != open.end()) {
                next.emplace_back(it->start_coord, CoreCoord(x1, y));
                open.erase(it);
            } else {
                next.emplace_back(CoreCoord(x0, y), CoreCoord(x1, y));
            }
        }
        done.insert(done.end(), open.begin(), open.end());
        open = std::move(next);
    }
    done.insert(done.end(), open.begin(), open.end());
    std::sort(done.begin(), done.end());
    return CoreRangeSet(std::move(done));
}

bool operator==(const CoreRangeSet& a, const CoreRangeSet& b) {
    if (a.ranges().size() != b.ranges().size()) return false;
    return std::equal(a.ranges().begin(), a.ranges().end(), b.ranges().begin());
}

std::vector<CoreCoord> grid_to_cores(std::uint32_t num_cores, std::uint32_t grid_size_x, std::uint32_t grid_size_y,
                                     bool row_wise) {
    if (num_cores > grid_size_x * grid_size_y) {
        throw std::invalid_argument("grid_to_cores: " + std::to_string(num_cores) + " cores do not fit a " +
                                    std::to_string(grid_size_x) + "x" + std::to_string(grid_size_y) + " grid");
    }
    std::vector<CoreCoord> cores;
    for (std::uint32_t i = 0; i < num_cores; ++i) {
        cores.push_back(row_wise ? CoreCoord(i % grid_size_x, i / grid_size_x) : CoreCoord(i / grid_size_y, i % grid_size_y));
    }
    return cores;
}

std::vector<CoreCoord> grid_to_cores(CoreCoord start, CoreCoord end, bool row_wise) {
    std::vector<CoreCoord> cores;
    if (row_wise) {
        for (std::size_t y = start.y; y <= end.y; ++y) {
            for (std::size_t x = start.x; x <= end.x; ++x) cores.emplace_back(x, y);
        }
    } else {
        for (std::size_t x = start.x; x <= end.x; ++x) {
            for (std::size_t y = start.y; y <= end.y; ++y) cores.emplace_back(x, y);
        }
    }
    return cores;
}

std::vector<CoreCoord> corerange_to_cores(const CoreRangeSet& crs, std::optional<std::uint32_t> max_cores,
                                          bool row_wise) {
    std::vector<CoreCoord> cores;
    const std::size_t limit = max_cores.value_or(crs.num_cores());
    for (const CoreRange& r : crs.ranges()) {
        for (const CoreCoord& c : grid_to_cores(r.start_coord, r.end_coord, row_wise)) {
            if (cores.size() == limit) return cores;
            cores.push_back(c);
        }
    }
    return cores;
}
