// ttc emulator: device buffers (tt-metalium/buffer.hpp). A buffer is interleaved page by page
// over the DRAM banks or the cores' L1 (page i in bank i % banks at address() + (i / banks) *
// aligned page size, TT_METALIUM_API.md 1.4), or sharded over L1 (ShardSpecBuffer: shards of
// `shape` elements, pages of `page_shape`, on the grid's cores in ROW_MAJOR order).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include <tt-metalium/bfloat16.hpp>
#include <tt-metalium/buffer_types.hpp>
#include <tt-metalium/constants.hpp>
#include <tt-metalium/core_coord.hpp>
#include <tt-metalium/hal_types.hpp>
#include <tt-metalium/sub_device_types.hpp>
#include <tt_stl/assert.hpp>

namespace tt::tt_metal {

class IDevice;
class Allocator;

struct ShardSpec {
    CoreRangeSet grid;                  // the cores holding the shards
    std::array<std::uint32_t, 2> shape;  // elements of one shard [height, width]
    ShardOrientation orientation = ShardOrientation::ROW_MAJOR;

    ShardSpec(const CoreRangeSet& core_sets, const std::array<std::uint32_t, 2>& shard_shape,
              const ShardOrientation& shard_orientation = ShardOrientation::ROW_MAJOR)
        : grid(core_sets), shape(shard_shape), orientation(shard_orientation) {}
    std::uint32_t num_cores() const { return grid.num_cores(); }
    std::uint32_t numel() const { return shape[0] * shape[1]; }
    bool operator==(const ShardSpec& other) const {
        return grid == other.grid && shape == other.shape && orientation == other.orientation;
    }
};

struct ShardSpecBuffer {
    ShardSpec tensor_shard_spec;
    std::array<std::uint32_t, 2> page_shape{};               // elements of one page [height, width]
    std::array<std::uint32_t, 2> tensor2d_shape_in_pages{};  // pages of the whole tensor [rows, cols]

    ShardSpecBuffer(const CoreRangeSet& core_sets, const std::array<std::uint32_t, 2>& shard_shape,
                    const ShardOrientation& shard_orientation, const std::array<std::uint32_t, 2>& page_shape_in,
                    const std::array<std::uint32_t, 2>& tensor2d_shape_in_pages_in)
        : tensor_shard_spec(core_sets, shard_shape, shard_orientation), page_shape(page_shape_in),
          tensor2d_shape_in_pages(tensor2d_shape_in_pages_in) {}
    ShardSpecBuffer(const ShardSpec& shard_spec, const std::array<std::uint32_t, 2>& page_shape_in,
                    const std::array<std::uint32_t, 2>& tensor2d_shape_in_pages_in)
        : tensor_shard_spec(shard_spec), page_shape(page_shape_in), tensor2d_shape_in_pages(tensor2d_shape_in_pages_in) {}

    CoreRangeSet grid() const { return tensor_shard_spec.grid; }
    std::array<std::uint32_t, 2> shape() const { return tensor_shard_spec.shape; }
    ShardOrientation orientation() const { return tensor_shard_spec.orientation; }
    void set_shard_spec(const ShardSpec& shard_spec) { tensor_shard_spec = shard_spec; }
    // Pages of one shard [rows, cols].
    std::array<std::uint32_t, 2> shape_in_pages() const {
        return {page_shape[0] == 0 ? 0 : shape()[0] / page_shape[0], page_shape[1] == 0 ? 0 : shape()[1] / page_shape[1]};
    }
    DeviceAddr num_pages() const {
        const auto p = shape_in_pages();
        return DeviceAddr{p[0]} * p[1];
    }
};

struct InterleavedBufferConfig {
    IDevice* device;
    DeviceAddr size;       // bytes
    DeviceAddr page_size;  // bytes of the unit interleaved over the banks (== size: the whole buffer in bank 0)
    BufferType buffer_type;
};

// The classic name of the interleaved configuration.
using BufferConfig = InterleavedBufferConfig;

struct ShardedBufferConfig {
    IDevice* device{};
    DeviceAddr size{};
    DeviceAddr page_size{};
    BufferType buffer_type = BufferType::L1;
    TensorMemoryLayout buffer_layout = TensorMemoryLayout::HEIGHT_SHARDED;
    ShardSpecBuffer shard_parameters;
};

// Interleaved (the default) or sharded with a ShardSpecBuffer.
class BufferShardingArgs {
public:
    BufferShardingArgs() = default;
    BufferShardingArgs(std::nullopt_t) {}
    BufferShardingArgs(ShardSpecBuffer shard_spec, TensorMemoryLayout buffer_layout)
        : shard_spec_(std::move(shard_spec)), buffer_layout_(buffer_layout) {}
    BufferShardingArgs(std::optional<ShardSpecBuffer> shard_spec, TensorMemoryLayout buffer_layout)
        : shard_spec_(std::move(shard_spec)), buffer_layout_(buffer_layout) {}

    const std::optional<ShardSpecBuffer>& shard_spec() const { return shard_spec_; }
    TensorMemoryLayout buffer_layout() const { return buffer_layout_; }

private:
    std::optional<ShardSpecBuffer> shard_spec_;
    TensorMemoryLayout buffer_layout_ = TensorMemoryLayout::INTERLEAVED;
};

inline bool is_sharded(const TensorMemoryLayout& layout) { return layout != TensorMemoryLayout::INTERLEAVED; }

struct BufferRegion {
    DeviceAddr offset = 0;
    DeviceAddr size = 0;
    BufferRegion() = delete;
    BufferRegion(DeviceAddr offset_in, DeviceAddr size_in) : offset(offset_in), size(size_in) {}
};

class Buffer {
public:
    struct Impl;
    // Allocates a buffer on `device` (interleaved, or sharded per `sharding_args`).
    static std::shared_ptr<Buffer> create(IDevice* device, DeviceAddr size, DeviceAddr page_size, BufferType buffer_type,
                                          const BufferShardingArgs& sharding_args = std::nullopt,
                                          std::optional<bool> bottom_up = std::nullopt,
                                          std::optional<SubDeviceId> sub_device_id = std::nullopt);
    // What the emulated device holds (Impl: its pages' placement) and what the host asked for.
    struct Attributes {
        IDevice* device = nullptr;
        BufferType buffer_type = BufferType::DRAM;
        TensorMemoryLayout buffer_layout = TensorMemoryLayout::INTERLEAVED;
        std::optional<ShardSpecBuffer> shard_spec;
    };
    Buffer(std::unique_ptr<Impl> impl, Attributes attributes);
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer();

    IDevice* device() const { return attributes_.device; }
    DeviceAddr size() const;
    // Base address of the buffer, the same in every bank.
    std::uint32_t address() const;
    DeviceAddr page_size() const;
    std::uint32_t num_pages() const;
    BufferType buffer_type() const { return attributes_.buffer_type; }
    TensorMemoryLayout buffer_layout() const { return attributes_.buffer_layout; }
    bool is_l1() const;
    bool is_dram() const;
    bool is_allocated() const { return true; }
    std::uint32_t alignment() const;
    DeviceAddr aligned_page_size() const;
    DeviceAddr aligned_size() const;
    bool has_shard_spec() const { return attributes_.shard_spec.has_value(); }
    // Throws when the buffer is interleaved.
    ShardSpecBuffer shard_spec() const;
    std::optional<std::uint32_t> num_cores() const;
    const Impl& impl() const { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
    Attributes attributes_;
};

}  // namespace tt::tt_metal
