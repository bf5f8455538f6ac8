// Soak benchmark: the real ttcd binary (a child process, so its RSS is its own) under a long
// mixed load, to show that its memory levels off. --clients threads (16), each with its own
// channel and TCP connection, make --requests calls (100,000) in a seeded mix:
//
//   60%  Compile hits       examples/gemm_256_bf16.textproto, cached by the first call, no files
//   10%  Compile misses     the same GEMM under a new function name each time (a new action key:
//                           a real compile and a store write), files inline
//   20%  CAS                half BatchUpdateBlobs of a new random 4 KiB blob, half BatchReadBlobs
//                           of the blob this client wrote last
//   10%  InferLayout        of the cached GEMM request
//
// A sampler thread reads ttcd's VmRSS every second; the RSS is also read when the N/10-th and the
// N-th call complete. It prints the calls per kind, throughput, the first and last tenths of the
// RSS curve (MiB) and `RATIO rss_growth <RSS after N / RSS after N/10> goal <= 1.10x`.
// ttcd runs with its defaults (cache writes unsynced, the job journal synced). Never fails on
// timing; exits 1 when a call fails or answers wrongly (a hit that is not a hit), 2 on usage.
// Flags: --requests=N (100000) --clients=N (16) --ttcd=PATH --quick (3,000 calls) --keep
// docs/performance.md, "Soak (ttcd RSS under mixed load)".
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/gemm_requests.h"
#include "cache/digest.h"
#include "ir/request_io.h"
#include "ttc/v1/service.grpc.pb.h"

#ifndef TTCD_PATH
#error "TTCD_PATH must name the ttcd binary"
#endif

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  int64_t requests = 100'000;
  int clients = 16;
  std::string ttcd = TTCD_PATH;
  bool keep = false;
};

int Fail(const std::string& what) {
  std::fprintf(stderr, "soak_bench: %s\n", what.c_str());
  return 1;
}

// VmRSS of `pid` in bytes (0 when it cannot be read).
int64_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      int64_t kib = 0;
      in >> kib;
      return kib * 1024;
    }
    std::getline(in, key);
  }
  return 0;
}

double Mib(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

enum Kind { kHit, kMiss, kCasWrite, kCasRead, kLayout, kKinds };
const char* const kKindNames[kKinds] = {"compile hit", "compile miss", "CAS write", "CAS read", "InferLayout"};

Kind Pick(std::mt19937_64& rng) {
  const int r = static_cast<int>(rng() % 100);
  if (r < 60) return kHit;
  if (r < 70) return kMiss;
  if (r < 80) return kCasWrite;
  if (r < 90) return kCasRead;
  return kLayout;
}

struct Shared {
  ttc::v1::KernelRequest gemm;
  std::atomic<int64_t> next{0}, done{0}, failures{0};
  std::atomic<int64_t> counts[kKinds] = {};
  std::atomic<int64_t> rss_at_tenth{0}, rss_at_end{0};
  std::string first_error;
  std::mutex error_mu;
  void Error(const std::string& what) {
    std::lock_guard<std::mutex> lock(error_mu);
    if (failures++ == 0) first_error = what;
  }
};

// One client: its own channel and connection; makes calls until `next` reaches the total.
void Client(int index, const std::string& address, const Options& opt, pid_t ttcd, Shared* s) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  auto compiler = ttc::v1::Compiler::NewStub(channel);
  auto cas = ttc::v1::Cas::NewStub(channel);
  std::mt19937_64 rng(0x50a4 + static_cast<uint64_t>(index));
  ttc::v1::Digest last_blob;
  int64_t misses = 0;
  const auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(60); };
  while (s->next.fetch_add(1) < opt.requests) {
    Kind kind = Pick(rng);
    if (kind == kCasRead && last_blob.hash().empty()) kind = kCasWrite;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline());
    grpc::Status st;
    bool right = true;
    if (kind == kHit || kind == kMiss || kind == kLayout) {
      ttc::v1::CompileRequest req;
      *req.mutable_request() = s->gemm;
      if (kind == kMiss) {
        req.mutable_request()->mutable_func()->set_name("soak_c" + std::to_string(index) + "_" + std::to_string(misses++));
        req.set_inline_files(true);
      }
      if (kind == kLayout) {
        ttc::v1::LayoutResponse resp;
        st = compiler->InferLayout(&ctx, req, &resp);
      } else {
        ttc::v1::CompileResponse resp;
        st = compiler->Compile(&ctx, req, &resp);
        right = st.ok() && resp.result().success() && resp.cache_hit() == (kind == kHit) &&
                (kind == kHit || resp.files_size() > 0);
      }
    } else if (kind == kCasWrite) {
      std::string blob(4096, '\0');
      for (size_t i = 0; i < blob.size(); i += 8) {
        const uint64_t v = rng();
        std::memcpy(&blob[i], &v, 8);
      }
      ttc::v1::BatchUpdateBlobsRequest req;
      auto* r = req.add_requests();
      *r->mutable_digest() = ttc::cache::DigestOf(blob);
      r->set_data(blob);
      ttc::v1::BatchUpdateBlobsResponse resp;
      st = cas->BatchUpdateBlobs(&ctx, req, &resp);
      right = st.ok() && resp.responses_size() == 1 && resp.responses(0).status().code() == 0;
      if (right) last_blob = r->digest();
    } else {
      ttc::v1::BatchReadBlobsRequest req;
      *req.add_digests() = last_blob;
      ttc::v1::BatchReadBlobsResponse resp;
      st = cas->BatchReadBlobs(&ctx, req, &resp);
      right = st.ok() && resp.responses_size() == 1 && resp.responses(0).status().code() == 0 &&
              static_cast<int64_t>(resp.responses(0).data().size()) == last_blob.size_bytes();
    }
    if (!st.ok()) {
      s->Error(std::string(kKindNames[kind]) + ": " + st.error_message());
    } else if (!right) {
      s->Error(std::string(kKindNames[kind]) + ": a wrong answer (hit/miss, status or size)");
    }
    s->counts[kind]++;
    const int64_t n = ++s->done;
    if (n == opt.requests / 10) s->rss_at_tenth = RssBytes(ttcd);
    if (n == opt.requests) s->rss_at_end = RssBytes(ttcd);
  }
}

int Run(const Options& opt) {
  char tmpl[] = "/tmp/ttc-soak-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return Fail("cannot create a work directory");
  const fs::path work = tmpl;
  const std::string port_file = (work / "port").string();
  const pid_t ttcd = fork();
  if (ttcd == 0) {
    const std::string log = (work / "ttcd.log").string();
    std::freopen(log.c_str(), "w", stderr);
    std::vector<std::string> args = {opt.ttcd, "--listen", "127.0.0.1:0", "--port-file", port_file, "--data-dir",
                                     (work / "data").string(), "--insecure", "--max-streams-per-client", "0",
                                     "--log-level", "warn"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::atomic<bool> stop{false};
  std::thread sampler;
  std::vector<int64_t> curve;
  std::mutex curve_mu;
  auto cleanup = [&](int code) {
    stop = true;
    if (sampler.joinable()) sampler.join();
    kill(ttcd, SIGKILL);
    waitpid(ttcd, nullptr, 0);
    if (!opt.keep) fs::remove_all(work);
    else std::printf("kept %s\n", work.c_str());
    return code;
  };
  std::string port;
  for (int i = 0; i < 2000 && port.empty(); ++i) {  // bounded: 20 s
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(port_file);
    std::getline(in, port);
  }
  if (port.empty()) return cleanup(Fail("ttcd did not start (see its log with --keep)"));
  const std::string address = "127.0.0.1:" + port;

  Shared shared;
  auto gemm = ttc::ir::ReadRequestFile((ttc::bench::ExamplesDir() / "gemm_256_bf16.textproto").string());
  if (!gemm.ok()) return cleanup(Fail(std::string(gemm.status().message())));
  shared.gemm = *gemm;
  {
    // The first compile fills the cache: every later plain call is a hit.
    auto stub = ttc::v1::Compiler::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    ttc::v1::CompileRequest req;
    *req.mutable_request() = shared.gemm;
    ttc::v1::CompileResponse resp;
    if (auto st = stub->Compile(&ctx, req, &resp); !st.ok() || !resp.result().success()) {
      return cleanup(Fail("the first compile failed: " + st.error_message()));
    }
  }
  const int64_t rss_start = RssBytes(ttcd);
  std::printf("ttcd pid %d on %s; %lld calls from %d clients (60%% hits, 10%% misses, 20%% CAS, 10%% layout); "
              "RSS at start %.1f MiB\n",
              ttcd, address.c_str(), static_cast<long long>(opt.requests), opt.clients, Mib(rss_start));
  std::fflush(stdout);
  sampler = std::thread([&] {
    while (!stop) {
      {
        std::lock_guard<std::mutex> lock(curve_mu);
        curve.push_back(RssBytes(ttcd));
      }
      for (int i = 0; i < 20 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  const auto t0 = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < opt.clients; ++c) clients.emplace_back(Client, c, address, std::cref(opt), ttcd, &shared);
  for (auto& t : clients) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  stop = true;
  sampler.join();

  std::printf("\n%-14s %10s\n", "call", "count");
  for (int k = 0; k < kKinds; ++k) std::printf("%-14s %10lld\n", kKindNames[k], static_cast<long long>(shared.counts[k]));
  std::printf("%-14s %10lld  (%.0f calls/s over %.1f s)\n", "total", static_cast<long long>(shared.done.load()),
              static_cast<double>(shared.done) / seconds, seconds);
  std::printf("failures: %lld%s%s\n", static_cast<long long>(shared.failures.load()),
              shared.failures ? "; first: " : "", shared.first_error.c_str());
  const size_t tenth = std::max<size_t>(1, curve.size() / 10);
  auto print = [&](const char* what, size_t from, size_t to) {
    std::printf("%s:", what);
    for (size_t i = from; i < to && i < curve.size(); ++i) std::printf(" %.1f", Mib(curve[i]));
    std::printf("\n");
  };
  std::printf("\nRSS every second (MiB), %zu samples\n", curve.size());
  print("  first tenth", 0, tenth);
  print("  last tenth ", curve.size() > tenth ? curve.size() - tenth : 0, curve.size());
  const double at_tenth = Mib(shared.rss_at_tenth), at_end = Mib(shared.rss_at_end);
  const double growth = at_tenth > 0 ? at_end / at_tenth : 0;
  std::printf("RSS after %lld calls %.1f MiB, after %lld calls %.1f MiB\n\n",
              static_cast<long long>(opt.requests / 10), at_tenth, static_cast<long long>(opt.requests), at_end);
  std::printf("RATIO rss_growth %8.2fx  goal <= 1.10x  %s  ttcd RSS after %lld calls / after %lld\n", growth,
              growth <= 1.10 ? "PASS" : "MISS-GOAL", static_cast<long long>(opt.requests),
              static_cast<long long>(opt.requests / 10));
  std::fflush(stdout);
  return cleanup(shared.failures == 0 ? 0 : 1);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--requests=", 0) == 0) {
      opt.requests = std::atoll(a.c_str() + 11);
    } else if (a.rfind("--clients=", 0) == 0) {
      opt.clients = std::atoi(a.c_str() + 10);
    } else if (a.rfind("--ttcd=", 0) == 0) {
      opt.ttcd = a.substr(7);
    } else if (a == "--quick") {
      opt.requests = 3000;
    } else if (a == "--keep") {
      opt.keep = true;
    } else {
      std::fprintf(stderr, "usage: soak_bench [--requests=100000] [--clients=16] [--ttcd=PATH] [--quick] [--keep]\n");
      return 2;
    }
  }
  if (opt.requests < 10 || opt.clients < 1) {
    std::fprintf(stderr, "soak_bench: --requests must be at least 10 and --clients at least 1\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  return Run(opt);
}
