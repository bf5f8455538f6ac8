// Fleet-scale dispatch benchmark: the real ttcd binary (a child process, so its RSS and CPU are
// its own) with tens of thousands of queued validation jobs and hundreds of simulated agents,
// each a DeviceFleet.Connect stream on loopback with one device that "runs" a job by reporting
// it PASSED as soon as the lease arrives. What it measures (docs/performance.md, "Dispatch"):
//
//   submit          Submit (validate, --revalidate so every one queues a job) from --submitters
//                   clients: jobs queued per second.
//   dispatch        once every agent holds its first lease, the agents report and take leases as
//                   fast as ttcd grants them: leases granted per second over the whole queue.
//                   Goal: >= 1000/s.
//   free -> lease   per agent, from sending a job's report (its device is free) to receiving
//                   its next lease: p50 and p99. Goal: p99 < 50 ms.
//   memory          ttcd's RSS (VmRSS) per 1,000 queued jobs and per 1,000 connected agents,
//                   each measured over the first and the second half of the jobs and agents:
//                   the ratio of the halves is 1 for linear growth. Goal: within 0.5..1.5.
//   cpu             ttcd's CPU seconds (utime + stime) per 1,000 leases while dispatching, and
//                   idle over 2 s with every agent connected, per 1,000 agents.
//
// Prints one line per figure and `RATIO <name> <value> goal ... PASS|MISS-GOAL`. Never fails
// on timing; exits 1 when a call fails or the jobs do not all complete (bounded), 2 on usage.
// Flags: --agents=N (300) --jobs=N (20000) --submitters=N (4) --ttcd=PATH --no-sync-writes --quick --keep
// Heartbeats are every 60 s (the agents send none within a run), and ttcd's stream limit is
// off (every simulated agent comes from 127.0.0.1).
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/gemm_requests.h"
#include "remote/remote.h"
#include "ttc/v1/service.grpc.pb.h"

#ifndef TTCD_PATH
#error "TTCD_PATH must name the ttcd binary"
#endif

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  int agents = 300;
  int jobs = 20000;
  int submitters = 4;
  std::string ttcd = TTCD_PATH;
  bool keep = false;
  bool sync_writes = true;  // --no-sync-writes: ttcd's, to see what the fsyncs cost
};

int Fail(const std::string& what) {
  std::fprintf(stderr, "dispatch_bench: %s\n", what.c_str());
  return 1;
}

void Ratio(const char* name, double value, const char* goal, bool met) {
  std::printf("RATIO %-26s %10.2f  goal %-8s %s\n", name, value, goal, met ? "PASS" : "MISS-GOAL");
}

// VmRSS of `pid` in bytes.
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

// utime + stime of `pid`, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields;
  std::string f;
  for (size_t i = close + 2; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ' ') {
      fields.push_back(f);
      f.clear();
    } else {
      f += line[i];
    }
  }
  // Fields after the name start at field 3 (state): utime is field 14, stime 15.
  if (fields.size() < 13) return 0;
  return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// A simulated agent: one stream, one device; holds its first lease until `go`, then reports
// every lease PASSED at once and records how long each next lease took.
class SimAgent {
 public:
  SimAgent(std::shared_ptr<grpc::Channel> channel, int index) : stub_(ttc::v1::DeviceFleet::NewStub(channel)) {
    host_ = "sim-" + std::to_string(index);
  }
  // Connects and registers; true when ttcd answered Registered.
  bool Register() {
    stream_ = stub_->Connect(&ctx_);
    ttc::v1::AgentMessage hello;
    hello.mutable_register_()->set_host_id(host_);
    hello.mutable_register_()->set_backend("emulator");
    ttc::v1::AgentDevice* d = hello.mutable_register_()->add_devices();
    d->set_device_id("dev0");
    d->set_arch("wormhole_b0");
    d->set_health(ttc::v1::GOOD);
    if (!stream_->Write(hello)) return false;
    ttc::v1::ServerMessage reply;
    return stream_->Read(&reply) && reply.has_registered();
  }
  // Runs until `stop` or the stream ends. `held` counts agents holding their first lease.
  // `run_ms` > 0: each job "runs" that long before its report (the paced phase).
  void Run(std::atomic<int>* held, std::atomic<bool>* go, std::atomic<int64_t>* completed, std::atomic<bool>* stop,
           std::atomic<int>* run_ms) {
    ttc::v1::ServerMessage msg;
    bool first = true;
    Clock::time_point freed;
    while (!stop->load() && stream_->Read(&msg)) {
      if (!msg.has_lease()) continue;
      const auto now = Clock::now();
      if (first) {
        first = false;
        held->fetch_add(1);
        go->wait(false);  // no polling: 300 polling threads would starve the streams' own
      } else {
        (paced_ ? paced_ms_ : latencies_ms_).push_back(std::chrono::duration<double, std::milli>(now - freed).count());
      }
      paced_ = run_ms->load() > 0;
      if (paced_) std::this_thread::sleep_for(std::chrono::milliseconds(run_ms->load()));
      if (now - last_heartbeat_ > std::chrono::seconds(10)) {  // a real agent's interval
        ttc::v1::AgentMessage beat;
        beat.mutable_heartbeat();
        if (!stream_->Write(beat)) break;
        last_heartbeat_ = now;
      }
      ttc::v1::AgentMessage done;
      done.mutable_finished()->set_lease_id(msg.lease().lease().lease_id());
      done.mutable_finished()->mutable_result()->set_outcome(ttc::v1::PASSED);
      done.mutable_finished()->mutable_result()->set_summary("PASS (simulated)");
      freed = Clock::now();
      if (!stream_->Write(done)) break;
      completed->fetch_add(1);
    }
  }
  void Close() {
    ctx_.TryCancel();
    stream_->Finish().ok();
  }
  const std::vector<double>& latencies_ms() const { return latencies_ms_; }
  const std::vector<double>& paced_ms() const { return paced_ms_; }

 private:
  std::unique_ptr<ttc::v1::DeviceFleet::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<ttc::v1::AgentMessage, ttc::v1::ServerMessage>> stream_;
  std::string host_;
  std::vector<double> latencies_ms_;  // saturated: every report at once
  std::vector<double> paced_ms_;      // paced: jobs that "ran" before their report
  bool paced_ = false;
  Clock::time_point last_heartbeat_ = Clock::now();
};

bool Submit(ttc::v1::Compiler::Stub* stub, const ttc::v1::SubmitRequest& req) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  ttc::v1::SubmitResponse resp;
  grpc::Status st = stub->Submit(&ctx, req, &resp);
  if (!st.ok()) std::fprintf(stderr, "dispatch_bench: Submit: %s\n", st.error_message().c_str());
  return st.ok() && !resp.job().id().empty();
}

int Run(const Options& opt) {
  char tmpl[] = "/tmp/ttc-dispatch-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return Fail("cannot create a work directory");
  const fs::path work = tmpl;
  const std::string port_file = (work / "port").string();
  const pid_t ttcd = fork();
  if (ttcd == 0) {
    const std::string log = (work / "ttcd.log").string();
    std::freopen(log.c_str(), "w", stderr);
    std::vector<std::string> args = {opt.ttcd, "--listen", "127.0.0.1:0", "--port-file", port_file,
                                     "--data-dir", (work / "data").string(), "--insecure",
                                     "--heartbeat-interval-ms", "60000", "--max-streams-per-client", "0",
                                     "--log-level", getenv("DISPATCH_BENCH_TTCD_LOG") ? getenv("DISPATCH_BENCH_TTCD_LOG") : "warn"};
    if (!opt.sync_writes) args.push_back("--no-sync-writes");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto cleanup = [&](int code) {
    kill(ttcd, SIGKILL);
    waitpid(ttcd, nullptr, 0);
    if (!opt.keep) fs::remove_all(work);
    else std::printf("kept %s\n", work.c_str());
    return code;
  };
  std::string port;
  for (int i = 0; i < 2000 && port.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(port_file);
    std::getline(in, port);
  }
  if (port.empty()) return cleanup(Fail("ttcd did not start (see its log with --keep)"));
  const std::string address = "127.0.0.1:" + port;
  std::printf("ttcd pid %d on %s; %d jobs, %d agents, %d submitters\n", ttcd, address.c_str(), opt.jobs, opt.agents,
              opt.submitters);

  auto request = ttc::bench::GemmRequest(256);
  if (!request.ok()) return cleanup(Fail(std::string(request.status().message())));
  ttc::v1::SubmitRequest submit;
  *submit.mutable_compile()->mutable_request() = *request;
  submit.set_validate(true);
  submit.set_revalidate(true);  // a job per submit, never the cached verdict

  // 1. Jobs, in two halves (for the memory slope).
  const int64_t rss0 = RssBytes(ttcd);
  std::atomic<int> failures{0};
  auto submit_range = [&](int count) {
    std::vector<std::thread> threads;
    std::atomic<int> next{0};
    for (int t = 0; t < opt.submitters; ++t) {
      threads.emplace_back([&] {
        auto stub = ttc::v1::Compiler::NewStub(ttc::remote::Connect(address));
        while (next.fetch_add(1) < count) {
          if (!Submit(stub.get(), submit)) failures.fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();
  };
  // A warm-up tenth first (the compile cache, RocksDB's memtables, gRPC's buffers), then the
  // rest in two equal halves for the slope.
  const auto s0 = Clock::now();
  const int warm = opt.jobs / 10, half = (opt.jobs - warm) / 2;
  submit_range(warm);
  const int64_t rss_warm = RssBytes(ttcd);
  submit_range(half);
  const int64_t rss_half_jobs = RssBytes(ttcd);
  submit_range(opt.jobs - warm - half);
  const double submit_s = std::chrono::duration<double>(Clock::now() - s0).count();
  const int64_t rss_jobs = RssBytes(ttcd);
  if (failures.load() > 0) return cleanup(Fail(std::to_string(failures.load()) + " submits failed"));
  std::printf("submit: %d jobs in %.2f s (%.0f jobs/s)\n", opt.jobs, submit_s, opt.jobs / submit_s);

  // 2. Agents, in two halves; each takes one lease and holds it.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  // One connection per 16 agents (a real fleet has one per agent; this keeps the bench's
  // client side from becoming the bottleneck).
  for (int i = 0; i < std::max(1, opt.agents / 16); ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection per channel
    channels.push_back(grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  std::vector<std::unique_ptr<SimAgent>> agents;
  std::vector<std::thread> threads;
  std::atomic<int> held{0};
  std::atomic<bool> go{false}, stop{false};
  std::atomic<int64_t> completed{0};
  std::atomic<int> run_ms{0};
  int64_t rss_half_agents = 0;
  for (int i = 0; i < opt.agents; ++i) {
    agents.push_back(std::make_unique<SimAgent>(channels[i % channels.size()], i));
    if (!agents.back()->Register()) {
      stop = true;
      go = true;
      go.notify_all();
      for (auto& t : threads) t.join();
      return cleanup(Fail("agent " + std::to_string(i) + " was not registered"));
    }
    threads.emplace_back([&, a = agents.back().get()] { a->Run(&held, &go, &completed, &stop, &run_ms); });
    if (i + 1 == opt.agents / 2) {
      const auto until = Clock::now() + std::chrono::seconds(30);
      while (held.load() < opt.agents / 2 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      rss_half_agents = RssBytes(ttcd);
    }
  }
  const auto until = Clock::now() + std::chrono::seconds(60);
  while (held.load() < std::min(opt.agents, opt.jobs) && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int64_t rss_agents = RssBytes(ttcd);
  std::printf("agents: %d registered, %d hold a lease\n", opt.agents, held.load());

  // 3. Dispatch, saturated: everyone reports at once, ttcd leases as fast as it can (the first
  // two thirds of the queue). Then paced: each job "runs" long enough that the agents ask for
  // half of the rate just measured, so the free -> lease time is ttcd's, not a queue's.
  const double cpu0 = CpuSeconds(ttcd);
  const auto d0 = Clock::now();
  go = true;
  go.notify_all();
  const int64_t saturated_jobs = opt.jobs * 2 / 3;
  const auto bound = Clock::now() + std::chrono::seconds(std::max(120, opt.jobs / 50));
  while (completed.load() < saturated_jobs && Clock::now() < bound) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const double dispatch_s = std::chrono::duration<double>(Clock::now() - d0).count();
  const double cpu_dispatch = CpuSeconds(ttcd) - cpu0;
  const int64_t saturated_done = completed.load();
  const double leases_per_s = static_cast<double>(saturated_done) / dispatch_s;
  run_ms = std::max(1, static_cast<int>(2000.0 * opt.agents / std::max(1.0, leases_per_s)));
  const auto p0 = Clock::now();
  while (completed.load() < opt.jobs && Clock::now() < bound) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const double paced_s = std::chrono::duration<double>(Clock::now() - p0).count();
  const int64_t done = completed.load();
  // Idle: every agent connected, no work.
  const double cpu1 = CpuSeconds(ttcd);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double cpu_idle = CpuSeconds(ttcd) - cpu1;
  stop = true;
  for (auto& a : agents) a->Close();
  for (auto& t : threads) t.join();
  if (done < opt.jobs) return cleanup(Fail("only " + std::to_string(done) + " of " + std::to_string(opt.jobs) + " jobs completed"));

  std::vector<double> lat, paced;
  for (const auto& a : agents) {
    lat.insert(lat.end(), a->latencies_ms().begin(), a->latencies_ms().end());
    paced.insert(paced.end(), a->paced_ms().begin(), a->paced_ms().end());
  }
  const double p50 = Percentile(paced, 0.50), p99 = Percentile(paced, 0.99);
  const double mib = 1024.0 * 1024.0;
  const double per_kjob_1 = (rss_half_jobs - rss_warm) / mib / half * 1000;
  const double per_kjob_2 = (rss_jobs - rss_half_jobs) / mib / (opt.jobs - warm - half) * 1000;
  const double per_kagent_1 = (rss_half_agents - rss_jobs) / mib / (opt.agents / 2) * 1000;
  const double per_kagent_2 = (rss_agents - rss_half_agents) / mib / (opt.agents - opt.agents / 2) * 1000;
  std::printf("dispatch, saturated: %lld jobs in %.2f s: %.0f leases/s (free -> lease p50 %.1f ms, p99 %.1f ms: "
              "queueing, every agent waits for the others)\n",
              static_cast<long long>(saturated_done), dispatch_s, leases_per_s, Percentile(lat, 0.5), Percentile(lat, 0.99));
  std::printf("dispatch, paced (jobs run %d ms, about half that rate asked): %lld jobs in %.2f s: %.0f leases/s\n",
              run_ms.load(), static_cast<long long>(done - saturated_done), paced_s,
              static_cast<double>(done - saturated_done) / paced_s);
  std::printf("free -> lease, paced: p50 %.2f ms, p99 %.2f ms (%zu samples)\n", p50, p99, paced.size());
  std::printf("ttcd RSS: %.1f MiB at start, %.1f MiB with %d jobs queued, %.1f MiB with %d agents connected\n",
              rss0 / mib, rss_jobs / mib, opt.jobs, rss_agents / mib, opt.agents);
  std::printf("ttcd RSS per 1,000 jobs: %.2f MiB (first half) %.2f MiB (second half)\n", per_kjob_1, per_kjob_2);
  std::printf("ttcd RSS per 1,000 agents: %.2f MiB (first half) %.2f MiB (second half)\n", per_kagent_1, per_kagent_2);
  std::printf("ttcd CPU: %.3f s per 1,000 leases dispatching; idle %.4f s/s per 1,000 agents\n",
              cpu_dispatch / static_cast<double>(saturated_done) * 1000, cpu_idle / 2.0 / opt.agents * 1000);
  Ratio("leases_per_second", leases_per_s, ">=1000", leases_per_s >= 1000);
  Ratio("free_to_lease_p99_ms", p99, "<50", p99 < 50);
  const double job_slope = per_kjob_1 > 0 ? per_kjob_2 / per_kjob_1 : 0;
  const double agent_slope = per_kagent_1 > 0 ? per_kagent_2 / per_kagent_1 : 0;
  Ratio("rss_per_job_halves", job_slope, "0.5-1.5", job_slope >= 0.5 && job_slope <= 1.5);
  Ratio("rss_per_agent_halves", agent_slope, "0.5-1.5", agent_slope >= 0.5 && agent_slope <= 1.5);
  return cleanup(0);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      const size_t n = std::strlen(name);
      return a.compare(0, n, name) == 0 ? a.c_str() + n : nullptr;
    };
    if (a == "--quick") {
      opt.agents = 20;
      opt.jobs = 400;
    } else if (a == "--no-sync-writes") {
      opt.sync_writes = false;
    } else if (a == "--keep") {
      opt.keep = true;
    } else if (const char* v = value("--agents=")) {
      opt.agents = std::atoi(v);
    } else if (const char* v = value("--jobs=")) {
      opt.jobs = std::atoi(v);
    } else if (const char* v = value("--submitters=")) {
      opt.submitters = std::atoi(v);
    } else if (const char* v = value("--ttcd=")) {
      opt.ttcd = v;
    } else {
      std::fprintf(stderr, "usage: dispatch_bench [--agents=N] [--jobs=N] [--submitters=N] [--ttcd=PATH] [--no-sync-writes] [--quick] [--keep]\n");
      return 2;
    }
  }
  if (opt.agents < 2 || opt.jobs < 2 || opt.submitters < 1) {
    std::fprintf(stderr, "dispatch_bench: --agents and --jobs must be >= 2, --submitters >= 1\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
  return Run(opt);
}
