// ttc emulator: MeshCommandQueue (tt-metalium/mesh_command_queue.hpp), a MeshDevice's queue of
// buffer transfers and workloads. Commands run when they are enqueued (blocking or not), in
// order; finish() returns at once and events are complete when recorded. While a trace is
// being captured (MeshDevice::begin_mesh_trace) workloads are recorded instead of run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <tt-metalium/buffer.hpp>
#include <tt-metalium/mesh_buffer.hpp>
#include <tt-metalium/mesh_coord.hpp>
#include <tt-metalium/mesh_device.hpp>
#include <tt-metalium/mesh_event.hpp>
#include <tt-metalium/mesh_trace_id.hpp>
#include <tt-metalium/mesh_workload.hpp>
#include <tt-metalium/sub_device_types.hpp>
#include <tt_stl/span.hpp>

namespace tt::tt_metal::distributed {

class MeshCommandQueue {
public:
    MeshCommandQueue(MeshDevice* mesh_device, std::uint32_t id) : mesh_device_(mesh_device), id_(id) {}
    MeshDevice* device() const { return mesh_device_; }
    std::uint32_t id() const { return id_; }

    void enqueue_mesh_workload(MeshWorkload& mesh_workload, bool blocking);

    // Host data to write to, or read from, one shard (one device) of a MeshBuffer; `region`
    // limits the transfer to a byte range of the shard.
    struct ShardDataTransfer {
        MeshCoordinate shard_coord;
        void* host_data = nullptr;
        std::optional<BufferRegion> region;
    };

    // Writes the whole buffer: the same data to every device (replicated), or each device's
    // shard of the global data (sharded).
    void enqueue_write_mesh_buffer(const std::shared_ptr<MeshBuffer>& buffer, const void* host_data, bool blocking);
    void enqueue_write_shard_to_sub_grid(const MeshBuffer& buffer, const void* host_data,
                                         const MeshCoordinateRange& device_range, bool blocking,
                                         std::optional<BufferRegion> region = std::nullopt);
    void enqueue_write_shards(const std::shared_ptr<MeshBuffer>& mesh_buffer,
                              const std::vector<ShardDataTransfer>& shard_data_transfers, bool blocking);
    void enqueue_read_mesh_buffer(void* host_data, const std::shared_ptr<MeshBuffer>& buffer, bool blocking);
    void enqueue_read_shards(const std::vector<ShardDataTransfer>& shard_data_transfers,
                             const std::shared_ptr<MeshBuffer>& mesh_buffer, bool blocking);

    MeshEvent enqueue_record_event(tt::stl::Span<const SubDeviceId> sub_device_ids = {},
                                   const std::optional<MeshCoordinateRange>& device_range = std::nullopt);
    MeshEvent enqueue_record_event_to_host(tt::stl::Span<const SubDeviceId> sub_device_ids = {},
                                           const std::optional<MeshCoordinateRange>& device_range = std::nullopt);
    void enqueue_wait_for_event(const MeshEvent& sync_event);
    void finish(tt::stl::Span<const SubDeviceId> sub_device_ids = {});

    // Trace capture (MeshDevice::begin_mesh_trace / end_mesh_trace / replay_mesh_trace).
    void record_begin(const MeshTraceId& trace_id);
    void record_end();
    void enqueue_trace(const MeshTraceId& trace_id, bool blocking);

private:
    // Bytes [offset, offset + size) of the unit device's buffer from or to host memory.
    void write_bytes(const MeshBuffer& buffer, const void* src, DeviceAddr offset, DeviceAddr size);
    void read_bytes(const MeshBuffer& buffer, void* dst, DeviceAddr offset, DeviceAddr size);
    void check_coord(const MeshCoordinate& coord, const char* what) const;

    MeshDevice* mesh_device_;
    std::uint32_t id_;
    std::uint32_t next_event_id_ = 1;
    std::optional<MeshTraceId> capturing_;
};

}  // namespace tt::tt_metal::distributed
