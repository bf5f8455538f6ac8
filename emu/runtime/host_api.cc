// The emulated TT-Metalium host API (tt-metalium/host_api.hpp): devices, buffers, circular
// buffers, kernels, runtime arguments and the command queue's buffer transfers.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include <tt-metalium/mesh_device.hpp>

#include "emu/runtime/device.h"
#include "emu/runtime/paths.h"

namespace ttc::emu {

tt::tt_metal::CommandQueue& Device::command_queue(std::size_t cq_id) {
  if (cq_id != 0) throw std::runtime_error("emulated device has one command queue; asked for " + std::to_string(cq_id));
  return cq_;
}

uint32_t Device::Allocate(bool dram, uint64_t bytes_per_bank) {
  if (dram) {
    const uint32_t base = dram_next_;
    dram_next_ += static_cast<uint32_t>((bytes_per_bank + kDramAlignment - 1) / kDramAlignment * kDramAlignment);
    for (auto& bank : dram_) {
      if (bank.size() < dram_next_) bank.resize(dram_next_, 0);
    }
    return base;
  }
  const uint64_t aligned = (bytes_per_bank + kL1Alignment - 1) / kL1Alignment * kL1Alignment;
  if (aligned > l1_floor_ - kL1CbBase) {
    throw std::runtime_error("L1 buffer of " + std::to_string(bytes_per_bank) + " bytes per core does not fit: " +
                             std::to_string(l1_floor_ - kL1CbBase) + " bytes of L1 are left");
  }
  l1_floor_ -= static_cast<uint32_t>(aligned);
  return l1_floor_;
}

PageLocation Device::Locate(const tt::tt_metal::Buffer::Impl& b, uint64_t page) {
  if (page >= b.pages) {
    throw std::runtime_error("page " + std::to_string(page) + " is beyond the " + std::to_string(b.pages) +
                             " pages of the buffer at " + std::to_string(b.base));
  }
  if (b.dram) {
    auto& bank = dram_[page % kDramBanks];
    return {&bank, static_cast<uint32_t>(b.base + (page / kDramBanks) * b.aligned_page)};
  }
  if (!b.sharded) {
    const uint64_t cores = l1_.size();
    return {&l1_[page % cores], static_cast<uint32_t>(b.base + (page / cores) * b.aligned_page)};
  }
  const uint32_t r = static_cast<uint32_t>(page / b.tensor_pages[1]), c = static_cast<uint32_t>(page % b.tensor_pages[1]);
  const uint32_t shards_per_row = (b.tensor_pages[1] + b.shard_pages[1] - 1) / b.shard_pages[1];
  const uint32_t shard = (r / b.shard_pages[0]) * shards_per_row + c / b.shard_pages[1];
  if (shard >= b.shard_cores.size()) throw std::runtime_error("shard " + std::to_string(shard) + " has no core");
  const uint32_t within = (r % b.shard_pages[0]) * b.shard_pages[1] + c % b.shard_pages[1];
  return {&L1(b.shard_cores[shard]), static_cast<uint32_t>(b.base + within * b.aligned_page)};
}

const tt::tt_metal::Buffer::Impl* Device::FindL1Buffer(uint32_t base) const {
  auto it = l1_buffers_.find(base);
  return it == l1_buffers_.end() ? nullptr : it->second;
}

namespace {

// The emulated device behind `d` (a MeshDevice stands for its unit device).
Device& AsEmu(tt::tt_metal::IDevice* d) {
  if (auto* mesh = dynamic_cast<tt::tt_metal::distributed::MeshDevice*>(d)) d = mesh->unit_device();
  auto* e = dynamic_cast<Device*>(d);
  if (!e) throw std::runtime_error("not an emulated device");
  return *e;
}

CoreRangeSet ToSet(const tt::tt_metal::CoreSpec& spec) {
  if (std::holds_alternative<CoreCoord>(spec)) return CoreRangeSet(CoreRange(std::get<CoreCoord>(spec)));
  if (std::holds_alternative<CoreRange>(spec)) return CoreRangeSet(std::get<CoreRange>(spec));
  return std::get<CoreRangeSet>(spec);
}

// The cores of `set`, range by range, each range row by row.
std::vector<CoreCoord> CoresOf(const CoreRangeSet& set) { return corerange_to_cores(set, std::nullopt, true); }

void CheckCores(const CoreRangeSet& set, const char* what) {
  for (const CoreCoord& c : CoresOf(set)) {
    if (c.x >= static_cast<size_t>(kGridCols) || c.y >= static_cast<size_t>(kGridRows)) {
      throw std::runtime_error(std::string(what) + ": core {" + std::to_string(c.x) + ", " + std::to_string(c.y) +
                               "} is outside the " + std::to_string(kGridCols) + "x" + std::to_string(kGridRows) +
                               " worker grid");
    }
  }
}

}  // namespace

std::vector<CoreCoord> CoresOfSet(const CoreRangeSet& set) { return CoresOf(set); }

}  // namespace ttc::emu

namespace tt::tt_metal {

using ttc::emu::Device;

Buffer::Buffer(std::unique_ptr<Impl> impl, Attributes attributes)
    : impl_(std::move(impl)), attributes_(std::move(attributes)) {}
Buffer::~Buffer() = default;
uint32_t Buffer::address() const { return impl_->base; }
DeviceAddr Buffer::size() const { return impl_->size; }
DeviceAddr Buffer::page_size() const { return impl_->page_size; }
uint32_t Buffer::num_pages() const { return static_cast<uint32_t>(impl_->pages); }
bool Buffer::is_l1() const { return !impl_->dram; }
bool Buffer::is_dram() const { return impl_->dram; }
uint32_t Buffer::alignment() const { return impl_->dram ? ttc::emu::kDramAlignment : ttc::emu::kL1Alignment; }
DeviceAddr Buffer::aligned_page_size() const { return impl_->aligned_page; }
DeviceAddr Buffer::aligned_size() const { return DeviceAddr{impl_->aligned_page} * impl_->pages; }
ShardSpecBuffer Buffer::shard_spec() const {
  if (!attributes_.shard_spec) throw std::runtime_error("Buffer::shard_spec: the buffer is interleaved");
  return *attributes_.shard_spec;
}
std::optional<uint32_t> Buffer::num_cores() const {
  if (!attributes_.shard_spec) return std::nullopt;
  return attributes_.shard_spec->grid().num_cores();
}

std::shared_ptr<Buffer> Buffer::create(IDevice* device, DeviceAddr size, DeviceAddr page_size, BufferType buffer_type,
                                       const BufferShardingArgs& sharding_args, std::optional<bool>,
                                       std::optional<SubDeviceId>) {
  if (!is_sharded(sharding_args.buffer_layout())) {
    return CreateBuffer(InterleavedBufferConfig{device, size, page_size, buffer_type});
  }
  if (!sharding_args.shard_spec()) {
    throw std::runtime_error("Buffer::create: a sharded layout needs a ShardSpecBuffer");
  }
  return CreateBuffer(ShardedBufferConfig{device, size, page_size, buffer_type, sharding_args.buffer_layout(),
                                          *sharding_args.shard_spec()});
}

Program::Program() : impl_(std::make_unique<Impl>()) {}
Program::Program(Program&& other) noexcept = default;
Program& Program::operator=(Program&& other) noexcept = default;
Program::~Program() = default;

void TensorAccessorArgs::append_to(std::vector<uint32_t>& args) const {
  if (buffer_ == nullptr) throw std::runtime_error("TensorAccessorArgs: no buffer");
  const Buffer::Impl& b = buffer_->impl();
  args.push_back((b.sharded ? 1u : 0u) | (b.dram ? 2u : 0u));
  args.push_back(b.aligned_page);
}

IDevice* CreateDevice(chip_id_t device_id, const std::uint8_t num_hw_cqs, const std::size_t, const std::size_t,
                      const DispatchCoreConfig&, const std::vector<std::uint32_t>&, const std::size_t) {
  if (device_id != 0 || num_hw_cqs != 1) {
    throw std::runtime_error("CreateDevice: the emulator provides device 0 with one command queue; asked for device " +
                             std::to_string(device_id) + " with " + std::to_string(num_hw_cqs));
  }
  return new Device();
}

bool CloseDevice(IDevice* device) {
  const bool ok = device != nullptr && device->close();
  delete device;
  return ok;
}

Program CreateProgram() { return Program(); }

namespace {

void CheckBufferType(BufferType t, const char* what) {
  if (t != BufferType::DRAM && t != BufferType::L1 && t != BufferType::L1_SMALL) {
    throw std::runtime_error(std::string(what) + ": " + std::string(enum_name(t)) +
                             " buffers are not emulated (DRAM and L1 are)");
  }
}

}  // namespace

std::shared_ptr<Buffer> CreateBuffer(const InterleavedBufferConfig& c) {
  Device& d = ttc::emu::AsEmu(c.device);
  CheckBufferType(c.buffer_type, "CreateBuffer");
  if (c.page_size == 0 || c.size % c.page_size != 0) {
    throw std::runtime_error("CreateBuffer: size " + std::to_string(c.size) + " is not a multiple of page size " +
                             std::to_string(c.page_size));
  }
  auto impl = std::make_unique<Buffer::Impl>();
  impl->device = &d;
  impl->dram = c.buffer_type == BufferType::DRAM;
  impl->size = c.size;
  impl->page_size = c.page_size;
  impl->pages = c.size / c.page_size;
  const uint32_t align = impl->dram ? ttc::emu::kDramAlignment : ttc::emu::kL1Alignment;
  impl->aligned_page = static_cast<uint32_t>((c.page_size + align - 1) / align * align);
  const uint64_t banks = impl->dram ? ttc::emu::kDramBanks : ttc::emu::kGridRows * ttc::emu::kGridCols;
  impl->base = d.Allocate(impl->dram, (impl->pages + banks - 1) / banks * impl->aligned_page);
  return std::make_shared<Buffer>(std::move(impl),
                                  Buffer::Attributes{c.device, c.buffer_type, TensorMemoryLayout::INTERLEAVED, std::nullopt});
}

std::shared_ptr<Buffer> CreateBuffer(const ShardedBufferConfig& c) {
  Device& d = ttc::emu::AsEmu(c.device);
  const ShardSpecBuffer& s = c.shard_parameters;
  if (c.buffer_type != BufferType::L1 && c.buffer_type != BufferType::L1_SMALL) {
    throw std::runtime_error("CreateBuffer: the emulator shards buffers in L1 only");
  }
  if (s.orientation() != ShardOrientation::ROW_MAJOR) throw std::runtime_error("the emulator shards ROW_MAJOR only");
  if (c.page_size == 0 || c.size % c.page_size != 0 || s.page_shape[0] == 0 || s.page_shape[1] == 0 ||
      s.shape()[0] % s.page_shape[0] != 0 || s.shape()[1] % s.page_shape[1] != 0) {
    throw std::runtime_error("CreateBuffer: shard shape must be whole pages and size whole pages");
  }
  ttc::emu::CheckCores(s.grid(), "ShardedBufferConfig");
  auto impl = std::make_unique<Buffer::Impl>();
  impl->device = &d;
  impl->dram = false;
  impl->sharded = true;
  impl->size = c.size;
  impl->page_size = c.page_size;
  impl->pages = c.size / c.page_size;
  impl->aligned_page = static_cast<uint32_t>((c.page_size + ttc::emu::kL1Alignment - 1) / ttc::emu::kL1Alignment *
                                             ttc::emu::kL1Alignment);
  impl->shard_cores = ttc::emu::CoresOf(s.grid());
  impl->shard_pages = s.shape_in_pages();
  impl->tensor_pages = s.tensor2d_shape_in_pages;
  if (uint64_t{impl->tensor_pages[0]} * impl->tensor_pages[1] != impl->pages) {
    throw std::runtime_error("CreateBuffer: tensor2d_shape_in_pages does not match size / page_size");
  }
  impl->base = d.Allocate(false, uint64_t{impl->shard_pages[0]} * impl->shard_pages[1] * impl->aligned_page);
  auto buffer = std::make_shared<Buffer>(std::move(impl), Buffer::Attributes{c.device, c.buffer_type, c.buffer_layout, s});
  d.Register(&buffer->impl());
  return buffer;
}

void DeallocateBuffer(Buffer&) {}

CBHandle CreateCircularBuffer(Program& program, const CoreSpec& spec, const CircularBufferConfig& config) {
  const CoreRangeSet cores = ttc::emu::ToSet(spec);
  ttc::emu::CheckCores(cores, "CreateCircularBuffer");
  // The indices of one config share its memory (emu/runtime/execute.cc places them); a config
  // on a buffer's memory lives at the buffer's address.
  const uint32_t handle = program.impl().cbs.empty() ? 1 : program.impl().cbs.back().handle + 1;
  std::optional<uint32_t> global_address;
  if (const Buffer* b = config.globally_allocated_buffer()) global_address = b->address();
  for (const auto& [index, format] : config.data_formats()) {
    auto page = config.page_sizes().find(index);
    if (page == config.page_sizes().end() || page->second == 0 || config.total_size() % page->second != 0) {
      throw std::runtime_error("CreateCircularBuffer: CB " + std::to_string(index) +
                               " needs a page size that divides its total size " + std::to_string(config.total_size()));
    }
    if (index >= 32) throw std::runtime_error("CreateCircularBuffer: CB index " + std::to_string(index) + " >= 32");
    program.impl().cbs.push_back({cores, index, static_cast<ttc::emu::DataFormat>(format), page->second,
                                  config.total_size(), handle, global_address});
  }
  return handle;
}

KernelHandle CreateKernel(Program& program, const std::string& file, const CoreSpec& spec,
                          const std::variant<DataMovementConfig, ComputeConfig, EthernetConfig>& config) {
  if (std::holds_alternative<EthernetConfig>(config)) {
    throw std::runtime_error("CreateKernel: " + file + ": Ethernet kernels are not emulated (the emulated device has no "
                             "Ethernet cores)");
  }
  Program::Impl::Kernel k;
  k.file = ttc::emu::ResolveKernelPath(file);  // TT-Metalium's search order (emu/runtime/paths.h)
  k.cores = ttc::emu::ToSet(spec);
  ttc::emu::CheckCores(k.cores, "CreateKernel");
  if (std::holds_alternative<ComputeConfig>(config)) {
    const ComputeConfig& c = std::get<ComputeConfig>(config);
    k.compute = true;
    k.role = "compute";
    k.compile_args = c.compile_args;
    k.named_compile_args = c.named_compile_args;
    k.defines = c.defines;
    k.fp32_dest_acc = c.fp32_dest_acc_en;
    k.dst_full_sync = c.dst_full_sync_en;
  } else {
    const DataMovementConfig& c = std::get<DataMovementConfig>(config);
    k.role = c.processor == DataMovementProcessor::RISCV_1 ? "reader" : "writer";
    k.noc = static_cast<uint8_t>(c.noc);
    k.compile_args = c.compile_args;
    k.named_compile_args = c.named_compile_args;
    k.defines = c.defines;
  }
  program.impl().kernels.push_back(std::move(k));
  return static_cast<KernelHandle>(program.impl().kernels.size() - 1);
}

// The source goes to a file named by its digest under the system's temporary directory (one
// directory per user), then is built like any kernel file.
KernelHandle CreateKernelFromString(Program& program, const std::string& kernel_src_code, const CoreSpec& core_spec,
                                    const std::variant<DataMovementConfig, ComputeConfig, EthernetConfig>& config) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ttc-emu-kernel-src-" + std::to_string(::getuid()));
  fs::create_directories(dir);
  char name[32];
  std::snprintf(name, sizeof name, "%016zx.cpp", std::hash<std::string>()(kernel_src_code));
  const fs::path path = dir / name;
  {
    std::ofstream out(path.string() + ".tmp", std::ios::binary | std::ios::trunc);
    out << kernel_src_code;
    if (!out) throw std::runtime_error("CreateKernelFromString: cannot write " + path.string());
  }
  fs::rename(path.string() + ".tmp", path);
  return CreateKernel(program, path.string(), core_spec, config);
}

namespace {

Program::Impl::Kernel& KernelOf(const Program& program, KernelHandle kernel, const char* what) {
  if (kernel >= program.impl().kernels.size()) {
    throw std::runtime_error(std::string(what) + ": unknown kernel handle " + std::to_string(kernel));
  }
  return program.impl().kernels[kernel];
}

void CheckArgCount(const Program::Impl::Kernel& k, size_t unique, size_t common, const char* what) {
  if (unique + common > max_runtime_args) {
    throw std::runtime_error(std::string(what) + ": " + std::to_string(unique) + " unique + " + std::to_string(common) +
                             " common runtime args for the " + k.role + " kernel exceed " +
                             std::to_string(max_runtime_args));
  }
}

}  // namespace

void SetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreSpec& spec,
                    tt::stl::Span<const uint32_t> args) {
  auto& k = KernelOf(program, kernel, "SetRuntimeArgs");
  CheckArgCount(k, args.size(), k.common_args.size(), "SetRuntimeArgs");
  for (const CoreCoord& c : ttc::emu::CoresOf(ttc::emu::ToSet(spec))) {
    if (!k.cores.contains(c)) {
      throw std::runtime_error("SetRuntimeArgs: core {" + std::to_string(c.x) + ", " + std::to_string(c.y) +
                               "} does not run the " + k.role + " kernel");
    }
    k.args[c].assign(args.begin(), args.end());
  }
}

void SetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreSpec& spec,
                    std::initializer_list<uint32_t> args) {
  SetRuntimeArgs(program, kernel, spec, tt::stl::Span<const uint32_t>(args.begin(), args.size()));
}

void SetRuntimeArgs(const Program& program, KernelHandle kernel, const std::vector<CoreCoord>& cores,
                    const std::vector<std::vector<uint32_t>>& args) {
  if (cores.size() != args.size()) {
    throw std::runtime_error("SetRuntimeArgs: " + std::to_string(cores.size()) + " cores but " +
                             std::to_string(args.size()) + " argument lists");
  }
  for (size_t i = 0; i < cores.size(); ++i) SetRuntimeArgs(program, kernel, cores[i], tt::stl::Span<const uint32_t>(args[i]));
}

void SetCommonRuntimeArgs(const Program& program, KernelHandle kernel, tt::stl::Span<const uint32_t> args) {
  auto& k = KernelOf(program, kernel, "SetCommonRuntimeArgs");
  size_t most = 0;
  for (const auto& [core, unique] : k.args) most = std::max(most, unique.size());
  CheckArgCount(k, most, args.size(), "SetCommonRuntimeArgs");
  k.common_args.assign(args.begin(), args.end());
}

void SetCommonRuntimeArgs(const Program& program, KernelHandle kernel, std::initializer_list<uint32_t> args) {
  SetCommonRuntimeArgs(program, kernel, tt::stl::Span<const uint32_t>(args.begin(), args.size()));
}

std::vector<uint32_t>& GetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreCoord& logical_core) {
  return KernelOf(program, kernel, "GetRuntimeArgs").args[logical_core];
}

std::vector<uint32_t>& GetCommonRuntimeArgs(const Program& program, KernelHandle kernel) {
  return KernelOf(program, kernel, "GetCommonRuntimeArgs").common_args;
}

namespace emu_detail {

const Buffer& Resolve(const BufferRef& ref) {
  if (std::holds_alternative<std::shared_ptr<Buffer>>(ref)) {
    const auto& p = std::get<std::shared_ptr<Buffer>>(ref);
    if (!p) throw std::runtime_error("buffer transfer: null buffer");
    return *p;
  }
  return std::get<std::reference_wrapper<Buffer>>(ref).get();
}

void WriteBufferBytes(CommandQueue& cq, const Buffer& buffer, const void* src, size_t bytes) {
  const Buffer::Impl& b = buffer.impl();
  Device& d = ttc::emu::AsEmu(cq.device);
  const auto* in = static_cast<const uint8_t*>(src);
  const uint64_t total = std::min<uint64_t>(bytes, b.size);
  for (uint64_t p = 0; p * b.page_size < total; ++p) {
    ttc::emu::PageLocation at = d.Locate(b, p);
    std::memcpy(at.memory->data() + at.offset, in + p * b.page_size, std::min<uint64_t>(b.page_size, total - p * b.page_size));
  }
}

}  // namespace emu_detail

void EnqueueWriteBuffer(CommandQueue& cq, BufferRef ref, const void* src, bool) {
  const Buffer& b = emu_detail::Resolve(ref);
  emu_detail::WriteBufferBytes(cq, b, src, b.size());
}

void EnqueueReadBuffer(CommandQueue& cq, BufferRef ref, void* dst, bool) {
  const Buffer::Impl& b = emu_detail::Resolve(ref).impl();
  Device& d = ttc::emu::AsEmu(cq.device);
  auto* bytes = static_cast<uint8_t*>(dst);
  for (uint64_t p = 0; p < b.pages; ++p) {
    ttc::emu::PageLocation at = d.Locate(b, p);
    std::memcpy(bytes + p * b.page_size, at.memory->data() + at.offset, b.page_size);
  }
}

void Finish(CommandQueue&, tt::stl::Span<const SubDeviceId>) {}

}  // namespace tt::tt_metal
