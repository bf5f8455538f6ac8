// How kernel threads wait for each other and how the emulator reports what goes wrong
// (emu/runtime/kernel_thread.h): blocking with deadlock detection, delivery of NoC transfers,
// violations (the run fails) and protocol warnings (the run goes on).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "emu/runtime/kernel_thread.h"
#include "emu/runtime/l1_window.h"

namespace ttc::emu {

namespace {
thread_local KernelThread* tls = nullptr;
}  // namespace

KernelThread* CurrentThread() { return tls; }
void SetCurrentThread(KernelThread* t) { tls = t; }

std::string Where(const KernelThread& t) {
  return "core {" + std::to_string(t.core->coord.x) + ", " + std::to_string(t.core->coord.y) + "} " + t.kernel->role +
         " kernel (" + t.kernel->file + ")";
}

[[noreturn]] void Violation(KernelThread& t, const std::string& message) {
  t.core->run->Fail(Where(t) + ": " + message);
  throw Abort{};
}

void Warn(KernelThread& t, const std::string& message) {
  RunState& run = *t.core->run;
  run.warnings++;
  if (!run.device->FirstWarning(t.kernel->file + "\n" + t.kernel->role + "\n" + message)) return;
  std::fprintf(stderr, "warning: %s: %s (a card runs this, so the emulator goes on; reported once)\n",
               Where(t).c_str(), message.c_str());
  std::fflush(stderr);
}

KernelThread& Self() {
  if (!tls) throw std::logic_error("a TT-Metalium kernel API function was called outside an emulated kernel");
  if (tls->core->run->abort) throw Abort{};
  return *tls;
}

ApiCall::ApiCall() : t_(Self()) {
  if (t_.api_depth++ == 0) window::LeaveKernelCode(t_);
}

ApiCall::~ApiCall() {
  if (--t_.api_depth == 0) window::EnterKernelCode(t_);
}

void Wake(CoreRun& c) {
  std::lock_guard<std::mutex> lock(c.mu);
  c.cv.notify_all();
}

void Deliver(KernelThread& t, bool reads, bool writes) {
  std::vector<Transfer> done;
  if (reads) done.swap(t.reads);
  if (writes) done.insert(done.end(), t.writes.begin(), t.writes.end()), t.writes.clear();
  if (done.empty()) return;
  std::set<CoreRun*> woken;
  for (const Transfer& x : done) {
    std::memmove(x.to, x.from ? x.from : reinterpret_cast<const uint8_t*>(&x.inline_value), x.size);
    if (x.target) woken.insert(x.target);
  }
  t.core->run->progress++;
  for (CoreRun* c : woken) Wake(*c);
}

std::string CbReport(const CoreRun& c) {
  std::ostringstream os;
  for (size_t i = 0; i < c.cbs.size(); ++i) {
    const CbState& cb = c.cbs[i];
    if (!cb.present) continue;
    os << "\n    c_" << i << ": " << cb.num_pages << " pages, " << cb.filled() << " filled (" << cb.received
       << " pushed, " << cb.acked << " popped), reserved " << cb.reserved << ", waited " << cb.waited;
  }
  return os.str();
}

// True when no thread of the core can make progress on its own: all blocked on conditions
// that are false and that only the core's threads can change (CB waits), or finished, with at
// least one blocked. Caller holds the core's mutex.
bool Stuck(CoreRun& c) {
  bool any_blocked = false;
  for (auto& th : c.threads) {
    if (th->state == KernelThread::kRunning) return false;
    if (th->state == KernelThread::kBlocked) {
      if (th->waits_on_noc || th->ready()) return false;
      any_blocked = true;
    }
  }
  return any_blocked;
}

std::string ThreadStates(const CoreRun& c, const char* indent) {
  std::string out;
  for (auto& th : c.threads) {
    out += "\n" + std::string(indent) + th->kernel->role + ": " +
           (th->state == KernelThread::kDone ? std::string("finished") : "blocked in " + th->blocked_in);
  }
  return out;
}

void FailDeadlock(CoreRun& c) {
  std::ostringstream os;
  os << "deadlock on core {" << c.coord.x << ", " << c.coord.y << "}: every kernel is blocked or finished"
     << ThreadStates(c, "  ") << "\n  circular buffers:" << CbReport(c);
  c.run->Fail(os.str());
}

// True when every kernel of every core is blocked (its condition false) or finished and nothing
// changed while looking; with `fail`, fails the run with every core's state.
bool CheckGlobalDeadlock(RunState& run, bool fail) {
  const uint64_t before = run.progress;
  bool any_blocked = false;
  std::ostringstream os;
  os << "deadlock: every kernel on every core is blocked or finished, waiting on each other through the NoC";
  for (CoreRun* c : run.cores) {
    if (!c) continue;
    std::lock_guard<std::mutex> lock(c->mu);
    for (auto& th : c->threads) {
      if (th->state == KernelThread::kRunning) return false;
      if (th->state == KernelThread::kBlocked) {
        if (th->ready()) return false;
        any_blocked = true;
      }
    }
    os << "\n  core {" << c->coord.x << ", " << c->coord.y << "}:" << ThreadStates(*c, "    ")
       << "\n    circular buffers:" << CbReport(*c);
  }
  if (!any_blocked || run.progress != before) return false;
  if (fail) run.Fail(os.str());
  return true;
}

void Block(KernelThread& t, std::unique_lock<std::mutex>& lock, std::function<bool()> ready, std::string what,
           bool on_noc) {
  if (ready()) return;
  if (!t.reads.empty() || !t.writes.empty()) {
    // Time passes while the kernel waits: what it sent lands.
    lock.unlock();
    Deliver(t, true, true);
    lock.lock();
    if (ready()) return;
  }
  RunState& run = *t.core->run;
  t.state = KernelThread::kBlocked;
  t.blocked_in = std::move(what);
  t.ready = std::move(ready);
  t.waits_on_noc = on_noc;
  while (!t.ready()) {
    if (run.abort || (!on_noc && Stuck(*t.core))) {
      if (!run.abort) FailDeadlock(*t.core);
      t.state = KernelThread::kRunning;
      throw Abort{};
    }
    // A semaphore can also be written by kernel code through a pointer, which wakes no one.
    t.core->cv.wait_for(lock, std::chrono::milliseconds(on_noc ? 2 : 20));
  }
  t.state = KernelThread::kRunning;
  t.waits_on_noc = false;
  run.progress++;
}

}  // namespace ttc::emu
