// Daemon benchmark: what going through ttcd costs, as ratios against baselines measured in
// the same process run (never absolute times). One ttcd runs in-process (ttc::daemon::Server
// on 127.0.0.1:0, its own data directory under a temp work directory); the clients are
// threads of this process talking plaintext gRPC over loopback TCP.
//
//   1. hit latency      Compile of an already cached request (examples/gemm_256_bf16.textproto,
//                       inline_files = false) vs the empty unary RPC grpc.health.v1 Health/Check
//                       on the same server; one client, one channel, sequential, the two calls
//                       interleaved (so load on the machine hits both alike), after a warm-up.
//                       Goal: hit p50 within 1.5x of the empty RPC's p50.
//   2. hit throughput   calls per second of --clients closed-loop client threads (each its own
//                       channel and TCP connection, as separate ttc-client processes would
//                       have: the goal figure; also one channel shared by all threads, for
//                       information), hits vs empty RPCs. Median of the rounds, which alternate
//                       the order. Goal: hits >= 0.7x of the empty RPC's calls per second.
//   3. CAS vs RocksDB   ttc::cache::RocksDbStore PutBlob/GetBlob (digest verified on write and
//                       first read, last-use time recorded) vs plain rocksdb::DB Put/Get (one column
//                       family, the same default options) on the same distinct random blobs of
//                       4 KiB and 64 KiB, in-process, sync = false for both; each round opens
//                       fresh databases. Ratio = raw time / CAS time of all puts then all gets
//                       (a throughput ratio), per size; the goal applies to the worse size:
//                       >= 0.8x. For information: the same with sync = true for both (fewer
//                       blobs), and BatchUpdateBlobs / BatchReadBlobs (one blob per call)
//                       through ttcd vs the in-process store with the daemon's cache sync
//                       setting.
//   4. miss latency     Compile of distinct requests (the GEMM rewritten to M = N = K = 288,
//                       320, ...; the first two warm up): every call a real miss;
//                       inline_files = true, so the client has the program, as with
//                       `ttc-client compile -o`. Against ttc::RunAction of the same requests
//                       in this process (compile + digests: a local compile), interleaved.
//                       Goal: miss p50 < 1.2x of the in-process p50.
//
// It prints one table per part and a summary line per ratio (`RATIO <name> <value>x (goal ...)
// PASS|MISS-GOAL`). It never fails on timing; it exits 1 when a call fails or answers wrongly
// (a hit that is not a hit, a miss that is not a miss), 2 on a usage error.
//
// Flags: --samples=N (hit latency samples; the other parts scale from it, default 2000)
//        --clients=N (concurrent clients, default 16)  --rounds=N (throughput and CAS rounds,
//        default 3)  --cache-sync-writes=true|false (the daemon's cache_sync_writes,
//        default false as in ttcd)
//        --quick (small counts: a smoke run of a few seconds)  --keep (keep the work directory)
// Run: build/bench/daemon_bench (docs/performance.md, "Daemon (ttcd)").
#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <rocksdb/db.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bench/gemm_requests.h"
#include "cache/digest.h"
#include "cache/rocksdb_store.h"
#include "driver/action.h"
#include "remote/remote.h"
#include "daemon/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "ir/request_io.h"
#include "ttc/v1/service.grpc.pb.h"

namespace {

namespace fs = std::filesystem;
namespace health = grpc::health::v1;
using Clock = std::chrono::steady_clock;

constexpr double kHitLatencyGoal = 1.5;     // hit p50 / empty p50, at most
constexpr double kHitThroughputGoal = 0.7;  // hit calls/s / empty calls/s, at least
constexpr double kCasGoal = 0.8;            // raw RocksDB time / CAS time, at least
constexpr double kMissGoal = 1.2;           // miss p50 / in-process p50, below
constexpr int64_t kFirstMissSize = 288;     // 256 is the cached request itself

struct Options {
  int samples = 2000;
  int clients = 16;
  int rounds = 3;
  bool sync_writes = false;  // the daemon's cache_sync_writes (the job journal is not on these paths)
  bool quick = false;
  bool keep = false;
  // Derived from samples.
  int warmup() const { return std::max(20, samples / 10); }
  int calls_per_client() const { return std::max(20, samples / 4); }
  int blobs() const { return std::max(20, samples / 2); }
  int sync_blobs() const { return std::max(10, samples / 20); }
  int misses() const { return std::max(10, samples / 10); }
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Stats {
  double p50 = 0, p99 = 0, mean = 0;
};

Stats Summarize(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  s.p50 = at(0.50);
  s.p99 = at(0.99);
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

double Median(std::vector<double> v) { return Summarize(std::move(v)).p50; }

// ---- RPCs ----

std::chrono::system_clock::time_point Deadline() { return std::chrono::system_clock::now() + std::chrono::seconds(60); }

// A channel with its own TCP connection: gRPC shares subchannels between channels with equal
// arguments unless each channel has a local subchannel pool. Same message limits as
// ttc::remote::Connect.
std::shared_ptr<grpc::Channel> OwnChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

struct Client {
  explicit Client(std::shared_ptr<grpc::Channel> ch)
      : channel(std::move(ch)), health(health::Health::NewStub(channel)), compiler(ttc::v1::Compiler::NewStub(channel)),
        cas(ttc::v1::Cas::NewStub(channel)) {}
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<health::Health::Stub> health;
  std::unique_ptr<ttc::v1::Compiler::Stub> compiler;
  std::unique_ptr<ttc::v1::Cas::Stub> cas;
};

enum class Rpc { kEmpty, kHit };
const char* RpcName(Rpc r) { return r == Rpc::kEmpty ? "empty RPC (Health/Check)" : "Compile hit"; }

// One call; an error unless it succeeded with the expected answer. `server_micros` (may be
// null) receives the daemon's own time for a Compile.
absl::Status Call(Rpc kind, Client& c, const ttc::v1::CompileRequest& hit_request, int64_t* server_micros = nullptr) {
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  if (kind == Rpc::kEmpty) {
    health::HealthCheckRequest req;
    health::HealthCheckResponse resp;
    grpc::Status st = c.health->Check(&ctx, req, &resp);
    if (!st.ok()) return ttc::remote::FromGrpc(st);
    if (resp.status() != health::HealthCheckResponse::SERVING) return absl::InternalError("health: not SERVING");
    return absl::OkStatus();
  }
  ttc::v1::CompileResponse resp;
  grpc::Status st = c.compiler->Compile(&ctx, hit_request, &resp);
  if (!st.ok()) return ttc::remote::FromGrpc(st);
  if (!resp.cache_hit() || !resp.result().success()) return absl::InternalError("Compile: expected a successful hit");
  if (server_micros) *server_micros = resp.server_micros();
  return absl::OkStatus();
}

// ---- 1. hit latency ----

struct LatencyResult {
  Stats empty_us, hit_us, hit_server_us;
};

absl::StatusOr<LatencyResult> HitLatency(Client& c, const ttc::v1::CompileRequest& req, const Options& opt) {
  for (int i = 0; i < opt.warmup(); ++i) {
    for (Rpc kind : {Rpc::kEmpty, Rpc::kHit}) {
      if (auto st = Call(kind, c, req); !st.ok()) return st;
    }
  }
  std::vector<double> empty, hit, server;
  for (int i = 0; i < opt.samples; ++i) {
    // Alternate which goes first, so neither always follows the other.
    for (Rpc kind : i % 2 ? std::vector<Rpc>{Rpc::kHit, Rpc::kEmpty} : std::vector<Rpc>{Rpc::kEmpty, Rpc::kHit}) {
      int64_t server_us = 0;
      const auto t0 = Clock::now();
      if (auto st = Call(kind, c, req, &server_us); !st.ok()) return st;
      const double us = Seconds(Clock::now() - t0) * 1e6;
      (kind == Rpc::kEmpty ? empty : hit).push_back(us);
      if (kind == Rpc::kHit) server.push_back(static_cast<double>(server_us));
    }
  }
  return LatencyResult{Summarize(empty), Summarize(hit), Summarize(server)};
}

// ---- 2. hit throughput ----

// Calls per second of one closed-loop thread per client, each making `calls` calls of `kind`.
absl::StatusOr<double> Throughput(Rpc kind, std::vector<Client>& clients, const ttc::v1::CompileRequest& req,
                                  int calls) {
  std::latch start(static_cast<std::ptrdiff_t>(clients.size()) + 1);
  std::mutex mu;
  absl::Status first_error;
  std::vector<std::thread> threads;
  for (Client& c : clients) {
    threads.emplace_back([&, cp = &c] {
      start.arrive_and_wait();
      for (int i = 0; i < calls; ++i) {
        if (auto st = Call(kind, *cp, req); !st.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.ok()) first_error = st;
          return;
        }
      }
    });
  }
  start.arrive_and_wait();
  const auto t0 = Clock::now();
  for (std::thread& t : threads) t.join();
  const double s = Seconds(Clock::now() - t0);
  if (!first_error.ok()) return first_error;
  return static_cast<double>(calls) * static_cast<double>(clients.size()) / s;
}

struct ThroughputResult {
  double empty = 0, hit = 0;  // calls per second, median over the rounds
  double ratio() const { return empty > 0 ? hit / empty : 0; }
};

absl::StatusOr<ThroughputResult> HitThroughput(std::vector<Client>& clients, const ttc::v1::CompileRequest& req,
                                               const Options& opt) {
  for (Rpc kind : {Rpc::kEmpty, Rpc::kHit}) {  // connect every channel, warm both paths
    if (auto r = Throughput(kind, clients, req, std::max(5, opt.warmup() / 10)); !r.ok()) return r.status();
  }
  std::vector<double> empty, hit;
  for (int round = 0; round < opt.rounds; ++round) {
    for (Rpc kind : round % 2 ? std::vector<Rpc>{Rpc::kHit, Rpc::kEmpty} : std::vector<Rpc>{Rpc::kEmpty, Rpc::kHit}) {
      auto r = Throughput(kind, clients, req, opt.calls_per_client());
      if (!r.ok()) return r.status();
      (kind == Rpc::kEmpty ? empty : hit).push_back(*r);
    }
  }
  return ThroughputResult{Median(empty), Median(hit)};
}

// ---- 3. CAS vs raw RocksDB ----

struct Blobs {
  int64_t size = 0;
  std::vector<std::string> data;
  std::vector<ttc::v1::Digest> digests;
  std::vector<std::string> keys;  // DigestKey: the CAS's key, used by the raw DB too
};

// `count` distinct blobs of `size` random bytes (deterministic per seed).
Blobs MakeBlobs(int64_t size, int count, uint64_t seed) {
  Blobs b;
  b.size = size;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < count; ++i) {
    std::string s(static_cast<size_t>(size), '\0');
    for (size_t j = 0; j < s.size(); j += 8) {
      const uint64_t v = rng();
      std::memcpy(s.data() + j, &v, std::min<size_t>(8, s.size() - j));
    }
    b.digests.push_back(ttc::cache::DigestOf(s));
    b.keys.push_back(ttc::cache::DigestKey(b.digests.back()));
    b.data.push_back(std::move(s));
  }
  return b;
}

struct PutGet {
  double put_s = 0, get_s = 0;  // seconds for all puts, all gets
  double total() const { return put_s + get_s; }
};

// The store under test: raw RocksDB or the CAS. Puts every blob, then gets every blob (and
// checks the bytes), timing the two phases.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual absl::Status Put(const Blobs& b, int i) = 0;
  virtual absl::StatusOr<std::string> Get(const Blobs& b, int i) = 0;
};

class RawStore final : public BlobStore {
 public:
  static absl::StatusOr<std::unique_ptr<RawStore>> Open(const std::string& path, bool sync) {
    rocksdb::Options options;  // the defaults RocksDbStore::Open uses, one column family
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    if (auto s = rocksdb::DB::Open(options, path, &db); !s.ok()) return absl::InternalError(s.ToString());
    auto r = std::make_unique<RawStore>();
    r->db_.reset(db);
    r->write_.sync = sync;
    return r;
  }
  absl::Status Put(const Blobs& b, int i) override {
    auto s = db_->Put(write_, b.keys[i], b.data[i]);
    return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
  }
  absl::StatusOr<std::string> Get(const Blobs& b, int i) override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), b.keys[i], &value);
    if (!s.ok()) return absl::InternalError(s.ToString());
    return value;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_;
};

class CasStore final : public BlobStore {
 public:
  static absl::StatusOr<std::unique_ptr<CasStore>> Open(const std::string& path, bool sync) {
    ttc::cache::RocksDbStore::Options o;
    o.path = path;
    o.sync_writes = sync;
    auto store = ttc::cache::RocksDbStore::Open(o);
    if (!store.ok()) return store.status();
    auto c = std::make_unique<CasStore>();
    c->store_ = std::move(*store);
    return c;
  }
  absl::Status Put(const Blobs& b, int i) override { return store_->PutBlob(b.digests[i], b.data[i]); }
  absl::StatusOr<std::string> Get(const Blobs& b, int i) override { return store_->GetBlob(b.digests[i]); }

 private:
  std::unique_ptr<ttc::cache::RocksDbStore> store_;
};

// Through ttcd: one blob per BatchUpdateBlobs / BatchReadBlobs call.
class GrpcCas final : public BlobStore {
 public:
  explicit GrpcCas(ttc::v1::Cas::Stub* cas) : cas_(cas) {}
  absl::Status Put(const Blobs& b, int i) override {
    ttc::v1::BatchUpdateBlobsRequest req;
    auto* r = req.add_requests();
    *r->mutable_digest() = b.digests[i];
    r->set_data(b.data[i]);
    ttc::v1::BatchUpdateBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    if (auto st = cas_->BatchUpdateBlobs(&ctx, req, &resp); !st.ok()) return ttc::remote::FromGrpc(st);
    if (resp.responses_size() != 1 || resp.responses(0).status().code() != 0) {
      return absl::InternalError("BatchUpdateBlobs: the blob was not stored");
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> Get(const Blobs& b, int i) override {
    ttc::v1::BatchReadBlobsRequest req;
    *req.add_digests() = b.digests[i];
    ttc::v1::BatchReadBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    if (auto st = cas_->BatchReadBlobs(&ctx, req, &resp); !st.ok()) return ttc::remote::FromGrpc(st);
    if (resp.responses_size() != 1 || resp.responses(0).status().code() != 0) {
      return absl::InternalError("BatchReadBlobs: the blob was not served");
    }
    return std::move(*resp.mutable_responses(0)->mutable_data());
  }

 private:
  ttc::v1::Cas::Stub* cas_;
};

absl::StatusOr<PutGet> RunPutGet(BlobStore& store, const Blobs& b, int count) {
  PutGet r;
  auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) {
    if (auto st = store.Put(b, i); !st.ok()) return st;
  }
  r.put_s = Seconds(Clock::now() - t0);
  t0 = Clock::now();
  for (int i = 0; i < count; ++i) {
    auto v = store.Get(b, i);
    if (!v.ok()) return v.status();
    if (*v != b.data[i]) return absl::InternalError("a blob read back different bytes");
  }
  r.get_s = Seconds(Clock::now() - t0);
  return r;
}

struct CasRow {
  int64_t size = 0;
  int count = 0;
  PutGet raw, cas;  // median over the rounds, per phase
  double ratio() const { return cas.total() > 0 ? raw.total() / cas.total() : 0; }
};

// Raw RocksDB vs the CAS store, `rounds` rounds in alternating order, fresh databases under
// `dir` each time; per size the median of each phase.
absl::StatusOr<std::vector<CasRow>> CasVsRaw(const std::vector<Blobs>& sets, int count, bool sync, int rounds,
                                             const fs::path& dir, const std::string& tag) {
  std::vector<CasRow> rows;
  for (const Blobs& b : sets) {
    std::vector<double> raw_put, raw_get, cas_put, cas_get;
    for (int round = 0; round < rounds; ++round) {
      for (int k = 0; k < 2; ++k) {
        const bool raw = (k == 0) == (round % 2 == 0);
        const fs::path path = dir / absl::StrCat(tag, "-", b.size, "-", round, raw ? "-raw" : "-cas");
        std::unique_ptr<BlobStore> store;
        if (raw) {
          auto s = RawStore::Open(path.string(), sync);
          if (!s.ok()) return s.status();
          store = std::move(*s);
        } else {
          auto s = CasStore::Open(path.string(), sync);
          if (!s.ok()) return s.status();
          store = std::move(*s);
        }
        auto r = RunPutGet(*store, b, count);
        if (!r.ok()) return r.status();
        (raw ? raw_put : cas_put).push_back(r->put_s);
        (raw ? raw_get : cas_get).push_back(r->get_s);
        store.reset();
        std::error_code ec;
        fs::remove_all(path, ec);
      }
    }
    rows.push_back({b.size, count, {Median(raw_put), Median(raw_get)}, {Median(cas_put), Median(cas_get)}});
  }
  return rows;
}

// ---- 4. miss latency ----

struct MissResult {
  Stats local_ms, daemon_ms, daemon_server_ms, daemon_compile_ms;
  int64_t first_size = 0, last_size = 0;
};

absl::StatusOr<MissResult> MissLatency(Client& c, const Options& opt) {
  // Two warm-up requests (one each way), then the measured ones; all distinct.
  const int total = opt.misses() + 2;
  std::vector<ttc::v1::KernelRequest> reqs;
  for (int i = 0; i < total; ++i) {
    auto r = ttc::bench::GemmRequest(kFirstMissSize + ttc::bench::kGemmBlock * i);
    if (!r.ok()) return r.status();
    reqs.push_back(std::move(*r));
  }
  std::vector<double> local, daemon, server, compile;
  for (int i = 0; i < total; ++i) {
    const bool measured = i >= 2;
    const bool daemon_first = i % 2 == 0;
    for (int k = 0; k < 2; ++k) {
      const bool through_daemon = (k == 0) == daemon_first;
      const auto t0 = Clock::now();
      if (through_daemon) {
        ttc::v1::CompileRequest call;
        *call.mutable_request() = reqs[i];
        call.set_inline_files(true);
        ttc::v1::CompileResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(Deadline());
        if (auto st = c.compiler->Compile(&ctx, call, &resp); !st.ok()) return ttc::remote::FromGrpc(st);
        const double ms = Seconds(Clock::now() - t0) * 1e3;
        if (resp.cache_hit() || !resp.result().success() || resp.files_size() == 0) {
          return absl::InternalError(absl::StrCat("Compile of GEMM ", kFirstMissSize + ttc::bench::kGemmBlock * i,
                                                  "^3: expected a successful miss with files"));
        }
        if (measured) {
          daemon.push_back(ms);
          server.push_back(static_cast<double>(resp.server_micros()) / 1e3);
          compile.push_back(static_cast<double>(resp.result().compile_micros()) / 1e3);
        }
      } else {
        auto out = ttc::RunAction(reqs[i], "", ttc::ActionKind::kCompile);
        const double ms = Seconds(Clock::now() - t0) * 1e3;
        if (!out.ok()) return out.status();
        if (!out->result.success() || out->files.empty()) return absl::InternalError("RunAction: the compile failed");
        if (measured) local.push_back(ms);
      }
    }
  }
  return MissResult{Summarize(local), Summarize(daemon), Summarize(server), Summarize(compile),
                    kFirstMissSize + ttc::bench::kGemmBlock * 2,
                    kFirstMissSize + ttc::bench::kGemmBlock * (total - 1)};
}

// ---- Reporting ----

struct GoalLine {
  std::string name, what;
  double value;
  double goal;
  bool at_most;  // value <= goal (at_most) or value >= goal; miss latency: strictly below
  bool strict;
  bool met() const { return at_most ? (strict ? value < goal : value <= goal) : value >= goal; }
  std::string goal_text() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s %.1fx", at_most ? (strict ? "<" : "<=") : ">=", goal);
    return buf;
  }
};

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown CPU";
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

bool ParseBool(const std::string& v, bool& out) {
  if (v != "true" && v != "false") return false;
  out = v == "true";
  return true;
}

bool Usage(const char* problem) {
  if (*problem) std::fprintf(stderr, "daemon_bench: %s\n", problem);
  std::fprintf(stderr,
               "usage: daemon_bench [--samples=2000] [--clients=16] [--rounds=3] [--cache-sync-writes=true|false] "
               "[--quick] [--keep]\n");
  return false;
}

bool ParseOptions(int argc, char** argv, Options& opt) {
  bool samples_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      const size_t n = std::strlen(flag);
      return a.rfind(flag, 0) == 0 && a.size() > n && a[n] == '=' ? a.c_str() + n + 1 : nullptr;
    };
    if (const char* v = value("--samples")) {
      opt.samples = std::atoi(v);
      samples_given = true;
      if (opt.samples <= 0) return Usage("--samples must be positive");
    } else if (const char* v = value("--clients")) {
      opt.clients = std::atoi(v);
      if (opt.clients <= 0) return Usage("--clients must be positive");
    } else if (const char* v = value("--rounds")) {
      opt.rounds = std::max(1, std::atoi(v));
    } else if (const char* v = value("--cache-sync-writes")) {
      if (!ParseBool(v, opt.sync_writes)) return Usage("--cache-sync-writes takes true or false");
    } else if (a == "--quick") {
      opt.quick = true;
    } else if (a == "--keep") {
      opt.keep = true;
    } else {
      return Usage("");
    }
  }
  if (opt.quick) {
    if (!samples_given) opt.samples = 100;
    opt.rounds = 1;
  }
  return true;
}

int Fail(const std::string& what, const absl::Status& st) {
  std::fflush(stdout);
  std::fprintf(stderr, "daemon_bench: %s: %s\n", what.c_str(), st.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseOptions(argc, argv, opt)) return 2;
  spdlog::set_level(spdlog::level::warn);  // the daemon's "serving"/"stopped" lines

  std::string tmpl = (fs::temp_directory_path() / "ttc-daemon-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return Fail("mkdtemp", absl::InternalError(std::strerror(errno)));
  const fs::path work = tmpl;
  auto cleanup = [&] {
    if (opt.keep) return;
    std::error_code ec;
    fs::remove_all(work, ec);
  };

  auto example = ttc::ir::ReadRequestFile((ttc::bench::ExamplesDir() / "gemm_256_bf16.textproto").string());
  if (!example.ok()) {
    cleanup();
    return Fail("reading the example", example.status());
  }
  ttc::v1::CompileRequest hit_request;
  *hit_request.mutable_request() = std::move(*example);
  hit_request.set_inline_files(false);

  ttc::daemon::Config config;
  config.listen = "127.0.0.1:0";
  config.insecure = true;  // plaintext loopback: the bench measures the daemon, not TLS
  config.data_dir = (work / "daemon").string();
  config.cache_sync_writes = opt.sync_writes;
  auto server = ttc::daemon::Server::Start(config);
  if (!server.ok()) {
    cleanup();
    return Fail("starting ttcd", server.status());
  }
  const std::string address = (*server)->address();
  const int workers = (*server)->service()->GetStats().workers();

  std::printf("daemon_bench: %u cores (%s), load average %s\n", std::thread::hardware_concurrency(),
              CpuModel().c_str(), LoadAverage().c_str());
  std::printf("ttcd in-process on %s: workers=%d cache_sync_writes=%s; work directory %s\n", address.c_str(), workers,
              opt.sync_writes ? "true" : "false", work.c_str());
  std::printf("samples=%d clients=%d rounds=%d%s\n\n", opt.samples, opt.clients, opt.rounds,
              opt.quick ? " (--quick: smoke run, figures not meaningful)" : "");
  std::fflush(stdout);

  std::vector<GoalLine> goals;
  int rc = 0;
  auto run = [&]() -> absl::Status {
    Client single(ttc::remote::Connect(address));
    {  // Fill the action cache: the first Compile of the example is a miss.
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      ttc::v1::CompileResponse resp;
      if (auto st = single.compiler->Compile(&ctx, hit_request, &resp); !st.ok()) return ttc::remote::FromGrpc(st);
      if (!resp.result().success()) return absl::InternalError("the example does not compile");
      resp.set_cache_hit(true);
      std::printf("Compile hit: request %zu bytes, response %zu bytes (no files)\n\n", hit_request.ByteSizeLong(),
                  resp.ByteSizeLong());
    }

    // 1.
    auto lat = HitLatency(single, hit_request, opt);
    if (!lat.ok()) return lat.status();
    std::printf("1. Cache-hit latency: one client, sequential, %d samples each (interleaved), after %d warm-up "
                "calls\n",
                opt.samples, opt.warmup());
    std::printf("   %-38s %10s %10s %10s\n", "", "p50 us", "p99 us", "mean us");
    std::printf("   %-38s %10.1f %10.1f %10.1f\n", RpcName(Rpc::kEmpty), lat->empty_us.p50, lat->empty_us.p99,
                lat->empty_us.mean);
    std::printf("   %-38s %10.1f %10.1f %10.1f\n", "Compile hit (gemm_256_bf16, no files)", lat->hit_us.p50,
                lat->hit_us.p99, lat->hit_us.mean);
    std::printf("   %-38s %10.1f %10.1f %10.1f\n", "  of which in the daemon (server_micros)", lat->hit_server_us.p50,
                lat->hit_server_us.p99, lat->hit_server_us.mean);
    std::printf("   %-38s %9.2fx %9.2fx %9.2fx\n", "ratio hit / empty", lat->hit_us.p50 / lat->empty_us.p50,
                lat->hit_us.p99 / lat->empty_us.p99, lat->hit_us.mean / lat->empty_us.mean);
    goals.push_back({"hit_latency_p50", "Compile hit p50 / empty RPC p50", lat->hit_us.p50 / lat->empty_us.p50,
                     kHitLatencyGoal, true, false});
    std::printf("   goal: p50 ratio %s -> %s\n\n", goals.back().goal_text().c_str(),
                goals.back().met() ? "PASS" : "MISS-GOAL");
    std::fflush(stdout);

    // 2.
    std::vector<Client> own, shared;
    const std::shared_ptr<grpc::Channel> one = ttc::remote::Connect(address);
    for (int i = 0; i < opt.clients; ++i) {
      own.emplace_back(OwnChannel(address));
      shared.emplace_back(one);
    }
    auto tp_own = HitThroughput(own, hit_request, opt);
    if (!tp_own.ok()) return tp_own.status();
    auto tp_shared = HitThroughput(shared, hit_request, opt);
    if (!tp_shared.ok()) return tp_shared.status();
    std::printf("2. Hit throughput: %d closed-loop client threads, %d calls each, median of %d round(s)\n",
                opt.clients, opt.calls_per_client(), opt.rounds);
    std::printf("   %-38s %20s %20s\n", "calls/s", "own channel (goal)", "one shared channel");
    std::printf("   %-38s %20.0f %20.0f\n", RpcName(Rpc::kEmpty), tp_own->empty, tp_shared->empty);
    std::printf("   %-38s %20.0f %20.0f\n", RpcName(Rpc::kHit), tp_own->hit, tp_shared->hit);
    std::printf("   %-38s %19.2fx %19.2fx\n", "ratio hit / empty", tp_own->ratio(), tp_shared->ratio());
    goals.push_back({"hit_throughput", absl::StrCat("Compile hit / empty RPC calls/s, ", opt.clients,
                                                    " clients, own channels"),
                     tp_own->ratio(), kHitThroughputGoal, false, false});
    std::printf("   goal: own-channel ratio %s -> %s\n\n", goals.back().goal_text().c_str(),
                goals.back().met() ? "PASS" : "MISS-GOAL");
    std::fflush(stdout);

    // 3.
    const std::vector<Blobs> sets = {MakeBlobs(4 << 10, opt.blobs(), 1), MakeBlobs(64 << 10, opt.blobs(), 2)};
    auto nosync = CasVsRaw(sets, opt.blobs(), false, opt.rounds, work, "nosync");
    if (!nosync.ok()) return nosync.status();
    auto synced = CasVsRaw(sets, opt.sync_blobs(), true, 1, work, "sync");
    if (!synced.ok()) return synced.status();
    std::printf("3. CAS store (RocksDbStore PutBlob/GetBlob) vs raw RocksDB (DB::Put/Get), in-process, same "
                "blobs\n");
    std::printf("   %-28s %7s %12s %12s %12s %12s %9s\n", "", "blobs", "raw put/s", "CAS put/s", "raw get/s",
                "CAS get/s", "ratio");
    double worst = 0;
    bool first = true;
    auto rows = [&](const std::vector<CasRow>& rs, const char* label) {
      for (const CasRow& r : rs) {
        const std::string name = absl::StrCat(label, " ", r.size >> 10, " KiB");
        const double n = r.count;
        std::printf("   %-28s %7d %12.0f %12.0f %12.0f %12.0f %8.2fx\n", name.c_str(), r.count, n / r.raw.put_s,
                    n / r.cas.put_s, n / r.raw.get_s, n / r.cas.get_s, r.ratio());
      }
    };
    rows(*nosync, "sync=false");
    for (const CasRow& r : *nosync) {
      worst = first ? r.ratio() : std::min(worst, r.ratio());
      first = false;
    }
    rows(*synced, "sync=true (info)");
    // For information: the same blobs through ttcd's Cas service (its own store, the daemon's
    // sync setting) vs the in-process CAS store with that setting.
    const int grpc_count = opt.sync_writes ? opt.sync_blobs() : opt.blobs();
    const std::vector<CasRow>& in_proc = opt.sync_writes ? *synced : *nosync;
    GrpcCas grpc_cas(single.cas.get());
    for (size_t k = 0; k < sets.size(); ++k) {
      auto r = RunPutGet(grpc_cas, sets[k], grpc_count);
      if (!r.ok()) return r.status();
      const double n = grpc_count;
      const PutGet& local = in_proc[k].cas;
      const std::string name = absl::StrCat("via ttcd gRPC ", sets[k].size >> 10, " KiB");
      std::printf("   %-28s %7d %12s %12.0f %12s %12.0f %8.2fx  (vs in-process CAS, sync=%s)\n", name.c_str(),
                  grpc_count, "", n / r->put_s, "", n / r->get_s, local.total() / r->total(),
                  opt.sync_writes ? "true" : "false");
    }
    std::printf("   ratio = raw time / CAS time for all puts then all gets (throughput ratio); median of %d "
                "round(s) (sync=true: 1)\n",
                opt.rounds);
    goals.push_back({"cas_vs_rocksdb", "CAS / raw RocksDB put+get throughput, sync=false, worse of 4 KiB and 64 KiB",
                     worst, kCasGoal, false, false});
    std::printf("   goal: sync=false ratio, worse size, %s -> %s\n\n", goals.back().goal_text().c_str(),
                goals.back().met() ? "PASS" : "MISS-GOAL");
    std::fflush(stdout);

    // 4.
    auto miss = MissLatency(single, opt);
    if (!miss.ok()) return miss.status();
    std::printf("4. Miss latency: %d distinct GEMM requests (M = N = K = %lld ... %lld), interleaved, after 2 "
                "warm-up requests\n",
                opt.misses(), static_cast<long long>(miss->first_size), static_cast<long long>(miss->last_size));
    std::printf("   %-38s %10s %10s %10s\n", "", "p50 ms", "p99 ms", "mean ms");
    std::printf("   %-38s %10.3f %10.3f %10.3f\n", "in-process ttc::RunAction", miss->local_ms.p50, miss->local_ms.p99,
                miss->local_ms.mean);
    std::printf("   %-38s %10.3f %10.3f %10.3f\n", "ttcd Compile miss (inline_files)", miss->daemon_ms.p50,
                miss->daemon_ms.p99, miss->daemon_ms.mean);
    std::printf("   %-38s %10.3f %10.3f %10.3f\n", "  of which in the daemon (server_micros)",
                miss->daemon_server_ms.p50, miss->daemon_server_ms.p99, miss->daemon_server_ms.mean);
    std::printf("   %-38s %10.3f %10.3f %10.3f\n", "  of which the pipeline (compile_micros)",
                miss->daemon_compile_ms.p50, miss->daemon_compile_ms.p99, miss->daemon_compile_ms.mean);
    std::printf("   %-38s %9.2fx %9.2fx %9.2fx\n", "ratio ttcd / in-process", miss->daemon_ms.p50 / miss->local_ms.p50,
                miss->daemon_ms.p99 / miss->local_ms.p99, miss->daemon_ms.mean / miss->local_ms.mean);
    goals.push_back({"miss_latency_p50", "Compile miss p50 / in-process RunAction p50",
                     miss->daemon_ms.p50 / miss->local_ms.p50, kMissGoal, true, true});
    std::printf("   goal: p50 ratio %s -> %s\n\n", goals.back().goal_text().c_str(),
                goals.back().met() ? "PASS" : "MISS-GOAL");
    return absl::OkStatus();
  };
  const absl::Status st = run();
  (*server)->Shutdown(std::chrono::milliseconds(2000));
  if (!st.ok()) {
    rc = Fail("measuring", st);
  } else {
    std::printf("Summary (same run; load average now %s)\n", LoadAverage().c_str());
    for (const GoalLine& g : goals) {
      std::printf("RATIO %-17s %6.2fx  goal %-8s %-9s  %s\n", g.name.c_str(), g.value, g.goal_text().c_str(),
                  g.met() ? "PASS" : "MISS-GOAL", g.what.c_str());
    }
  }
  std::fflush(stdout);
  cleanup();
  return rc;
}
