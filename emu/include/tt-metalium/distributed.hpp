// ttc emulator: TT-Metalium's MeshDevice API (tt-metalium/distributed.hpp), the host API of
// TT's current programming examples: MeshDevice::create_unit_mesh, MeshBuffer::create with a
// ReplicatedBufferConfig (or ShardedBufferConfig) and a DeviceLocalBufferConfig, MeshWorkload,
// EnqueueMeshWorkload, EnqueueWriteMeshBuffer / EnqueueReadMeshBuffer, WriteShard / ReadShard,
// Finish, events and traces. On the unit mesh each call acts on the one emulated device, with
// the same semantics as the classic API (host_api.hpp); meshes larger than 1x1 are refused
// when created (mesh_device.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <tt-metalium/assert.hpp>
#include <tt-metalium/buffer.hpp>
#include <tt-metalium/host_api.hpp>
#include <tt-metalium/mesh_buffer.hpp>
#include <tt-metalium/mesh_command_queue.hpp>
#include <tt-metalium/mesh_config.hpp>
#include <tt-metalium/mesh_coord.hpp>
#include <tt-metalium/mesh_device.hpp>
#include <tt-metalium/mesh_event.hpp>
#include <tt-metalium/mesh_trace_id.hpp>
#include <tt-metalium/mesh_workload.hpp>
#include <tt-metalium/shape2d.hpp>
#include <tt-metalium/sub_device.hpp>
#include <tt-metalium/sub_device_types.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>
#include <tt_stl/span.hpp>

namespace tt::tt_metal::distributed {

namespace emu_detail {
// Writes the first min(bytes, device-local size) bytes of every device's part of the buffer.
void WriteMeshBufferBytes(MeshCommandQueue& mesh_cq, const std::shared_ptr<MeshBuffer>& mesh_buffer, const void* src,
                          std::size_t bytes);
}  // namespace emu_detail

MeshWorkload CreateMeshWorkload();

void AddProgramToMeshWorkload(MeshWorkload& mesh_workload, Program&& program, const MeshCoordinateRange& device_range);

void EnqueueMeshWorkload(MeshCommandQueue& mesh_cq, MeshWorkload& mesh_workload, bool blocking);

// Writes src to the shard of the device at `coord`.
template <typename DType>
void WriteShard(MeshCommandQueue& mesh_cq, const std::shared_ptr<MeshBuffer>& mesh_buffer, std::vector<DType>& src,
                const MeshCoordinate& coord, bool blocking = false) {
    TT_FATAL(src.size() * sizeof(DType) >= mesh_buffer->device_local_size(),
             "WriteShard: {} bytes of host data for a shard of {} bytes", src.size() * sizeof(DType),
             mesh_buffer->device_local_size());
    mesh_cq.enqueue_write_shards(mesh_buffer, {{.shard_coord = coord, .host_data = src.data(), .region = std::nullopt}},
                                 blocking);
}

// Resizes dst to the shard's size and reads the shard of the device at `coord` into it.
template <typename DType>
void ReadShard(MeshCommandQueue& mesh_cq, std::vector<DType>& dst, const std::shared_ptr<MeshBuffer>& mesh_buffer,
               const MeshCoordinate& coord, bool blocking = true) {
    if (!mesh_cq.device()->is_local(coord)) return;
    dst.resize(mesh_buffer->device_local_size() / sizeof(DType));
    mesh_cq.enqueue_read_shards({{.shard_coord = coord, .host_data = dst.data(), .region = std::nullopt}}, mesh_buffer,
                                blocking);
}

// Writes src to the whole buffer (replicated: to every device; sharded: each device its
// shard). src may be shorter than the buffer: only its bytes are written.
template <typename DType>
void EnqueueWriteMeshBuffer(MeshCommandQueue& mesh_cq, const std::shared_ptr<MeshBuffer>& mesh_buffer,
                            const std::vector<DType>& src, bool blocking = false) {
    (void)blocking;
    emu_detail::WriteMeshBufferBytes(mesh_cq, mesh_buffer, src.data(), src.size() * sizeof(DType));
}

// Resizes dst to the buffer's size and reads it. A replicated buffer is read from a single-
// device mesh only (as TT-Metalium requires).
template <typename DType>
void EnqueueReadMeshBuffer(MeshCommandQueue& mesh_cq, std::vector<DType>& dst,
                           const std::shared_ptr<MeshBuffer>& mesh_buffer, bool blocking = true) {
    TT_FATAL(mesh_buffer->global_layout() == MeshBufferLayout::SHARDED || mesh_buffer->device()->num_devices() == 1,
             "Can only read a Sharded MeshBuffer from a MeshDevice.");
    dst.resize(mesh_buffer->size() / sizeof(DType));
    mesh_cq.enqueue_read_mesh_buffer(dst.data(), mesh_buffer, blocking);
}

// Events: recorded after every command enqueued before them, complete when recorded.
MeshEvent EnqueueRecordEvent(MeshCommandQueue& mesh_cq, tt::stl::Span<const SubDeviceId> sub_device_ids = {},
                             const std::optional<MeshCoordinateRange>& device_range = std::nullopt);
MeshEvent EnqueueRecordEventToHost(MeshCommandQueue& mesh_cq, tt::stl::Span<const SubDeviceId> sub_device_ids = {},
                                   const std::optional<MeshCoordinateRange>& device_range = std::nullopt);
void EnqueueWaitForEvent(MeshCommandQueue& mesh_cq, const MeshEvent& event);
void EventSynchronize(const MeshEvent& event);
bool EventQuery(const MeshEvent& event);

MeshTraceId BeginTraceCapture(MeshDevice* device, std::uint8_t cq_id);
void EndTraceCapture(MeshDevice* device, std::uint8_t cq_id, const MeshTraceId& trace_id);
void ReplayTrace(MeshDevice* device, std::uint8_t cq_id, const MeshTraceId& trace_id, bool blocking);
void ReleaseTrace(MeshDevice* device, const MeshTraceId& trace_id);

void Synchronize(MeshDevice* device, std::optional<std::uint8_t> cq_id,
                 tt::stl::Span<const SubDeviceId> sub_device_ids = {});
void Finish(MeshCommandQueue& mesh_cq, tt::stl::Span<const SubDeviceId> sub_device_ids = {});

// False: the emulator runs in one process.
bool UsingDistributedEnvironment();

}  // namespace tt::tt_metal::distributed
