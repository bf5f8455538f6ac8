// ttc emulator: MeshBuffer (tt-metalium/mesh_buffer.hpp), a buffer allocated at the same
// address on every device of a mesh, replicated (each device holds the whole buffer) or
// sharded (each device holds one shard of a 2-D global buffer). On the unit mesh the one device
// holds everything: a ShardedBufferConfig must then have one shard covering the global shape.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

#include <tt-metalium/buffer.hpp>
#include <tt-metalium/buffer_types.hpp>
#include <tt-metalium/mesh_coord.hpp>
#include <tt-metalium/mesh_device.hpp>
#include <tt-metalium/shape2d.hpp>
#include <tt-metalium/sub_device_types.hpp>

namespace tt::tt_metal::distributed {

// How the buffer is laid out on each device.
struct DeviceLocalBufferConfig {
    DeviceAddr page_size = 0;
    BufferType buffer_type = BufferType::DRAM;
    BufferShardingArgs sharding_args = {};
    std::optional<bool> bottom_up = std::nullopt;
    std::optional<SubDeviceId> sub_device_id = std::nullopt;
};

// Every device gets `size` bytes, the same data.
struct ReplicatedBufferConfig {
    DeviceAddr size = 0;
};

// A global_buffer_shape buffer of global_size bytes cut into shard_shape pieces, one per device.
struct ShardedBufferConfig {
    DeviceAddr global_size = 0;
    Shape2D global_buffer_shape = {0, 0};
    Shape2D shard_shape = {0, 0};
    ShardOrientation shard_orientation = ShardOrientation::ROW_MAJOR;

    // Bytes per element: global_size / (global height x global width).
    std::uint32_t compute_datum_size_bytes() const;
    // {height replicated, width replicated}: a shard dimension of 0 replicates that dimension.
    std::pair<bool, bool> replicated_dims() const;
    // The shard shape with replicated dimensions taken from the global shape.
    Shape2D physical_shard_shape() const;
};

enum class MeshBufferLayout : std::uint8_t { REPLICATED, SHARDED };
using MeshBufferConfig = std::variant<ReplicatedBufferConfig, ShardedBufferConfig>;

class MeshBuffer {
public:
    // Allocates the buffer on every device of the mesh (at `address` when given: a view of
    // memory allocated elsewhere, which the MeshBuffer does not own).
    static std::shared_ptr<MeshBuffer> create(const MeshBufferConfig& mesh_buffer_config,
                                              const DeviceLocalBufferConfig& device_local_config, MeshDevice* mesh_device,
                                              std::optional<DeviceAddr> address = std::nullopt);
    ~MeshBuffer();
    MeshBuffer(const MeshBuffer&) = delete;
    MeshBuffer& operator=(const MeshBuffer&) = delete;

    bool is_allocated() const;
    void deallocate();
    // Throws when the mesh device is closed or gone.
    MeshDevice* device() const;
    // Global bytes: the replicated size, or the sharded global size.
    DeviceAddr size() const;
    DeviceAddr device_local_size() const { return device_local_size_; }
    // The buffer's address on every device, the same in every bank.
    std::uint32_t address() const { return address_; }
    MeshBufferLayout global_layout() const;
    const MeshBufferConfig& global_config() const { return config_; }
    // Throws for a replicated buffer.
    const ShardedBufferConfig& global_shard_spec() const;
    const DeviceLocalBufferConfig& device_local_config() const { return device_local_config_; }
    // The buffer of the device at `device_coord`.
    Buffer* get_device_buffer(const MeshCoordinate& device_coord) const;
    // A device's buffer, for the queries that are the same on every device.
    Buffer* get_reference_buffer() const;
    // The buffer that owns the allocation (null for a view created at an address).
    Buffer* get_backing_buffer() const;
    std::uint32_t datum_size_bytes() const;
    Shape2D physical_shard_shape() const;
    std::pair<bool, bool> replicated_dims() const;
    std::uint32_t page_size() const { return static_cast<std::uint32_t>(device_local_config_.page_size); }
    std::uint32_t num_pages() const {
        return page_size() == 0 ? 0 : static_cast<std::uint32_t>(device_local_size_ / page_size());
    }

private:
    MeshBuffer(const MeshBufferConfig& config, const DeviceLocalBufferConfig& local, DeviceAddr device_local_size,
               MeshDevice* mesh_device, std::shared_ptr<Buffer> buffer, bool owned);
    MeshBufferConfig config_;
    DeviceLocalBufferConfig device_local_config_;
    std::weak_ptr<MeshDevice> mesh_device_;
    std::uint32_t address_ = 0;
    DeviceAddr device_local_size_ = 0;
    std::shared_ptr<Buffer> buffer_;  // the unit device's buffer
    bool owned_ = true;
};

}  // namespace tt::tt_metal::distributed
