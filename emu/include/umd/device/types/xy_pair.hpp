// ttc emulator: UMD's coordinate pair (umd/device/types/xy_pair.hpp), the type behind
// TT-Metalium's CoreCoord. A literal type: `constexpr CoreCoord core = {0, 0};` compiles.
// Ordering is x-major, as UMD's.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace tt::umd {

struct xy_pair {
    constexpr xy_pair() : x{}, y{} {}
    constexpr xy_pair(std::size_t x_in, std::size_t y_in) : x(x_in), y(y_in) {}

    std::size_t x;
    std::size_t y;

    std::string str() const { return "(x=" + std::to_string(x) + ",y=" + std::to_string(y) + ")"; }
};

constexpr bool operator==(const xy_pair& a, const xy_pair& b) { return a.x == b.x && a.y == b.y; }
constexpr bool operator!=(const xy_pair& a, const xy_pair& b) { return !(a == b); }
constexpr bool operator<(const xy_pair& a, const xy_pair& b) { return a.x < b.x || (a.x == b.x && a.y < b.y); }

}  // namespace tt::umd

using tt_xy_pair = tt::umd::xy_pair;

namespace std {
template <>
struct hash<tt::umd::xy_pair> {
    std::size_t operator()(const tt::umd::xy_pair& p) const noexcept {
        std::size_t seed = std::hash<std::size_t>()(p.x);
        return seed ^ (std::hash<std::size_t>()(p.y) + 0x9e3779b9 + (seed << 6) + (seed >> 2));
    }
};
}  // namespace std
