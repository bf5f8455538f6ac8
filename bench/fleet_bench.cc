// Fleet benchmark: what the fleet's shared builds and cached verdicts save, as ratios against
// baselines measured in the same run (never absolute times). One ttcd runs in-process
// (ttc::daemon::Server on 127.0.0.1:0, its own data directory under a temp work directory).
//
//   1. second agent     Validating examples/gemm_256_bf16.textproto (GEMM 256^3, bf16) on the
//                       emulator with a cold local cache (a fresh TTC_EMU_CACHE_DIR): without
//                       the fleet's build cache (the host program and every kernel built here)
//                       against a second agent with it (a first agent validated the same
//                       program through ttcd before: the host program and kernels come from
//                       ttcd, verified). Same validation code as ttc-agent's emulator backend
//                       (ttc::ValidateOnEmulator), medians of --rounds, interleaved.
//                       Goal: >= 5x faster with the fleet cache.
//   2. resubmit         Submit (validate) of a kernel that already passed on that backend, arch
//                       and seed (answered with the cached verdict, no job runs) against a
//                       Compile hit of the same request; one client, interleaved, after a
//                       warm-up. The verdict was earned by a real ttc::agent::Agent (emulator
//                       backend) connected to the in-process ttcd. Goal: p50 within 1.5x.
//
// Prints one line per measurement and `RATIO <name> <value>x goal ... PASS|MISS-GOAL`. Never
// fails on timing; exits 1 when a call fails or answers wrongly, 2 on a usage error.
// Flags: --rounds=N (default 3) --samples=N (resubmit samples, default 300) --quick --keep
// Run: build/bench/fleet_bench (docs/performance.md, "Fleet").
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "agent/agent.h"
#include "agent/build_cache_client.h"
#include "bench/gemm_requests.h"
#include "daemon/server.h"
#include "ir/from_proto.h"
#include "remote/remote.h"
#include "validate/backend.h"
#include "validate/validate.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kSecondAgentGoal = 5.0;  // local time / fleet time, at least
constexpr double kResubmitGoal = 1.5;     // resubmit p50 / compile hit p50, at most

struct Options {
  int rounds = 3;
  int samples = 300;
  bool quick = false;
  bool keep = false;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double SecondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::chrono::system_clock::time_point Deadline(int seconds = 60) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "fleet_bench: %s\n", what.c_str());
  return 1;
}

void Ratio(const char* name, double value, const char* goal, bool met) {
  std::printf("RATIO %-22s %6.2fx  goal %-6s %s\n", name, value, goal, met ? "PASS" : "MISS-GOAL");
}

// One validation with a fresh local cache at `cache_dir`; `builds` may be null (local only).
absl::StatusOr<double> ValidateCold(const ttc::ir::PrimFunc& source, const std::map<std::string, std::string>& files,
                                    const fs::path& cache_dir, ttc::validate::BuildCache* builds,
                                    ttc::BuildSummary* summary) {
  fs::remove_all(cache_dir);
  fs::create_directories(cache_dir);
  setenv("TTC_EMU_CACHE_DIR", cache_dir.c_str(), 1);  // read by this process and the program it runs
  const auto t0 = Clock::now();
  auto report = ttc::ValidateOnEmulator(source, files, 1, builds);
  const double seconds = SecondsSince(t0);
  if (!report.ok()) return report.status();
  if (!report->pass) return absl::InternalError("the GEMM did not validate:\n" + ttc::FormatReport(*report));
  *summary = report->builds;
  return seconds;
}

int Run(const Options& opt) {
  char tmpl[] = "/tmp/ttc-fleet-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return Fail("cannot create a work directory");
  const fs::path work = tmpl;
  spdlog::set_level(spdlog::level::warn);

  ttc::daemon::Config config;
  config.listen = "127.0.0.1:0";
  config.data_dir = (work / "ttcd").string();
  config.insecure = true;
  config.workers = 2;
  auto server = ttc::daemon::Server::Start(config);
  if (!server.ok()) return Fail("ttcd: " + std::string(server.status().message()));
  const std::string address = (*server)->address();
  auto channel = ttc::remote::Connect(address);
  auto compiler = ttc::v1::Compiler::NewStub(channel);

  auto request = ttc::bench::GemmRequest(256);
  if (!request.ok()) return Fail(std::string(request.status().message()));
  ttc::v1::CompileRequest compile;
  *compile.mutable_request() = *request;
  compile.set_inline_files(true);
  ttc::v1::CompileResponse compiled;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    if (auto st = compiler->Compile(&ctx, compile, &compiled); !st.ok() || !compiled.result().success()) {
      return Fail("compile: " + st.error_message());
    }
  }
  std::map<std::string, std::string> files;
  for (const auto& f : compiled.files()) files[f.path()] = f.data();
  auto unit = ttc::ir::FromProto(*request);
  if (!unit.ok()) return Fail(std::string(unit.status().message()));

  // ---- 1. second agent ----
  auto first_agent = ttc::agent::MakeRemoteBuildCache(channel);
  ttc::BuildSummary summary;
  if (auto t = ValidateCold(unit->func, files, work / "agent-first", first_agent.get(), &summary); !t.ok()) {
    return Fail(std::string(t.status().message()));
  }
  std::vector<double> local, fleet;
  for (int r = 0; r < opt.rounds; ++r) {
    auto t_local = ValidateCold(unit->func, files, work / "local", nullptr, &summary);
    if (!t_local.ok()) return Fail(std::string(t_local.status().message()));
    if (summary.host_build != "built" || summary.kernels_built == 0) return Fail("the local run did not build");
    auto second_agent = ttc::agent::MakeRemoteBuildCache(channel);
    auto t_fleet = ValidateCold(unit->func, files, work / "agent-second", second_agent.get(), &summary);
    if (!t_fleet.ok()) return Fail(std::string(t_fleet.status().message()));
    if (summary.host_build != "ttcd" || summary.kernels_built != 0) {
      return Fail("the second agent built something: host " + summary.host_build + ", kernels built " +
                  std::to_string(summary.kernels_built));
    }
    local.push_back(*t_local);
    fleet.push_back(*t_fleet);
    std::printf("second agent, round %d: local builds %.3f s, fleet builds %.3f s (%d kernels fetched)\n", r + 1,
                *t_local, *t_fleet, summary.kernels_fetched);
  }

  // ---- 2. resubmit of a validated kernel vs a compile hit ----
  ttc::agent::AgentConfig ac;
  ac.server = address;
  ac.host_id = "bench-host";
  ac.work_dir = (work / "agent").string();
  ac.health_check_every = 0;
  ac.drain_seconds = 5;
  setenv("TTC_EMU_CACHE_DIR", (work / "agent" / "emu").c_str(), 1);
  auto backend = ttc::validate::MakeBackend("emulator", first_agent.get());
  if (!backend.ok()) return Fail(std::string(backend.status().message()));
  ttc::agent::Agent agent(ac, {}, ttc::agent::MakeGrpcFleetChannel(channel), std::move(*backend),
                          ttc::agent::MakeCasBlobCache(ac.work_dir, channel), ttc::agent::SystemClock());
  std::thread agent_thread([&] { agent.Run(); });
  ttc::v1::SubmitRequest submit;
  *submit.mutable_compile()->mutable_request() = *request;
  submit.set_validate(true);
  submit.set_seed(1);
  std::string job_id;
  {
    ttc::v1::SubmitResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    if (auto st = compiler->Submit(&ctx, submit, &resp); !st.ok()) return Fail("submit: " + st.error_message());
    job_id = resp.job().id();
  }
  ttc::v1::Job job;
  for (const auto t0 = Clock::now(); SecondsSince(t0) < 300;) {
    ttc::v1::JobRef ref;
    ref.set_job_id(job_id);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    if (!compiler->GetJob(&ctx, ref, &job).ok() || job.stage() == ttc::v1::COMPLETED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  agent.Stop();
  agent_thread.join();
  if (job.stage() != ttc::v1::COMPLETED || job.result().outcome() != ttc::v1::PASSED) {
    return Fail("the validation job did not pass: " + job.ShortDebugString());
  }
  ttc::v1::CompileRequest hit = compile;
  hit.set_inline_files(false);
  std::vector<double> resubmit_us, hit_us, resubmit_server_us, hit_server_us;
  const int warmup = std::max(10, opt.samples / 10);
  for (int i = 0; i < warmup + opt.samples; ++i) {
    for (int k = 0; k < 2; ++k) {
      const bool is_submit = (k == 0) == (i % 2 == 0);
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      const auto t0 = Clock::now();
      if (is_submit) {
        ttc::v1::SubmitResponse resp;
        grpc::Status st = compiler->Submit(&ctx, submit, &resp);
        if (!st.ok() || !resp.job().result().cached()) return Fail("resubmit: not answered with the cached verdict");
        if (i >= warmup) resubmit_server_us.push_back(static_cast<double>(resp.compile().server_micros()));
      } else {
        ttc::v1::CompileResponse resp;
        grpc::Status st = compiler->Compile(&ctx, hit, &resp);
        if (!st.ok() || !resp.cache_hit()) return Fail("compile: not a hit");
        if (i >= warmup) hit_server_us.push_back(static_cast<double>(resp.server_micros()));
      }
      if (i >= warmup) (is_submit ? resubmit_us : hit_us).push_back(SecondsSince(t0) * 1e6);
    }
  }
  (*server)->Shutdown(std::chrono::seconds(5));

  const double local_s = Median(local), fleet_s = Median(fleet);
  const double resubmit = Median(resubmit_us), compile_hit = Median(hit_us);
  std::printf("second agent: median %.3f s with local builds, %.3f s with the fleet's builds (%d rounds)\n", local_s,
              fleet_s, opt.rounds);
  std::printf("resubmit of a passed kernel: p50 %.0f us; compile hit: p50 %.0f us (%d samples each)\n", resubmit,
              compile_hit, opt.samples);
  std::printf("  of which in ttcd (server_micros): resubmit p50 %.0f us; compile hit p50 %.0f us\n",
              Median(resubmit_server_us), Median(hit_server_us));
  Ratio("second_agent_speedup", local_s / fleet_s, ">= 5", local_s / fleet_s >= kSecondAgentGoal);
  Ratio("resubmit_vs_compile_hit", resubmit / compile_hit, "<= 1.5", resubmit / compile_hit <= kResubmitGoal);
  if (!opt.keep) fs::remove_all(work);
  else std::printf("work directory kept: %s\n", work.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--rounds=", 0) == 0) opt.rounds = std::max(1, std::atoi(a.c_str() + 9));
    else if (a.rfind("--samples=", 0) == 0) opt.samples = std::max(10, std::atoi(a.c_str() + 10));
    else if (a == "--quick") opt.quick = true;
    else if (a == "--keep") opt.keep = true;
    else {
      std::fprintf(stderr, "fleet_bench: unknown flag %s (--rounds=N --samples=N --quick --keep)\n", a.c_str());
      return 2;
    }
  }
  if (opt.quick) {
    opt.rounds = 1;
    opt.samples = 20;
  }
  return Run(opt);
}
