// ttc emulator: buffer kinds and layouts (tt-metalium/buffer_types.hpp). The emulator keeps
// DRAM, L1 and L1_SMALL buffers (L1_SMALL is L1 here); SYSTEM_MEMORY and TRACE buffers are
// refused when created.
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

#include <fmt/core.h>

namespace tt::tt_metal {

using DeviceAddr = std::uint64_t;

enum class BufferType { DRAM, L1, SYSTEM_MEMORY, L1_SMALL, TRACE };

enum class TensorMemoryLayout { INTERLEAVED = 0, HEIGHT_SHARDED = 2, WIDTH_SHARDED = 3, BLOCK_SHARDED = 4 };

enum class ShardOrientation { ROW_MAJOR, COL_MAJOR };

enum class ShardMode { PHYSICAL, LOGICAL };

constexpr std::string_view enum_name(BufferType t) {
    switch (t) {
        case BufferType::DRAM: return "DRAM";
        case BufferType::L1: return "L1";
        case BufferType::SYSTEM_MEMORY: return "SYSTEM_MEMORY";
        case BufferType::L1_SMALL: return "L1_SMALL";
        case BufferType::TRACE: return "TRACE";
    }
    return "?";
}
constexpr std::string_view enum_name(TensorMemoryLayout l) {
    switch (l) {
        case TensorMemoryLayout::INTERLEAVED: return "INTERLEAVED";
        case TensorMemoryLayout::HEIGHT_SHARDED: return "HEIGHT_SHARDED";
        case TensorMemoryLayout::WIDTH_SHARDED: return "WIDTH_SHARDED";
        case TensorMemoryLayout::BLOCK_SHARDED: return "BLOCK_SHARDED";
    }
    return "?";
}
constexpr std::string_view enum_name(ShardOrientation o) {
    return o == ShardOrientation::ROW_MAJOR ? "ROW_MAJOR" : "COL_MAJOR";
}

inline std::ostream& operator<<(std::ostream& os, BufferType t) { return os << enum_name(t); }
inline std::ostream& operator<<(std::ostream& os, TensorMemoryLayout l) { return os << enum_name(l); }
inline std::ostream& operator<<(std::ostream& os, ShardOrientation o) { return os << enum_name(o); }

}  // namespace tt::tt_metal

// fmt prints these enums by enumerator name ("HEIGHT_SHARDED").
template <typename E>
    requires(std::is_same_v<E, tt::tt_metal::BufferType> || std::is_same_v<E, tt::tt_metal::TensorMemoryLayout> ||
             std::is_same_v<E, tt::tt_metal::ShardOrientation>)
struct fmt::formatter<E> : fmt::formatter<std::string_view> {
    auto format(E e, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(tt::tt_metal::enum_name(e), ctx);
    }
};
