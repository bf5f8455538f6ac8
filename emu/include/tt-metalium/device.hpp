// ttc emulator: a device (tt-metalium/device.hpp). The emulated device is a Wormhole B0 n150:
// 8x8 worker cores, 12 DRAM banks, 1,499,136 bytes of L1 per core, one command queue, no
// Ethernet cores. IDevice's queries have the emulated device's answers by default; the
// emulated device (emu/runtime/device.h) and MeshDevice (mesh_device.hpp) override what they
// hold themselves; MeshDevice forwards the per-device queries to its unit device, so a query
// added here needs its forwarding there too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <unordered_set>

#include <tt-metalium/allocator.hpp>
#include <tt-metalium/core_coord.hpp>
#include <tt-metalium/hal_types.hpp>
#include <tt-metalium/sub_device_types.hpp>
#include <tt-metalium/tt_backend_api_types.hpp>

namespace tt::tt_metal {

class CommandQueue;

using chip_id_t = int;

class IDevice {
public:
    IDevice();
    IDevice(const IDevice&) = delete;
    IDevice& operator=(const IDevice&) = delete;
    virtual ~IDevice();

    virtual CommandQueue& command_queue(std::size_t cq_id = 0) = 0;
    virtual CoreCoord compute_with_storage_grid_size() const = 0;

    virtual tt::ARCH arch() const;
    virtual int id() const;
    virtual std::uint8_t num_hw_cqs() const;
    virtual bool is_initialized() const;
    virtual int num_dram_channels() const;
    virtual std::uint32_t l1_size_per_core() const;
    virtual std::uint32_t dram_size_per_channel() const;
    // The worker grid, logical coordinates (compute_with_storage_grid_size here).
    virtual CoreCoord logical_grid_size() const;
    virtual CoreRangeSet worker_cores(HalProgrammableCoreType core_type, SubDeviceId sub_device_id) const;
    virtual std::uint32_t num_worker_cores(HalProgrammableCoreType core_type, SubDeviceId sub_device_id) const;
    // No Ethernet cores on the emulated device: these sets are empty.
    virtual std::unordered_set<CoreCoord> get_active_ethernet_cores(bool skip_reserved_tunnel_cores = false) const;
    virtual std::unordered_set<CoreCoord> get_inactive_ethernet_cores() const;
    virtual const std::set<CoreCoord>& ethernet_cores() const;
    virtual const std::set<CoreCoord>& storage_only_cores() const;
    virtual const std::unique_ptr<Allocator>& allocator() const;
    virtual const std::unique_ptr<Allocator>& allocator(SubDeviceId sub_device_id) const;
    // The NoC coordinates of a logical worker core, which kernels pass to get_noc_addr and
    // get_noc_multicast_addr (emulator: ttc_emu/noc_map.h, emu/runtime/noc_host.cc).
    virtual CoreCoord worker_core_from_logical_core(const CoreCoord& logical_core) const;
    // Releases the device; CloseDevice calls it. True on success.
    virtual bool close();

private:
    std::unique_ptr<Allocator> allocator_;
};

}  // namespace tt::tt_metal
