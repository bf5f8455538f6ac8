// ttc emulator: identifiers of captured mesh traces (tt-metalium/mesh_trace_id.hpp).
#pragma once

#include <cstdint>
#include <functional>

namespace tt::tt_metal::distributed {

struct MeshTraceId {
    std::uint32_t id = 0;
    constexpr auto operator*() const { return id; }
    constexpr bool operator==(const MeshTraceId&) const = default;
};

}  // namespace tt::tt_metal::distributed

template <>
struct std::hash<tt::tt_metal::distributed::MeshTraceId> {
    std::size_t operator()(const tt::tt_metal::distributed::MeshTraceId& t) const noexcept { return t.id; }
};
