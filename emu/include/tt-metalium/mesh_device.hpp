// ttc emulator: MeshDevice (tt-metalium/mesh_device.hpp), a 2-D grid of devices driven as one.
// The emulator is one card-less CPU with one emulated device, so the mesh it opens is the
// unit mesh (1x1): create_unit_mesh(0), or create() with a 1x1 shape. Any larger shape, or a
// device other than 0, is refused with std::runtime_error saying why. The MeshDevice is an
// IDevice whose queries answer for its device; it owns one MeshCommandQueue per hardware
// queue asked for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <hostdevcommon/common_values.hpp>
#include <tt-metalium/buffer_types.hpp>
#include <tt-metalium/core_coord.hpp>
#include <tt-metalium/device.hpp>
#include <tt-metalium/dispatch_core_common.hpp>
#include <tt-metalium/mesh_config.hpp>
#include <tt-metalium/mesh_coord.hpp>
#include <tt-metalium/mesh_trace_id.hpp>
#include <tt-metalium/sub_device.hpp>
#include <tt-metalium/sub_device_types.hpp>
#include <tt_stl/span.hpp>

namespace tt::tt_metal::distributed {

class MeshCommandQueue;
class MeshWorkload;

class MeshDevice : public IDevice, public std::enable_shared_from_this<MeshDevice> {
public:
    // Opens the mesh of `config` (1x1 only here).
    static std::shared_ptr<MeshDevice> create(const MeshDeviceConfig& config,
                                              std::size_t l1_small_size = DEFAULT_L1_SMALL_SIZE,
                                              std::size_t trace_region_size = DEFAULT_TRACE_REGION_SIZE,
                                              std::size_t num_command_queues = 1,
                                              const DispatchCoreConfig& dispatch_core_config = DispatchCoreConfig{},
                                              tt::stl::Span<const std::uint32_t> l1_bank_remap = {},
                                              std::size_t worker_l1_size = DEFAULT_WORKER_L1_SIZE);
    // A 1x1 mesh of device `device_id` (0 here).
    static std::shared_ptr<MeshDevice> create_unit_mesh(int device_id, std::size_t l1_small_size = DEFAULT_L1_SMALL_SIZE,
                                                        std::size_t trace_region_size = DEFAULT_TRACE_REGION_SIZE,
                                                        std::size_t num_command_queues = 1,
                                                        const DispatchCoreConfig& dispatch_core_config = DispatchCoreConfig{},
                                                        tt::stl::Span<const std::uint32_t> l1_bank_remap = {},
                                                        std::size_t worker_l1_size = DEFAULT_WORKER_L1_SIZE);
    static std::map<int, std::shared_ptr<MeshDevice>> create_unit_meshes(
        const std::vector<int>& device_ids, std::size_t l1_small_size = DEFAULT_L1_SMALL_SIZE,
        std::size_t trace_region_size = DEFAULT_TRACE_REGION_SIZE, std::size_t num_command_queues = 1,
        const DispatchCoreConfig& dispatch_core_config = DispatchCoreConfig{},
        tt::stl::Span<const std::uint32_t> l1_bank_remap = {}, std::size_t worker_l1_size = DEFAULT_WORKER_L1_SIZE);

    // Use create / create_unit_mesh; `device` is the opened unit device, owned from here on.
    MeshDevice(IDevice* device, const MeshShape& shape, std::size_t num_command_queues);
    ~MeshDevice() override;
    MeshDevice(const MeshDevice&) = delete;
    MeshDevice& operator=(const MeshDevice&) = delete;

    // ---- IDevice: the unit device's answers ----
    CommandQueue& command_queue(std::size_t cq_id = 0) override;
    CoreCoord compute_with_storage_grid_size() const override;
    tt::ARCH arch() const override;
    int id() const override;
    std::uint8_t num_hw_cqs() const override;
    bool is_initialized() const override;
    int num_dram_channels() const override;
    std::uint32_t l1_size_per_core() const override;
    std::uint32_t dram_size_per_channel() const override;
    CoreCoord logical_grid_size() const override;
    CoreRangeSet worker_cores(HalProgrammableCoreType core_type, SubDeviceId sub_device_id) const override;
    std::uint32_t num_worker_cores(HalProgrammableCoreType core_type, SubDeviceId sub_device_id) const override;
    const std::unique_ptr<Allocator>& allocator() const override;
    const std::unique_ptr<Allocator>& allocator(SubDeviceId sub_device_id) const override;
    // Closes the mesh: its device is released; later use of the mesh throws. True on success.
    bool close() override;

    // ---- The mesh ----
    // The devices in row-major order.
    std::vector<IDevice*> get_devices() const;
    IDevice* get_device(chip_id_t physical_device_id) const;
    IDevice* get_device(const MeshCoordinate& coord) const;
    IDevice* get_device(std::size_t row_idx, std::size_t col_idx) const;
    DeviceIds get_device_ids() const;
    std::size_t num_devices() const;
    std::size_t num_rows() const;
    std::size_t num_cols() const;
    // True for a coordinate of this mesh (every device is local); throws for one outside it.
    bool is_local(const MeshCoordinate& coord) const;
    const MeshShape& shape() const { return shape_; }
    std::string to_string() const;
    bool is_parent_mesh() const { return true; }

    // The mesh command queue `cq_id` (0 when not given).
    MeshCommandQueue& mesh_command_queue(std::optional<std::uint8_t> cq_id = std::nullopt) const;

    // ---- Traces: workloads enqueued between begin and end are recorded, then replayed ----
    MeshTraceId begin_mesh_trace(std::uint8_t cq_id);
    void begin_mesh_trace(std::uint8_t cq_id, const MeshTraceId& trace_id);
    void end_mesh_trace(std::uint8_t cq_id, const MeshTraceId& trace_id);
    void replay_mesh_trace(std::uint8_t cq_id, const MeshTraceId& trace_id, bool blocking);
    void release_mesh_trace(const MeshTraceId& trace_id);

    // ---- Sub-devices: managers are kept and loaded; they do not restrict programs ----
    SubDeviceManagerId create_sub_device_manager(std::initializer_list<SubDevice> sub_devices, DeviceAddr local_l1_size);
    SubDeviceManagerId create_sub_device_manager(tt::stl::Span<const SubDevice> sub_devices, DeviceAddr local_l1_size);
    void remove_sub_device_manager(SubDeviceManagerId sub_device_manager_id);
    void load_sub_device_manager(SubDeviceManagerId sub_device_manager_id);
    void clear_loaded_sub_device_manager();
    SubDeviceManagerId get_active_sub_device_manager_id() const { return active_manager_; }
    std::uint32_t num_sub_devices() const;

    // The unit device (emulator internals: the classic API runs on it).
    IDevice* unit_device() const;

private:
    friend class MeshCommandQueue;
    struct Trace;
    IDevice* device_;
    MeshShape shape_;
    std::vector<std::unique_ptr<MeshCommandQueue>> queues_;
    std::map<std::uint64_t, std::vector<SubDevice>> sub_device_managers_;
    SubDeviceManagerId active_manager_{0};
    std::uint64_t next_manager_id_ = 1;
    std::map<std::uint32_t, std::shared_ptr<Trace>> traces_;
    std::uint32_t next_trace_id_ = 1;
};

std::ostream& operator<<(std::ostream& os, const MeshDevice& mesh_device);

}  // namespace tt::tt_metal::distributed
