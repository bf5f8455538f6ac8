// The emulator's run state (internal to the emulator), shared by the parts of the kernel-side
// runtime: execute.cc (threads, scheduling, deadlock detection, reports), circular_buffers.cc
// (CBs and packing), noc.cc (transfers, semaphores, multicast), tile_math.cc (DST and the
// compute API's tile operations), dprint.cc (DPRINT) and l1_window.cc (kernels' own L1).
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
  bool global = false;  // on a buffer's memory (set_globally_allocated_address): its data is there from the start
  DataFormat format = DataFormat::Float16_b;
  uint32_t page = 0, num_pages = 0, base = 0, limit = 0;
  uint32_t received = 0, acked = 0, wr = 0, rd = 0, reserved = 0, waited = 0, packed = 0;
  uint32_t filled() const { return received - acked; }
};

struct CoreRun;

// A NoC transfer in flight: `size` bytes from `from` to `to`, carried out at the issuing
// kernel's barrier (or when it blocks or finishes: the NoC delivers without being waited for).
struct Transfer {
  uint8_t* to;
  const uint8_t* from;        // null: the 4 bytes of inline_value (noc_inline_dw_write)
  uint32_t size;
  uint32_t l1_addr;           // the issuing core's side, for the barrier checks
  CoreRun* target = nullptr;  // the core whose L1 it writes, woken on delivery (null: DRAM or idle core)
  uint32_t inline_value = 0;
};

struct RunState;

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
  bool waits_on_noc = false;  // blocked on a semaphore: other cores can release it
  // The L1 window (l1_window.cc): true while the thread runs kernel code (not inside an API call).
  std::atomic<bool> in_kernel_code{false};
  int api_depth = 0;
  // DPRINT (dprint.cc): the RISCs whose prints are shown (bit i: BR, NC, TR0, TR1, TR2; none
  // when TT_METAL_DPRINT_CORES leaves the core out), the TRISC a compute kernel's prints are
  // restricted to (-1: all three), the text of each RISC's current line, and the stream state.
  uint32_t dprint_riscs = 0;
  int dprint_trisc = -1;
  std::array<std::string, 5> dprint_line;
  std::shared_ptr<void> dprint_state;
};

struct CoreRun {
  CoreCoord coord;
  int index = 0;  // y * kGridCols + x
  RunState* run = nullptr;
  uint8_t* l1 = nullptr;  // the core's L1 (the device's mapping)
  std::array<CbState, 32> cbs;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<KernelThread>> threads;
};

struct RunState {
  Device* device = nullptr;
  std::array<CoreRun*, kGridRows * kGridCols> cores{};  // the cores running kernels, by index
  std::atomic<bool> abort{false};
  // Counts every change another kernel could be waiting for (CB pushes and pops, NoC
  // deliveries, semaphore writes, threads waking or finishing): the deadlock check's witness.
  std::atomic<uint64_t> progress{0};
  std::atomic<uint64_t> warnings{0};  // protocol warnings in this run, printed or not
  std::mutex error_mu;
  std::string error;
  void Fail(const std::string& message) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (error.empty()) error = message;
    abort = true;
  }
};

// The calling kernel thread (throws Abort once the run has failed). Prefer ApiCall.
KernelThread& Self();

// Marks one call of the kernel API: the calling thread leaves kernel code for the call's
// duration (l1_window.h), and the thread is the one calling.
class ApiCall {
 public:
  ApiCall();
  ~ApiCall();
  ApiCall(const ApiCall&) = delete;
  ApiCall& operator=(const ApiCall&) = delete;
  KernelThread& thread() const { return t_; }

 private:
  KernelThread& t_;
};

// "core {x, y} <role> kernel (<file>)".
std::string Where(const KernelThread& t);

// Fails the run with `message`, prefixed by the core and kernel, and unwinds the thread.
[[noreturn]] void Violation(KernelThread& t, const std::string& message);

// A protocol slip the hardware tolerates (TT-Metalium's documented protocol is not followed, but
// a card runs the kernel and computes the same): printed to stderr once per device, kernel and
// kind, counted, and the run goes on. Errors stay for real hazards (overrun, underrun, deadlock,
// missing barrier before the data is used).
void Warn(KernelThread& t, const std::string& message);

// Blocks the calling thread (holding its core's mutex in `lock`) until `ready()`, delivering its
// NoC transfers first. `what` names the call for deadlock reports; `on_noc`: other cores can
// make it ready (semaphores), so the core alone cannot be declared deadlocked.
void Block(KernelThread& t, std::unique_lock<std::mutex>& lock, std::function<bool()> ready, std::string what,
           bool on_noc = false);

// Carries out the thread's NoC transfers in flight (reads, writes or both), waking the cores
// they write to. Call without holding any core's mutex.
void Deliver(KernelThread& t, bool reads, bool writes);

// Wakes the threads of `c` after a change to its L1 or CBs made by another core.
void Wake(CoreRun& c);

// Tile `tile` (counted from the front) of circular buffer `cb_index`, unpacked into 32x32
// row-major floats; checks that the CB holds 32x32 tiles and that the tile was pushed (an
// underrun otherwise, unless the CB is on a buffer's memory), warning when it was not waited for.
void ReadTile(KernelThread& t, uint32_t cb_index, uint32_t tile, float* out);

// DST tile `index` for `op`, which must run in DST state `required_state` (1 math, 3 pack)
// with `index` below the configured capacity.
float* Dst(KernelThread& t, uint32_t index, int required_state, const char* op);

// After `d` (a DST tile) was written: 16-bit DST holds bfloat16-precision values (fp32
// accumulation keeps float), and the tile is no longer cleared.
void Settle(KernelThread& t, float* d);

// Circular buffer `index` of the thread's core; a violation if the host created none there.
CbState& Cb(KernelThread& t, int32_t index);

// The CB of the thread's core whose memory holds part of [addr, addr + size), or -1. Caller
// holds the core's mutex.
int CbAt(KernelThread& t, uint32_t addr, uint32_t size);

// True when [lo, hi) overlaps the pages of `cb` pushed and not yet popped.
bool OverlapsFilled(const CbState& cb, uint32_t lo, uint32_t hi);

// Address of page `pages` after `ptr` in `cb`, wrapping at its end.
uint32_t Wrap(const CbState& cb, uint32_t ptr, uint32_t pages);

// DPRINT (dprint.cc): flushes the thread's unfinished lines (at the end of its kernel).
void FlushDprint(KernelThread& t);

}  // namespace ttc::emu
