#include "daemon/compile_service.h"

#include <utility>

#include <spdlog/spdlog.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "common/logfmt.h"
#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "driver/build_id.h"

namespace ttc::daemon {
namespace {

int64_t MicrosSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

CompileService::CompileService(cache::ArtifactStore* store, Options options, std::function<StoreUsage()> store_usage)
    : store_(store), options_(options), store_usage_(std::move(store_usage)),
      pool_(std::make_unique<WorkerPool>(options.workers, options.queue_size)) {}

CompileService::~CompileService() { pool_->Shutdown(); }

absl::StatusOr<cache::ActionKey> CompileService::Key(const v1::CompileRequest& request, ActionKind kind) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    request.request().SerializeToCodedStream(&out);
  }
  absl::StrAppend(&bytes, "\n", request.target_override(), "\n", kind == ActionKind::kLayout ? "layout" : "compile");
  const std::string memo = Sha256Hex(bytes);
  {
    std::lock_guard<std::mutex> lock(key_mu_);
    if (auto it = keys_.find(memo); it != keys_.end()) return it->second;
  }
  auto key = KeyAction(request.request(), request.target_override(), kind);
  if (!key.ok()) return key.status();
  std::lock_guard<std::mutex> lock(key_mu_);
  if (keys_.size() >= 4096) keys_.clear();
  keys_[memo] = *key;
  return key;
}

absl::StatusOr<Outcome> CompileService::ReadHit(const cache::ActionKey& key, bool want_files) {
  auto result = store_->GetActionResult(key.key);
  if (!result.ok()) return result.status();
  Outcome out;
  out.cache_hit = true;
  out.key = key;
  out.result = std::move(*result);
  if (want_files) {
    for (const v1::OutputFile& f : out.result.output_files()) {
      // DATA_LOSS (a corrupt blob, now removed) or NOT_FOUND (evicted meanwhile): a miss.
      auto bytes = store_->GetBlob(f.digest());
      if (!bytes.ok()) return bytes.status();
      out.files[f.path()] = std::move(*bytes);
    }
  }
  return out;
}

void CompileService::Run(const v1::CompileRequest& request, ActionKind kind, bool want_files,
                         std::function<bool()> wanted, OutcomeCallback done) {
  const auto start = std::chrono::steady_clock::now();
  auto fail = [&](absl::Status st) {
    ++errors_;
    done(std::move(st));
  };
  if (draining_) return fail(absl::UnavailableError("ttcd is shutting down; retry on another daemon or later"));
  if (!request.has_request()) return fail(absl::InvalidArgumentError("request: missing (the KernelRequest to compile)"));
  if (!request.request().has_func()) return fail(absl::InvalidArgumentError("request.func: missing (the kernel)"));
  if (const int64_t size = static_cast<int64_t>(request.ByteSizeLong()); size > options_.max_request_bytes) {
    return fail(absl::InvalidArgumentError(absl::StrCat("request: ", size, " bytes, over the daemon's limit of ",
                                                        options_.max_request_bytes, " (max_message_bytes)")));
  }
  auto key = Key(request, kind);
  if (!key.ok()) return fail(key.status());
  if (kind == ActionKind::kLayout) ++layout_requests_;

  if (!request.skip_cache_lookup()) {
    auto hit = ReadHit(*key, want_files);
    if (hit.ok()) {
      ++requests_;
      ++hits_;
      hit_micros_ += MicrosSince(start);
      done(std::move(*hit));
      return;
    }
    if (!absl::IsNotFound(hit.status()) && !absl::IsDataLoss(hit.status())) return fail(hit.status());
  }

  Waiter w{want_files, std::move(wanted), std::move(done), start};
  std::unique_lock<std::mutex> lock(mu_);
  if (auto it = flights_.find(key->key); it != flights_.end()) {
    it->second.waiters.push_back(std::move(w));  // single flight: join the running compile
    return;
  }
  Flight& flight = flights_[key->key];
  flight.request = request;
  flight.key = *key;
  flight.kind = kind;
  flight.waiters.push_back(std::move(w));
  if (!pool_->TrySubmit([this, k = key->key] { RunFlight(k); })) {
    OutcomeCallback cb = std::move(flight.waiters.front().done);
    flights_.erase(key->key);
    lock.unlock();
    ++rejected_;
    ++errors_;
    cb(absl::ResourceExhaustedError(absl::StrCat("the compile queue is full (", options_.queue_size,
                                                 " waiting, ", pool_->workers(),
                                                 " workers); retry with backoff")));
  }
}

int64_t CompileService::waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t n = 0;
  for (const auto& [key, flight] : flights_) n += static_cast<int64_t>(flight.waiters.size());
  return n;
}

absl::StatusOr<Outcome> CompileService::CompileAndStore(const Flight& flight) {
  const bool want_files = true;  // the outputs are in memory anyway
  // Another flight of this key may have finished between our lookup and this task.
  if (!flight.request.skip_cache_lookup()) {
    if (auto hit = ReadHit(flight.key, want_files); hit.ok()) return hit;
  }
  ++compiles_;
  ++in_flight_;
  if (options_.before_compile) options_.before_compile();
  auto action = RunAction(flight.request.request(), flight.request.target_override(), flight.kind, &flight.key);
  --in_flight_;
  if (!action.ok()) return action.status();
  compile_micros_ += action->result.compile_micros();
  if (on_compile_) on_compile_(action->result.compile_micros());
  if (!action->result.success()) ++compile_errors_;
  if (!action->internal_error) {
    // The result never names a blob that is not durable (one atomic write on RocksDB).
    if (auto st = store_->PutActionResultWithBlobs(action->key.key, action->result, action->files); !st.ok()) {
      // Disk pressure (cache/rocksdb_store.h) is RESOURCE_EXHAUSTED with the store's message
      // (data dir, free space): the client may retry later; hits are still served.
      const std::string message = absl::StrCat("storing the result: ", std::string(st.message()));
      return absl::IsResourceExhausted(st) ? absl::ResourceExhaustedError(message) : absl::InternalError(message);
    }
  }
  Outcome out;
  out.cache_hit = false;
  out.key = std::move(action->key);
  out.result = std::move(action->result);
  out.files = std::move(action->files);
  return out;
}

void CompileService::RunFlight(const std::string& key) {
  Flight* flight = nullptr;
  std::vector<Waiter> abandoned;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = flights_.find(key);
    if (it == flights_.end()) return;
    flight = &it->second;
    bool anyone = false;
    for (const Waiter& w : flight->waiters) anyone |= !w.wanted || w.wanted();
    if (!anyone) {
      // Every client gave up while the compile waited for a worker: skip it. Their calls
      // were already answered (CANCELLED / DEADLINE_EXCEEDED) by the transport.
      abandoned = std::move(flight->waiters);
      flights_.erase(it);
    }
  }
  if (!abandoned.empty()) {
    for (Waiter& w : abandoned) w.done(absl::CancelledError("the client cancelled the request"));
    return;
  }
  // The flight stays in the map (new identical requests join it) until its waiters are
  // taken below; std::map nodes are stable, and only this task erases this entry.
  absl::StatusOr<Outcome> outcome = CompileAndStore(*flight);
  const std::string func = flight->request.request().func().name();
  const char* kind = flight->kind == ActionKind::kLayout ? "layout" : "compile";
  std::vector<Waiter> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiters = std::move(flight->waiters);
    flights_.erase(key);
  }
  if (!outcome.ok()) {
    spdlog::error("msg=\"compile failed\" key={} waiters={} error={}", key, waiters.size(),
                  LogfmtValue(std::string(outcome.status().message())));
  } else if (!outcome->cache_hit) {
    spdlog::info("msg=\"compiled\" key={} func={} kind={} success={} diagnostics={} compile_us={} waiters={}", key,
                 LogfmtValue(func, 64), kind, outcome->result.success(), outcome->result.diagnostics_size(),
                 outcome->result.compile_micros(), waiters.size());
  }
  for (size_t i = 0; i < waiters.size(); ++i) {
    Waiter& w = waiters[i];
    if (!outcome.ok()) {
      ++errors_;
      w.done(outcome.status());
      continue;
    }
    ++requests_;
    if (outcome->cache_hit) {
      ++hits_;
      hit_micros_ += MicrosSince(w.start);
    } else {
      ++misses_;
    }
    // The last waiter (usually the only one) takes the outcome itself: no copy of the files.
    Outcome copy = i + 1 == waiters.size() ? std::move(*outcome) : *outcome;
    if (!w.want_files) copy.files.clear();
    w.done(std::move(copy));
  }
}

absl::StatusOr<v1::ActionResult> CompileService::Lookup(const std::string& key) {
  if (key.size() != 64 || key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("action_key: '", key, "' is not 64 lowercase hex digits"));
  }
  return store_->GetActionResult(key);
}

v1::Stats CompileService::GetStats() const {
  v1::Stats s;
  s.set_requests(requests_);
  s.set_hits(hits_);
  s.set_verdict_hits(verdict_hits_);
  s.set_verdict_misses(verdict_misses_);
  s.set_misses(misses_);
  s.set_compiles(compiles_);
  s.set_compile_errors(compile_errors_);
  s.set_errors(errors_);
  s.set_rejected(rejected_);
  s.set_cancelled(cancelled_);
  s.set_layout_requests(layout_requests_);
  const std::pair<const char*, std::pair<int64_t, int64_t>> tiers[] = {
      {"compile", {hits_, misses_}},
      {"kernel_build", {kernel_build_hits_, kernel_build_misses_}},
      {"host_build", {host_build_hits_, host_build_misses_}},
      {"verdict", {verdict_hits_, verdict_misses_}}};
  for (const auto& [name, counts] : tiers) {
    v1::TierStats* t = s.add_tiers();
    t->set_tier(name);
    t->set_hits(counts.first);
    t->set_misses(counts.second);
  }
  if (hits_ > 0) s.set_mean_hit_micros(static_cast<double>(hit_micros_) / static_cast<double>(hits_));
  if (compiles_ > 0) s.set_mean_compile_micros(static_cast<double>(compile_micros_) / static_cast<double>(compiles_));
  if (store_usage_) {
    const StoreUsage u = store_usage_();
    s.set_store_bytes(u.blob_bytes);
    s.set_store_blobs(u.blobs);
    s.set_store_action_results(u.action_results);
    s.set_evictions(u.evictions);
    s.set_cache_size_limit(u.limit);
    s.set_store_read_only(u.read_only);
    s.set_store_free_bytes(u.free_bytes);
    s.set_store_reserve(u.reserve);
    s.set_refused_writes(u.refused_writes);
    for (const std::string& q : u.quarantined) s.add_quarantined(q);
    s.set_wal_damage(u.wal_damage);
    if (u.remote) *s.mutable_remote() = *u.remote;
  }
  s.set_corruptions(store_->corruptions());
  s.set_queue_depth(pool_->queued());
  s.set_in_flight(in_flight_);
  s.set_workers(pool_->workers());
  s.set_compiler_build_id(CompilerBuildId());
  s.set_uptime_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count());
  return s;
}

}  // namespace ttc::daemon
