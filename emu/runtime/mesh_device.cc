// MeshDevice on the emulator (tt-metalium/mesh_device.hpp): the unit mesh of device 0, and
// mesh shapes, coordinates and ranges (tt-metalium/mesh_coord.hpp).
#include <algorithm>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>

#include <tt-metalium/distributed.hpp>

namespace tt::tt_metal::distributed {

namespace {

std::string ShapeText(tt::stl::Span<const std::uint32_t> dims) {
    std::string s;
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
    return s;
}

std::vector<std::uint32_t> Narrow(std::initializer_list<std::size_t> values, const char* what) {
    std::vector<std::uint32_t> out;
    for (std::size_t v : values) {
        if (v > UINT32_MAX) throw std::invalid_argument(std::string(what) + ": " + std::to_string(v) + " is too large");
        out.push_back(static_cast<std::uint32_t>(v));
    }
    return out;
}

}  // namespace

// ---- MeshShape ----

MeshShape::MeshShape(std::size_t x) : value_(Narrow({x}, "MeshShape")) {}
MeshShape::MeshShape(std::size_t x, std::size_t y) : value_(Narrow({x, y}, "MeshShape")) {}
MeshShape::MeshShape(std::size_t x, std::size_t y, std::size_t z) : value_(Narrow({x, y, z}, "MeshShape")) {}
MeshShape::MeshShape(tt::stl::Span<const std::uint32_t> shape) : value_(shape.begin(), shape.end()) {}

std::size_t MeshShape::get_stride(std::size_t dim) const {
    std::size_t stride = 1;
    for (std::size_t i = dim + 1; i < value_.size(); ++i) stride *= value_[i];
    return stride;
}

std::size_t MeshShape::mesh_size() const {
    return value_.empty() ? 0 : std::accumulate(value_.begin(), value_.end(), std::size_t{1}, std::multiplies<>());
}

std::uint32_t MeshShape::operator[](std::int32_t dim) const {
    const std::int32_t n = static_cast<std::int32_t>(value_.size());
    const std::int32_t i = dim < 0 ? dim + n : dim;
    if (i < 0 || i >= n) throw std::out_of_range("MeshShape: dimension " + std::to_string(dim) + " of " + std::to_string(n));
    return value_[i];
}

bool MeshShape::is_line_topology() const {
    return std::count_if(value_.begin(), value_.end(), [](std::uint32_t d) { return d != 1; }) <= 1;
}

std::ostream& operator<<(std::ostream& os, const MeshShape& shape) { return os << "MeshShape(" << ShapeText(shape.value_) << ")"; }

// ---- MeshCoordinate ----

MeshCoordinate::MeshCoordinate(std::size_t x) : value_(Narrow({x}, "MeshCoordinate")) {}
MeshCoordinate::MeshCoordinate(std::size_t x, std::size_t y) : value_(Narrow({x, y}, "MeshCoordinate")) {}
MeshCoordinate::MeshCoordinate(std::size_t x, std::size_t y, std::size_t z) : value_(Narrow({x, y, z}, "MeshCoordinate")) {}
MeshCoordinate::MeshCoordinate(tt::stl::Span<const std::uint32_t> coords) : value_(coords.begin(), coords.end()) {}

MeshCoordinate MeshCoordinate::zero_coordinate(std::size_t dimensions) {
    const std::vector<std::uint32_t> zeros(dimensions, 0);
    return MeshCoordinate(tt::stl::Span<const std::uint32_t>(zeros));
}

std::uint32_t MeshCoordinate::operator[](std::int32_t dim) const {
    return const_cast<MeshCoordinate&>(*this)[dim];
}

std::uint32_t& MeshCoordinate::operator[](std::int32_t dim) {
    const std::int32_t n = static_cast<std::int32_t>(value_.size());
    const std::int32_t i = dim < 0 ? dim + n : dim;
    if (i < 0 || i >= n) {
        throw std::out_of_range("MeshCoordinate: dimension " + std::to_string(dim) + " of " + std::to_string(n));
    }
    return value_[i];
}

std::ostream& operator<<(std::ostream& os, const MeshCoordinate& coord) {
    os << "MeshCoordinate([";
    for (std::size_t i = 0; i < coord.value_.size(); ++i) os << (i ? ", " : "") << coord.value_[i];
    return os << "])";
}

std::size_t to_linear_index(const MeshShape& shape, const MeshCoordinate& coord) {
    if (shape.dims() != coord.dims()) {
        throw std::invalid_argument("to_linear_index: a " + std::to_string(coord.dims()) + "-D coordinate in a " +
                                    std::to_string(shape.dims()) + "-D mesh");
    }
    std::size_t index = 0;
    for (std::size_t d = 0; d < shape.dims(); ++d) {
        if (coord[d] >= shape[d]) {
            std::ostringstream os;
            os << coord << " is outside " << shape;
            throw std::out_of_range(os.str());
        }
        index += coord[d] * shape.get_stride(d);
    }
    return index;
}

// ---- MeshCoordinateRange ----

MeshCoordinateRange::MeshCoordinateRange(const MeshCoordinate& start, const MeshCoordinate& end) : start_(start), end_(end) {
    if (start.dims() != end.dims()) throw std::invalid_argument("MeshCoordinateRange: start and end differ in dimensions");
    for (std::size_t d = 0; d < start.dims(); ++d) {
        if (start[d] > end[d]) {
            std::ostringstream os;
            os << "MeshCoordinateRange: start " << start << " is past end " << end;
            throw std::invalid_argument(os.str());
        }
    }
}

namespace {
MeshCoordinate LastOf(const MeshShape& shape) {
    std::vector<std::uint32_t> last;
    for (std::size_t d = 0; d < shape.dims(); ++d) {
        if (shape[d] == 0) throw std::invalid_argument("MeshCoordinateRange: a mesh with an empty dimension");
        last.push_back(shape[d] - 1);
    }
    return MeshCoordinate(tt::stl::Span<const std::uint32_t>(last));
}
}  // namespace

MeshCoordinateRange::MeshCoordinateRange(const MeshShape& shape)
    : MeshCoordinateRange(MeshCoordinate::zero_coordinate(shape.dims()), LastOf(shape)) {}

MeshShape MeshCoordinateRange::shape() const {
    std::vector<std::uint32_t> extent;
    for (std::size_t d = 0; d < dims(); ++d) extent.push_back(end_[d] - start_[d] + 1);
    return MeshShape(tt::stl::Span<const std::uint32_t>(extent));
}

bool MeshCoordinateRange::contains(const MeshCoordinate& coord) const {
    if (coord.dims() != dims()) return false;
    for (std::size_t d = 0; d < dims(); ++d) {
        if (coord[d] < start_[d] || coord[d] > end_[d]) return false;
    }
    return true;
}

bool MeshCoordinateRange::contains(const MeshCoordinateRange& range) const {
    return contains(range.start_) && contains(range.end_);
}

bool MeshCoordinateRange::intersects(const MeshCoordinateRange& range) const {
    if (range.dims() != dims()) return false;
    for (std::size_t d = 0; d < dims(); ++d) {
        if (range.end_[d] < start_[d] || range.start_[d] > end_[d]) return false;
    }
    return true;
}

MeshCoordinateRange::Iterator& MeshCoordinateRange::Iterator::operator++() {
    ++linear_index_;
    for (std::int32_t d = static_cast<std::int32_t>(current_.dims()) - 1; d >= 0; --d) {
        if (current_[d] < range_->end_[d]) {
            ++current_[d];
            return *this;
        }
        current_[d] = range_->start_[d];
    }
    return *this;
}

MeshCoordinateRange::Iterator MeshCoordinateRange::begin() const { return Iterator(this, start_, 0); }
MeshCoordinateRange::Iterator MeshCoordinateRange::end() const { return Iterator(this, start_, shape().mesh_size()); }

std::ostream& operator<<(std::ostream& os, const MeshCoordinateRange& range) {
    return os << "MeshCoordinateRange(start=" << range.start_ << ", end=" << range.end_ << ")";
}

// ---- MeshDevice ----

struct MeshDevice::Trace {
    std::uint8_t cq_id = 0;
    bool complete = false;
    std::vector<MeshWorkload*> workloads;  // recorded in order; the caller keeps them alive
};

namespace {

void CheckUnitMesh(const MeshShape& shape, const char* what) {
    if (shape.mesh_size() != 1) {
        std::ostringstream os;
        os << what << ": a " << ShapeText(shape.view()) << " mesh needs " << shape.mesh_size()
           << " devices; the emulator is one card-less CPU with one emulated device, so it opens the unit mesh (1x1) "
              "only";
        throw std::runtime_error(os.str());
    }
}

}  // namespace

std::shared_ptr<MeshDevice> MeshDevice::create(const MeshDeviceConfig& config, std::size_t l1_small_size,
                                               std::size_t trace_region_size, std::size_t num_command_queues,
                                               const DispatchCoreConfig& dispatch_core_config,
                                               tt::stl::Span<const std::uint32_t>, std::size_t worker_l1_size) {
    const MeshShape shape = config.mesh_shape().value_or(MeshShape(1, 1));
    CheckUnitMesh(shape, "MeshDevice::create");
    if (config.offset() && config.offset()->dims() != shape.dims()) {
        throw std::runtime_error("MeshDevice::create: the offset's dimensions differ from the mesh shape's");
    }
    const int device_id = config.physical_device_ids().empty() ? 0 : config.physical_device_ids().front();
    if (num_command_queues < 1 || num_command_queues > 2) {
        throw std::runtime_error("MeshDevice::create: " + std::to_string(num_command_queues) +
                                 " command queues asked for; TT-Metalium devices have 1 or 2");
    }
    IDevice* device = CreateDevice(device_id, 1, l1_small_size, trace_region_size, dispatch_core_config, {}, worker_l1_size);
    return std::make_shared<MeshDevice>(device, shape, num_command_queues);
}

std::shared_ptr<MeshDevice> MeshDevice::create_unit_mesh(int device_id, std::size_t l1_small_size,
                                                         std::size_t trace_region_size, std::size_t num_command_queues,
                                                         const DispatchCoreConfig& dispatch_core_config,
                                                         tt::stl::Span<const std::uint32_t> l1_bank_remap,
                                                         std::size_t worker_l1_size) {
    return create(MeshDeviceConfig(MeshShape(1, 1), std::nullopt, {device_id}), l1_small_size, trace_region_size,
                  num_command_queues, dispatch_core_config, l1_bank_remap, worker_l1_size);
}

std::map<int, std::shared_ptr<MeshDevice>> MeshDevice::create_unit_meshes(
    const std::vector<int>& device_ids, std::size_t l1_small_size, std::size_t trace_region_size,
    std::size_t num_command_queues, const DispatchCoreConfig& dispatch_core_config,
    tt::stl::Span<const std::uint32_t> l1_bank_remap, std::size_t worker_l1_size) {
    std::map<int, std::shared_ptr<MeshDevice>> meshes;
    for (int id : device_ids) {
        meshes[id] = create_unit_mesh(id, l1_small_size, trace_region_size, num_command_queues, dispatch_core_config,
                                      l1_bank_remap, worker_l1_size);
    }
    return meshes;
}

MeshDevice::MeshDevice(IDevice* device, const MeshShape& shape, std::size_t num_command_queues)
    : device_(device), shape_(shape) {
    for (std::size_t i = 0; i < num_command_queues; ++i) {
        queues_.push_back(std::make_unique<MeshCommandQueue>(this, static_cast<std::uint32_t>(i)));
    }
}

MeshDevice::~MeshDevice() { close(); }

IDevice* MeshDevice::unit_device() const {
    if (device_ == nullptr) throw std::runtime_error("MeshDevice: the mesh device is closed");
    return device_;
}

bool MeshDevice::close() {
    if (device_ == nullptr) return true;
    traces_.clear();
    const bool ok = CloseDevice(device_);
    device_ = nullptr;
    return ok;
}

CommandQueue& MeshDevice::command_queue(std::size_t cq_id) { return unit_device()->command_queue(cq_id); }
CoreCoord MeshDevice::compute_with_storage_grid_size() const { return unit_device()->compute_with_storage_grid_size(); }
tt::ARCH MeshDevice::arch() const { return unit_device()->arch(); }
int MeshDevice::id() const { return unit_device()->id(); }
std::uint8_t MeshDevice::num_hw_cqs() const { return static_cast<std::uint8_t>(queues_.size()); }
bool MeshDevice::is_initialized() const { return device_ != nullptr; }
int MeshDevice::num_dram_channels() const { return unit_device()->num_dram_channels(); }
std::uint32_t MeshDevice::l1_size_per_core() const { return unit_device()->l1_size_per_core(); }
std::uint32_t MeshDevice::dram_size_per_channel() const { return unit_device()->dram_size_per_channel(); }
CoreCoord MeshDevice::logical_grid_size() const { return unit_device()->logical_grid_size(); }
CoreRangeSet MeshDevice::worker_cores(HalProgrammableCoreType core_type, SubDeviceId sub_device_id) const {
    return unit_device()->worker_cores(core_type, sub_device_id);
}
std::uint32_t MeshDevice::num_worker_cores(HalProgrammableCoreType core_type, SubDeviceId sub_device_id) const {
    return unit_device()->num_worker_cores(core_type, sub_device_id);
}
const std::unique_ptr<Allocator>& MeshDevice::allocator() const { return unit_device()->allocator(); }
const std::unique_ptr<Allocator>& MeshDevice::allocator(SubDeviceId sub_device_id) const {
    return unit_device()->allocator(sub_device_id);
}

std::vector<IDevice*> MeshDevice::get_devices() const { return {unit_device()}; }

IDevice* MeshDevice::get_device(chip_id_t physical_device_id) const {
    if (physical_device_id != unit_device()->id()) {
        throw std::runtime_error("MeshDevice::get_device: no device " + std::to_string(physical_device_id) +
                                 " in the mesh (it holds device " + std::to_string(unit_device()->id()) + ")");
    }
    return unit_device();
}

IDevice* MeshDevice::get_device(const MeshCoordinate& coord) const {
    to_linear_index(shape_, coord);  // throws when outside
    return unit_device();
}

IDevice* MeshDevice::get_device(std::size_t row_idx, std::size_t col_idx) const {
    return get_device(MeshCoordinate(row_idx, col_idx));
}

DeviceIds MeshDevice::get_device_ids() const { return {unit_device()->id()}; }
std::size_t MeshDevice::num_devices() const { return shape_.mesh_size(); }

std::size_t MeshDevice::num_rows() const {
    if (shape_.dims() != 2) throw std::runtime_error("MeshDevice::num_rows: the mesh is not 2-D");
    return shape_[0];
}

std::size_t MeshDevice::num_cols() const {
    if (shape_.dims() != 2) throw std::runtime_error("MeshDevice::num_cols: the mesh is not 2-D");
    return shape_[1];
}

bool MeshDevice::is_local(const MeshCoordinate& coord) const {
    to_linear_index(shape_, coord);
    return true;
}

std::string MeshDevice::to_string() const {
    return "MeshDevice(" + std::to_string(shape_.dims() == 2 ? shape_[0] : shape_.mesh_size()) + "x" +
           std::to_string(shape_.dims() == 2 ? shape_[1] : 1) + " devices)";
}

std::ostream& operator<<(std::ostream& os, const MeshDevice& mesh_device) { return os << mesh_device.to_string(); }

MeshCommandQueue& MeshDevice::mesh_command_queue(std::optional<std::uint8_t> cq_id) const {
    const std::size_t id = cq_id.value_or(0);
    if (id >= queues_.size()) {
        throw std::runtime_error("MeshDevice::mesh_command_queue: queue " + std::to_string(id) + " of " +
                                 std::to_string(queues_.size()));
    }
    unit_device();  // throws when closed
    return *queues_[id];
}

MeshTraceId MeshDevice::begin_mesh_trace(std::uint8_t cq_id) {
    const MeshTraceId id{next_trace_id_++};
    begin_mesh_trace(cq_id, id);
    return id;
}

void MeshDevice::begin_mesh_trace(std::uint8_t cq_id, const MeshTraceId& trace_id) {
    auto trace = std::make_shared<Trace>();
    trace->cq_id = cq_id;
    traces_[*trace_id] = trace;
    mesh_command_queue(cq_id).record_begin(trace_id);
}

void MeshDevice::end_mesh_trace(std::uint8_t cq_id, const MeshTraceId& trace_id) {
    auto it = traces_.find(*trace_id);
    if (it == traces_.end()) throw std::runtime_error("end_mesh_trace: unknown trace " + std::to_string(*trace_id));
    mesh_command_queue(cq_id).record_end();
    it->second->complete = true;
}

void MeshDevice::replay_mesh_trace(std::uint8_t cq_id, const MeshTraceId& trace_id, bool blocking) {
    mesh_command_queue(cq_id).enqueue_trace(trace_id, blocking);
}

void MeshDevice::release_mesh_trace(const MeshTraceId& trace_id) { traces_.erase(*trace_id); }

SubDeviceManagerId MeshDevice::create_sub_device_manager(std::initializer_list<SubDevice> sub_devices,
                                                         DeviceAddr local_l1_size) {
    return create_sub_device_manager(tt::stl::Span<const SubDevice>(sub_devices.begin(), sub_devices.size()),
                                     local_l1_size);
}

SubDeviceManagerId MeshDevice::create_sub_device_manager(tt::stl::Span<const SubDevice> sub_devices, DeviceAddr) {
    const CoreRangeSet grid = worker_cores(HalProgrammableCoreType::TENSIX, SubDeviceId{0});
    for (std::size_t i = 0; i < sub_devices.size(); ++i) {
        const CoreRangeSet& cores = sub_devices[i].cores(HalProgrammableCoreType::TENSIX);
        if (!grid.contains(cores)) {
            throw std::runtime_error("create_sub_device_manager: sub-device " + std::to_string(i) + " names cores " +
                                     cores.str() + " outside the worker grid " + grid.str());
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (cores.intersects(sub_devices[j].cores(HalProgrammableCoreType::TENSIX))) {
                throw std::runtime_error("create_sub_device_manager: sub-devices " + std::to_string(j) + " and " +
                                         std::to_string(i) + " share cores");
            }
        }
    }
    const SubDeviceManagerId id{next_manager_id_++};
    sub_device_managers_[*id] = std::vector<SubDevice>(sub_devices.begin(), sub_devices.end());
    return id;
}

void MeshDevice::remove_sub_device_manager(SubDeviceManagerId id) {
    if (*active_manager_ == *id) active_manager_ = SubDeviceManagerId{0};
    sub_device_managers_.erase(*id);
}

void MeshDevice::load_sub_device_manager(SubDeviceManagerId id) {
    if (!sub_device_managers_.count(*id)) {
        throw std::runtime_error("load_sub_device_manager: unknown manager " + std::to_string(*id));
    }
    active_manager_ = id;
}

void MeshDevice::clear_loaded_sub_device_manager() { active_manager_ = SubDeviceManagerId{0}; }

std::uint32_t MeshDevice::num_sub_devices() const {
    auto it = sub_device_managers_.find(*active_manager_);
    return it == sub_device_managers_.end() ? 1 : static_cast<std::uint32_t>(it->second.size());
}

}  // namespace tt::tt_metal::distributed

namespace tt::tt_metal::distributed {

// ---- Workloads and traces on a mesh command queue ----

void MeshCommandQueue::enqueue_mesh_workload(MeshWorkload& mesh_workload, bool blocking) {
    if (capturing_) {
        auto it = mesh_device_->traces_.find(**capturing_);
        if (it == mesh_device_->traces_.end()) throw std::runtime_error("enqueue_mesh_workload: the trace was released");
        it->second->workloads.push_back(&mesh_workload);
        return;
    }
    const MeshCoordinateRange all(mesh_device_->shape());
    for (auto& [range, program] : mesh_workload.get_programs()) {
        if (!all.intersects(range)) {
            std::ostringstream os;
            os << "EnqueueMeshWorkload: the program's devices " << range << " are outside the mesh " << all;
            throw std::runtime_error(os.str());
        }
        EnqueueProgram(mesh_device_->unit_device()->command_queue(), program, blocking);
    }
}

void MeshCommandQueue::record_begin(const MeshTraceId& trace_id) {
    if (capturing_) throw std::runtime_error("begin_mesh_trace: a trace is already being captured on this queue");
    capturing_ = trace_id;
}

void MeshCommandQueue::record_end() {
    if (!capturing_) throw std::runtime_error("end_mesh_trace: no trace is being captured on this queue");
    capturing_.reset();
}

void MeshCommandQueue::enqueue_trace(const MeshTraceId& trace_id, bool blocking) {
    auto it = mesh_device_->traces_.find(*trace_id);
    if (it == mesh_device_->traces_.end() || !it->second->complete) {
        throw std::runtime_error("replay_mesh_trace: trace " + std::to_string(*trace_id) + " was not captured");
    }
    const std::shared_ptr<MeshDevice::Trace> trace = it->second;
    for (MeshWorkload* workload : trace->workloads) enqueue_mesh_workload(*workload, blocking);
}

MeshTraceId BeginTraceCapture(MeshDevice* device, std::uint8_t cq_id) { return device->begin_mesh_trace(cq_id); }

void EndTraceCapture(MeshDevice* device, std::uint8_t cq_id, const MeshTraceId& trace_id) {
    device->end_mesh_trace(cq_id, trace_id);
}

void ReplayTrace(MeshDevice* device, std::uint8_t cq_id, const MeshTraceId& trace_id, bool blocking) {
    device->replay_mesh_trace(cq_id, trace_id, blocking);
}

void ReleaseTrace(MeshDevice* device, const MeshTraceId& trace_id) { device->release_mesh_trace(trace_id); }

}  // namespace tt::tt_metal::distributed
