// MeshBuffer, MeshWorkload and the mesh command queue's transfers and events
// (tt-metalium/mesh_buffer.hpp, mesh_workload.hpp, mesh_command_queue.hpp, distributed.hpp)
// on the unit mesh: every transfer goes to or from the one device's buffer.
#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

#include <tt-metalium/distributed.hpp>

namespace tt::tt_metal {

TensorAccessorArgs::TensorAccessorArgs(const distributed::MeshBuffer& buffer) : buffer_(buffer.get_reference_buffer()) {}

TensorAccessorArgs::TensorAccessorArgs(const std::shared_ptr<distributed::MeshBuffer>& buffer)
    : buffer_(buffer ? buffer->get_reference_buffer() : nullptr) {}

}  // namespace tt::tt_metal

namespace tt::tt_metal::distributed {

// ---- ShardedBufferConfig ----

std::uint32_t ShardedBufferConfig::compute_datum_size_bytes() const {
    const std::size_t elements = global_buffer_shape.height() * global_buffer_shape.width();
    if (elements == 0 || global_size % elements != 0) {
        throw std::runtime_error("ShardedBufferConfig: global_size " + std::to_string(global_size) +
                                 " is not a whole number of bytes per element of the global shape");
    }
    return static_cast<std::uint32_t>(global_size / elements);
}

std::pair<bool, bool> ShardedBufferConfig::replicated_dims() const {
    return {shard_shape.height() == 0, shard_shape.width() == 0};
}

Shape2D ShardedBufferConfig::physical_shard_shape() const {
    const auto [h, w] = replicated_dims();
    return Shape2D(h ? global_buffer_shape.height() : shard_shape.height(),
                   w ? global_buffer_shape.width() : shard_shape.width());
}

// ---- MeshBuffer ----

MeshBuffer::MeshBuffer(const MeshBufferConfig& config, const DeviceLocalBufferConfig& local, DeviceAddr device_local_size,
                       MeshDevice* mesh_device, std::shared_ptr<Buffer> buffer, bool owned)
    : config_(config), device_local_config_(local), mesh_device_(mesh_device->shared_from_this()),
      address_(buffer->address()), device_local_size_(device_local_size), buffer_(std::move(buffer)), owned_(owned) {}

MeshBuffer::~MeshBuffer() = default;

std::shared_ptr<MeshBuffer> MeshBuffer::create(const MeshBufferConfig& mesh_buffer_config,
                                               const DeviceLocalBufferConfig& device_local_config, MeshDevice* mesh_device,
                                               std::optional<DeviceAddr> address) {
    if (mesh_device == nullptr) throw std::runtime_error("MeshBuffer::create: no mesh device");
    if (address) throw std::runtime_error("MeshBuffer::create: buffers at a given address are not emulated");
    DeviceAddr local_size = 0;
    if (const auto* r = std::get_if<ReplicatedBufferConfig>(&mesh_buffer_config)) {
        local_size = r->size;
    } else {
        const auto& s = std::get<ShardedBufferConfig>(mesh_buffer_config);
        const Shape2D shard = s.physical_shard_shape();
        const Shape2D& global = s.global_buffer_shape;
        if (shard.height() == 0 || shard.width() == 0 || global.height() % shard.height() != 0 ||
            global.width() % shard.width() != 0) {
            throw std::runtime_error("MeshBuffer::create: the shard shape does not tile the global buffer shape");
        }
        const std::size_t shards = (global.height() / shard.height()) * (global.width() / shard.width());
        const MeshShape& mesh = mesh_device->shape();
        if (shards > mesh.mesh_size()) {
            std::ostringstream os;
            os << "MeshBuffer::create: " << shards << " shards of " << shard << " in " << global << " need " << shards
               << " devices; the mesh " << mesh << " has " << mesh.mesh_size();
            throw std::runtime_error(os.str());
        }
        local_size = static_cast<DeviceAddr>(shard.height()) * shard.width() * s.compute_datum_size_bytes();
    }
    IDevice* device = mesh_device->unit_device();
    const BufferShardingArgs& sharding = device_local_config.sharding_args;
    std::shared_ptr<Buffer> buffer = Buffer::create(device, local_size, device_local_config.page_size,
                                                    device_local_config.buffer_type, sharding,
                                                    device_local_config.bottom_up, device_local_config.sub_device_id);
    return std::shared_ptr<MeshBuffer>(
        new MeshBuffer(mesh_buffer_config, device_local_config, local_size, mesh_device, std::move(buffer), true));
}

bool MeshBuffer::is_allocated() const { return buffer_ != nullptr; }

void MeshBuffer::deallocate() { buffer_.reset(); }

MeshDevice* MeshBuffer::device() const {
    std::shared_ptr<MeshDevice> mesh = mesh_device_.lock();
    if (!mesh) throw std::runtime_error("MeshBuffer: its mesh device is gone");
    return mesh.get();
}

DeviceAddr MeshBuffer::size() const {
    if (const auto* s = std::get_if<ShardedBufferConfig>(&config_)) return s->global_size;
    return std::get<ReplicatedBufferConfig>(config_).size;
}

MeshBufferLayout MeshBuffer::global_layout() const {
    return std::holds_alternative<ReplicatedBufferConfig>(config_) ? MeshBufferLayout::REPLICATED : MeshBufferLayout::SHARDED;
}

const ShardedBufferConfig& MeshBuffer::global_shard_spec() const {
    if (const auto* s = std::get_if<ShardedBufferConfig>(&config_)) return *s;
    throw std::runtime_error("MeshBuffer::global_shard_spec: the buffer is replicated");
}

Buffer* MeshBuffer::get_device_buffer(const MeshCoordinate& device_coord) const {
    to_linear_index(device()->shape(), device_coord);  // throws when outside the mesh
    return get_reference_buffer();
}

Buffer* MeshBuffer::get_reference_buffer() const {
    if (!buffer_) throw std::runtime_error("MeshBuffer: the buffer is deallocated");
    return buffer_.get();
}

Buffer* MeshBuffer::get_backing_buffer() const { return owned_ ? get_reference_buffer() : nullptr; }

std::uint32_t MeshBuffer::datum_size_bytes() const {
    if (const auto* s = std::get_if<ShardedBufferConfig>(&config_)) return s->compute_datum_size_bytes();
    throw std::runtime_error("MeshBuffer::datum_size_bytes: the buffer is replicated");
}

Shape2D MeshBuffer::physical_shard_shape() const { return global_shard_spec().physical_shard_shape(); }

std::pair<bool, bool> MeshBuffer::replicated_dims() const { return global_shard_spec().replicated_dims(); }

// ---- MeshWorkload ----

MeshWorkload::MeshWorkload() = default;
MeshWorkload::MeshWorkload(Program&& program, const MeshCoordinateRange& device_range) {
    add_program(device_range, std::move(program));
}
MeshWorkload::~MeshWorkload() = default;
MeshWorkload::MeshWorkload(MeshWorkload&& other) noexcept = default;
MeshWorkload& MeshWorkload::operator=(MeshWorkload&& other) noexcept = default;

void MeshWorkload::add_program(const MeshCoordinateRange& device_range, Program&& program) {
    for (const auto& [range, existing] : programs_) {
        if (range.intersects(device_range)) {
            std::ostringstream os;
            os << "MeshWorkload::add_program: " << device_range << " overlaps the programs already on " << range;
            throw std::runtime_error(os.str());
        }
    }
    programs_.emplace(device_range, std::move(program));
}

MeshWorkload CreateMeshWorkload() { return MeshWorkload(); }

void AddProgramToMeshWorkload(MeshWorkload& mesh_workload, Program&& program, const MeshCoordinateRange& device_range) {
    mesh_workload.add_program(device_range, std::move(program));
}

void EnqueueMeshWorkload(MeshCommandQueue& mesh_cq, MeshWorkload& mesh_workload, bool blocking) {
    mesh_cq.enqueue_mesh_workload(mesh_workload, blocking);
}

// ---- Transfers ----

void MeshCommandQueue::check_coord(const MeshCoordinate& coord, const char* what) const {
    if (!MeshCoordinateRange(mesh_device_->shape()).contains(coord)) {
        std::ostringstream os;
        os << what << ": " << coord << " is outside the mesh " << mesh_device_->shape();
        throw std::runtime_error(os.str());
    }
}

void MeshCommandQueue::write_bytes(const MeshBuffer& buffer, const void* src, DeviceAddr offset, DeviceAddr size) {
    if (offset + size > buffer.device_local_size()) {
        throw std::runtime_error("MeshBuffer write: bytes [" + std::to_string(offset) + ", " + std::to_string(offset + size) +
                                 ") are beyond the " + std::to_string(buffer.device_local_size()) + " bytes of a shard");
    }
    Buffer& b = *buffer.get_reference_buffer();
    CommandQueue& cq = mesh_device_->unit_device()->command_queue();
    if (offset == 0) {
        tt::tt_metal::emu_detail::WriteBufferBytes(cq, b, src, size);
        return;
    }
    std::vector<std::uint8_t> whole(b.size());
    EnqueueReadBuffer(cq, b, whole.data(), true);
    std::copy_n(static_cast<const std::uint8_t*>(src), size, whole.begin() + static_cast<std::ptrdiff_t>(offset));
    EnqueueWriteBuffer(cq, b, whole.data(), true);
}

void MeshCommandQueue::read_bytes(const MeshBuffer& buffer, void* dst, DeviceAddr offset, DeviceAddr size) {
    if (offset + size > buffer.device_local_size()) {
        throw std::runtime_error("MeshBuffer read: bytes [" + std::to_string(offset) + ", " + std::to_string(offset + size) +
                                 ") are beyond the " + std::to_string(buffer.device_local_size()) + " bytes of a shard");
    }
    Buffer& b = *buffer.get_reference_buffer();
    std::vector<std::uint8_t> whole(b.size());
    EnqueueReadBuffer(mesh_device_->unit_device()->command_queue(), b, whole.data(), true);
    std::copy_n(whole.begin() + static_cast<std::ptrdiff_t>(offset), size, static_cast<std::uint8_t*>(dst));
}

void MeshCommandQueue::enqueue_write_mesh_buffer(const std::shared_ptr<MeshBuffer>& buffer, const void* host_data, bool) {
    write_bytes(*buffer, host_data, 0, buffer->device_local_size());
}

void MeshCommandQueue::enqueue_write_shard_to_sub_grid(const MeshBuffer& buffer, const void* host_data,
                                                       const MeshCoordinateRange& device_range, bool,
                                                       std::optional<BufferRegion> region) {
    for (const MeshCoordinate& coord : device_range) check_coord(coord, "enqueue_write_shard_to_sub_grid");
    const DeviceAddr offset = region ? region->offset : 0;
    write_bytes(buffer, host_data, offset, region ? region->size : buffer.device_local_size());
}

void MeshCommandQueue::enqueue_write_shards(const std::shared_ptr<MeshBuffer>& mesh_buffer,
                                            const std::vector<ShardDataTransfer>& shard_data_transfers, bool) {
    for (const ShardDataTransfer& t : shard_data_transfers) {
        check_coord(t.shard_coord, "enqueue_write_shards");
        write_bytes(*mesh_buffer, t.host_data, t.region ? t.region->offset : 0,
                    t.region ? t.region->size : mesh_buffer->device_local_size());
    }
}

void MeshCommandQueue::enqueue_read_mesh_buffer(void* host_data, const std::shared_ptr<MeshBuffer>& buffer, bool) {
    read_bytes(*buffer, host_data, 0, buffer->device_local_size());
}

void MeshCommandQueue::enqueue_read_shards(const std::vector<ShardDataTransfer>& shard_data_transfers,
                                           const std::shared_ptr<MeshBuffer>& mesh_buffer, bool) {
    for (const ShardDataTransfer& t : shard_data_transfers) {
        check_coord(t.shard_coord, "enqueue_read_shards");
        read_bytes(*mesh_buffer, t.host_data, t.region ? t.region->offset : 0,
                   t.region ? t.region->size : mesh_buffer->device_local_size());
    }
}

MeshEvent MeshCommandQueue::enqueue_record_event(tt::stl::Span<const SubDeviceId>,
                                                 const std::optional<MeshCoordinateRange>& device_range) {
    return MeshEvent(next_event_id_++, mesh_device_, id_, device_range.value_or(MeshCoordinateRange(mesh_device_->shape())));
}

MeshEvent MeshCommandQueue::enqueue_record_event_to_host(tt::stl::Span<const SubDeviceId> sub_device_ids,
                                                         const std::optional<MeshCoordinateRange>& device_range) {
    return enqueue_record_event(sub_device_ids, device_range);
}

void MeshCommandQueue::enqueue_wait_for_event(const MeshEvent& sync_event) {
    if (sync_event.device() != mesh_device_) {
        throw std::runtime_error("enqueue_wait_for_event: the event was recorded on another mesh device");
    }
}

void MeshCommandQueue::finish(tt::stl::Span<const SubDeviceId>) {}

namespace emu_detail {

void WriteMeshBufferBytes(MeshCommandQueue& mesh_cq, const std::shared_ptr<MeshBuffer>& mesh_buffer, const void* src,
                          std::size_t bytes) {
    if (!mesh_buffer) throw std::runtime_error("EnqueueWriteMeshBuffer: null MeshBuffer");
    const DeviceAddr n = std::min<DeviceAddr>(bytes, mesh_buffer->device_local_size());
    mesh_cq.enqueue_write_shard_to_sub_grid(*mesh_buffer, src, MeshCoordinateRange(mesh_cq.device()->shape()), false,
                                            BufferRegion(0, n));
}

}  // namespace emu_detail

// ---- Events and synchronization ----

MeshEvent EnqueueRecordEvent(MeshCommandQueue& mesh_cq, tt::stl::Span<const SubDeviceId> sub_device_ids,
                             const std::optional<MeshCoordinateRange>& device_range) {
    return mesh_cq.enqueue_record_event(sub_device_ids, device_range);
}

MeshEvent EnqueueRecordEventToHost(MeshCommandQueue& mesh_cq, tt::stl::Span<const SubDeviceId> sub_device_ids,
                                   const std::optional<MeshCoordinateRange>& device_range) {
    return mesh_cq.enqueue_record_event_to_host(sub_device_ids, device_range);
}

void EnqueueWaitForEvent(MeshCommandQueue& mesh_cq, const MeshEvent& event) { mesh_cq.enqueue_wait_for_event(event); }
void EventSynchronize(const MeshEvent&) {}
bool EventQuery(const MeshEvent&) { return true; }
void Synchronize(MeshDevice* device, std::optional<std::uint8_t> cq_id, tt::stl::Span<const SubDeviceId>) {
    if (cq_id) device->mesh_command_queue(cq_id).finish();
}
void Finish(MeshCommandQueue& mesh_cq, tt::stl::Span<const SubDeviceId> sub_device_ids) { mesh_cq.finish(sub_device_ids); }
bool UsingDistributedEnvironment() { return false; }

}  // namespace tt::tt_metal::distributed
