// ttc emulator: sub-device identifiers (tt-metalium/sub_device_types.hpp).
#pragma once

#include <cstdint>
#include <functional>

namespace tt::tt_metal {

struct SubDeviceId {
    std::uint8_t id = 0;
    constexpr auto operator*() const { return id; }
    constexpr bool operator==(const SubDeviceId&) const = default;
};

struct SubDeviceManagerId {
    std::uint64_t id = 0;
    constexpr auto operator*() const { return id; }
    constexpr bool operator==(const SubDeviceManagerId&) const = default;
};

}  // namespace tt::tt_metal

template <>
struct std::hash<tt::tt_metal::SubDeviceId> {
    std::size_t operator()(const tt::tt_metal::SubDeviceId& s) const noexcept { return s.id; }
};
