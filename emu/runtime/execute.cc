// Runs a program on the emulated device: places its circular buffers and semaphores in L1 as
// TT-Metalium does, builds its kernels, and runs every core's kernels on their own threads,
// with TT-Metalium's circular-buffer semantics (cumulative waits, write pointer wrapping only
// at the buffer end), NoC transfers that complete at a barrier (so a missing barrier is caught,
// not hidden), DST with the configured capacity, and protocol checks. A core whose threads
// are all blocked with nothing able to proceed is a deadlock, reported at once with every CB's
// state; so is a state where every kernel of every core waits (semaphores); a watchdog bounds
// the whole run (TTC_EMU_TIMEOUT_SECONDS, default 300). The rest of the kernel-side runtime:
// scheduling.cc, circular_buffers.cc, noc.cc, tile_math.cc, dprint.cc, l1_window.cc.
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "emu/runtime/kernel_thread.h"
#include "emu/runtime/l1_window.h"

namespace ttc::emu {
namespace {

// Kernel threads run on 256 KiB stacks (TTC_EMU_KERNEL_STACK_BYTES overrides): a Tensix RISC-V
// core's stack is a few KiB, so kernels need little, and creating 192 threads with glibc's
// default 8 MiB stacks cost about 30 ms per program run on a 2-core VM, 9 ms with these.
size_t KernelStackBytes() {
  if (const char* env = std::getenv("TTC_EMU_KERNEL_STACK_BYTES")) {
    const long long v = std::atoll(env);
    if (v >= PTHREAD_STACK_MIN) return static_cast<size_t>(v);
  }
  return size_t{256} << 10;
}

void* RunKernelBody(void* body) {
  (*static_cast<std::function<void()>*>(body))();
  return nullptr;
}

// Starts `body` (which outlives the thread) on a kernel thread; 0 or the pthread error.
int StartKernelThread(std::function<void()>* body, pthread_t* id) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, KernelStackBytes());
  const int err = pthread_create(id, &attr, RunKernelBody, body);
  pthread_attr_destroy(&attr);
  return err;
}

}  // namespace


std::vector<CoreCoord> CoresOfSet(const CoreRangeSet& set);
void SetCurrentThread(KernelThread* t);
bool Stuck(CoreRun& c);
void FailDeadlock(CoreRun& c);
bool CheckGlobalDeadlock(RunState& run, bool fail);
void InitDprint(KernelThread& t);

namespace {

int Index(const CoreCoord& c) { return static_cast<int>(c.y * kGridCols + c.x); }

// TT-Metalium's CB allocation: the indices of one config share one region, at the same
// address on every core of the config: above every CB already placed on any of those cores
// (or the buffer's address for a globally allocated config). Returns each config's address.
std::map<uint32_t, uint32_t> PlaceCbs(const tt::tt_metal::Program::Impl& p, const Device& device) {
  std::map<uint32_t, uint32_t> address;
  std::array<uint32_t, kGridRows * kGridCols> next;
  next.fill(kL1CbBase);
  for (const auto& cb : p.cbs) {
    if (address.count(cb.handle)) continue;
    const std::vector<CoreCoord> cores = CoresOfSet(cb.cores);
    if (cb.global_address) {
      address[cb.handle] = *cb.global_address;
      continue;
    }
    uint32_t at = kL1CbBase;
    for (const CoreCoord& c : cores) at = std::max(at, next[Index(c)]);
    const uint32_t end = (at + cb.total_size + kL1Alignment - 1) / kL1Alignment * kL1Alignment;
    if (end > device.l1_buffer_floor()) {
      throw std::runtime_error("circular buffers need " + std::to_string(end - kL1CbBase) + " bytes of L1 on core {" +
                               std::to_string(cores.front().x) + ", " + std::to_string(cores.front().y) + "} but " +
                               std::to_string(device.l1_buffer_floor() - kL1CbBase) + " are free");
    }
    for (const CoreCoord& c : cores) next[Index(c)] = end;
    address[cb.handle] = at;
  }
  return address;
}

// The data format of each CB index on the kernel's cores, for its constexpr get_tile_size.
CbFormats FormatsFor(const tt::tt_metal::Program::Impl& p, const tt::tt_metal::Program::Impl::Kernel& k) {
  CbFormats formats;
  formats.fill(255);
  for (const auto& cb : p.cbs) {
    bool shared = false;
    for (const CoreCoord& c : CoresOfSet(k.cores)) shared = shared || cb.cores.contains(c);
    if (!shared) continue;
    const auto f = static_cast<uint8_t>(cb.format);
    if (formats[cb.index] != 255 && formats[cb.index] != f) {
      throw std::runtime_error("kernel " + k.file + ": circular buffer c_" + std::to_string(cb.index) +
                               " has different data formats on the kernel's cores");
    }
    formats[cb.index] = f;
  }
  return formats;
}

std::unique_ptr<CoreRun> MakeCore(const CoreCoord& c, RunState& run, Device& device,
                                  const tt::tt_metal::Program::Impl& p, const std::map<uint32_t, uint32_t>& cb_address) {
  auto core = std::make_unique<CoreRun>();
  core->coord = c;
  core->index = Index(c);
  core->run = &run;
  core->l1 = device.L1(c).data();
  for (const auto& cb : p.cbs) {
    if (!cb.cores.contains(c)) continue;
    CbState& s = core->cbs[cb.index];
    if (s.present) throw std::runtime_error("circular buffer c_" + std::to_string(cb.index) + " is created twice on a core");
    s.present = true;
    s.global = cb.global_address.has_value();
    s.format = cb.format;
    s.page = cb.page_size;
    s.num_pages = cb.total_size / cb.page_size;
    s.base = s.wr = s.rd = cb_address.at(cb.handle);
    s.limit = s.base + cb.total_size;
  }
  for (const auto& k : p.kernels) {
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
    InitDprint(*th);
    core->threads.push_back(std::move(th));
  }
  return core;
}

// After the kernel returned: what it left in flight lands (the NoC delivers without being
// waited for; reads the kernel never waited for are a protocol slip), DST left held is one too.
void FinishKernel(KernelThread& t) {
  if (!t.reads.empty()) Warn(t, "finished with NoC reads not completed by noc_async_read_barrier");
  Deliver(t, true, true);
  if (t.dst_state != 0) {
    Warn(t, std::string("finished while holding DST (missing ") +
                (t.dst_state == 4 ? "release_dst)" : "tile_regs_release)"));
  }
}

}  // namespace
}  // namespace ttc::emu

namespace tt::tt_metal {

void EnqueueProgram(CommandQueue& cq, Program& program, bool) {
  using namespace ttc::emu;
  auto* device = dynamic_cast<Device*>(cq.device);
  if (!device) throw std::runtime_error("EnqueueProgram: not an emulated device");
  static std::mutex one_run_at_a_time;  // the L1 window is the process's
  std::lock_guard<std::mutex> serial(one_run_at_a_time);
  Program::Impl& p = program.impl();
  std::vector<KernelBinary> binaries;
  for (const auto& k : p.kernels) binaries.push_back(BuildKernel(k, FormatsFor(p, k)));
  const std::map<uint32_t, uint32_t> cb_address = PlaceCbs(p, *device);
  for (const auto& s : p.semaphores) {
    for (const CoreCoord& c : CoresOfSet(s.cores)) {
      std::memcpy(device->L1(c).data() + SemaphoreAddress(s.id), &s.initial_value, sizeof(uint32_t));
    }
  }

  RunState run;
  run.device = device;
  std::set<CoreCoord> used;
  for (const auto& k : p.kernels) {
    for (const CoreCoord& c : CoresOfSet(k.cores)) used.insert(c);
  }
  std::vector<std::unique_ptr<CoreRun>> cores;
  std::vector<KernelThread*> all;
  for (const CoreCoord& c : used) {
    cores.push_back(MakeCore(c, run, *device, p, cb_address));
    run.cores[cores.back()->index] = cores.back().get();
    for (auto& th : cores.back()->threads) all.push_back(th.get());
  }
  window::BeginRun(*device, all);

  std::vector<std::unique_ptr<std::function<void()>>> bodies;
  std::vector<pthread_t> threads;
  std::atomic<size_t> running{0};
  // The last kernel to finish wakes the watchdog loop below, which would otherwise notice only
  // at its next 5 ms poll (a fixed cost on every program run).
  std::mutex finished_mu;
  std::condition_variable finished;
  for (KernelThread* t : all) {
    const size_t index = static_cast<size_t>(t->kernel - p.kernels.data());
    void (*entry)() = binaries[index].entry;
    ++running;
    bodies.push_back(std::make_unique<std::function<void()>>([t, entry, &run, &running, &finished_mu, &finished] {
      SetCurrentThread(t);
      try {
        window::EnterKernelCode(*t);
        entry();
        window::LeaveKernelCode(*t);
        FinishKernel(*t);
      } catch (const Abort&) {
      } catch (const std::exception& e) {
        run.Fail(Where(*t) + ": " + e.what());
      }
      window::LeaveKernelCode(*t);
      FlushDprint(*t);
      {
        std::lock_guard<std::mutex> lock(t->core->mu);
        t->state = KernelThread::kDone;
        run.progress++;
        if (!run.abort && Stuck(*t->core)) FailDeadlock(*t->core);
        t->core->cv.notify_all();
      }
      SetCurrentThread(nullptr);
      if (--running == 0) {
        std::lock_guard<std::mutex> lock(finished_mu);
        finished.notify_all();
      }
    }));
    pthread_t id;
    if (const int err = StartKernelThread(bodies.back().get(), &id); err != 0) {
      --running;
      run.Fail(std::string("cannot start a kernel thread: ") + std::strerror(err));
      break;
    }
    threads.push_back(id);
  }
  const char* env = std::getenv("TTC_EMU_TIMEOUT_SECONDS");
  const double timeout = env ? std::atof(env) : 300.0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  int stuck_polls = 0;
  for (int poll = 0; running > 0 && !run.abort; ++poll) {
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
    {
      std::unique_lock<std::mutex> lock(finished_mu);
      finished.wait_for(lock, std::chrono::milliseconds(5), [&] { return running == 0; });
    }
    if (running == 0) break;
    // Every 50 ms: two checks in a row that find every kernel blocked, with no progress.
    if (poll % 10 == 9) {
      const uint64_t progress = run.progress;
      stuck_polls = CheckGlobalDeadlock(run, stuck_polls > 0) ? stuck_polls + 1 : 0;
      if (run.progress != progress) stuck_polls = 0;
    }
  }
  for (pthread_t th : threads) pthread_join(th, nullptr);
  window::EndRun();
  const uint64_t warnings = run.warnings;
  if (warnings > 1) {
    std::fprintf(stderr, "warning: %llu protocol warnings in this program (each kind reported once)\n",
                 static_cast<unsigned long long>(warnings));
  }
  if (!run.error.empty()) throw std::runtime_error(run.error);
}

}  // namespace tt::tt_metal
