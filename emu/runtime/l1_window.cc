// The L1 window (emu/runtime/l1_window.h). The fault handler runs on the kernel thread whose
// access faulted, interrupting kernel code (never the emulator's, which does not touch the
// window), so it may wait and map memory; it waits by yielding and sleeping, not with locks.
#include "emu/runtime/l1_window.h"

#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace ttc::emu {

KernelThread* CurrentThread();  // execute.cc

namespace window {
namespace {

constexpr size_t kWindowBytes = kL1Bytes - kWindowBase;

struct State {
  bool reserved = false;  // [kWindowBase, kL1Bytes) is ours
  int fd = -1;
  size_t stride = 0;
  std::vector<KernelThread*> threads;
  std::atomic<int> owner{-1};  // the core whose L1 is mapped (or being mapped); -1: none
  std::atomic<bool> mapped{false};
  std::atomic<KernelThread*> mapper{nullptr};  // the thread that mapped it, which drops it
  struct sigaction previous {};
};

State g;

void* WindowAddress() { return reinterpret_cast<void*>(static_cast<uintptr_t>(kWindowBase)); }

bool Unmap() {
  return mmap(WindowAddress(), kWindowBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
              0) != MAP_FAILED;
}

// Waits a little, politely: spin-yield first, then sleep.
void Pause(int& round) {
  if (++round < 64) {
    sched_yield();
    return;
  }
  const timespec ts{0, 50 * 1000};
  nanosleep(&ts, nullptr);
}

void Say(const char* text) { (void)!write(STDERR_FILENO, text, std::strlen(text)); }

// Maps the L1 of the faulting thread's core into the window (see l1_window.h).
// Once the run has failed nothing waits: the faulting thread maps its core's L1 and goes on to
// its next API call, which unwinds it.
void Acquire(KernelThread& t) {
  const int mine = t.core->index;
  const std::atomic<bool>& abort = t.core->run->abort;
  t.in_kernel_code = false;  // while it waits, others may go on
  for (int round = 0;; Pause(round)) {
    int expected = -1;
    if (g.owner.compare_exchange_strong(expected, mine) || abort) {
      for (KernelThread* u : g.threads) {
        int r = 0;
        while (u->core->index != mine && u->in_kernel_code && !abort) Pause(r);
      }
      if (mmap(WindowAddress(), kWindowBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, g.fd,
               static_cast<off_t>(mine * g.stride + kWindowBase)) == MAP_FAILED) {
        Say("ttc emulator: cannot map a core's L1 into the L1 window\n");
        _exit(70);
      }
      g.mapper = &t;
      g.mapped = true;
      break;
    }
    if (expected == mine && g.mapped) break;
  }
  t.in_kernel_code = true;
}

void OnFault(int sig, siginfo_t* info, void* context) {
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  KernelThread* t = CurrentThread();
  if (t && g.reserved && addr >= kWindowBase && addr < kL1Bytes) {
    Acquire(*t);
    return;
  }
  if (t && addr < kL1Bytes + 0x10000) {
    char text[200];
    std::snprintf(text, sizeof text,
                  "ttc emulator: a kernel on core {%zu, %zu} accessed address 0x%zx, outside the L1 a kernel may use "
                  "[0x%x, 0x%x)\n",
                  t->core->coord.x, t->core->coord.y, static_cast<size_t>(addr), kWindowBase, kL1Bytes);
    Say(text);
  }
  // Not the window's: the previous disposition handles the fault when the access is retried.
  sigaction(SIGSEGV, &g.previous, nullptr);
  (void)sig;
  (void)context;
}

}  // namespace

void BeginRun(Device& device, const std::vector<KernelThread*>& threads) {
  static std::once_flag once;
  std::call_once(once, [] {
    g.reserved = mmap(WindowAddress(), kWindowBytes, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0) == WindowAddress();
    struct sigaction action {};
    action.sa_sigaction = OnFault;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &g.previous);
  });
  g.fd = device.l1_file();
  g.stride = Device::l1_stride();
  g.threads = threads;
  g.owner = -1;
  g.mapped = false;
  g.mapper = nullptr;
}

void EndRun() {
  if (g.reserved && g.mapped) Unmap();
  g.mapped = false;
  g.mapper = nullptr;
  g.owner = -1;
  g.threads.clear();
}

void EnterKernelCode(KernelThread& t) {
  const int mine = t.core->index;
  for (int round = 0;; Pause(round)) {
    t.in_kernel_code = true;
    const int owner = g.owner;
    if (owner == -1 || owner == mine || t.core->run->abort) return;
    t.in_kernel_code = false;
  }
}

void LeaveKernelCode(KernelThread& t) {
  t.in_kernel_code = false;
  if (g.mapper.load() != &t) return;
  g.mapped = false;
  g.mapper = nullptr;
  if (!Unmap()) {
    Say("ttc emulator: cannot unmap the L1 window\n");
    _exit(70);
  }
  g.owner = -1;
}

}  // namespace window
}  // namespace ttc::emu
