// The emulator's run state (internal to the emulator), shared by the two halves of the
// kernel-side runtime: execute.cc (threads, scheduling, circular buffers, NoC, the DST
// protocol, packing) and tile_math.cc (the compute API's tile operations on DST).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emu/runtime/device.h"

namespace ttc::emu {

inline constexpr int kTile = 32, kTileElems = kTile * kTile, kDstTiles = 16;

// Thrown through kernel code to stop a thread once the run has failed.
struct Abort {};

struct CbState {
  bool present = false;
  DataFormat format = DataFormat::Float16_b;
  uint32_t page = 0, num_pages = 0, base = 0, limit = 0;
  uint32_t received = 0, acked = 0, wr = 0, rd = 0, reserved = 0, waited = 0, packed = 0;
};

struct Transfer {
  uint8_t* to;
  const uint8_t* from;
  uint32_t size;
  uint32_t l1_addr;  // the L1 side, for barrier checks
};

struct RunState;
struct CoreRun;

struct KernelThread {
  CoreRun* core = nullptr;
  const tt::tt_metal::Program::Impl::Kernel* kernel = nullptr;
  const std::vector<uint32_t>* args = nullptr;
  std::vector<Transfer> reads, writes;
  // Compute.
  std::vector<float> dst = std::vector<float>(kDstTiles * kTileElems, 0.0f);
  // The DST tiles not written since DST was last cleared (kernel start, each release). The
  // hardware clears with ZEROACC, which leaves rows undefined: they read as zero, except to
  // the max pooling of reduce_tile<MAX>, which reads them as minus infinity (see ReduceTile).
  std::vector<bool> dst_cleared = std::vector<bool>(kDstTiles, true);
  // 0 free, 1 acquired (math), 2 committed, 3 waited (pack), 4 acquired with acquire_dst
  // (the deprecated single call = acquire + wait: math and pack both allowed until release_dst).
  int dst_state = 0;
  int dst_capacity = 8;
  bool fp32_dest = false;  // fp32_dest_acc_en: DST keeps float; else it holds bfloat16 values
  // Scheduling (guarded by the core's mutex).
  enum { kRunning, kBlocked, kDone } state = kRunning;
  std::string blocked_in;
  std::function<bool()> ready;
};

struct CoreRun {
  CoreCoord coord;
  RunState* run = nullptr;
  std::vector<uint8_t>* l1 = nullptr;
  std::array<CbState, 32> cbs;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<KernelThread>> threads;
};

struct RunState {
  Device* device = nullptr;
  std::atomic<bool> abort{false};
  std::mutex error_mu;
  std::string error;
  void Fail(const std::string& message) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (error.empty()) error = message;
    abort = true;
  }
};

// The calling kernel thread (throws Abort once the run has failed).
KernelThread& Self();

// Fails the run with `message`, prefixed by the core and kernel, and unwinds the thread.
[[noreturn]] void Violation(KernelThread& t, const std::string& message);

// Tile `tile` (counted from the front) of circular buffer `cb_index`, unpacked into 32x32
// row-major floats; checks that it was waited for and that the CB holds 32x32 tiles.
void ReadTile(KernelThread& t, uint32_t cb_index, uint32_t tile, float* out);

// DST tile `index` for `op`, which must run in DST state `required_state` (1 math, 3 pack)
// with `index` below the configured capacity.
float* Dst(KernelThread& t, uint32_t index, int required_state, const char* op);

// After `d` (a DST tile) was written: 16-bit DST holds bfloat16-precision values (fp32
// accumulation keeps float), and the tile is no longer cleared.
void Settle(KernelThread& t, float* d);

}  // namespace ttc::emu
