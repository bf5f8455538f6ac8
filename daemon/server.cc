#include "daemon/server.h"


#include <filesystem>
#include <limits>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cache/store_admin.h"
#include "common/address.h"
#include "daemon/garbled_requests.h"
#include "daemon/store_journal.h"
#include "daemon/verdict_cache.h"

namespace ttc::daemon {
namespace {

// Moves a damaged artifact store aside (DATA_DIR/quarantine/store-<UTC time>) so ttcd can
// open an empty one: the cache is rebuildable. Returns the new path.
absl::StatusOr<std::string> QuarantineStore(const std::string& data_dir, const std::string& store_path) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  std::error_code ec;
  std::filesystem::create_directories(data_dir + "/quarantine", ec);
  std::string target = absl::StrCat(data_dir, "/quarantine/store-", stamp);
  for (int i = 1; std::filesystem::exists(target); ++i) target = absl::StrCat(data_dir, "/quarantine/store-", stamp, "-", i);
  std::filesystem::rename(store_path, target, ec);
  if (ec) return absl::InternalError(absl::StrCat("moving the damaged store ", store_path, " aside: ", ec.message()));
  return target;
}

absl::StatusOr<std::string> ReadPem(const std::string& key, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(key, ": cannot read '", path, "'"));
  std::ostringstream out;
  out << in.rdbuf();
  if (out.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": '", path, "' is not a PEM file (no -----BEGIN line)"));
  }
  return out.str();
}

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

// Parses the certificate chain's first certificate and the key, and checks they belong
// together, so a wrong file is reported by name at start instead of as a failed handshake.
absl::Status CheckKeyPair(const Config& c, const std::string& cert_pem, const std::string& key_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())),
                                                     BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr),
                                                   X509_free);
  if (!cert) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls_cert: '", c.tls_cert, "' holds no readable certificate: ", OpenSslError()));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())),
                                                    BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key) {
    return absl::InvalidArgumentError(absl::StrCat("tls_key: '", c.tls_key,
                                                   "' holds no readable (unencrypted) private key: ", OpenSslError()));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("tls_key: '", c.tls_key, "' is not the private key of the certificate in '", c.tls_cert, "'"));
  }
  return absl::OkStatus();
}

// The listener's credentials from the security keys of `c` (see Config): TLS, or plaintext
// only when `insecure` is set and every listener is on loopback.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(const Config& c) {
  const bool tls = !c.tls_cert.empty() || !c.tls_key.empty();
  if (tls && c.insecure) {
    return absl::InvalidArgumentError("insecure: set together with tls_cert/tls_key; choose TLS or plaintext");
  }
  if (!tls && !c.insecure) {
    return absl::InvalidArgumentError(
        "tls_cert, tls_key: not set; ttcd serves TLS (docs/operations.md), or plaintext on a loopback address "
        "only with insecure = true (--insecure)");
  }
  if (c.insecure) {
    if (!IsLoopbackAddress(c.listen)) {
      return absl::InvalidArgumentError(absl::StrCat("insecure: plaintext is only allowed on a loopback address ",
                                                     "(127.0.0.1, ::1, localhost), but listen is '", c.listen,
                                                     "'; configure tls_cert and tls_key"));
    }
    // Without TLS, /metrics is plain HTTP: loopback only, like the gRPC listener.
    if (!c.metrics_listen.empty() && !IsLoopbackAddress(c.metrics_listen)) {
      return absl::InvalidArgumentError(absl::StrCat("metrics_listen: '", c.metrics_listen,
                                                     "' is not a loopback address; with insecure, /metrics is "
                                                     "plain HTTP and served on loopback only"));
    }
    if (!c.tls_client_ca.empty()) return absl::InvalidArgumentError("tls_client_ca: needs tls_cert and tls_key");
    return grpc::InsecureServerCredentials();
  }
  if (c.tls_cert.empty() || c.tls_key.empty()) {
    return absl::InvalidArgumentError(c.tls_cert.empty() ? "tls_cert: not set, but tls_key is"
                                                         : "tls_key: not set, but tls_cert is");
  }
  if (c.tokens_file.empty()) {
    return absl::InvalidArgumentError(
        "tokens_file: not set; with TLS every RPC needs a bearer token (create one with `ttcd token add`)");
  }
  auto cert = ReadPem("tls_cert", c.tls_cert);
  if (!cert.ok()) return cert.status();
  auto key = ReadPem("tls_key", c.tls_key);
  if (!key.ok()) return key.status();
  if (auto st = CheckKeyPair(c, *cert, *key); !st.ok()) return st;
  grpc::SslServerCredentialsOptions options(c.tls_client_ca.empty()
                                                ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                                : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!c.tls_client_ca.empty()) {
    auto ca = ReadPem("tls_client_ca", c.tls_client_ca);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
  }
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const Config& config, std::function<void()> before_compile) {
  std::unique_ptr<Server> s(new Server());
  s->config_ = config;
  if (s->config_.data_dir.empty()) s->config_.data_dir = DefaultDataDir();
  if (s->config_.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: not set, and neither XDG_CACHE_HOME nor HOME is set");
  }
  auto credentials = ServerCredentialsFor(s->config_);
  if (!credentials.ok()) return credentials.status();
  Gate::Options gate_options;
  if (!s->config_.tokens_file.empty()) {
    auto tokens = LoadTokenFile(s->config_.tokens_file);
    if (!tokens.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("tokens_file: ", std::string(tokens.status().message())));
    }
    gate_options.auth_enabled = true;
    gate_options.tokens = std::move(*tokens);
  }
  gate_options.rate_limit = s->config_.rate_limit;
  gate_options.rate_burst = s->config_.rate_burst;
  gate_options.max_streams_per_client = s->config_.max_streams_per_client;
  const size_t token_count = gate_options.tokens.size();
  s->gate_ = std::make_unique<Gate>(std::move(gate_options));
  if (s->config_.workers <= 0) s->config_.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::error_code ec;
  std::filesystem::create_directories(s->config_.data_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("creating data_dir ", s->config_.data_dir, ": ", ec.message()));

  // Jobs first: their database is never quarantined (a damaged journal stops the start with
  // the repair command), and a second ttcd on this data dir stops here on the lock.
  // A disk full at start: the ballast makes room for the journal's open (docs/operations.md).
  cache::ReleaseBallastIfFull(s->config_.data_dir, cache::kBallastBytes);
  cache::JobStore::Options job_options;
  job_options.path = s->config_.data_dir + "/jobs";
  job_options.sync_writes = s->config_.sync_writes;
  auto jobs = cache::JobStore::Open(job_options);
  if (!jobs.ok()) return jobs.status();
  s->jobs_ = std::move(*jobs);

  cache::RocksDbStore::Options store_options;
  store_options.path = s->config_.data_dir + "/store";
  store_options.sync_writes = s->config_.cache_sync_writes;
  store_options.reserve_bytes = s->config_.store_reserve;
  auto store = cache::RocksDbStore::Open(store_options);
  if (absl::IsDataLoss(store.status())) {
    // Damaged files in the cache: moved aside (kept for a post-mortem), and an empty store.
    auto moved = QuarantineStore(s->config_.data_dir, store_options.path);
    if (!moved.ok()) return moved.status();
    spdlog::error("msg=\"artifact store damaged: quarantined, starting with an empty cache\" quarantine={} error=\"{}\"",
                  *moved, std::string(store.status().message()));
    s->quarantined_.push_back(*moved);
    store = cache::RocksDbStore::Open(store_options);
  }
  if (!store.ok()) return store.status();
  s->store_ = std::move(*store);
  auto moved_jobs = s->store_->MoveLegacyJobs(
      [j = s->jobs_.get()](const std::string& id, const std::string& bytes) { return j->Put(id, bytes); });
  if (!moved_jobs.ok()) return moved_jobs.status();
  if (*moved_jobs > 0) spdlog::info("msg=\"jobs moved to their own database\" jobs={}", *moved_jobs);
  if (s->config_.cache_size < 0) {
    // Default: half of the filesystem, so one cache cannot fill the disk.
    std::error_code space_ec;
    const auto space = std::filesystem::space(s->config_.data_dir, space_ec);
    s->config_.cache_size = space_ec ? 0 : static_cast<int64_t>(space.capacity / 2);
  }

  if (!s->config_.remote_storage.empty()) {
    auto redis = cache::ParseRedisUrl(s->config_.remote_storage);
    if (!redis.ok()) return absl::InvalidArgumentError(absl::StrCat("remote_storage: ", redis.status().message()));
    if (!s->config_.remote_storage_username.empty()) redis->username = s->config_.remote_storage_username;
    if (!s->config_.remote_storage_password.empty()) redis->password = s->config_.remote_storage_password;
    redis->timeout_ms = s->config_.remote_storage_timeout_ms;
    redis->connections = std::max(2, s->config_.workers + s->config_.io_threads);
    std::string nodes = absl::StrJoin(redis->nodes, ",");
    s->tiered_ = std::make_unique<cache::TieredStore>(
        s->store_.get(), std::make_unique<cache::RedisClient>(*std::move(redis)), s->config_.remote_storage_queue);
    spdlog::info("msg=\"remote cache tier\" nodes={} layout={}", nodes, cache::kRemoteKeyPrefix);
  }

  CompileService::Options service_options;
  service_options.workers = s->config_.workers;
  service_options.queue_size = s->config_.queue_size;
  service_options.max_request_bytes = s->config_.max_message_bytes;
  service_options.before_compile = std::move(before_compile);
  cache::RocksDbStore* raw_store = s->store_.get();
  cache::TieredStore* tiered = s->tiered_.get();
  const int64_t limit = s->config_.cache_size;
  const int64_t reserve = s->config_.store_reserve;
  std::string remote_address;
  if (tiered != nullptr) remote_address = absl::StrJoin(cache::ParseRedisUrl(s->config_.remote_storage)->nodes, ",");
  s->service_ = std::make_unique<CompileService>(
      s->artifacts(), service_options, [raw_store, tiered, remote_address, limit, reserve, quarantined = s->quarantined_] {
        CompileService::StoreUsage u;
        u.blob_bytes = raw_store->BlobBytes();
        u.blobs = raw_store->BlobCount();
        u.action_results = raw_store->ActionResultCount();
        u.evictions = raw_store->evictions();
        u.limit = limit;
        u.read_only = raw_store->read_only();
        u.free_bytes = raw_store->FreeBytes();
        u.reserve = reserve;
        u.refused_writes = raw_store->refused_writes();
        u.quarantined = quarantined;
        u.wal_damage = raw_store->wal_damage();
        if (tiered != nullptr) {
          const cache::TieredStore::RemoteStats r = tiered->remote_stats();
          v1::RemoteTierStats& out = u.remote.emplace();
          out.set_address(remote_address);
          out.set_connected(r.client.connected);
          out.set_hits(r.hits);
          out.set_misses(r.misses);
          out.set_corrupt(r.corrupt);
          out.set_writes(r.writes);
          out.set_dropped_writes(r.dropped_writes);
          out.set_errors(r.client.errors);
          out.set_reconnects(r.client.reconnects);
          out.set_queued_bytes(r.queued_bytes);
          out.set_last_error(r.client.last_error);
        }
        return u;
      });
  s->journal_ = std::make_unique<StoreJournal>(s->jobs_.get());
  s->clock_ = std::make_unique<SystemClock>();
  JobScheduler::Options sched;
  sched.heartbeat_interval_ms = s->config_.heartbeat_interval_ms;
  sched.missed_heartbeats = s->config_.missed_heartbeats;
  sched.max_attempts = s->config_.max_attempts;
  sched.max_completed_jobs = s->config_.completed_jobs_kept;
  s->scheduler_ = std::make_unique<JobScheduler>(s->clock_.get(), s->journal_.get(), sched);
  if (auto st = s->scheduler_->Recover(); !st.ok()) {
    return absl::InternalError(absl::StrCat("recovering the job queue: ", std::string(st.message())));
  }
  s->fleet_ = std::make_unique<FleetHub>(s->scheduler_.get());
  s->fleet_service_ = std::make_unique<FleetServiceImpl>(s->fleet_.get(), s->gate_.get());
  // A validation that passed becomes a cached verdict (daemon/verdict_cache.h).
  s->scheduler_->SetCompletionHook([store = s->artifacts()](const v1::Job& job) {
    if (auto st = StoreVerdict(store, job); !st.ok()) {
      spdlog::warn("msg=\"verdict not cached\" job={} error=\"{}\"", job.id(), std::string(st.message()));
    }
  });
  s->io_pool_ = std::make_unique<WorkerPool>(s->config_.io_threads, s->config_.io_queue);
  s->compiler_ = std::make_unique<CompilerServiceImpl>(s->service_.get(), s->fleet_.get(), s->gate_.get(),
                                                       s->artifacts(), s->io_pool_.get());
  CasLimits cas_limits;
  cas_limits.max_batch_bytes = s->config_.max_message_bytes * 3 / 4;
  cas_limits.max_batch_digests = s->config_.max_batch_digests;
  cas_limits.max_blob_bytes = s->config_.max_blob_bytes;
  cas_limits.max_message_bytes = s->config_.max_message_bytes;
  s->cas_ = std::make_unique<CasServiceImpl>(s->artifacts(), s->service_.get(), cas_limits, s->io_pool_.get(),
                                             s->gate_.get());
  const ReapiContext reapi{s->artifacts(), s->service_.get(), cas_limits, s->io_pool_.get(), s->gate_.get()};
  s->reapi_capabilities_ = std::make_unique<ReapiCapabilitiesService>(reapi);
  s->reapi_action_cache_ = std::make_unique<ReapiActionCacheService>(reapi);
  s->reapi_cas_ = std::make_unique<ReapiCasService>(reapi);
  s->bytestream_ = std::make_unique<ByteStreamService>(reapi);
  s->builds_ = std::make_unique<BuildCacheServiceImpl>(s->artifacts(), s->service_.get(),
                                                       BuildCacheServiceImpl::Options{}, s->gate_.get(),
                                                       s->io_pool_.get());
  if (s->fleet_) {
    s->fleet_->SetAgentGoneHook([builds = s->builds_.get()](const std::string& builder) {
      if (const int n = builds->ReleaseBuildsOf(builder); n > 0) {
        spdlog::info("msg=\"builds of a gone agent released\" builder={} builds={}", builder, n);
      }
    });
  }

  if (!s->config_.metrics_listen.empty()) {
    std::string cert_pem, key_pem;  // HTTPS with the gRPC listener's certificate when it serves TLS
    if (!s->config_.insecure) {
      auto cert = ReadPem("tls_cert", s->config_.tls_cert);
      auto key = ReadPem("tls_key", s->config_.tls_key);
      if (!cert.ok() || !key.ok()) return !cert.ok() ? cert.status() : key.status();
      cert_pem = std::move(*cert);
      key_pem = std::move(*key);
    }
    s->web_ = std::make_unique<WebView>(s->service_.get(), s->scheduler_.get(), s->artifacts(), s->gate_.get());
    auto metrics = Metrics::Start(s->config_.metrics_listen, s->service_.get(), s->scheduler_.get(), cert_pem, key_pem,
                                  s->web_.get());
    if (!metrics.ok()) {
      s->web_.reset();
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
  builder.AddListeningPort(s->config_.listen, *credentials, &s->port_);
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
  builder.RegisterService(s->builds_.get());
  builder.RegisterService(s->reapi_capabilities_.get());
  builder.RegisterService(s->reapi_action_cache_.get());
  builder.RegisterService(s->reapi_cas_.get());
  builder.RegisterService(s->bytestream_.get());
  builder.RegisterService(s->fleet_service_.get());
  {
    // Garbled requests first, so the metrics count the status the client gets.
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(GarbledRequestInterceptorFactory());
    if (s->metrics_) interceptors.push_back(s->metrics_->InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    s->shut_down_ = true;  // nothing to drain
    s->metrics_.reset();
    s->web_.reset();
    s->fleet_.reset();
    s->service_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", s->config_.listen,
                                               " (address in use or not a host:port?)"));
  }
  const std::string host = s->config_.listen.substr(0, s->config_.listen.rfind(':'));
  s->address_ = absl::StrCat(host, ":", s->port_);
  s->UpdateHealth();
  s->evictor_ = std::thread([p = s.get()] { p->EvictLoop(); });
  spdlog::info("msg=\"serving\" listen={} tls={} client_certs={} tokens={} data_dir={} workers={} queue_size={} "
               "cache_size={} sync_writes={} cache_sync_writes={} jobs_recovered={} metrics_port={}",
               s->address_, !s->config_.insecure, !s->config_.tls_client_ca.empty(),
               s->gate_->auth_enabled() ? std::to_string(token_count) : std::string("off"), s->config_.data_dir,
               s->config_.workers, s->config_.queue_size, s->config_.cache_size, s->config_.sync_writes,
               s->config_.cache_sync_writes,
               s->scheduler_->ListJobs().size(), s->metrics_port());
  return s;
}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

void Server::KickEviction() { evict_cv_.notify_all(); }

cache::ArtifactStore* Server::artifacts() {
  if (tiered_) return tiered_.get();
  return store_.get();
}

absl::Status Server::ReloadTokens() {
  if (config_.tokens_file.empty()) return absl::FailedPreconditionError("tokens_file: not set; nothing to reload");
  auto tokens = LoadTokenFile(config_.tokens_file);
  if (!tokens.ok()) return tokens.status();  // the old table stays
  const size_t n = tokens->size();
  gate_->Reload(std::move(*tokens));
  spdlog::info("msg=\"tokens reloaded\" tokens={}", n);
  return absl::OkStatus();
}

void Server::SetStoreProbe(std::function<absl::Status()> probe) {
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    probe_ = std::move(probe);
  }
  UpdateHealth();
}

bool Server::serving() {
  std::lock_guard<std::mutex> lock(health_mu_);
  return serving_;
}

void Server::UpdateHealth() {
  std::function<absl::Status()> probe;
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    if (draining_ || !server_) return;
    probe = probe_;
  }
  // Outside the lock: a hung disk must not hold up Shutdown. The store outlives this call
  // (Shutdown joins the evictor thread, the only other caller, before closing it).
  const absl::Status st = probe ? probe() : store_->Probe();
  // Disk pressure and damage (docs/operations.md): a read-only store is reopened once space
  // is back; writes refused or corruption found 3 times within 10 minutes turn the
  // "ttc.store" health service (and "ttc.v1.Compiler", whose misses cannot be stored)
  // NOT_SERVING, while hits and CAS reads go on.
  if (store_->read_only()) store_->Recover().IgnoreError();
  if (jobs_->write_failed()) jobs_->Recover().IgnoreError();
  // Back in place once there is room beyond the reserve (released by a start on a full disk).
  if (!store_->read_only()) cache::EnsureBallast(config_.data_dir, config_.store_reserve);
  const bool writable = store_->WriteState().ok();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch()).count();
  std::lock_guard<std::mutex> lock(health_mu_);
  if (draining_) return;
  corruption_marks_.emplace_back(now_ms, store_->corruptions());
  while (!corruption_marks_.empty() && corruption_marks_.front().first < now_ms - 600'000) {
    corruption_marks_.pop_front();
  }
  const bool damaged = corruption_marks_.back().second - corruption_marks_.front().second >= 3;
  const bool store_ok = writable && !damaged;
  const bool ok = st.ok();
  // SetServingStatus(bool) sets every service: the per-service statuses are applied after it.
  const bool overall_changed = ok != serving_ || !health_set_;
  if (overall_changed) {
    if (!ok) {
      spdlog::error("msg=\"store unusable: NOT_SERVING\" error=\"{}\"", std::string(st.message()));
    } else if (health_set_) {
      spdlog::info("msg=\"store usable again: SERVING\"");
    }
    server_->GetHealthCheckService()->SetServingStatus(ok);
    // Each served service by name too (probes such as `grpc_health_probe -service` name one),
    // with the overall rules; "ttc.v1.Compiler" also needs a writable store (below).
    for (const char* service : {"ttc.v1.Cas", "ttc.v1.BuildCache"}) {
      server_->GetHealthCheckService()->SetServingStatus(service, ok);
    }
    if (fleet_) server_->GetHealthCheckService()->SetServingStatus("ttc.v1.DeviceFleet", ok);
    serving_ = ok;
  }
  if (store_ok != store_ok_ || overall_changed) {
    if (store_ok == store_ok_) {
      // only re-applied after the overall status
    } else if (!store_ok) {
      spdlog::error("msg=\"store degraded: ttc.store NOT_SERVING\" writable={} recent_corruptions={}", writable,
                    corruption_marks_.back().second - corruption_marks_.front().second);
    } else if (health_set_) {
      spdlog::info("msg=\"store healthy again: ttc.store SERVING\"");
    }
    server_->GetHealthCheckService()->SetServingStatus("ttc.store", ok && store_ok);
    server_->GetHealthCheckService()->SetServingStatus("ttc.v1.Compiler", ok && writable);
    store_ok_ = store_ok;
  }
  health_set_ = true;
}

void Server::EvictLoop() {
  std::unique_lock<std::mutex> lock(evict_mu_);
  while (!stopping_) {
    evict_cv_.wait_for(lock, std::chrono::milliseconds(500));
    if (stopping_) break;
    lock.unlock();
    UpdateHealth();
    lock.lock();
    int64_t limit = config_.cache_size;
    // Disk pressure: under twice the reserve, shed blobs until the deficit would be free.
    const int64_t free = store_->FreeBytes();
    const int64_t want_free = 2 * config_.store_reserve;
    const bool pressure = config_.store_reserve > 0 && free < want_free && store_->BlobBytes() > 0;
    if (pressure) {
      const int64_t target = std::max<int64_t>(0, store_->BlobBytes() - (want_free - free));
      limit = limit > 0 ? std::min(limit, target) : target;
    }
    if ((limit <= 0 && !pressure) || store_->BlobBytes() <= limit) continue;
    lock.unlock();
    const int64_t before = store_->BlobBytes();
    auto removed = store_->EvictToSize(limit);
    if (removed.ok()) {
      spdlog::info("msg=\"evicted\" blobs={} bytes_before={} bytes_after={} limit={} disk_pressure={}", *removed,
                   before, store_->BlobBytes(), limit, pressure);
      if (pressure && *removed > 0) store_->ReclaimSpace();
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
  {
    std::lock_guard<std::mutex> lock(health_mu_);
    draining_ = true;
    serving_ = false;
    server_->GetHealthCheckService()->SetServingStatus(false);
  }
  service_->Drain();
  // Watchers would hold the drain for its whole length: they are told to watch again (the
  // client does, with backoff, and finds the job on the next daemon).
  fleet_->EndWatches(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                  "ttcd is shutting down; watch the job again (it survives the restart)"));
  // Waits for in-flight calls (their compiles finish on the workers) up to the deadline,
  // then cancels what is left.
  server_->Shutdown(std::chrono::system_clock::now() + drain);
  server_->Wait();
  io_pool_->Shutdown();  // CAS work still queued after the calls ended touches only the store
  {
    std::lock_guard<std::mutex> lock(evict_mu_);
    stopping_ = true;
  }
  evict_cv_.notify_all();
  if (evictor_.joinable()) evictor_.join();
  metrics_.reset();  // stops /metrics (it reads the service and the scheduler)
  web_.reset();      // stops the web view's sampler (it reads the service)
  fleet_.reset();    // stops the dispatcher (every agent stream has finished)
  service_.reset();  // finishes queued compiles (their results are stored)
  scheduler_.reset();
  journal_.reset();  // writes the job records still queued
  tiered_.reset();   // stops the Redis writer (queued writes are in the local store)
  store_.reset();    // closes RocksDB
  jobs_.reset();
  spdlog::info("msg=\"stopped\"");
}

}  // namespace ttc::daemon
