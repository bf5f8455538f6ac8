// The emulated device (internal to the emulator): DRAM banks, per-core L1, buffer
// allocation and page addressing, following TT_METALIUM_API.md 1.4 (page i of an interleaved
// buffer lives in bank i % banks at base + (i / banks) * aligned page size) and the shard
// specs of L1-sharded buffers. Wormhole B0 numbers: 8x8 worker cores, 12 DRAM banks,
// 1,499,136 bytes of L1 per core.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
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

// Where one page of a buffer lives.
struct PageLocation {
  std::vector<uint8_t>* memory;  // a DRAM bank or a core's L1
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
  Device();
  tt::tt_metal::CommandQueue& command_queue(std::size_t cq_id = 0) override;
  CoreCoord compute_with_storage_grid_size() const override { return CoreCoord(kGridCols, kGridRows); }

  std::vector<uint8_t>& L1(const CoreCoord& core) { return l1_[core.y * kGridCols + core.x]; }
  // Allocates `bytes_per_bank` in every DRAM bank (dram) or in every core's L1, returning the
  // common base address. Throws std::runtime_error when L1 is exhausted.
  uint32_t Allocate(bool dram, uint64_t bytes_per_bank);
  // Lowest address used by L1 buffers: circular buffers must end below it.
  uint32_t l1_buffer_floor() const { return l1_floor_; }
  PageLocation Locate(const tt::tt_metal::Buffer::Impl& b, uint64_t page);
  // The L1-sharded buffer at `base`, if any (kernels know buffers only by address).
  const tt::tt_metal::Buffer::Impl* FindL1Buffer(uint32_t base) const;
  void Register(const tt::tt_metal::Buffer::Impl* b) { l1_buffers_[b->base] = b; }

 private:
  tt::tt_metal::CommandQueue cq_{this};
  std::vector<std::vector<uint8_t>> dram_;
  std::vector<std::vector<uint8_t>> l1_;
  uint32_t dram_next_ = 0x400;
  uint32_t l1_floor_ = kL1Bytes;
  std::map<uint32_t, const tt::tt_metal::Buffer::Impl*> l1_buffers_;
};

// Builds a kernel source into a shared object (cached by content digest) and returns its
// entry point. Compute kernels are built with NAMESPACE/MAIN defined as on the device.
struct KernelBinary {
  void (*entry)() = nullptr;
  bool from_cache = false;
  double build_seconds = 0;
};
KernelBinary BuildKernel(const std::string& source_path, bool compute, const std::vector<uint32_t>& compile_args,
                         const std::map<std::string, std::string>& defines);

}  // namespace ttc::emu

struct tt::tt_metal::Program::Impl {
  struct Cb {
    CoreRangeSet cores;
    uint32_t index;
    ttc::emu::DataFormat format;
    uint32_t page_size;
    uint32_t total_size;
  };
  struct Kernel {
    std::string file;
    CoreRangeSet cores;
    bool compute = false;
    std::string role;  // "reader" (RISCV_1), "writer" (RISCV_0) or "compute"
    std::vector<uint32_t> compile_args;
    std::map<std::string, std::string> defines;
    bool fp32_dest_acc = false;
    bool dst_full_sync = false;
    std::map<CoreCoord, std::vector<uint32_t>> args;
    std::vector<uint32_t> common_args;
  };
  std::vector<Cb> cbs;
  std::vector<Kernel> kernels;
};
