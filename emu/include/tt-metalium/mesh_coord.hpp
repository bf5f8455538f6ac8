// ttc emulator: mesh shapes and coordinates (tt-metalium/mesh_coord.hpp). A MeshShape is an
// N-dimensional extent (row-major), a MeshCoordinate a point in it, a MeshCoordinateRange an
// inclusive box of coordinates iterated row-major.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <tt_stl/span.hpp>

namespace tt::tt_metal::distributed {

class MeshShape {
public:
    explicit MeshShape(std::size_t x);
    MeshShape(std::size_t x, std::size_t y);
    MeshShape(std::size_t x, std::size_t y, std::size_t z);
    explicit MeshShape(tt::stl::Span<const std::uint32_t> shape);
    MeshShape(std::initializer_list<std::uint32_t> shape) : MeshShape(tt::stl::Span<const std::uint32_t>(shape)) {}

    std::size_t dims() const { return value_.size(); }
    std::size_t get_stride(std::size_t dim) const;
    std::size_t mesh_size() const;
    std::uint32_t operator[](std::int32_t dim) const;
    tt::stl::Span<const std::uint32_t> view() const { return value_; }
    auto cbegin() const { return value_.cbegin(); }
    auto cend() const { return value_.cend(); }
    bool is_line_topology() const;

    friend bool operator==(const MeshShape& lhs, const MeshShape& rhs) { return lhs.value_ == rhs.value_; }
    friend bool operator!=(const MeshShape& lhs, const MeshShape& rhs) { return !(lhs == rhs); }
    friend std::ostream& operator<<(std::ostream& os, const MeshShape& shape);

private:
    std::vector<std::uint32_t> value_;
};

class MeshCoordinate {
public:
    explicit MeshCoordinate(std::size_t x);
    MeshCoordinate(std::size_t x, std::size_t y);
    MeshCoordinate(std::size_t x, std::size_t y, std::size_t z);
    explicit MeshCoordinate(tt::stl::Span<const std::uint32_t> coords);
    // The origin of a `dimensions`-dimensional mesh.
    static MeshCoordinate zero_coordinate(std::size_t dimensions);

    std::size_t dims() const { return value_.size(); }
    tt::stl::Span<const std::uint32_t> coords() const { return value_; }
    std::uint32_t operator[](std::int32_t dim) const;
    std::uint32_t& operator[](std::int32_t dim);

    friend bool operator==(const MeshCoordinate& lhs, const MeshCoordinate& rhs) { return lhs.value_ == rhs.value_; }
    friend bool operator!=(const MeshCoordinate& lhs, const MeshCoordinate& rhs) { return !(lhs == rhs); }
    friend bool operator<(const MeshCoordinate& lhs, const MeshCoordinate& rhs) { return lhs.value_ < rhs.value_; }
    friend std::ostream& operator<<(std::ostream& os, const MeshCoordinate& coord);

private:
    std::vector<std::uint32_t> value_;
};

// Row-major index of `coord` in `shape`; throws when it is outside.
std::size_t to_linear_index(const MeshShape& shape, const MeshCoordinate& coord);

class MeshCoordinateRange {
public:
    // The inclusive box from start to end (same dimensionality, start <= end in every dim).
    MeshCoordinateRange(const MeshCoordinate& start, const MeshCoordinate& end);
    // A single coordinate.
    explicit MeshCoordinateRange(const MeshCoordinate& coord) : MeshCoordinateRange(coord, coord) {}
    // Every coordinate of the mesh.
    explicit MeshCoordinateRange(const MeshShape& shape);

    std::size_t dims() const { return start_.dims(); }
    const MeshCoordinate& start_coord() const { return start_; }
    const MeshCoordinate& end_coord() const { return end_; }
    MeshShape shape() const;
    bool contains(const MeshCoordinate& coord) const;
    bool contains(const MeshCoordinateRange& range) const;
    bool intersects(const MeshCoordinateRange& range) const;

    class Iterator {
    public:
        Iterator& operator++();
        const MeshCoordinate& operator*() const { return current_; }
        const MeshCoordinate* operator->() const { return &current_; }
        bool operator==(const Iterator& other) const { return linear_index_ == other.linear_index_; }
        bool operator!=(const Iterator& other) const { return !(*this == other); }

    private:
        Iterator(const MeshCoordinateRange* range, const MeshCoordinate& current, std::size_t linear_index)
            : range_(range), current_(current), linear_index_(linear_index) {}
        friend class MeshCoordinateRange;
        const MeshCoordinateRange* range_;
        MeshCoordinate current_;
        std::size_t linear_index_;
    };
    Iterator begin() const;
    Iterator end() const;

    friend bool operator==(const MeshCoordinateRange& lhs, const MeshCoordinateRange& rhs) {
        return lhs.start_ == rhs.start_ && lhs.end_ == rhs.end_;
    }
    friend bool operator!=(const MeshCoordinateRange& lhs, const MeshCoordinateRange& rhs) { return !(lhs == rhs); }
    friend std::ostream& operator<<(std::ostream& os, const MeshCoordinateRange& range);

private:
    MeshCoordinate start_;
    MeshCoordinate end_;
};

}  // namespace tt::tt_metal::distributed

template <>
struct std::hash<tt::tt_metal::distributed::MeshCoordinate> {
    std::size_t operator()(const tt::tt_metal::distributed::MeshCoordinate& coord) const noexcept {
        std::size_t seed = coord.dims();
        for (std::uint32_t c : coord.coords()) seed ^= std::hash<std::uint32_t>()(c) + 0x9e3779b9 + (seed << 6) + (seed >> 2);
        return seed;
    }
};

template <>
struct std::hash<tt::tt_metal::distributed::MeshCoordinateRange> {
    std::size_t operator()(const tt::tt_metal::distributed::MeshCoordinateRange& range) const noexcept {
        const std::hash<tt::tt_metal::distributed::MeshCoordinate> h;
        const std::size_t a = h(range.start_coord());
        return a ^ (h(range.end_coord()) + 0x9e3779b9 + (a << 6) + (a >> 2));
    }
};
