// A fixed set of compile threads fed by a bounded FIFO queue. TrySubmit never blocks: when
// `queue_capacity` tasks are already waiting it refuses, and the caller answers
// RESOURCE_EXHAUSTED (ARCHITECTURE.md "Daemon": a full queue is an error, not a stall).
// Thread-safety: every method may be called from any thread.
#ifndef TTC_DAEMON_WORKER_POOL_H_
#define TTC_DAEMON_WORKER_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace ttc::daemon {

class WorkerPool {
 public:
  // `workers` >= 1 threads; at most `queue_capacity` >= 1 tasks waiting (running ones excluded).
  WorkerPool(int workers, int queue_capacity);
  // Runs the tasks already queued, then joins the threads.
  ~WorkerPool();

  // Queues `task`; false (and `task` dropped) when the queue is full or the pool shut down.
  bool TrySubmit(std::function<void()> task);
  // Stops accepting tasks, lets the queue run empty and joins the threads. Idempotent.
  void Shutdown();

  int64_t queued() const;
  int64_t running() const;
  int workers() const { return static_cast<int>(threads_.size()); }

 private:
  void Loop();
  const int capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // waits on mu_
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int64_t running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_WORKER_POOL_H_
