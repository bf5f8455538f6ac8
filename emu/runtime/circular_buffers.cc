// Circular buffers (TT_METALIUM_API.md 1.2) and packing into them. Counts are pages; waits are
// cumulative thresholds; the pointers wrap only exactly at the buffer's end. What the card
// would get wrong is an error: pushing more pages than the CB has free (overrun), popping or
// reading pages never pushed (underrun), a push or a pop that crosses the end of the CB,
// packing over pages not yet popped, a reserve or a wait for more pages than the CB holds.
// What only skips TT-Metalium's protocol (a push or a pack without cb_reserve_back into free
// pages, a pop or a read without cb_wait_front of pages that were pushed) is a warning.
#include <algorithm>
#include <string>

#include "emu/runtime/kernel_thread.h"
#include "ttc_emu/kernel_runtime.h"

namespace ttc::emu {

namespace {
std::string Name(int32_t cb) { return "c_" + std::to_string(cb); }
}  // namespace

CbState& Cb(KernelThread& t, int32_t index) {
  if (index < 0 || index >= 32 || !t.core->cbs[index].present) {
    Violation(t, "uses circular buffer " + std::to_string(index) + ", which the host did not create on this core");
  }
  return t.core->cbs[index];
}

uint32_t Wrap(const CbState& cb, uint32_t ptr, uint32_t pages) {
  return cb.base + ((ptr - cb.base) + pages * cb.page) % (cb.limit - cb.base);
}

bool OverlapsFilled(const CbState& cb, uint32_t lo, uint32_t hi) {
  const uint32_t bytes = std::min(cb.filled(), cb.num_pages) * cb.page;
  if (bytes == 0) return false;
  const uint32_t first_end = std::min(cb.rd + bytes, cb.limit);  // the filled pages up to the end ...
  if (lo < first_end && hi > cb.rd) return true;
  const uint32_t wrapped = cb.rd + bytes - first_end;  // ... and those from the start
  return wrapped > 0 && lo < cb.base + wrapped && hi > cb.base;
}

int CbAt(KernelThread& t, uint32_t addr, uint32_t size) {
  for (int i = 0; i < 32; ++i) {
    const CbState& cb = t.core->cbs[i];
    if (cb.present && addr < cb.limit && addr + size > cb.base) return i;
  }
  return -1;
}

void ReadTile(KernelThread& t, uint32_t cb_index, uint32_t tile, float* out) {
  std::lock_guard<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, static_cast<int32_t>(cb_index));
  if (tile >= cb.waited) {
    const std::string what = "reads tile " + std::to_string(tile) + " of " + Name(cb_index) + " but only " +
                             std::to_string(cb.waited) + " were waited for with cb_wait_front";
    if (tile >= cb.filled() && !cb.global) Violation(t, what + " and " + std::to_string(cb.filled()) + " pushed: CB underrun");
    Warn(t, what);
  }
  if (cb.page != TileBytes(cb.format, kTile, kTile)) {
    Violation(t, Name(cb_index) + " has pages of " + std::to_string(cb.page) + " bytes; the emulator computes on 32x32 tiles");
  }
  const uint32_t addr = Wrap(cb, cb.rd, tile);
  if (auto st = UnpackTile(t.core->l1 + addr, cb.format, kTile, kTile, out); !st.ok()) {
    Violation(t, std::string(st.message()));
  }
}

namespace rt {

void CbReserveBack(int32_t cb_index, int32_t pages) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::unique_lock<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, cb_index);
  if (pages < 0 || static_cast<uint32_t>(pages) > cb.num_pages) {
    Violation(t, "cb_reserve_back(" + Name(cb_index) + ", " + std::to_string(pages) + ") on a CB of " +
                     std::to_string(cb.num_pages) + " pages can never succeed");
  }
  Block(t, lock, [&cb, pages] { return cb.num_pages - cb.filled() >= static_cast<uint32_t>(pages); },
        "cb_reserve_back(" + Name(cb_index) + ", " + std::to_string(pages) + ")");
  cb.reserved = std::max(cb.reserved, static_cast<uint32_t>(pages));
}

void CbPushBack(int32_t cb_index, int32_t pages) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::lock_guard<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, cb_index);
  const std::string name = Name(cb_index), call_text = "cb_push_back(" + name + ", " + std::to_string(pages) + ")";
  if (pages < 0 || cb.filled() + static_cast<uint32_t>(pages) > cb.num_pages) {
    Violation(t, call_text + " pushes more pages than the CB has free (" + std::to_string(cb.num_pages - cb.filled()) +
                     " of " + std::to_string(cb.num_pages) + "): CB overrun");
  }
  if (pages == 0) return;
  if (static_cast<uint32_t>(pages) > cb.reserved) {
    Warn(t, call_text + " pushes more pages than cb_reserve_back reserved (" + std::to_string(cb.reserved) + ")");
  }
  const uint32_t end = cb.wr + pages * cb.page;
  if (end > cb.limit) {
    Violation(t, call_text + " crosses the end of the CB: the write pointer wraps only at the end, so the pages pushed "
                 "per cycle must sum to exactly the CB size (" + std::to_string(cb.num_pages) + ")");
  }
  for (const Transfer& x : t.reads) {
    if (x.l1_addr < end && x.l1_addr + x.size > cb.wr) {
      Violation(t, "cb_push_back(" + name + ") while NoC reads into those pages are still in flight (missing "
                   "noc_async_read_barrier)");
    }
  }
  cb.received += pages;
  cb.wr = end == cb.limit ? cb.base : end;
  cb.reserved -= std::min(cb.reserved, static_cast<uint32_t>(pages));
  cb.packed = 0;
  t.core->run->progress++;
  t.core->cv.notify_all();
}

void CbWaitFront(int32_t cb_index, int32_t pages) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::unique_lock<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, cb_index);
  if (pages < 0 || static_cast<uint32_t>(pages) > cb.num_pages) {
    Violation(t, "cb_wait_front(" + Name(cb_index) + ", " + std::to_string(pages) + ") on a CB of " +
                     std::to_string(cb.num_pages) + " pages can never succeed");
  }
  Block(t, lock, [&cb, pages] { return cb.filled() >= static_cast<uint32_t>(pages); },
        "cb_wait_front(" + Name(cb_index) + ", " + std::to_string(pages) + ")");
  cb.waited = std::max(cb.waited, static_cast<uint32_t>(pages));
}

void CbPopFront(int32_t cb_index, int32_t pages) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::lock_guard<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, cb_index);
  const std::string name = Name(cb_index), call_text = "cb_pop_front(" + name + ", " + std::to_string(pages) + ")";
  if (pages <= 0) {
    if (pages < 0) Violation(t, call_text + " pops a negative number of pages");
    return;
  }
  if (static_cast<uint32_t>(pages) > cb.waited) {
    const std::string what = call_text + " without a cb_wait_front for those pages (waited for " +
                             std::to_string(cb.waited) + ")";
    if (static_cast<uint32_t>(pages) > cb.filled()) {
      if (!cb.global) Violation(t, what + ": CB underrun, " + std::to_string(cb.filled()) + " pages were pushed");
      cb.received = cb.acked + pages;  // a buffer's pages are there without a push
    }
    Warn(t, what);
  }
  const uint32_t end = cb.rd + pages * cb.page;
  if (end > cb.limit) Violation(t, call_text + " crosses the end of the CB");
  for (const Transfer& x : t.writes) {
    if (x.l1_addr < end && x.l1_addr + x.size > cb.rd) {
      Violation(t, "cb_pop_front(" + name + ") while NoC writes from those pages are still in flight (missing "
                   "noc_async_write_barrier)");
    }
  }
  cb.acked += pages;
  cb.rd = end == cb.limit ? cb.base : end;
  cb.waited -= std::min(cb.waited, static_cast<uint32_t>(pages));
  t.core->run->progress++;
  t.core->cv.notify_all();
}

uint32_t CbWritePtr(int32_t cb_index) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::lock_guard<std::mutex> lock(t.core->mu);
  return Cb(t, cb_index).wr;
}

uint32_t CbReadPtr(int32_t cb_index) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::lock_guard<std::mutex> lock(t.core->mu);
  return Cb(t, cb_index).rd;
}

int32_t CbPageSize(int32_t cb_index) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::lock_guard<std::mutex> lock(t.core->mu);
  return static_cast<int32_t>(Cb(t, cb_index).page);
}

bool CbPagesReservable(int32_t cb_index, int32_t pages) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::lock_guard<std::mutex> lock(t.core->mu);
  const CbState& cb = Cb(t, cb_index);
  return cb.num_pages - cb.filled() >= static_cast<uint32_t>(pages);
}

bool CbPagesAvailable(int32_t cb_index, int32_t pages) {
  const ApiCall call;
  KernelThread& t = call.thread();
  std::lock_guard<std::mutex> lock(t.core->mu);
  return Cb(t, cb_index).filled() >= static_cast<uint32_t>(pages);
}

void PackTile(uint32_t idst, uint32_t cb_index) {
  const ApiCall call;
  KernelThread& t = call.thread();
  float* d = Dst(t, idst, 3, "pack_tile");
  std::lock_guard<std::mutex> lock(t.core->mu);
  CbState& cb = Cb(t, static_cast<int32_t>(cb_index));
  const std::string name = Name(static_cast<int32_t>(cb_index));
  if (cb.packed >= cb.num_pages - std::min(cb.filled(), cb.num_pages)) {
    Violation(t, "pack_tile into " + name + " over a page not yet popped (" + std::to_string(cb.filled()) + " of " +
                     std::to_string(cb.num_pages) + " pages filled, " + std::to_string(cb.packed) +
                     " packed since the last push): CB overrun");
  }
  if (cb.packed >= cb.reserved) {
    Warn(t, "pack_tile into " + name + " beyond the " + std::to_string(cb.reserved) +
                " pages reserved by cb_reserve_back");
  }
  if (cb.page != TileBytes(cb.format, kTile, kTile)) {
    Violation(t, name + " has pages of " + std::to_string(cb.page) + " bytes; the emulator packs 32x32 tiles");
  }
  const uint32_t addr = Wrap(cb, cb.wr, cb.packed);
  if (auto st = ttc::emu::PackTile(d, cb.format, kTile, kTile, t.core->l1 + addr); !st.ok()) {
    Violation(t, std::string(st.message()));
  }
  ++cb.packed;
}

}  // namespace rt
}  // namespace ttc::emu
