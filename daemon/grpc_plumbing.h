// The reactor plumbing ttcd's callback services share: a unary call answered later (from a
// worker thread) or cancelled first, an immediate answer, and admission through the Gate.
// Thread-safety: PendingCall's state may be completed from any thread; the rest is stateless.
#ifndef TTC_DAEMON_GRPC_PLUMBING_H_
#define TTC_DAEMON_GRPC_PLUMBING_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "daemon/auth.h"
#include "absl/strings/str_cat.h"
#include "daemon/compile_service.h"
#include "daemon/worker_pool.h"

namespace ttc::daemon {

// Microseconds from `t` to now.
int64_t MicrosSince(std::chrono::steady_clock::time_point t);

// A unary call answered later, possibly from a worker thread, or never if the client goes
// away first. Exactly one of {the answer, the cancellation} finishes the call; the state is
// shared with the pending callbacks, so a late answer after cancellation touches nothing
// that gRPC has freed.
template <class Resp>
class PendingCall final : public grpc::ServerUnaryReactor {
 public:
  struct State {
    std::mutex mu;
    bool finished ABSL_GUARDED_BY(mu) = false;
    std::atomic<bool> cancelled{false};
    // The call's deadline: work that has not started by then is not run (gRPC's OnCancel for a
    // passed deadline can come later than the work's turn on a busy machine).
    std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
    bool Abandoned() const { return cancelled.load() || std::chrono::system_clock::now() >= deadline; }
    PendingCall* call = nullptr;
    Resp* resp = nullptr;
    // A raw method's: the response message (`resp` points at it) and where its bytes go.
    std::unique_ptr<Resp> owned;
    grpc::ByteBuffer* raw = nullptr;
    // Fills the response and finishes the call, unless it was already finished.
    bool Complete(const std::function<grpc::Status(Resp*)>& fill) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (finished) return false;
        finished = true;
      }
      grpc::Status st = fill(resp);
      if (st.ok() && raw != nullptr) {
        bool own_buffer = false;
        st = grpc::SerializationTraits<Resp>::Serialize(*resp, raw, &own_buffer);
      }
      call->Finish(st);
      return true;
    }
  };

  PendingCall(Resp* resp, CompileService* counters) : state_(std::make_shared<State>()), counters_(counters) {
    state_->call = this;
    state_->resp = resp;
  }
  // For a raw method (whose request the handler parsed itself, daemon/garbled_requests.h
  // ParseRawRequest): the response is a `Resp` of the call's own, serialized into `raw` when
  // the call completes OK.
  PendingCall(grpc::ByteBuffer* raw, CompileService* counters)
      : PendingCall(static_cast<Resp*>(nullptr), counters) {
    state_->owned = std::make_unique<Resp>();
    state_->resp = state_->owned.get();
    state_->raw = raw;
  }
  std::shared_ptr<State> state() const { return state_; }

  void OnCancel() override {
    state_->cancelled = true;
    if (state_->Complete([](Resp*) { return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"); })) {
      counters_->CountCancelled();
    }
  }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<State> state_;
  CompileService* counters_;
};

// RESOURCE_EXHAUSTED for a call refused by the daemon's full I/O pool (Config::io_queue),
// with how many calls wait for how many threads.
grpc::Status IoQueueFull(const WorkerPool& pool);

// Runs `work` for the unary call of `state` on `pool` (null: in place), off gRPC's callback
// threads. A call cancelled while it waited is skipped (it was answered CANCELLED); a full
// queue answers the call with IoQueueFull and counts an error.
template <class Resp>
void RunOffCallbackThreads(WorkerPool* pool, CompileService* counters,
                           const std::shared_ptr<typename PendingCall<Resp>::State>& state, std::function<void()> work) {
  if (pool == nullptr) return work();
  if (pool->TrySubmit([state, work = std::move(work)] {
        if (!state->Abandoned()) return work();
        state->Complete([](Resp*) { return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the call's deadline passed"); });
      })) {
    return;
  }
  counters->CountError();
  state->Complete([&](Resp*) { return IoQueueFull(*pool); });
}

// Answers a unary call from `pool` (RunOffCallbackThreads): `work(resp, cancelled)` fills the
// response and returns the call's status; it must poll `cancelled()` between units of work
// (blobs) and return CANCELLED once it is true. The work runs only after it has claimed the
// call, so it may read the call's request.
template <class Resp>
grpc::ServerUnaryReactor* AnswerOnPool(WorkerPool* pool, CompileService* counters, Resp* resp,
                                       std::function<grpc::Status(Resp*, const std::function<bool()>&)> work,
                                       const grpc::CallbackServerContext* ctx = nullptr) {
  auto* call = new PendingCall<Resp>(resp, counters);
  auto state = call->state();
  if (ctx != nullptr) state->deadline = ctx->deadline();
  RunOffCallbackThreads<Resp>(pool, counters, state, [state, work = std::move(work)] {
    state->Complete([&](Resp* r) { return work(r, [&] { return state->Abandoned(); }); });
  });
  return call;
}

// Answers a unary call at once.
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* ctx, const grpc::Status& st);

inline constexpr uint32_t kAnyRole = kRoleSubmit | kRoleAgent | kRoleAdmin;

// Admits a call through `gate` (null: everyone is admitted with every role); `who` (may be
// null) receives the caller.
grpc::Status Admit(Gate* gate, grpc::CallbackServerContext* ctx, const char* method, uint32_t roles,
                   Principal* who = nullptr);

// Admits a streaming call through `gate` (null: admitted with every role), holding `slot`
// for its lifetime; `who` (may be null) receives the caller.
grpc::Status AdmitStream(Gate* gate, grpc::CallbackServerContext* ctx, const char* method, uint32_t roles,
                         Gate::StreamSlot* slot, Principal* who = nullptr);

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_GRPC_PLUMBING_H_
