// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// Device buffers and their configs, from tt-metal `tt_metal/api/tt-metalium/buffer.hpp`
// (TT_METALIUM_API.md section 3.1). The configs are aggregates with the real fields, order and
// default member initializers; a field without one must be given.
#pragma once

#include <array>
#include <cstdint>

#include <tt-metalium/buffer_types.hpp>
#include <tt-metalium/core_coord.hpp>

namespace tt::tt_metal {

class IDevice;

// How an L1 sharded buffer is split: shard shape (elements) over a core grid, page shape
// (elements) and the whole tensor's 2-D shape in pages.
struct ShardSpecBuffer {
    ShardSpecBuffer(const CoreRangeSet& core_sets_, const std::array<std::uint32_t, 2>& shard_shape_,
                    const ShardOrientation& shard_orientation_, const std::array<std::uint32_t, 2>& page_shape,
                    const std::array<std::uint32_t, 2>& tensor2d_shape_in_pages);

    std::array<std::uint32_t, 2> page_shape;
    std::array<std::uint32_t, 2> tensor2d_shape_in_pages;
};

// Pages round-robin over the banks; page_size == size puts the whole buffer in bank 0.
struct InterleavedBufferConfig {
    IDevice* device;
    DeviceAddr size;       // bytes
    DeviceAddr page_size;  // bytes per interleaved page
    BufferType buffer_type;
};

struct ShardedBufferConfig {
    IDevice* device;
    DeviceAddr size;       // bytes
    DeviceAddr page_size;  // bytes
    BufferType buffer_type = BufferType::L1;
    TensorMemoryLayout buffer_layout = TensorMemoryLayout::HEIGHT_SHARDED;
    ShardSpecBuffer shard_parameters;
};

class Buffer {
public:
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer();

    // Base address of the buffer, the same in every bank.
    std::uint32_t address() const;
    DeviceAddr size() const;
    DeviceAddr page_size() const;
};

}  // namespace tt::tt_metal
