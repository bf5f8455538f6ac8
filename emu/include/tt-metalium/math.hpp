// ttc emulator: integer helpers (tt-metalium/math.hpp).
#pragma once

#include <cstdint>
#include <type_traits>

namespace tt {

template <typename A, typename B>
constexpr auto div_up(A n, B d) {
    return (n + d - 1) / d;
}

template <typename A, typename B>
constexpr auto round_up(A value, B multiple) {
    return multiple == 0 ? value : div_up(value, multiple) * multiple;
}

template <typename A, typename B>
constexpr auto round_down(A value, B multiple) {
    return value / multiple * multiple;
}

// `addr` rounded up to a multiple of the power of two `alignment`.
template <typename A, typename B>
constexpr auto align(A addr, B alignment) {
    using T = std::common_type_t<A, B>;
    return static_cast<T>(((static_cast<T>(addr) + static_cast<T>(alignment) - 1) / static_cast<T>(alignment)) *
                          static_cast<T>(alignment));
}

constexpr bool is_power_of_2(std::uint32_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace tt
