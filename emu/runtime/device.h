// The emulated device (internal to the emulator): DRAM banks, per-core L1, buffer
// allocation and page addressing, following TT_METALIUM_API.md 1.4 (page i of an interleaved
// buffer lives in bank i % banks at base + (i / banks) * aligned page size) and the shard
// specs of L1-sharded buffers. Wormhole B0 numbers: 8x8 worker cores, 12 DRAM banks,
// 1,499,136 bytes of L1 per core. The cores' L1 lives in one memory file, so that a kernel
// thread can also see its own core's L1 at the addresses TT-Metalium gives kernels
// (emu/runtime/l1_window.h); NoC coordinates are in ttc_emu/noc_map.h.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "emu/formats.h"
#include "ttc_emu/host.hpp"

namespace tt::tt_metal {
class CommandQueue {
 public:
  explicit CommandQueue(IDevice* device) : device(device) {}
  IDevice* device;
};
}  // namespace tt::tt_metal

namespace ttc::emu {

inline constexpr int kGridRows = 8, kGridCols = 8, kDramBanks = 12;
inline constexpr uint32_t kL1Bytes = 1499136;
inline constexpr uint32_t kL1CbBase = 0x19000;  // below: firmware, mailboxes, kernel images
inline constexpr uint32_t kDramAlignment = 32, kL1Alignment = 16;

class Device;

// One memory of the device: a DRAM bank (grows as buffers are allocated, zero-filled) or a
// core's L1 (a fixed region of the device's L1 file).
class Memory {
 public:
  Memory() = default;
  Memory(uint8_t* fixed, size_t size) : fixed_(fixed), fixed_size_(size) {}
  uint8_t* data() { return fixed_ ? fixed_ : bytes_.data(); }
  size_t size() const { return fixed_ ? fixed_size_ : bytes_.size(); }
  // DRAM only: grows (or shrinks) to n bytes, new bytes set to `value`.
  void resize(size_t n, uint8_t value) { bytes_.resize(n, value); }

 private:
  uint8_t* fixed_ = nullptr;
  size_t fixed_size_ = 0;
  std::vector<uint8_t> bytes_;
};

// Where one page of a buffer lives.
struct PageLocation {
  Memory* memory;  // a DRAM bank or a core's L1
  uint32_t offset;
};

}  // namespace ttc::emu

struct tt::tt_metal::Buffer::Impl {
  ttc::emu::Device* device = nullptr;
  bool dram = true;
  bool sharded = false;
  uint32_t base = 0;
  uint64_t size = 0;
  uint64_t page_size = 0;
  uint64_t pages = 0;
  uint32_t aligned_page = 0;
  std::vector<CoreCoord> shard_cores;  // sharded: the grid's cores in shard order
  std::array<uint32_t, 2> shard_pages{};  // sharded: pages per shard [rows, cols]
  std::array<uint32_t, 2> tensor_pages{};  // sharded: tensor pages [rows, cols]
};

namespace ttc::emu {

class Device : public tt::tt_metal::IDevice {
 public:
  Device();  // emu/runtime/device_memory.cc
  ~Device() override;
  tt::tt_metal::CommandQueue& command_queue(std::size_t cq_id = 0) override;
  CoreCoord compute_with_storage_grid_size() const override { return CoreCoord(kGridCols, kGridRows); }

  Memory& L1(const CoreCoord& core) { return l1_[core.y * kGridCols + core.x]; }
  Memory& Dram(int bank) { return dram_[bank]; }
  // The L1 file: core i's L1 (i = y * kGridCols + x) at offset i * l1_stride().
  int l1_file() const { return l1_fd_; }
  static size_t l1_stride();
  // Allocates `bytes_per_bank` in every DRAM bank (dram) or in every core's L1, returning the
  // common base address. Throws std::runtime_error when L1 is exhausted.
  uint32_t Allocate(bool dram, uint64_t bytes_per_bank);
  // Lowest address used by L1 buffers: circular buffers must end below it.
  uint32_t l1_buffer_floor() const { return l1_floor_; }
  PageLocation Locate(const tt::tt_metal::Buffer::Impl& b, uint64_t page);
  // The L1-sharded buffer at `base`, if any (kernels know buffers only by address).
  const tt::tt_metal::Buffer::Impl* FindL1Buffer(uint32_t base) const;
  void Register(const tt::tt_metal::Buffer::Impl* b) { l1_buffers_[b->base] = b; }
  // True the first time a protocol warning of this kind (its key) comes up on the device
  // (emu/runtime/scheduling.cc prints each once per device).
  bool FirstWarning(const std::string& key) {
    std::lock_guard<std::mutex> lock(warned_mu_);
    return warned_.insert(key).second;
  }

 private:
  tt::tt_metal::CommandQueue cq_{this};
  std::vector<Memory> dram_;
  std::vector<Memory> l1_;
  int l1_fd_ = -1;
  uint8_t* l1_map_ = nullptr;
  uint32_t dram_next_ = 0x400;
  uint32_t l1_floor_ = kL1Bytes;
  std::map<uint32_t, const tt::tt_metal::Buffer::Impl*> l1_buffers_;
  std::mutex warned_mu_;
  std::set<std::string> warned_;
};

}  // namespace ttc::emu

struct tt::tt_metal::Program::Impl {
  struct Cb {
    CoreRangeSet cores;
    uint32_t index;
    ttc::emu::DataFormat format;
    uint32_t page_size;
    uint32_t total_size;
    // The CircularBufferConfig it came from (CreateCircularBuffer's handle): the indices of one
    // config share their memory.
    uint32_t handle = 0;
    // Set with set_globally_allocated_address: the CB lives at this L1 address (the buffer's)
    // and holds the buffer's data from the start.
    std::optional<uint32_t> global_address;
  };
  // CreateSemaphore: semaphore `id` (its L1 word at SemaphoreAddress(id)) on `cores`, set to
  // `initial_value` when the program starts.
  struct Semaphore {
    CoreRangeSet cores;
    uint32_t id;
    uint32_t initial_value;
  };
  struct Kernel {
    std::string file;
    CoreRangeSet cores;
    bool compute = false;
    std::string role;  // "reader" (RISCV_1), "writer" (RISCV_0) or "compute"
    std::vector<uint32_t> compile_args;
    // Host side (CreateKernel): the config's named_compile_args, for get_named_compile_time_arg_val.
    std::unordered_map<std::string, uint32_t> named_compile_args;
    std::map<std::string, std::string> defines;
    bool fp32_dest_acc = false;
    bool dst_full_sync = false;
    uint8_t noc = 0;  // data movement: the NoC its config chose (noc_index)
    std::map<CoreCoord, std::vector<uint32_t>> args;
    std::vector<uint32_t> common_args;
  };
  std::vector<Cb> cbs;
  std::vector<Kernel> kernels;
  std::vector<Semaphore> semaphores;
};

namespace ttc::emu {

// Semaphores (TT_METALIUM_API.md 1.3): semaphore id i of a core is the L1 word at
// kL1SemaphoreBase + i * kL1Alignment, below the circular buffers.
inline constexpr uint32_t kMaxSemaphores = 16, kL1SemaphoreBase = kL1CbBase - kMaxSemaphores * kL1Alignment;
inline constexpr uint32_t SemaphoreAddress(uint32_t id) { return kL1SemaphoreBase + id * kL1Alignment; }

// Builds a kernel into a shared object (cached by content digest) and returns its entry point:
// compute kernels with NAMESPACE/MAIN defined as on the device, data-movement kernels with
// dataflow_api.h included first as TT-Metalium's build does; `cb_formats` (the data format of
// each CB index on the kernel's cores, 255 where there is none) makes get_tile_size constexpr.
struct KernelBinary {
  void (*entry)() = nullptr;
  bool from_cache = false;
  double build_seconds = 0;
};
using CbFormats = std::array<uint8_t, 32>;
KernelBinary BuildKernel(const tt::tt_metal::Program::Impl::Kernel& kernel, const CbFormats& cb_formats);

}  // namespace ttc::emu
