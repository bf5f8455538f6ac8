// The emulated TT-Metalium host API (ttc_emu/host.hpp): devices, buffers, programs.
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

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

Device& AsEmu(tt::tt_metal::IDevice* d) {
  auto* e = dynamic_cast<Device*>(d);
  if (!e) throw std::runtime_error("not an emulated device");
  return *e;
}

const tt::tt_metal::Buffer::Impl& Resolve(const tt::tt_metal::BufferRef& ref) {
  if (std::holds_alternative<std::shared_ptr<tt::tt_metal::Buffer>>(ref)) {
    return std::get<std::shared_ptr<tt::tt_metal::Buffer>>(ref)->impl();
  }
  return std::get<std::reference_wrapper<tt::tt_metal::Buffer>>(ref).get().impl();
}

CoreRangeSet ToSet(const tt::tt_metal::CoreSpec& spec) {
  if (std::holds_alternative<CoreCoord>(spec)) return CoreRangeSet(CoreRange(std::get<CoreCoord>(spec)));
  if (std::holds_alternative<CoreRange>(spec)) return CoreRangeSet(std::get<CoreRange>(spec));
  return std::get<CoreRangeSet>(spec);
}

std::vector<CoreCoord> CoresOf(const CoreRangeSet& set) {
  std::vector<CoreCoord> out;
  for (const CoreRange& r : set.ranges()) {
    for (size_t y = r.start_coord.y; y <= r.end_coord.y; ++y) {
      for (size_t x = r.start_coord.x; x <= r.end_coord.x; ++x) out.emplace_back(x, y);
    }
  }
  return out;
}

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

Buffer::Buffer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Buffer::~Buffer() = default;
uint32_t Buffer::address() const { return impl_->base; }
DeviceAddr Buffer::size() const { return impl_->size; }
DeviceAddr Buffer::page_size() const { return impl_->page_size; }

Program::Program() : impl_(std::make_unique<Impl>()) {}
Program::Program(Program&& other) noexcept = default;
Program& Program::operator=(Program&& other) noexcept = default;
Program::~Program() = default;

void TensorAccessorArgs::append_to(std::vector<uint32_t>& args) const {
  const Buffer::Impl& b = buffer_->impl();
  args.push_back((b.sharded ? 1u : 0u) | (b.dram ? 2u : 0u));
  args.push_back(b.aligned_page);
}

IDevice* CreateDevice(chip_id_t device_id, const std::uint8_t num_hw_cqs) {
  if (device_id != 0 || num_hw_cqs != 1) {
    throw std::runtime_error("the emulator provides device 0 with one command queue");
  }
  return new Device();
}

bool CloseDevice(IDevice* device) {
  delete device;
  return true;
}

Program CreateProgram() { return Program(); }

std::shared_ptr<Buffer> CreateBuffer(const InterleavedBufferConfig& c) {
  Device& d = ttc::emu::AsEmu(c.device);
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
  return std::make_shared<Buffer>(std::move(impl));
}

std::shared_ptr<Buffer> CreateBuffer(const ShardedBufferConfig& c) {
  Device& d = ttc::emu::AsEmu(c.device);
  const ShardSpecBuffer& s = c.shard_parameters;
  if (c.buffer_type != BufferType::L1) throw std::runtime_error("the emulator shards buffers in L1 only");
  if (s.orientation != ShardOrientation::ROW_MAJOR) throw std::runtime_error("the emulator shards ROW_MAJOR only");
  if (c.page_size == 0 || c.size % c.page_size != 0 || s.page_shape[0] == 0 || s.page_shape[1] == 0 ||
      s.shape[0] % s.page_shape[0] != 0 || s.shape[1] % s.page_shape[1] != 0) {
    throw std::runtime_error("CreateBuffer: shard shape must be whole pages and size whole pages");
  }
  ttc::emu::CheckCores(s.grid, "ShardedBufferConfig");
  auto impl = std::make_unique<Buffer::Impl>();
  impl->device = &d;
  impl->dram = false;
  impl->sharded = true;
  impl->size = c.size;
  impl->page_size = c.page_size;
  impl->pages = c.size / c.page_size;
  impl->aligned_page = static_cast<uint32_t>((c.page_size + ttc::emu::kL1Alignment - 1) / ttc::emu::kL1Alignment *
                                             ttc::emu::kL1Alignment);
  impl->shard_cores = ttc::emu::CoresOf(s.grid);
  impl->shard_pages = {s.shape[0] / s.page_shape[0], s.shape[1] / s.page_shape[1]};
  impl->tensor_pages = s.tensor2d_shape_in_pages;
  if (uint64_t{impl->tensor_pages[0]} * impl->tensor_pages[1] != impl->pages) {
    throw std::runtime_error("CreateBuffer: tensor2d_shape_in_pages does not match size / page_size");
  }
  impl->base = d.Allocate(false, uint64_t{impl->shard_pages[0]} * impl->shard_pages[1] * impl->aligned_page);
  auto buffer = std::make_shared<Buffer>(std::move(impl));
  d.Register(&buffer->impl());
  return buffer;
}

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
                          const std::variant<DataMovementConfig, ComputeConfig>& config) {
  Program::Impl::Kernel k;
  k.file = ttc::emu::ResolveKernelPath(file);  // TT-Metalium's search order (emu/runtime/paths.h)
  k.cores = ttc::emu::ToSet(spec);
  ttc::emu::CheckCores(k.cores, "CreateKernel");
  if (std::holds_alternative<ComputeConfig>(config)) {
    const ComputeConfig& c = std::get<ComputeConfig>(config);
    k.compute = true;
    k.role = "compute";
    k.compile_args = c.compile_args;
    k.defines = c.defines;
    k.fp32_dest_acc = c.fp32_dest_acc_en;
    k.dst_full_sync = c.dst_full_sync_en;
  } else {
    const DataMovementConfig& c = std::get<DataMovementConfig>(config);
    k.role = c.processor == DataMovementProcessor::RISCV_1 ? "reader" : "writer";
    k.noc = static_cast<uint8_t>(c.noc);
    k.compile_args = c.compile_args;
    k.defines = c.defines;
  }
  program.impl().kernels.push_back(std::move(k));
  return static_cast<KernelHandle>(program.impl().kernels.size() - 1);
}

void SetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreSpec& spec, const std::vector<uint32_t>& args) {
  if (kernel >= program.impl().kernels.size()) throw std::runtime_error("SetRuntimeArgs: unknown kernel handle");
  if (args.size() > 341) throw std::runtime_error("SetRuntimeArgs: " + std::to_string(args.size()) + " args > 341");
  auto& k = program.impl().kernels[kernel];
  for (const CoreCoord& c : ttc::emu::CoresOf(ttc::emu::ToSet(spec))) {
    if (!k.cores.contains(c)) {
      throw std::runtime_error("SetRuntimeArgs: core {" + std::to_string(c.x) + ", " + std::to_string(c.y) +
                               "} does not run the " + k.role + " kernel");
    }
    k.args[c] = args;
  }
}

void SetCommonRuntimeArgs(const Program& program, KernelHandle kernel, const std::vector<uint32_t>& args) {
  if (kernel >= program.impl().kernels.size()) throw std::runtime_error("SetCommonRuntimeArgs: unknown kernel handle");
  program.impl().kernels[kernel].common_args = args;
}

void EnqueueWriteBuffer(CommandQueue& cq, BufferRef ref, const void* src, bool) {
  const Buffer::Impl& b = ttc::emu::Resolve(ref);
  Device& d = ttc::emu::AsEmu(cq.device);
  const auto* bytes = static_cast<const uint8_t*>(src);
  for (uint64_t p = 0; p < b.pages; ++p) {
    ttc::emu::PageLocation at = d.Locate(b, p);
    std::memcpy(at.memory->data() + at.offset, bytes + p * b.page_size, b.page_size);
  }
}

void EnqueueReadBuffer(CommandQueue& cq, BufferRef ref, void* dst, bool) {
  const Buffer::Impl& b = ttc::emu::Resolve(ref);
  Device& d = ttc::emu::AsEmu(cq.device);
  auto* bytes = static_cast<uint8_t*>(dst);
  for (uint64_t p = 0; p < b.pages; ++p) {
    ttc::emu::PageLocation at = d.Locate(b, p);
    std::memcpy(bytes + p * b.page_size, at.memory->data() + at.offset, b.page_size);
  }
}

void Finish(CommandQueue&) {}

}  // namespace tt::tt_metal
