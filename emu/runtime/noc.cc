// The emulated NoC (TT_METALIUM_API.md 1.3-1.5): 64-bit NoC addresses (ttc_emu/noc_map.h) name
// a DRAM bank or a worker core's L1; reads bring remote data into the kernel's L1, writes and
// multicasts send its L1 out, semaphores are L1 words changed by atomic increments and writes.
// Reads and writes complete at the issuing kernel's barrier (noc_async_read_barrier,
// noc_async_write_barrier), or when it blocks or finishes (the NoC delivers without being
// waited for), in the order they were issued; atomic increments land at once. Checked: a
// transfer to or from memory that does not exist (beyond a DRAM bank's allocated buffers, beyond
// L1, a NoC coordinate with no core), a NoC read overwriting CB pages not yet popped (overrun);
// a read into CB pages not reserved, or a write from CB pages not waited for, is a warning.
#include <atomic>
#include <cstdio>
#include <string>

#include "emu/runtime/kernel_thread.h"
#include "emu/runtime/l1_window.h"
#include "ttc_emu/kernel_runtime.h"
#include "ttc_emu/noc_map.h"

namespace ttc::emu {
namespace {

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Where a unicast NoC address points.
struct Place {
  uint8_t* at = nullptr;      // the first byte
  CoreRun* core = nullptr;    // the worker core whose L1 it is, when that core runs kernels
  bool dram = false;
};

Place Resolve(KernelThread& t, uint64_t noc_addr, uint32_t size, const char* call) {
  Device& device = *t.core->run->device;
  const uint32_t x = noc::X(noc_addr), y = noc::Y(noc_addr);
  const uint64_t addr = noc::Local(noc_addr);
  const std::string range = "[" + Hex(addr) + ", " + Hex(addr + size) + ")";
  Place p;
  if (y == noc::DramY(0) && x >= noc::DramX(0) && x < noc::DramX(kDramBanks)) {
    const int bank = static_cast<int>(x - noc::DramX(0));
    Memory& m = device.Dram(bank);
    if (addr + size > m.size()) {
      Violation(t, std::string(call) + " accesses DRAM bank " + std::to_string(bank) + " at " + range +
                       ", beyond the memory allocated for buffers there (" + std::to_string(m.size()) + " bytes)");
    }
    p.at = m.data() + addr;
    p.dram = true;
    return p;
  }
  uint32_t lx = 0, ly = 0;
  if (noc::WorkerAt(x, y, &lx, &ly)) {
    const CoreCoord c(lx, ly);
    if (addr + size > kL1Bytes) {
      Violation(t, std::string(call) + " accesses L1 " + range + " of core {" + std::to_string(c.x) + ", " +
                       std::to_string(c.y) + "}, beyond its " + std::to_string(kL1Bytes) + " bytes");
    }
    p.at = device.L1(c).data() + addr;
    p.core = t.core->run->cores[c.y * kGridCols + c.x];
    return p;
  }
  Violation(t, std::string(call) + " addresses NoC (" + std::to_string(x) + ", " + std::to_string(y) +
                   "), where the emulated device has no core: worker cores are at (18..25, 18..25) (or Wormhole's "
                   "physical coordinates), DRAM banks at (1..12, 0)");
}

// [addr, addr + size) of the calling kernel's own L1; a violation beyond L1.
uint8_t* OwnL1(KernelThread& t, uint32_t addr, uint32_t size, const char* call) {
  if (uint64_t{addr} + size > kL1Bytes) {
    Violation(t, std::string(call) + " uses L1 [" + Hex(addr) + ", " + Hex(uint64_t{addr} + size) + "), beyond L1's " +
                     std::to_string(kL1Bytes) + " bytes");
  }
  return t.core->l1 + addr;
}

// A NoC read landing in [addr, addr + size) of the kernel's L1: over CB pages not yet popped it
// is an overrun; outside the pages cb_reserve_back reserved, a protocol slip.
void CheckReadTarget(KernelThread& t, uint32_t addr, uint32_t size, const char* call) {
  std::lock_guard<std::mutex> lock(t.core->mu);
  const int i = CbAt(t, addr, size);
  if (i < 0) return;
  const CbState& cb = t.core->cbs[i];
  const std::string where = std::string(call) + " writes L1 [" + Hex(addr) + ", " + Hex(uint64_t{addr} + size) +
                            ") of c_" + std::to_string(i);
  if (OverlapsFilled(cb, addr, addr + size) && !cb.global) {
    Violation(t, where + ", pages pushed and not yet popped: CB overrun");
  }
  if (addr < cb.wr || addr + size > cb.wr + cb.reserved * cb.page) {
    Warn(t, where + " outside the pages reserved by cb_reserve_back");
  }
}

// A NoC write sending [addr, addr + size) of the kernel's L1: from CB pages neither made
// available by cb_wait_front nor reserved by cb_reserve_back (where a producer may send from, as
// TT's multicast senders do), a protocol slip.
void CheckWriteSource(KernelThread& t, uint32_t addr, uint32_t size, const char* call) {
  std::lock_guard<std::mutex> lock(t.core->mu);
  const int i = CbAt(t, addr, size);
  if (i < 0) return;
  const CbState& cb = t.core->cbs[i];
  const bool waited = addr >= cb.rd && addr + size <= cb.rd + cb.waited * cb.page;
  const bool reserved = addr >= cb.wr && addr + size <= cb.wr + cb.reserved * cb.page;
  if (!waited && !reserved) {
    Warn(t, std::string(call) + " reads L1 [" + Hex(addr) + ", " + Hex(uint64_t{addr} + size) + ") of c_" +
                std::to_string(i) + " outside the pages made available by cb_wait_front or reserved by cb_reserve_back");
  }
}

uint32_t Load32(const uint8_t* p) { return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(const_cast<uint8_t*>(p))).load(); }

void CheckWord(KernelThread& t, uint64_t addr, const char* call) {
  if (addr % 4 != 0) Violation(t, std::string(call) + " on L1 address " + Hex(addr) + ", which is not 4-byte aligned");
}

}  // namespace

namespace rt {

uint32_t ArgVal(int index) {
  const ApiCall call;
  KernelThread& t = call.thread();
  if (index < 0 || static_cast<size_t>(index) >= t.args->size()) {
    Violation(t, "reads runtime argument " + std::to_string(index) + " but the host set " +
                     std::to_string(t.args->size()) + " for this core");
  }
  return (*t.args)[index];
}

uint32_t CommonArgVal(int index) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const auto& args = t.kernel->common_args;
  if (index < 0 || static_cast<size_t>(index) >= args.size()) {
    Violation(t, "reads common runtime argument " + std::to_string(index) + " but the host set " +
                     std::to_string(args.size()));
  }
  return args[index];
}

uint32_t LogicalX() { return static_cast<uint32_t>(Self().core->coord.x); }
uint32_t LogicalY() { return static_cast<uint32_t>(Self().core->coord.y); }

uint32_t SemaphoreAddr(uint32_t id) {
  KernelThread& t = Self();
  if (id >= kMaxSemaphores) {
    Violation(t, "get_semaphore(" + std::to_string(id) + "): a core has " + std::to_string(kMaxSemaphores) +
                     " semaphores");
  }
  return SemaphoreAddress(id);
}

uint64_t PageNocAddr(bool dram, bool sharded, uint32_t base, uint32_t page_size, uint32_t page, uint32_t offset) {
  const ApiCall call;
  KernelThread& t = call.thread();
  Device& d = *t.core->run->device;
  tt::tt_metal::Buffer::Impl view;
  if (sharded) {
    const auto* b = d.FindL1Buffer(base);
    if (!b) Violation(t, "addresses a sharded tensor at L1 address " + Hex(base) + " that does not exist");
    view = *b;
  } else {
    const uint32_t align = dram ? kDramAlignment : kL1Alignment;
    view.dram = dram;
    view.base = base;
    view.page_size = page_size;
    view.aligned_page = (page_size + align - 1) / align * align;
    view.pages = uint64_t{page} + 1;
  }
  const PageLocation at = d.Locate(view, page);
  if (dram) {
    for (int b = 0; b < kDramBanks; ++b) {
      if (at.memory == &d.Dram(b)) return noc::Unicast(noc::DramX(b), noc::DramY(b), uint64_t{at.offset} + offset);
    }
  }
  for (int i = 0; i < kGridRows * kGridCols; ++i) {
    const CoreCoord c(i % kGridCols, i / kGridCols);
    if (at.memory == &d.L1(c)) return noc::Unicast(noc::WorkerX(c.x), noc::WorkerY(c.y), uint64_t{at.offset} + offset);
  }
  Violation(t, "page " + std::to_string(page) + " of the tensor at " + Hex(base) + " is in no memory of the device");
}

void NocRead(uint64_t src_noc_addr, uint32_t dst_l1_addr, uint32_t size) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const Place src = Resolve(t, src_noc_addr, size, "noc_async_read");
  uint8_t* to = OwnL1(t, dst_l1_addr, size, "noc_async_read");
  CheckReadTarget(t, dst_l1_addr, size, "noc_async_read");
  t.reads.push_back({to, src.at, size, dst_l1_addr, t.core});
}

void NocWrite(uint32_t src_l1_addr, uint64_t dst_noc_addr, uint32_t size) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const Place dst = Resolve(t, dst_noc_addr, size, "noc_async_write");
  const uint8_t* from = OwnL1(t, src_l1_addr, size, "noc_async_write");
  CheckWriteSource(t, src_l1_addr, size, "noc_async_write");
  t.writes.push_back({dst.at, from, size, src_l1_addr, dst.core});
}

void NocWriteMulticast(uint32_t src_l1_addr, uint64_t dst_noc_addr, uint32_t size, uint32_t num_dests,
                       bool loopback, const char* name) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const uint8_t* from = OwnL1(t, src_l1_addr, size, name);
  CheckWriteSource(t, src_l1_addr, size, name);
  const uint64_t addr = noc::Local(dst_noc_addr);
  const uint32_t xa = noc::XStart(dst_noc_addr), xb = noc::X(dst_noc_addr);
  const uint32_t ya = noc::YStart(dst_noc_addr), yb = noc::Y(dst_noc_addr);
  const uint32_t x0 = std::min(xa, xb), x1 = std::max(xa, xb), y0 = std::min(ya, yb), y1 = std::max(ya, yb);
  uint32_t count = 0;
  for (uint32_t y = y0; y <= y1; ++y) {
    for (uint32_t x = x0; x <= x1; ++x) {
      const Place dst = Resolve(t, noc::Unicast(x, y, addr), size, name);
      if (dst.dram) Violation(t, std::string(name) + ": a multicast reaches worker cores only, not DRAM");
      if (dst.at == t.core->l1 + addr && !loopback) continue;  // the sender is not a destination
      t.writes.push_back({dst.at, from, size, src_l1_addr, dst.core});
      ++count;
    }
  }
  if (count != num_dests) {
    Warn(t, std::string(name) + " to NoC (" + std::to_string(x0) + ".." + std::to_string(x1) + ", " +
                std::to_string(y0) + ".." + std::to_string(y1) + ") with num_dests " + std::to_string(num_dests) +
                " but " + std::to_string(count) + " destinations" + (loopback ? " (the sender included)" : ""));
  }
}

void NocInlineWrite(uint64_t dst_noc_addr, uint32_t value) {
  const ApiCall call;
  KernelThread& t = call.thread();
  CheckWord(t, noc::Local(dst_noc_addr), "noc_inline_dw_write");
  const Place dst = Resolve(t, dst_noc_addr, 4, "noc_inline_dw_write");
  Transfer x{dst.at, nullptr, 4, 0, dst.core};
  x.inline_value = value;
  t.writes.push_back(x);
}

void NocSemaphoreInc(uint64_t noc_addr, uint32_t incr) {
  const ApiCall call;
  KernelThread& t = call.thread();
  CheckWord(t, noc::Local(noc_addr), "noc_semaphore_inc");
  const Place dst = Resolve(t, noc_addr, 4, "noc_semaphore_inc");
  if (dst.dram) Violation(t, "noc_semaphore_inc on DRAM: semaphores are L1 words of worker cores");
  Deliver(t, false, true);  // what the kernel wrote before lands first
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(dst.at)).fetch_add(incr);
  t.core->run->progress++;
  if (dst.core) Wake(*dst.core);
}

void NocSemaphoreSet(uint32_t l1_addr, uint32_t value) {
  const ApiCall call;
  KernelThread& t = call.thread();
  CheckWord(t, l1_addr, "noc_semaphore_set");
  uint8_t* at = OwnL1(t, l1_addr, 4, "noc_semaphore_set");
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(at)).store(value);
  t.core->run->progress++;
  Wake(*t.core);
}

void NocSemaphoreWait(uint32_t l1_addr, uint32_t value, bool at_least) {
  const ApiCall call;
  KernelThread& t = call.thread();
  CheckWord(t, l1_addr, "noc_semaphore_wait");
  const uint8_t* at = OwnL1(t, l1_addr, 4, "noc_semaphore_wait");
  const char* name = at_least ? "noc_semaphore_wait_min" : "noc_semaphore_wait";
  std::unique_lock<std::mutex> lock(t.core->mu);
  Block(
      t, lock, [at, value, at_least] { return at_least ? Load32(at) >= value : Load32(at) == value; },
      std::string(name) + "(L1 " + Hex(l1_addr) + ", " + std::to_string(value) + ")", true);
}

void NocReadBarrier() {
  const ApiCall call;
  Deliver(call.thread(), true, false);
}

void NocWriteBarrier() {
  const ApiCall call;
  Deliver(call.thread(), false, true);
}

void NocFullBarrier() {
  const ApiCall call;
  Deliver(call.thread(), true, true);
}

}  // namespace rt
}  // namespace ttc::emu
