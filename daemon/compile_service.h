// The daemon's compile service without gRPC: look the action key up in the action cache,
// otherwise compile once per key on the worker pool (single flight: identical concurrent
// requests wait for the same compile), store the outputs and the result, and answer every
// waiter. The gRPC handlers (daemon/compiler_grpc_service.h) only translate to and from it.
//
// Flow of one request (ARCHITECTURE.md "Data flow of one request"):
//   key = KeyAction(request) -> AC hit whose blobs all read back verified -> answer now, on
//   the calling (gRPC) thread; otherwise join or start the flight of that key; the flight's
//   task re-checks the AC, compiles (driver/action.h), puts every blob, then the result, and
//   answers all its waiters. Kernels with errors are results too (cached, so a broken kernel
//   is not recompiled by every CI job); compiler bugs (internal errors) are answered, not
//   cached.
// Thread-safety: all methods may be called concurrently from any thread.
#ifndef TTC_DAEMON_COMPILE_SERVICE_H_
#define TTC_DAEMON_COMPILE_SERVICE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "cache/artifact_store.h"
#include "driver/action.h"
#include "daemon/worker_pool.h"
#include "ttc/v1/service.pb.h"

namespace ttc::daemon {

// What a request gets back, before it is shaped into a CompileResponse or LayoutResponse.
struct Outcome {
  bool cache_hit = false;
  cache::ActionKey key;
  v1::ActionResult result;
  std::map<std::string, std::string> files;  // path -> bytes; filled when the caller asked
};

// Called exactly once per request, on the calling thread or on a worker thread.
using OutcomeCallback = std::function<void(absl::StatusOr<Outcome>)>;

class CompileService {
 public:
  struct Options {
    int workers = 1;
    int queue_size = 64;
    int64_t max_request_bytes = 16 << 20;
    // Test seam: runs on the worker right before each pipeline run (tests block in it to
    // fill the queue or outlast a deadline). Unset in production.
    std::function<void()> before_compile;
  };
  // `store` must outlive the service. `store_usage` (may be null) reports the store's
  // (blob bytes, blobs, action results, evictions, cache size limit) for GetStats.
  struct StoreUsage {
    int64_t blob_bytes = 0, blobs = 0, action_results = 0, evictions = 0, limit = 0;
    bool read_only = false;
    int64_t free_bytes = 0, reserve = 0, refused_writes = 0;
    std::vector<std::string> quarantined;
    std::string wal_damage;
    std::optional<v1::RemoteTierStats> remote;  // with a remote tier
  };
  CompileService(cache::ArtifactStore* store, Options options, std::function<StoreUsage()> store_usage = nullptr);
  // Finishes the compiles already queued (their waiters are answered), then returns.
  ~CompileService();

  // Answers `request`. `want_files`: load every output file's bytes into Outcome::files (a
  // hit whose blobs cannot be read back verified is treated as a miss and recompiled).
  // `wanted` is polled before a queued compile starts: when no waiter of a flight still
  // wants the answer (client cancelled or past its deadline), the compile is skipped.
  // Errors: INVALID_ARGUMENT with the field path (request missing or over the size limit,
  // unknown target); RESOURCE_EXHAUSTED when the queue is full; UNAVAILABLE after Drain();
  // INTERNAL when the store fails.
  void Run(const v1::CompileRequest& request, ActionKind kind, bool want_files, std::function<bool()> wanted,
           OutcomeCallback done);

  // The stored result of `key`: NOT_FOUND when absent or any of its blobs is missing.
  absl::StatusOr<v1::ActionResult> Lookup(const std::string& key);

  // Counters since start plus the store's size (see v1::Stats).
  v1::Stats GetStats() const;
  // Counts a call the transport layer answered with a non-OK status.
  void CountError() { ++errors_; }
  void CountCancelled() { ++cancelled_; }
  // A validation submit that looked for a cached verdict (daemon/verdict_cache.h).
  void CountVerdictLookup(bool hit) { ++(hit ? verdict_hits_ : verdict_misses_); }
  // A build lookup (daemon/build_cache_service.h): `kernel` for kernel_build, else host_build.
  void CountBuildLookup(bool kernel, bool hit) {
    ++(kernel ? (hit ? kernel_build_hits_ : kernel_build_misses_) : (hit ? host_build_hits_ : host_build_misses_));
  }

  // Called with the wall time of every pipeline run (metrics). Set before serving; not to be
  // changed while requests run.
  void SetCompileObserver(std::function<void(int64_t micros)> observer) { on_compile_ = std::move(observer); }

  // Refuses new work (UNAVAILABLE) from now on; work already accepted still completes.
  void Drain() { draining_ = true; }
  // Number of pipeline runs so far (tests check single flight with it).
  int64_t compiles() const { return compiles_; }
  // Requests waiting for a compile in flight (every flight's waiters), now.
  int64_t waiting();

 private:
  struct Waiter {
    bool want_files;
    std::function<bool()> wanted;
    OutcomeCallback done;
    std::chrono::steady_clock::time_point start;
  };
  struct Flight {
    v1::CompileRequest request;
    cache::ActionKey key;
    ActionKind kind;
    std::vector<Waiter> waiters;
  };

  // KeyAction, memoized by a digest of the request's bytes (the canonical form is costlier
  // to build than the plain serialization; equal bytes always give the same key).
  absl::StatusOr<cache::ActionKey> Key(const v1::CompileRequest& request, ActionKind kind);
  // The stored result of `key` with its files when `want_files`; NOT_FOUND/DATA_LOSS = miss.
  absl::StatusOr<Outcome> ReadHit(const cache::ActionKey& key, bool want_files);
  void RunFlight(const std::string& key);
  absl::StatusOr<Outcome> CompileAndStore(const Flight& flight);

  cache::ArtifactStore* store_;
  Options options_;
  std::function<StoreUsage()> store_usage_;
  std::function<void(int64_t)> on_compile_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  std::mutex mu_;
  std::map<std::string, Flight> flights_ ABSL_GUARDED_BY(mu_);  // action key -> in-flight compile
  std::mutex key_mu_;
  std::map<std::string, cache::ActionKey> keys_ ABSL_GUARDED_BY(key_mu_);  // request bytes digest -> key (bounded)

  std::atomic<bool> draining_{false};
  std::atomic<int64_t> requests_{0}, hits_{0}, misses_{0}, compiles_{0}, compile_errors_{0}, errors_{0},
      rejected_{0}, cancelled_{0}, layout_requests_{0}, hit_micros_{0}, compile_micros_{0}, verdict_hits_{0},
      verdict_misses_{0}, kernel_build_hits_{0}, kernel_build_misses_{0}, host_build_hits_{0}, host_build_misses_{0};
  std::atomic<int64_t> in_flight_{0};

  // Last member: destroyed first, so queued tasks still see a live service.
  std::unique_ptr<WorkerPool> pool_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_COMPILE_SERVICE_H_
