// Runs a program on the emulated device: every core's kernels on their own threads, with
// TT-Metalium's circular-buffer semantics (cumulative waits, write pointer wrapping only at
// the buffer end), NoC transfers that complete only at a barrier (so a missing barrier is
// caught, not hidden), DST with the configured capacity, and protocol checks. A core whose
// threads are all blocked with nothing able to proceed is a deadlock, reported at once with
// every CB's state; a watchdog bounds the whole run (TTC_EMU_TIMEOUT_SECONDS, default 300).
// The tile operations on DST live in tile_math.cc; the state both share in kernel_thread.h.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "emu/runtime/kernel_thread.h"
#include "ttc_emu/kernel_runtime.h"

namespace ttc::emu {

std::vector<CoreCoord> CoresOfSet(const CoreRangeSet& set);

namespace {

thread_local KernelThread* tls = nullptr;

std::string CoreName(const CoreRun& c) {
  return "core {" + std::to_string(c.coord.x) + ", " + std::to_string(c.coord.y) + "}";
}
std::string Where(const KernelThread& t) { return CoreName(*t.core) + " " + t.kernel->role + " kernel (" + t.kernel->file + ")"; }

std::string CbReport(const CoreRun& c) {
  std::ostringstream os;
  for (size_t i = 0; i < c.cbs.size(); ++i) {
    const CbState& cb = c.cbs[i];
    if (!cb.present) continue;
    os << "\n    c_" << i << ": " << cb.num_pages << " pages, " << cb.received - cb.acked << " filled ("
       << cb.received << " pushed, " << cb.acked << " popped), reserved " << cb.reserved << ", waited " << cb.waited;
  }
  return os.str();
}

}  // namespace

[[noreturn]] void Violation(KernelThread& t, const std::string& message) {
  t.core->run->Fail(Where(t) + ": " + message);
  throw Abort{};
}

KernelThread& Self() {
  if (!tls) throw std::logic_error("a TT-Metalium kernel API function was called outside an emulated kernel");
  if (tls->core->run->abort) throw Abort{};
  return *tls;
}

namespace {

CbState& Cb(KernelThread& t, int32_t index) {
  if (index < 0 || index >= 32 || !t.core->cbs[index].present) {
    Violation(t, "uses circular buffer " + std::to_string(index) + ", which the host did not create on this core");
  }
  return t.core->cbs[index];
}

// True when no thread of the core can make progress: all blocked (on conditions that are
// false) or finished, with at least one blocked. Caller holds the core's mutex.
bool Stuck(CoreRun& c) {
  bool any_blocked = false;
  for (auto& th : c.threads) {
    if (th->state == KernelThread::kRunning) return false;
    if (th->state == KernelThread::kBlocked) {
      if (th->ready()) return false;
      any_blocked = true;
    }
  }
  return any_blocked;
}

void FailDeadlock(CoreRun& c) {
  std::ostringstream os;
  os << "deadlock on " << CoreName(c) << ": every kernel is blocked or finished";
  for (auto& th : c.threads) {
    os << "\n  " << th->kernel->role << ": "
       << (th->state == KernelThread::kDone ? std::string("finished") : "blocked in " + th->blocked_in);
  }
  os << "\n  circular buffers:" << CbReport(c);
  c.run->Fail(os.str());
}

void Block(KernelThread& t, std::unique_lock<std::mutex>& lock, std::function<bool()> ready, std::string what) {
  if (ready()) return;
  t.state = KernelThread::kBlocked;
  t.blocked_in = std::move(what);
  t.ready = std::move(ready);
  while (!t.ready()) {
    if (t.core->run->abort) {
      t.state = KernelThread::kRunning;
      throw Abort{};
    }
    if (Stuck(*t.core)) {
      FailDeadlock(*t.core);
      t.state = KernelThread::kRunning;
      throw Abort{};
    }
    t.core->cv.wait_for(lock, std::chrono::milliseconds(20));
  }
  t.state = KernelThread::kRunning;
}

uint32_t Wrap(const CbState& cb, uint32_t ptr, uint32_t pages) {
  return cb.base + ((ptr - cb.base) + pages * cb.page) % (cb.limit - cb.base);
}

}  // namespace

void ReadTile(KernelThread& t, uint32_t cb_index, uint32_t tile, float* out) {
  std::lock_guard<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, static_cast<int32_t>(cb_index));
  if (tile >= cb.waited) {
    Violation(t, "reads tile " + std::to_string(tile) + " of c_" + std::to_string(cb_index) + " but only " +
                     std::to_string(cb.waited) + " were waited for with cb_wait_front");
  }
  if (cb.page != TileBytes(cb.format, kTile, kTile)) {
    Violation(t, "c_" + std::to_string(cb_index) + " has pages of " + std::to_string(cb.page) +
                     " bytes; the emulator computes on 32x32 tiles");
  }
  const uint32_t addr = Wrap(cb, cb.rd, tile);
  if (auto st = UnpackTile(t.core->l1->data() + addr, cb.format, kTile, kTile, out); !st.ok()) {
    Violation(t, std::string(st.message()));
  }
}

float* Dst(KernelThread& t, uint32_t index, int required_state, const char* op) {
  if (t.dst_state != required_state && t.dst_state != 4) {
    static const char* kNeed[] = {"", "between tile_regs_acquire and tile_regs_commit (or acquire_dst and release_dst)",
                                  "", "between tile_regs_wait and tile_regs_release (or acquire_dst and release_dst)"};
    Violation(t, std::string(op) + " must run " + kNeed[required_state] + " (DST protocol)");
  }
  if (index >= static_cast<uint32_t>(t.dst_capacity)) {
    Violation(t, std::string(op) + " uses DST tile " + std::to_string(index) + " but DST holds " +
                     std::to_string(t.dst_capacity) + " tiles in this configuration");
  }
  return t.dst.data() + static_cast<size_t>(index) * kTileElems;
}

void Settle(KernelThread& t, float* d) {
  t.dst_cleared[(d - t.dst.data()) / kTileElems] = false;
  if (t.fp32_dest) return;
  for (int i = 0; i < kTileElems; ++i) d[i] = RoundToDtype(d[i], DataFormat::Float16_b);
}

namespace {

void CompleteTransfers(std::vector<Transfer>& q) {
  for (const Transfer& x : q) std::memcpy(x.to, x.from, x.size);
  q.clear();
}

bool Overlaps(const std::vector<Transfer>& q, uint32_t lo, uint32_t hi) {
  for (const Transfer& x : q) {
    if (x.l1_addr < hi && x.l1_addr + x.size > lo) return true;
  }
  return false;
}

// The memory and offset of page `page` of a tensor known to a kernel by its base address.
std::pair<uint8_t*, uint32_t> PageAt(KernelThread& t, bool dram, bool sharded, uint32_t base, uint32_t page_size,
                                     uint32_t page) {
  Device& d = *t.core->run->device;
  tt::tt_metal::Buffer::Impl view;
  if (sharded) {
    const auto* b = d.FindL1Buffer(base);
    if (!b) Violation(t, "accesses a sharded tensor at L1 address " + std::to_string(base) + " that does not exist");
    view = *b;
  } else {
    // InterleavedAddrGen: pages are spaced in each bank by the page size aligned to the
    // allocator's alignment (TT_METALIUM_API.md 1.4), as the host laid them out.
    const uint32_t align = dram ? kDramAlignment : kL1Alignment;
    view.dram = dram;
    view.base = base;
    view.page_size = page_size;
    view.aligned_page = (page_size + align - 1) / align * align;
    view.pages = uint64_t{page} + 1;
  }
  PageLocation at = d.Locate(view, page);
  if (at.offset + page_size > at.memory->size()) {
    Violation(t, "accesses page " + std::to_string(page) + " of the tensor at " + std::to_string(base) +
                     ", beyond the memory allocated for it");
  }
  return {at.memory->data() + at.offset, at.offset};
}

}  // namespace

// ---- Kernel-side runtime (ttc_emu/kernel_runtime.h) ----
namespace rt {

uint32_t ArgVal(int index) {
  KernelThread& t = Self();
  if (index < 0 || static_cast<size_t>(index) >= t.args->size()) {
    Violation(t, "reads runtime argument " + std::to_string(index) + " but the host set " +
                     std::to_string(t.args->size()) + " for this core");
  }
  return (*t.args)[index];
}

uint32_t CommonArgVal(int index) {
  KernelThread& t = Self();
  const auto& args = t.kernel->common_args;
  if (index < 0 || static_cast<size_t>(index) >= args.size()) {
    Violation(t, "reads common runtime argument " + std::to_string(index) + " but the host set " +
                     std::to_string(args.size()));
  }
  return args[index];
}

void CbReserveBack(int32_t cb_index, int32_t pages) {
  KernelThread& t = Self();
  std::unique_lock<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, cb_index);
  if (pages <= 0 || static_cast<uint32_t>(pages) > cb.num_pages) {
    Violation(t, "cb_reserve_back(c_" + std::to_string(cb_index) + ", " + std::to_string(pages) + ") on a CB of " +
                     std::to_string(cb.num_pages) + " pages can never succeed");
  }
  Block(t, lock, [&cb, pages] { return cb.num_pages - (cb.received - cb.acked) >= static_cast<uint32_t>(pages); },
        "cb_reserve_back(c_" + std::to_string(cb_index) + ", " + std::to_string(pages) + ")");
  cb.reserved = std::max(cb.reserved, static_cast<uint32_t>(pages));
}

void CbPushBack(int32_t cb_index, int32_t pages) {
  KernelThread& t = Self();
  std::lock_guard<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, cb_index);
  const std::string name = "c_" + std::to_string(cb_index);
  if (pages <= 0 || static_cast<uint32_t>(pages) > cb.reserved) {
    Violation(t, "cb_push_back(" + name + ", " + std::to_string(pages) + ") pushes more pages than cb_reserve_back reserved (" +
                     std::to_string(cb.reserved) + "): CB overrun");
  }
  const uint32_t end = cb.wr + pages * cb.page;
  if (end > cb.limit) {
    Violation(t, "cb_push_back(" + name + ", " + std::to_string(pages) + ") crosses the end of the CB: the write "
                 "pointer wraps only at the end, so the pages pushed per cycle must sum to exactly the CB size (" +
                     std::to_string(cb.num_pages) + ")");
  }
  if (Overlaps(t.reads, cb.wr, end)) {
    Violation(t, "cb_push_back(" + name + ") while NoC reads into those pages are still in flight (missing "
                 "noc_async_read_barrier)");
  }
  cb.received += pages;
  cb.wr = end == cb.limit ? cb.base : end;
  cb.reserved -= pages;
  cb.packed = 0;
  t.core->cv.notify_all();
}

void CbWaitFront(int32_t cb_index, int32_t pages) {
  KernelThread& t = Self();
  std::unique_lock<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, cb_index);
  if (pages <= 0 || static_cast<uint32_t>(pages) > cb.num_pages) {
    Violation(t, "cb_wait_front(c_" + std::to_string(cb_index) + ", " + std::to_string(pages) + ") on a CB of " +
                     std::to_string(cb.num_pages) + " pages can never succeed");
  }
  Block(t, lock, [&cb, pages] { return cb.received - cb.acked >= static_cast<uint32_t>(pages); },
        "cb_wait_front(c_" + std::to_string(cb_index) + ", " + std::to_string(pages) + ")");
  cb.waited = std::max(cb.waited, static_cast<uint32_t>(pages));
}

void CbPopFront(int32_t cb_index, int32_t pages) {
  KernelThread& t = Self();
  std::lock_guard<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, cb_index);
  const std::string name = "c_" + std::to_string(cb_index);
  if (pages <= 0 || static_cast<uint32_t>(pages) > cb.waited) {
    Violation(t, "cb_pop_front(" + name + ", " + std::to_string(pages) + ") without a cb_wait_front for those pages (waited for " +
                     std::to_string(cb.waited) + "): CB underrun");
  }
  const uint32_t end = cb.rd + pages * cb.page;
  if (end > cb.limit) {
    Violation(t, "cb_pop_front(" + name + ", " + std::to_string(pages) + ") crosses the end of the CB");
  }
  if (Overlaps(t.writes, cb.rd, end)) {
    Violation(t, "cb_pop_front(" + name + ") while NoC writes from those pages are still in flight (missing "
                 "noc_async_write_barrier)");
  }
  cb.acked += pages;
  cb.rd = end == cb.limit ? cb.base : end;
  cb.waited -= pages;
  t.core->cv.notify_all();
}

uint32_t CbWritePtr(int32_t cb_index) {
  KernelThread& t = Self();
  std::lock_guard<std::mutex> lock(t.core->mu);
  return Cb(t, cb_index).wr;
}

uint32_t CbReadPtr(int32_t cb_index) {
  KernelThread& t = Self();
  std::lock_guard<std::mutex> lock(t.core->mu);
  return Cb(t, cb_index).rd;
}

int32_t CbPageSize(int32_t cb_index) {
  KernelThread& t = Self();
  std::lock_guard<std::mutex> lock(t.core->mu);
  return static_cast<int32_t>(Cb(t, cb_index).page);
}

// The CB whose memory holds [addr, addr + size), if any. Caller holds the core's mutex.
static int CbAt(KernelThread& t, uint32_t addr, uint32_t size) {
  for (int i = 0; i < 32; ++i) {
    const CbState& cb = t.core->cbs[i];
    if (cb.present && addr < cb.limit && addr + size > cb.base) return i;
  }
  return -1;
}

void NocReadPage(bool dram, bool sharded, uint32_t base, uint32_t page_size, uint32_t page, uint32_t l1_addr,
                 uint32_t offset) {
  KernelThread& t = Self();
  auto [src, unused] = PageAt(t, dram, sharded, base, page_size, page);
  (void)unused;
  if (uint64_t{l1_addr} + page_size > kL1Bytes) Violation(t, "noc_async_read_tile into L1 beyond its end");
  {
    std::lock_guard<std::mutex> lock(t.core->mu);
    const int i = CbAt(t, l1_addr, page_size);
    if (i >= 0) {
      const CbState& cb = t.core->cbs[i];
      if (l1_addr < cb.wr || l1_addr + page_size > cb.wr + cb.reserved * cb.page) {
        Violation(t, "noc_async_read_tile writes L1 " + std::to_string(l1_addr) + " of c_" + std::to_string(i) +
                         " outside the pages reserved by cb_reserve_back");
      }
    }
  }
  t.reads.push_back({t.core->l1->data() + l1_addr, src + offset, page_size, l1_addr});
}

void NocWritePage(bool dram, bool sharded, uint32_t base, uint32_t page_size, uint32_t page, uint32_t l1_addr) {
  KernelThread& t = Self();
  auto [dst, unused] = PageAt(t, dram, sharded, base, page_size, page);
  (void)unused;
  if (uint64_t{l1_addr} + page_size > kL1Bytes) Violation(t, "noc_async_write_tile from L1 beyond its end");
  {
    std::lock_guard<std::mutex> lock(t.core->mu);
    const int i = CbAt(t, l1_addr, page_size);
    if (i >= 0) {
      const CbState& cb = t.core->cbs[i];
      if (l1_addr < cb.rd || l1_addr + page_size > cb.rd + cb.waited * cb.page) {
        Violation(t, "noc_async_write_tile reads L1 " + std::to_string(l1_addr) + " of c_" + std::to_string(i) +
                         " outside the pages made available by cb_wait_front");
      }
    }
  }
  t.writes.push_back({dst, t.core->l1->data() + l1_addr, page_size, l1_addr});
}

void NocReadBarrier() { CompleteTransfers(Self().reads); }
void NocWriteBarrier() { CompleteTransfers(Self().writes); }

void TileRegsAcquire() {
  KernelThread& t = Self();
  if (t.dst_state != 0) Violation(t, "tile_regs_acquire while DST is still held (missing tile_regs_release)");
  t.dst_state = 1;
}
void AcquireDst() {
  KernelThread& t = Self();
  if (t.dst_state != 0) Violation(t, "acquire_dst while DST is still held (missing release_dst)");
  t.dst_state = 4;
}
void ReleaseDst() {
  KernelThread& t = Self();
  if (t.dst_state != 4) Violation(t, "release_dst without acquire_dst");
  std::fill(t.dst.begin(), t.dst.end(), 0.0f);  // DST is zeroed when its section is released
  t.dst_cleared.assign(kDstTiles, true);
  t.dst_state = 0;
}
void TileRegsCommit() {
  KernelThread& t = Self();
  if (t.dst_state != 1) Violation(t, "tile_regs_commit without tile_regs_acquire");
  t.dst_state = 2;
}
void TileRegsWait() {
  KernelThread& t = Self();
  if (t.dst_state != 2) Violation(t, "tile_regs_wait without tile_regs_commit");
  t.dst_state = 3;
}
void TileRegsRelease() {
  KernelThread& t = Self();
  if (t.dst_state != 3) Violation(t, "tile_regs_release without tile_regs_wait");
  std::fill(t.dst.begin(), t.dst.end(), 0.0f);  // DST is zeroed when its section is released
  t.dst_cleared.assign(kDstTiles, true);
  t.dst_state = 0;
}

void InitOp(const char*, uint32_t, uint32_t, uint32_t) { Self(); }

void PackTile(uint32_t idst, uint32_t cb_index) {
  KernelThread& t = Self();
  float* d = Dst(t, idst, 3, "pack_tile");
  std::lock_guard<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, static_cast<int32_t>(cb_index));
  if (cb.packed >= cb.reserved) {
    Violation(t, "pack_tile into c_" + std::to_string(cb_index) + " beyond the " + std::to_string(cb.reserved) +
                     " pages reserved by cb_reserve_back");
  }
  if (cb.page != TileBytes(cb.format, kTile, kTile)) {
    Violation(t, "c_" + std::to_string(cb_index) + " has pages of " + std::to_string(cb.page) +
                     " bytes; the emulator packs 32x32 tiles");
  }
  const uint32_t addr = Wrap(cb, cb.wr, cb.packed);
  if (auto st = ttc::emu::PackTile(d, cb.format, kTile, kTile, t.core->l1->data() + addr); !st.ok()) {
    Violation(t, std::string(st.message()));
  }
  ++cb.packed;
}

}  // namespace rt
}  // namespace ttc::emu

namespace tt::tt_metal {

void EnqueueProgram(CommandQueue& cq, Program& program, bool) {
  using namespace ttc::emu;
  auto* device = dynamic_cast<Device*>(cq.device);
  if (!device) throw std::runtime_error("EnqueueProgram: not an emulated device");
  Program::Impl& p = program.impl();
  std::vector<KernelBinary> binaries;
  for (const auto& k : p.kernels) binaries.push_back(BuildKernel(k.file, k.compute, k.compile_args, k.defines));

  RunState run;
  run.device = device;
  std::set<CoreCoord> used;
  for (const auto& k : p.kernels) {
    for (const CoreCoord& c : CoresOfSet(k.cores)) used.insert(c);
  }
  std::vector<std::unique_ptr<CoreRun>> cores;
  for (const CoreCoord& c : used) {
    auto core = std::make_unique<CoreRun>();
    core->coord = c;
    core->run = &run;
    core->l1 = &device->L1(c);
    uint32_t next = kL1CbBase;
    for (const auto& cb : p.cbs) {
      if (!cb.cores.contains(c)) continue;
      CbState& s = core->cbs[cb.index];
      if (s.present) throw std::runtime_error("circular buffer c_" + std::to_string(cb.index) + " is created twice on a core");
      s.present = true;
      s.format = cb.format;
      s.page = cb.page_size;
      s.num_pages = cb.total_size / cb.page_size;
      s.base = s.wr = s.rd = next;
      s.limit = next + cb.total_size;
      next = (s.limit + kL1Alignment - 1) / kL1Alignment * kL1Alignment;
    }
    if (next > device->l1_buffer_floor()) {
      throw std::runtime_error("circular buffers need " + std::to_string(next - kL1CbBase) + " bytes of L1 on core {" +
                               std::to_string(c.x) + ", " + std::to_string(c.y) + "} but " +
                               std::to_string(device->l1_buffer_floor() - kL1CbBase) + " are free");
    }
    for (size_t i = 0; i < p.kernels.size(); ++i) {
      const auto& k = p.kernels[i];
      if (!k.cores.contains(c)) continue;
      auto th = std::make_unique<KernelThread>();
      th->core = core.get();
      th->kernel = &k;
      static const std::vector<uint32_t> kNone;
      auto a = k.args.find(c);
      th->args = a == k.args.end() ? &kNone : &a->second;
      // TT_METALIUM_API.md 2.3: 8 tiles of 16-bit DST, 4 with fp32_dest_acc_en; twice that
      // with dst_full_sync_en (no double-buffering of DST between math and pack).
      th->dst_capacity = (k.fp32_dest_acc ? 4 : 8) * (k.dst_full_sync ? 2 : 1);
      th->fp32_dest = k.fp32_dest_acc;
      core->threads.push_back(std::move(th));
    }
    cores.push_back(std::move(core));
  }

  std::vector<std::thread> threads;
  std::atomic<size_t> running{0};
  for (auto& core : cores) {
    for (auto& th : core->threads) {
      KernelThread* t = th.get();
      size_t index = 0;
      while (&p.kernels[index] != t->kernel) ++index;
      void (*entry)() = binaries[index].entry;
      ++running;
      threads.emplace_back([t, entry, &run, &running] {
        tls = t;
        try {
          entry();
          if (!t->reads.empty() || !t->writes.empty()) {
            run.Fail(Where(*t) + ": finished with " + std::to_string(t->reads.size() + t->writes.size()) +
                     " NoC transfers not completed by a barrier");
          }
          if (t->dst_state != 0) {
            run.Fail(Where(*t) + ": finished while holding DST (missing " +
                     (t->dst_state == 4 ? "release_dst)" : "tile_regs_release)"));
          }
        } catch (const Abort&) {
        } catch (const std::exception& e) {
          run.Fail(Where(*t) + ": " + e.what());
        }
        {
          std::lock_guard<std::mutex> lock(t->core->mu);
          t->state = KernelThread::kDone;
          if (!run.abort && Stuck(*t->core)) FailDeadlock(*t->core);
          t->core->cv.notify_all();
        }
        tls = nullptr;
        --running;
      });
    }
  }
  const char* env = std::getenv("TTC_EMU_TIMEOUT_SECONDS");
  const double timeout = env ? std::atof(env) : 300.0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (running > 0 && !run.abort) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::ostringstream os;
      os << "watchdog: the program did not finish within " << timeout << " s (TTC_EMU_TIMEOUT_SECONDS)";
      for (auto& core : cores) {
        std::lock_guard<std::mutex> lock(core->mu);
        for (auto& th : core->threads) {
          if (th->state == KernelThread::kBlocked) os << "\n  " << Where(*th) << " blocked in " << th->blocked_in;
        }
      }
      run.Fail(os.str());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (std::thread& th : threads) th.join();
  if (!run.error.empty()) throw std::runtime_error(run.error);
}

}  // namespace tt::tt_metal
