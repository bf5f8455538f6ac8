#include "daemon/server.h"

#include <filesystem>
#include <limits>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"

namespace ttc::daemon {
namespace {

// Jobs in the store's `jobs` column family (synced writes, like every store write).
class StoreJournal : public JobJournal {
 public:
  explicit StoreJournal(cache::RocksDbStore* store) : store_(store) {}
  absl::Status Put(const v1::Job& job) override { return store_->PutJob(job.id(), job.SerializeAsString()); }
  absl::StatusOr<std::vector<v1::Job>> LoadAll() override {
    auto rows = store_->ListJobs();
    if (!rows.ok()) return rows.status();
    std::vector<v1::Job> out;
    for (const auto& [id, bytes] : *rows) {
      v1::Job job;
      if (!job.ParseFromString(bytes)) return absl::DataLossError(absl::StrCat("job ", id, " is corrupt in the store"));
      out.push_back(std::move(job));
    }
    return out;
  }

 private:
  cache::RocksDbStore* store_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const Config& config, std::function<void()> before_compile) {
  std::unique_ptr<Server> s(new Server());
  s->config_ = config;
  if (s->config_.data_dir.empty()) s->config_.data_dir = DefaultDataDir();
  if (s->config_.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: not set, and neither XDG_CACHE_HOME nor HOME is set");
  }
  if (s->config_.workers <= 0) s->config_.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::error_code ec;
  std::filesystem::create_directories(s->config_.data_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("creating data_dir ", s->config_.data_dir, ": ", ec.message()));

  cache::RocksDbStore::Options store_options;
  store_options.path = s->config_.data_dir + "/store";
  store_options.sync_writes = s->config_.sync_writes;
  auto store = cache::RocksDbStore::Open(store_options);
  if (!store.ok()) {
    std::string msg(store.status().message());
    if (msg.find("lock") != std::string::npos) {
      msg += " (is another ttcd using this data dir? each daemon needs its own --data-dir)";
    }
    return absl::InternalError(msg);
  }
  s->store_ = std::move(*store);

  CompileService::Options service_options;
  service_options.workers = s->config_.workers;
  service_options.queue_size = s->config_.queue_size;
  service_options.max_request_bytes = s->config_.max_message_bytes;
  service_options.before_compile = std::move(before_compile);
  cache::RocksDbStore* raw_store = s->store_.get();
  const int64_t limit = s->config_.cache_size;
  s->service_ = std::make_unique<CompileService>(s->store_.get(), service_options, [raw_store, limit] {
    CompileService::StoreUsage u;
    u.blob_bytes = raw_store->BlobBytes();
    u.blobs = raw_store->BlobCount();
    u.action_results = raw_store->ActionResultCount();
    u.evictions = raw_store->evictions();
    u.limit = limit;
    return u;
  });
  s->journal_ = std::make_unique<StoreJournal>(s->store_.get());
  s->clock_ = std::make_unique<SystemClock>();
  JobScheduler::Options sched;
  sched.heartbeat_interval_ms = s->config_.heartbeat_interval_ms;
  sched.missed_heartbeats = s->config_.missed_heartbeats;
  sched.max_attempts = s->config_.max_attempts;
  s->scheduler_ = std::make_unique<JobScheduler>(s->clock_.get(), s->journal_.get(), sched);
  if (auto st = s->scheduler_->Recover(); !st.ok()) {
    return absl::InternalError(absl::StrCat("recovering the job queue: ", std::string(st.message())));
  }
  s->fleet_ = std::make_unique<FleetHub>(s->scheduler_.get());
  s->fleet_service_ = std::make_unique<FleetServiceImpl>(s->fleet_.get());
  s->compiler_ = std::make_unique<CompilerServiceImpl>(s->service_.get(), s->fleet_.get());
  s->cas_ = std::make_unique<CasServiceImpl>(s->store_.get(), s->service_.get(), s->config_.max_message_bytes * 3 / 4);

  if (!s->config_.metrics_listen.empty()) {
    auto metrics = Metrics::Start(s->config_.metrics_listen, s->service_.get(), s->scheduler_.get());
    if (!metrics.ok()) {
      s->fleet_.reset();
      s->service_.reset();
      return metrics.status();
    }
    s->metrics_ = std::move(*metrics);
    Metrics* m = s->metrics_.get();
    s->service_->SetCompileObserver([m](int64_t micros) { m->ObserveCompile(micros); });
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(s->config_.listen, grpc::InsecureServerCredentials(), &s->port_);
  // gRPC itself refuses messages past this (RESOURCE_EXHAUSTED); requests between
  // max_message_bytes and it get the service's INVALID_ARGUMENT naming the limit.
  const int64_t transport_limit = std::min<int64_t>(s->config_.max_message_bytes + (4 << 20),
                                                    std::numeric_limits<int>::max());
  builder.SetMaxReceiveMessageSize(static_cast<int>(transport_limit));
  builder.SetMaxSendMessageSize(static_cast<int>(transport_limit));
  // Agents keep a stream open for hours: ping idle connections (10 s, dropped after 5 s
  // without an answer) and accept the agents' own keepalive pings.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.RegisterService(s->compiler_.get());
  builder.RegisterService(s->cas_.get());
  builder.RegisterService(s->fleet_service_.get());
  if (s->metrics_) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(s->metrics_->InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    s->shut_down_ = true;  // nothing to drain
    s->metrics_.reset();
    s->fleet_.reset();
    s->service_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", s->config_.listen,
                                               " (address in use or not a host:port?)"));
  }
  const std::string host = s->config_.listen.substr(0, s->config_.listen.rfind(':'));
  s->address_ = absl::StrCat(host, ":", s->port_);
  s->server_->GetHealthCheckService()->SetServingStatus(true);
  s->evictor_ = std::thread([p = s.get()] { p->EvictLoop(); });
  spdlog::info("msg=\"serving\" listen={} data_dir={} workers={} queue_size={} cache_size={} sync_writes={} "
               "jobs_recovered={} metrics_port={}",
               s->address_, s->config_.data_dir, s->config_.workers, s->config_.queue_size, s->config_.cache_size,
               s->config_.sync_writes, s->scheduler_->ListJobs().size(), s->metrics_port());
  return s;
}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

void Server::KickEviction() { evict_cv_.notify_all(); }

void Server::EvictLoop() {
  std::unique_lock<std::mutex> lock(evict_mu_);
  while (!stopping_) {
    evict_cv_.wait_for(lock, std::chrono::milliseconds(500));
    if (stopping_) break;
    const int64_t limit = config_.cache_size;
    if (limit <= 0 || store_->BlobBytes() <= limit) continue;
    lock.unlock();
    const int64_t before = store_->BlobBytes();
    auto removed = store_->EvictToSize(limit);
    if (removed.ok()) {
      spdlog::info("msg=\"evicted\" blobs={} bytes_before={} bytes_after={} limit={}", *removed, before,
                   store_->BlobBytes(), limit);
    } else {
      spdlog::error("msg=\"eviction failed\" error=\"{}\"", std::string(removed.status().message()));
    }
    lock.lock();
  }
}

void Server::Shutdown(std::chrono::milliseconds drain) {
  if (shut_down_ || !server_) return;  // never started, or already stopped
  shut_down_ = true;
  spdlog::info("msg=\"draining\" drain_ms={}", drain.count());
  server_->GetHealthCheckService()->SetServingStatus(false);
  service_->Drain();
  // Waits for in-flight calls (their compiles finish on the workers) up to the deadline,
  // then cancels what is left.
  server_->Shutdown(std::chrono::system_clock::now() + drain);
  server_->Wait();
  {
    std::lock_guard<std::mutex> lock(evict_mu_);
    stopping_ = true;
  }
  evict_cv_.notify_all();
  if (evictor_.joinable()) evictor_.join();
  metrics_.reset();  // stops /metrics (it reads the service and the scheduler)
  fleet_.reset();    // stops the dispatcher (every agent stream has finished)
  service_.reset();  // finishes queued compiles (their results are stored)
  scheduler_.reset();
  store_.reset();    // closes RocksDB
  spdlog::info("msg=\"stopped\"");
}

}  // namespace ttc::daemon
