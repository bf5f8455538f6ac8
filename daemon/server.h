// ttcd assembled: the RocksDB store under DATA_DIR/store, the compile service and its
// workers, background eviction, the job scheduler (jobs recovered from the store) and its
// dispatcher, and the gRPC server (Compiler, Cas, DeviceFleet, grpc.health.v1, server
// reflection) listening on Config::listen. `ttcd` (daemon/ttcd_main.cc) runs one; tests run
// one in-process on 127.0.0.1:0.
// Thread-safety: Start, port and GetService from any thread; Shutdown once, from one thread.
#ifndef TTC_DAEMON_SERVER_H_
#define TTC_DAEMON_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "cache/job_store.h"
#include "cache/rocksdb_store.h"
#include "cache/tiered_store.h"
#include "daemon/auth.h"
#include "daemon/compile_service.h"
#include "daemon/config.h"
#include "daemon/fleet_service.h"
#include "daemon/build_cache_service.h"
#include "daemon/cas_grpc_service.h"
#include "daemon/reapi_service.h"
#include "daemon/compiler_grpc_service.h"
#include "daemon/job_scheduler.h"
#include "daemon/metrics.h"

namespace ttc::daemon {

class Server {
 public:
  // Opens the store (creating DATA_DIR) and starts serving. Errors: INTERNAL when the store
  // cannot be opened (e.g. another ttcd holds its lock: the message says so),
  // UNAVAILABLE when the address cannot be bound, INVALID_ARGUMENT for a bad config value,
  // naming the key: neither TLS (tls_cert + tls_key) nor `insecure`; `insecure` on a
  // non-loopback address; TLS without tokens_file; unreadable or mismatched PEM files; a
  // malformed token file.
  // `before_compile`: CompileService::Options::before_compile (a test seam; null in ttcd).
  static absl::StatusOr<std::unique_ptr<Server>> Start(const Config& config,
                                                      std::function<void()> before_compile = nullptr);
  // Shuts down (see Shutdown) if still running.
  ~Server();

  // The bound port (the chosen one when Config::listen asked for port 0).
  int port() const { return port_; }
  // The pool that serves CAS store accesses (Config::io_threads); tests queue work on it.
  WorkerPool* io_pool() const { return io_pool_.get(); }
  std::string address() const { return address_; }
  CompileService* service() { return service_.get(); }
  JobScheduler* scheduler() { return scheduler_.get(); }
  // The port of the Prometheus endpoint; 0 when Config::metrics_listen is empty.
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }
  cache::RocksDbStore* store() { return store_.get(); }
  // The shared Redis tier over store(); null without Config::remote_storage.
  cache::TieredStore* remote_tier() { return tiered_.get(); }
  // What the services read and write: the tiered store, or the local one.
  cache::ArtifactStore* artifacts();

  // Graceful drain: health turns NOT_SERVING, new compiles get UNAVAILABLE, in-flight calls
  // may finish for up to `drain` (then they are cancelled), queued compiles complete, the
  // store is flushed and closed.
  void Shutdown(std::chrono::milliseconds drain);

  // Re-reads tokens_file and swaps the token table (ttcd does this on SIGHUP). On error the
  // old table stays. FAILED_PRECONDITION when no tokens_file is configured.
  absl::Status ReloadTokens();

  // grpc.health.v1 status: SERVING unless draining or the store probe fails. The probe
  // (RocksDbStore::Probe by default) runs every 500 ms; SetStoreProbe replaces it (tests
  // use it to simulate a failing disk) and re-evaluates at once.
  void SetStoreProbe(std::function<absl::Status()> probe);
  bool serving();

  // Wakes the evictor now (it also runs every few seconds and after writes grow the store
  // past the limit).
  void KickEviction();

 private:
  Server() = default;
  void EvictLoop();
  void UpdateHealth();

  Config config_;
  int port_ = 0;
  std::string address_;
  std::unique_ptr<cache::JobStore> jobs_;  // outlives journal_ and scheduler_
  std::unique_ptr<cache::RocksDbStore> store_;
  std::unique_ptr<cache::TieredStore> tiered_;  // destroyed before store_
  std::vector<std::string> quarantined_;  // damaged stores moved aside at this start
  std::unique_ptr<CompileService> service_;
  std::unique_ptr<JobJournal> journal_;
  std::unique_ptr<SystemClock> clock_;
  std::unique_ptr<JobScheduler> scheduler_;
  std::unique_ptr<FleetHub> fleet_;
  std::unique_ptr<FleetServiceImpl> fleet_service_;
  std::unique_ptr<WebView> web_;  // outlives metrics_, which serves it
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<CompilerServiceImpl> compiler_;
  std::unique_ptr<WorkerPool> io_pool_;  // CAS store accesses (Config::io_threads)
  std::unique_ptr<CasServiceImpl> cas_;
  std::unique_ptr<BuildCacheServiceImpl> builds_;  // shared kernel and host builds
  // REAPI v2 cache services and ByteStream for standard clients (daemon/reapi_service.h).
  std::unique_ptr<ReapiCapabilitiesService> reapi_capabilities_;
  std::unique_ptr<ReapiActionCacheService> reapi_action_cache_;
  std::unique_ptr<ReapiCasService> reapi_cas_;
  std::unique_ptr<ByteStreamService> bytestream_;
  std::unique_ptr<Gate> gate_;
  std::unique_ptr<grpc::Server> server_;

  std::mutex health_mu_;
  std::function<absl::Status()> probe_ ABSL_GUARDED_BY(health_mu_);
  bool draining_ ABSL_GUARDED_BY(health_mu_) = false;
  bool serving_ ABSL_GUARDED_BY(health_mu_) = false;
  bool health_set_ ABSL_GUARDED_BY(health_mu_) = false;
  // The store's state as last published on the health service "ttc.store" and
  // "ttc.v1.Compiler" (docs/operations.md): writes taken, no repeated corruption.
  bool store_ok_ ABSL_GUARDED_BY(health_mu_) = true;
  std::deque<std::pair<int64_t, int64_t>> corruption_marks_ ABSL_GUARDED_BY(health_mu_);  // (ms, count), 10 minutes

  std::mutex evict_mu_;
  std::condition_variable evict_cv_;  // waits on evict_mu_
  bool stopping_ ABSL_GUARDED_BY(evict_mu_) = false;
  std::thread evictor_;
  bool shut_down_ = false;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_SERVER_H_
