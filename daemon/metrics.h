// ttcd's Prometheus metrics (prometheus-cpp), served on their own address (`metrics_listen`)
// at /metrics in the text exposition format, over HTTPS with the gRPC listener's certificate
// when ttcd serves TLS (libmicrohttpd with GnuTLS; prometheus-cpp's own civetweb exposer
// cannot do TLS with Debian's OpenSSL 3), plain HTTP otherwise:
//   ttc_rpc_requests_total{method,code}      every RPC answered, by full method and gRPC code
//   ttc_compile_duration_seconds             histogram of pipeline runs
//   ttc_cache_hits_total, ttc_cache_misses_total, ttc_compiles_total, ttc_compile_errors_total,
//   ttc_rejected_total, ttc_cancelled_total  (counters, from CompileService)
//   ttc_queue_depth, ttc_compiles_in_flight  (gauges)
//   ttc_store_bytes, ttc_store_blobs, ttc_store_action_results, ttc_store_evictions_total,
//   ttc_store_corruptions_total
//   ttc_jobs{stage}, ttc_devices{health,online} (validation queue and fleet)
// Counters that CompileService and the scheduler already keep are read at scrape time (one
// source of truth); RPC codes come from a server interceptor.
// Thread-safety: all methods may be called concurrently.
#ifndef TTC_DAEMON_METRICS_H_
#define TTC_DAEMON_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "daemon/compile_service.h"
#include "daemon/job_scheduler.h"
#include "daemon/web_view.h"

struct MHD_Daemon;  // libmicrohttpd

namespace ttc::daemon {

class Metrics {
 public:
  // Serves GET /metrics on `listen` (HOST:PORT, IPv4, [IPv6] or a resolvable name; port 0
  // picks one): HTTPS with `tls_cert_pem`/`tls_key_pem` (PEM text) when both are set, plain
  // HTTP otherwise. INVALID_ARGUMENT for an unparsable address; UNAVAILABLE when it cannot
  // bind. `service` and `scheduler` must outlive the Metrics.
  static absl::StatusOr<std::unique_ptr<Metrics>> Start(const std::string& listen, CompileService* service,
                                                        JobScheduler* scheduler, const std::string& tls_cert_pem = "",
                                                        const std::string& tls_key_pem = "", WebView* web = nullptr);
  ~Metrics();

  int port() const { return port_; }
  // The web view served on this port besides /metrics (every other path); null = none.
  WebView* web() const { return web_; }
  // Counts one answered RPC.
  void CountRpc(const std::string& method, grpc::StatusCode code);
  // Observes one pipeline run.
  void ObserveCompile(int64_t micros);
  // The interceptor factory to give grpc::ServerBuilder (counts every RPC's final status).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();
  // The exposition text of every metric now (what GET /metrics answers).
  std::string Scrape() const;

 private:
  Metrics() = default;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> derived_;
  ::MHD_Daemon* http_ = nullptr;
  std::string tls_cert_pem_, tls_key_pem_;  // libmicrohttpd keeps pointers to these
  prometheus::Family<prometheus::Counter>* rpcs_ = nullptr;
  prometheus::Histogram* compile_seconds_ = nullptr;
  int port_ = 0;
  WebView* web_ = nullptr;  // set before the HTTP daemon starts, never changed
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_METRICS_H_
