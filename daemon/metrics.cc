#include "daemon/metrics.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <map>
#include <sstream>

#include <microhttpd.h>
#include <prometheus/text_serializer.h>

#include "absl/strings/str_cat.h"

namespace ttc::daemon {
namespace {

const char* CodeName(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

prometheus::MetricFamily Family(const std::string& name, const std::string& help, prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

prometheus::ClientMetric Value(prometheus::MetricType type, double v,
                               std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (type == prometheus::MetricType::Counter) m.counter.value = v;
  else m.gauge.value = v;
  return m;
}

// Metrics read at scrape time from CompileService::GetStats and the scheduler.
class Derived : public prometheus::Collectable {
 public:
  Derived(CompileService* service, JobScheduler* scheduler) : service_(service), scheduler_(scheduler) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::MetricType;
    const v1::Stats s = service_->GetStats();
    std::vector<prometheus::MetricFamily> out;
    auto one = [&](const std::string& name, const std::string& help, MetricType type, double v) {
      auto f = Family(name, help, type);
      f.metric.push_back(Value(type, v));
      out.push_back(std::move(f));
    };
    one("ttc_cache_hits_total", "Compile and layout requests answered from the action cache", MetricType::Counter,
        static_cast<double>(s.hits()));
    one("ttc_cache_misses_total", "Compile and layout requests that needed a compile (incl. joined ones)",
        MetricType::Counter, static_cast<double>(s.misses()));
    one("ttc_compiles_total", "Pipeline runs", MetricType::Counter, static_cast<double>(s.compiles()));
    one("ttc_compile_errors_total", "Pipeline runs whose kernel had errors", MetricType::Counter,
        static_cast<double>(s.compile_errors()));
    one("ttc_rejected_total", "Compiles refused because the queue was full", MetricType::Counter,
        static_cast<double>(s.rejected()));
    one("ttc_cancelled_total", "Calls cancelled or past their deadline before an answer", MetricType::Counter,
        static_cast<double>(s.cancelled()));
    one("ttc_queue_depth", "Compiles waiting for a worker", MetricType::Gauge, static_cast<double>(s.queue_depth()));
    one("ttc_compiles_in_flight", "Compiles running", MetricType::Gauge, static_cast<double>(s.in_flight()));
    one("ttc_store_bytes", "Bytes of blob data in the CAS", MetricType::Gauge, static_cast<double>(s.store_bytes()));
    one("ttc_store_blobs", "Blobs in the CAS", MetricType::Gauge, static_cast<double>(s.store_blobs()));
    one("ttc_store_action_results", "Entries in the action cache", MetricType::Gauge,
        static_cast<double>(s.store_action_results()));
    one("ttc_store_evictions_total", "Blobs evicted since start", MetricType::Counter,
        static_cast<double>(s.evictions()));
    one("ttc_store_corruptions_total", "Corrupt store entries detected and removed since start",
        MetricType::Counter, static_cast<double>(s.corruptions()));
    if (s.has_remote()) {
      const v1::RemoteTierStats& r = s.remote();
      one("ttc_remote_cache_connected", "1 when the last Redis command got a reply", MetricType::Gauge, r.connected() ? 1 : 0);
      one("ttc_remote_cache_hits_total", "Blobs and action results served from the Redis tier", MetricType::Counter,
          static_cast<double>(r.hits()));
      one("ttc_remote_cache_misses_total", "Lookups the Redis tier did not have either", MetricType::Counter,
          static_cast<double>(r.misses()));
      one("ttc_remote_cache_corrupt_total", "Values from Redis that failed verification (not served, deleted)",
          MetricType::Counter, static_cast<double>(r.corrupt()));
      one("ttc_remote_cache_writes_total", "Values written to Redis", MetricType::Counter, static_cast<double>(r.writes()));
      one("ttc_remote_cache_dropped_writes_total", "Writes to Redis dropped (queue full or Redis failing)",
          MetricType::Counter, static_cast<double>(r.dropped_writes()));
      one("ttc_remote_cache_errors_total", "Failed Redis commands (connection, timeout, bad reply, backoff)",
          MetricType::Counter, static_cast<double>(r.errors()));
      one("ttc_remote_cache_reconnects_total", "Redis connections opened again after a failure", MetricType::Counter,
          static_cast<double>(r.reconnects()));
      one("ttc_remote_cache_queued_bytes", "Bytes of Redis writes waiting", MetricType::Gauge,
          static_cast<double>(r.queued_bytes()));
    }

    std::map<std::string, int> stages = {{"QUEUED", 0}, {"EXECUTING", 0}, {"COMPLETED", 0}};
    for (const v1::Job& j : scheduler_->ListJobs()) stages[v1::JobStage_Name(j.stage())]++;
    auto jobs = Family("ttc_jobs", "Validation jobs by stage", MetricType::Gauge);
    for (const auto& [stage, n] : stages) jobs.metric.push_back(Value(MetricType::Gauge, n, {{"stage", stage}}));
    out.push_back(std::move(jobs));

    std::map<std::pair<std::string, std::string>, int> devices;
    for (const char* h : {"GOOD", "BAD", "MAINTENANCE"}) {
      devices[{h, "true"}] = 0;
      devices[{h, "false"}] = 0;
    }
    for (const DeviceStatus& d : scheduler_->ListDevices()) {
      devices[{v1::DeviceHealth_Name(d.device.health), d.host_online ? "true" : "false"}]++;
    }
    auto devs = Family("ttc_devices", "Devices by health and whether their host is online", MetricType::Gauge);
    for (const auto& [key, n] : devices) {
      devs.metric.push_back(Value(MetricType::Gauge, n, {{"health", key.first}, {"online", key.second}}));
    }
    out.push_back(std::move(devs));
    return out;
  }

 private:
  CompileService* service_;
  JobScheduler* scheduler_;
};

class CountingInterceptor : public grpc::experimental::Interceptor {
 public:
  CountingInterceptor(Metrics* metrics, std::string method) : metrics_(metrics), method_(std::move(method)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->CountRpc(method_, methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  Metrics* metrics_;
  std::string method_;
};

class CountingFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CountingFactory(Metrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new CountingInterceptor(metrics_, info->method());
  }

 private:
  Metrics* metrics_;
};

MHD_Result Reply(MHD_Connection* connection, unsigned int code, const std::string& body, const char* type) {
  MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                    MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  const MHD_Result ret = MHD_queue_response(connection, code, r);
  MHD_destroy_response(r);
  return ret;
}

std::string PeerAddress(MHD_Connection* connection) {
  const MHD_ConnectionInfo* ci = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci == nullptr || ci->client_addr == nullptr) return "http-client";
  char buf[INET6_ADDRSTRLEN] = {};
  const sockaddr* sa = ci->client_addr;
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof(buf));
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof(buf));
  }
  return buf[0] != '\0' ? std::string(buf) : std::string("http-client");
}

// Everything but /metrics goes to the web view (daemon/web_view.h).
MHD_Result ServeWeb(WebView* web, MHD_Connection* connection, const char* url, const char* method) {
  HttpRequest req;
  req.method = method;
  req.path = url;
  MHD_get_connection_values(
      connection, MHD_GET_ARGUMENT_KIND,
      [](void* out, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
        (*static_cast<std::map<std::string, std::string>*>(out))[key] = value != nullptr ? value : "";
        return MHD_YES;
      },
      &req.query);
  if (const char* a = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)) {
    req.authorization = a;
  }
  if (const char* c = MHD_lookup_connection_value(connection, MHD_COOKIE_KIND, "ttc_token")) req.cookie_token = c;
  req.peer = PeerAddress(connection);
  const HttpResponse resp = web->Handle(req);
  MHD_Response* r = MHD_create_response_from_buffer(resp.body.size(), const_cast<char*>(resp.body.data()),
                                                    MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type.c_str());
  for (const auto& [name, value] : resp.headers) MHD_add_response_header(r, name.c_str(), value.c_str());
  // Only our own embedded files run: no inline script, no other origin (no CDN at run time).
  MHD_add_response_header(r, "Content-Security-Policy",
                          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  const MHD_Result ret = MHD_queue_response(connection, static_cast<unsigned int>(resp.status), r);
  MHD_destroy_response(r);
  return ret;
}

MHD_Result HandleHttp(void* cls, MHD_Connection* connection, const char* url, const char* method,
                      const char* /*version*/, const char* /*upload_data*/, size_t* upload_data_size,
                      void** /*req_cls*/) {
  if (*upload_data_size != 0) {
    *upload_data_size = 0;  // a body is ignored
    return MHD_YES;
  }
  const Metrics* m = static_cast<const Metrics*>(cls);
  if (m->web() != nullptr && std::strcmp(url, "/metrics") != 0) return ServeWeb(m->web(), connection, url, method);
  if (std::strcmp(method, MHD_HTTP_METHOD_GET) != 0 && std::strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
    return Reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n", "text/plain");
  }
  if (std::strcmp(url, "/metrics") != 0) return Reply(connection, MHD_HTTP_NOT_FOUND, "see /metrics\n", "text/plain");
  return Reply(connection, MHD_HTTP_OK, m->Scrape(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

std::string Metrics::Scrape() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (prometheus::MetricFamily& f : derived_->Collect()) families.push_back(std::move(f));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Start(const std::string& listen, CompileService* service,
                                                        JobScheduler* scheduler, const std::string& tls_cert_pem,
                                                        const std::string& tls_key_pem, WebView* web) {
  std::unique_ptr<Metrics> m(new Metrics());
  m->web_ = web;
  m->registry_ = std::make_shared<prometheus::Registry>();
  m->rpcs_ = &prometheus::BuildCounter()
                  .Name("ttc_rpc_requests_total")
                  .Help("RPCs answered, by method and gRPC status code")
                  .Register(*m->registry_);
  m->compile_seconds_ = &prometheus::BuildHistogram()
                             .Name("ttc_compile_duration_seconds")
                             .Help("Wall time of one pipeline run")
                             .Register(*m->registry_)
                             .Add({}, prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                                              0.05, 0.1, 0.2, 0.5, 1, 2, 5});
  m->derived_ = std::make_shared<Derived>(service, scheduler);

  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("metrics_listen: '", listen, "' is not HOST:PORT"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), listen.substr(colon + 1).c_str(), &hints, &found) != 0 || found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("metrics_listen: cannot resolve '", listen, "'"));
  }
  sockaddr_storage addr{};
  std::memcpy(&addr, found->ai_addr, found->ai_addrlen);
  const bool v6 = found->ai_family == AF_INET6;
  freeaddrinfo(found);

  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (v6) flags |= MHD_USE_IPv6;
  const bool tls = !tls_cert_pem.empty() && !tls_key_pem.empty();
  if (tls) flags |= MHD_USE_TLS;
  m->tls_cert_pem_ = tls_cert_pem;
  m->tls_key_pem_ = tls_key_pem;
  // Port 0 in MHD_start_daemon means "take the port from the socket address".
  if (tls) {
    m->http_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &HandleHttp, m.get(), MHD_OPTION_SOCK_ADDR,
                                reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_HTTPS_MEM_KEY,
                                m->tls_key_pem_.c_str(), MHD_OPTION_HTTPS_MEM_CERT, m->tls_cert_pem_.c_str(),
                                MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
  } else {
    m->http_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &HandleHttp, m.get(), MHD_OPTION_SOCK_ADDR,
                                reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                                MHD_OPTION_END);
  }
  if (m->http_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", listen,
                                               tls ? " (or the TLS certificate/key was refused by GnuTLS)" : ""));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(m->http_, MHD_DAEMON_INFO_BIND_PORT);
  m->port_ = info != nullptr ? info->port : 0;
  if (m->port_ == 0) return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", listen));
  return m;
}

Metrics::~Metrics() {
  if (http_ != nullptr) MHD_stop_daemon(http_);  // waits for its thread: no Scrape runs after this
}

void Metrics::CountRpc(const std::string& method, grpc::StatusCode code) {
  rpcs_->Add({{"method", method}, {"code", CodeName(code)}}).Increment();
}

void Metrics::ObserveCompile(int64_t micros) { compile_seconds_->Observe(static_cast<double>(micros) / 1e6); }

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> Metrics::InterceptorFactory() {
  return std::make_unique<CountingFactory>(this);
}

}  // namespace ttc::daemon
