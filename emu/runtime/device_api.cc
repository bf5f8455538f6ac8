// What a program may ask of the emulated device (tt-metalium/device.hpp, allocator.hpp,
// sub_device.hpp) and the detail:: host API of tt-metalium/tt_metal.hpp.
#include <cstring>
#include <stdexcept>
#include <string>

#include <tt-metalium/allocator.hpp>
#include <tt-metalium/device.hpp>
#include <tt-metalium/host_api.hpp>
#include <tt-metalium/sub_device.hpp>
#include <tt-metalium/tt_metal.hpp>

#include "emu/runtime/device.h"

namespace tt::tt_metal {

namespace {
constexpr uint32_t kDramBankBytes = 1u << 30;  // 1 GiB per Wormhole DRAM channel
}  // namespace

IDevice::IDevice() : allocator_(std::make_unique<Allocator>(this)) {}
IDevice::~IDevice() = default;

tt::ARCH IDevice::arch() const { return tt::ARCH::WORMHOLE_B0; }
int IDevice::id() const { return 0; }
std::uint8_t IDevice::num_hw_cqs() const { return 1; }
bool IDevice::is_initialized() const { return true; }
int IDevice::num_dram_channels() const { return ttc::emu::kDramBanks; }
std::uint32_t IDevice::l1_size_per_core() const { return ttc::emu::kL1Bytes; }
std::uint32_t IDevice::dram_size_per_channel() const { return kDramBankBytes; }
CoreCoord IDevice::logical_grid_size() const { return compute_with_storage_grid_size(); }

CoreRangeSet IDevice::worker_cores(HalProgrammableCoreType core_type, SubDeviceId) const {
    if (core_type != HalProgrammableCoreType::TENSIX) return CoreRangeSet();
    const CoreCoord g = compute_with_storage_grid_size();
    return CoreRangeSet(CoreRange({0, 0}, {g.x - 1, g.y - 1}));
}

std::uint32_t IDevice::num_worker_cores(HalProgrammableCoreType core_type, SubDeviceId sub_device_id) const {
    return worker_cores(core_type, sub_device_id).num_cores();
}

std::unordered_set<CoreCoord> IDevice::get_active_ethernet_cores(bool) const { return {}; }
std::unordered_set<CoreCoord> IDevice::get_inactive_ethernet_cores() const { return {}; }

const std::set<CoreCoord>& IDevice::ethernet_cores() const {
    static const std::set<CoreCoord> kNone;
    return kNone;
}

const std::set<CoreCoord>& IDevice::storage_only_cores() const {
    static const std::set<CoreCoord> kNone;
    return kNone;
}

const std::unique_ptr<Allocator>& IDevice::allocator() const { return allocator_; }
const std::unique_ptr<Allocator>& IDevice::allocator(SubDeviceId) const { return allocator_; }
bool IDevice::close() { return true; }

std::uint32_t Allocator::get_alignment(BufferType buffer_type) const {
    return buffer_type == BufferType::DRAM ? ttc::emu::kDramAlignment : ttc::emu::kL1Alignment;
}

std::uint32_t Allocator::get_num_banks(const BufferType& buffer_type) const {
    if (buffer_type == BufferType::DRAM) return ttc::emu::kDramBanks;
    const CoreCoord g = device_->compute_with_storage_grid_size();
    return static_cast<std::uint32_t>(g.x * g.y);
}

DeviceAddr Allocator::get_bank_size(const BufferType& buffer_type) const {
    return buffer_type == BufferType::DRAM ? kDramBankBytes : ttc::emu::kL1Bytes - ttc::emu::kL1CbBase;
}

DeviceAddr Allocator::get_base_allocator_addr(const HalMemType& mem_type) const {
    return mem_type == HalMemType::DRAM ? 0x400 : ttc::emu::kL1CbBase;
}

SubDevice::SubDevice(tt::stl::Span<const CoreRangeSet> cores) : cores_(cores.begin(), cores.end()) {
    if (cores_.size() > static_cast<std::size_t>(HalProgrammableCoreType::COUNT)) {
        throw std::invalid_argument("SubDevice: more core sets than programmable core types");
    }
    cores_.resize(static_cast<std::size_t>(HalProgrammableCoreType::COUNT));
}

bool SubDevice::has_core_type(HalProgrammableCoreType core_type) const { return !cores(core_type).empty(); }

std::uint32_t SubDevice::num_cores(HalProgrammableCoreType core_type) const { return cores(core_type).num_cores(); }

const CoreRangeSet& SubDevice::cores(HalProgrammableCoreType core_type) const {
    return cores_.at(static_cast<std::size_t>(core_type));
}

namespace detail {

std::map<chip_id_t, IDevice*> CreateDevices(const std::vector<chip_id_t>& device_ids, const std::uint8_t num_hw_cqs,
                                            const std::size_t l1_small_size, const std::size_t trace_region_size,
                                            const DispatchCoreConfig& dispatch_core_config,
                                            const std::vector<std::uint32_t>& l1_bank_remap) {
    std::map<chip_id_t, IDevice*> devices;
    for (chip_id_t id : device_ids) {
        devices[id] = CreateDevice(id, num_hw_cqs, l1_small_size, trace_region_size, dispatch_core_config, l1_bank_remap);
    }
    return devices;
}

void CloseDevices(const std::map<chip_id_t, IDevice*>& devices) {
    for (const auto& [id, device] : devices) CloseDevice(device);
}

void WriteToBuffer(Buffer& buffer, tt::stl::Span<const std::uint8_t> host_buffer) {
    emu_detail::WriteBufferBytes(buffer.device()->command_queue(), buffer, host_buffer.data(), host_buffer.size());
}

void ReadFromBuffer(Buffer& buffer, std::uint8_t* host_buffer, bool) {
    EnqueueReadBuffer(buffer.device()->command_queue(), buffer, host_buffer, true);
}

void LaunchProgram(IDevice* device, Program& program, bool) { EnqueueProgram(device->command_queue(), program, true); }

void LaunchProgram(IDevice* device, const std::shared_ptr<Program>& program, bool wait_until_cores_done) {
    LaunchProgram(device, *program, wait_until_cores_done);
}

void WaitProgramDone(IDevice*, Program&) {}

}  // namespace detail

}  // namespace tt::tt_metal
