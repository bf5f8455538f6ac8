// Device validation end to end with real processes on loopback: ttcd, three emulator agents
// (ttc-agent) and gRPC clients. 50 validation jobs complete exactly once; kill -9 of an agent
// in the middle of a job, kill -9 of ttcd with queued jobs, and an agent whose network
// stalls (SIGSTOP) never lose or wedge a job and never report one twice; a client waiting on
// a job gets its verdict across a restart of ttcd. Heartbeats are
// shortened (500 ms, lost after 3 misses: 1.5 s, long enough that a loaded CI machine does not
// starve a heartbeat thread that long) so every scenario is bounded to seconds.
#include <algorithm>
#include <set>

#include "frontend/load.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/daemon/process_util.h"

namespace ttc::testing {
namespace {

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Emulator kernel builds go to this test's own cache (agents inherit the environment).
    setenv("TTC_EMU_CACHE_DIR", dir_.Sub("emu-cache").c_str(), 1);
    setenv("TTC_EMU_TIMEOUT_SECONDS", "120", 1);
  }

  // On `listen` (a free port by default). A SIGTERM drains for at most 2 s (a watching client
  // would otherwise hold the drain for the default 30 s).
  void StartDaemon(const std::string& listen = "127.0.0.1:0", const std::string& drain_seconds = "2") {
    std::filesystem::remove(dir_.Sub("port"));
    daemon_ = std::make_unique<Child>(
        std::vector<std::string>{TTCD_PATH, "--insecure", "--listen", listen, "--data-dir", dir_.Sub("data"),
                                 "--port-file", dir_.Sub("port"), "--workers", "2", "--heartbeat-interval-ms", "500",
                                 "--missed-heartbeats", "3", "--drain-seconds", drain_seconds},
        dir_.Sub("ttcd.log." + std::to_string(daemon_starts_++)));
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(dir_.Sub("port")); })) << "ttcd did not start";
    const std::string port = ReadAll(dir_.Sub("port"));
    address_ = "127.0.0.1:" + port.substr(0, port.find('\n'));
    channel_ = remote::Connect(address_);
    compiler_ = v1::Compiler::NewStub(channel_);
  }
  std::unique_ptr<Child> StartAgent(const std::string& host, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{AGENT_PATH, "--server", address_, "--host-id", host, "--work-dir",
                                  dir_.Sub("work-" + host), "--drain-seconds", "30"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Child>(argv, dir_.Sub("agent-" + host + ".log"));
  }
  // Waits until `n` hosts are online.
  bool WaitForHosts(size_t n) {
    return WaitFor([&] {
      v1::ListDevicesResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      if (!compiler_->ListDevices(&ctx, v1::ListDevicesRequest(), &resp).ok()) return false;
      size_t online = 0;
      for (const auto& d : resp.devices()) online += d.host_online() ? 1 : 0;
      return online >= n;
    });
  }
  std::string SubmitJob(const std::string& example, uint64_t seed, const std::string& backend = "") {
    return SubmitRequest(LoadExample(example), seed, backend);
  }
  std::string SubmitRequest(const v1::KernelRequest& kernel, uint64_t seed, const std::string& backend = "") {
    v1::SubmitRequest req;
    req.set_backend(backend);
    *req.mutable_compile()->mutable_request() = kernel;
    req.set_validate(true);
    req.set_seed(seed);
    v1::SubmitResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status st = compiler_->Submit(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.job().stage(), v1::QUEUED);
    return resp.job().id();
  }
  std::vector<v1::Job> Jobs() {
    v1::ListJobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status st = compiler_->ListJobs(&ctx, v1::ListJobsRequest(), &resp);
    if (!st.ok()) return {};
    return {resp.jobs().begin(), resp.jobs().end()};
  }
  bool AllCompleted(size_t n, std::chrono::seconds limit) {
    return WaitFor(
        [&] {
          auto jobs = Jobs();
          if (jobs.size() != n) return false;
          for (const auto& j : jobs) {
            if (j.stage() != v1::COMPLETED) return false;
          }
          return true;
        },
        limit);
  }
  // Accepted reports per job in the daemon's logs ("job report ... accepted=true").
  std::map<std::string, int> AcceptedReports() {
    std::map<std::string, int> out;
    for (int i = 0; i < daemon_starts_; ++i) {
      std::istringstream log(ReadAll(dir_.Sub("ttcd.log." + std::to_string(i))));
      for (std::string line; std::getline(log, line);) {
        if (line.find("msg=\"job report\"") == std::string::npos || line.find("accepted=true") == std::string::npos) {
          continue;
        }
        const size_t at = line.find(" job=");
        if (at == std::string::npos) continue;
        out[line.substr(at + 5, line.find(' ', at + 5) - at - 5)]++;
      }
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Child> daemon_;
  int daemon_starts_ = 0;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Compiler::Stub> compiler_;
};

TEST_F(FleetTest, FiftyJobsOnThreeAgentsSurviveKill9OfAnAgentInTheMiddleOfAJob) {
  StartDaemon();
  auto a1 = StartAgent("a1");
  auto a2 = StartAgent("a2");
  auto a3 = StartAgent("a3");
  ASSERT_TRUE(WaitForHosts(3));
  // One slow job first (a 1024^3 GEMM takes seconds on the emulator), then 49 quick ones.
  std::vector<std::string> ids = {SubmitJob("gemm_1024_bf16_block128", 1)};
  for (int i = 0; i < 49; ++i) ids.push_back(SubmitJob(i % 2 ? "eltwise_add_256_bf16" : "kernel_1d", 100 + i));
  // Kill the agent running the slow job while it runs.
  std::string victim;
  ASSERT_TRUE(WaitFor([&] {
    auto jobs = Jobs();
    for (const auto& j : jobs) {
      if (j.id() == ids[0] && j.stage() == v1::EXECUTING) victim = j.lease().host_id();
    }
    return !victim.empty();
  }));
  (victim == "a1" ? a1 : victim == "a2" ? a2 : a3)->Signal(SIGKILL);

  ASSERT_TRUE(AllCompleted(50, std::chrono::seconds(240)));
  for (const v1::Job& j : Jobs()) {
    EXPECT_EQ(j.result().outcome(), v1::PASSED) << j.id() << ": " << j.result().summary();
    if (j.id() == ids[0]) {
      EXPECT_EQ(j.attempts(), 2) << "the killed agent's job runs again elsewhere";
      ASSERT_EQ(j.hosts_tried_size(), 2);
      EXPECT_EQ(j.hosts_tried(0), victim);
      EXPECT_NE(j.result().host_id(), victim);
    }
  }
  // The report's log line can land after the job shows COMPLETED through the API (the daemon
  // logs after it answers the agent): wait for it, bounded, then check there is exactly one.
  WaitFor([&] { return AcceptedReports().size() >= 50u; }, std::chrono::seconds(10));
  const auto reports = AcceptedReports();
  EXPECT_EQ(reports.size(), 50u);
  for (const auto& [job, n] : reports) EXPECT_EQ(n, 1) << job << " was reported " << n << " times";
}

TEST_F(FleetTest, QueuedJobsSurviveKill9OfTheDaemon) {
  StartDaemon();
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(SubmitJob("kernel_1d", i));  // no agent yet: all queued
  daemon_->Signal(SIGKILL);
  ASSERT_EQ(daemon_->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  StartDaemon();
  auto agent = StartAgent("a1");
  ASSERT_TRUE(AllCompleted(10, std::chrono::seconds(120)));
  std::set<std::string> seen;
  for (const v1::Job& j : Jobs()) {
    seen.insert(j.id());
    EXPECT_EQ(j.result().outcome(), v1::PASSED) << j.result().summary();
  }
  EXPECT_EQ(seen, std::set<std::string>(ids.begin(), ids.end()));
}

// `ttc-client submit --validate --wait` keeps waiting across a restart of ttcd (SIGTERM, then a
// new ttcd on the same data dir and port): it reconnects, watches the same job (journaled) and
// exits with the verdict the job reaches after the restart.
TEST_F(FleetTest, AClientWaitingOnAJobGetsItsVerdictAcrossARestartOfTheDaemon) {
  StartDaemon();
  const std::string listen = address_;
  const std::string log = dir_.Sub("client.log");
  // No agent yet: the job stays queued while the client waits on it.
  Child client({TTC_CLIENT_PATH, "--server", address_, "submit", std::string(TTC_SOURCE_DIR) + "/examples/kernel_1d.py",
                "--validate", "--wait", "--seed", "4", "--reconnect-seconds", "120"},
               log);
  ASSERT_TRUE(WaitFor([&] { return ReadAll(log).find("[QUEUED]") != std::string::npos; }, std::chrono::seconds(60)))
      << ReadAll(log);
  daemon_->Signal(SIGTERM);
  ASSERT_EQ(daemon_->Wait(std::chrono::seconds(30)), 0) << ReadAll(dir_.Sub("ttcd.log.0"));
  StartDaemon(listen);
  ASSERT_EQ(address_, listen);
  auto agent = StartAgent("a1");
  EXPECT_EQ(client.Wait(std::chrono::seconds(180)), 0) << ReadAll(log);
  const std::string out = ReadAll(log);
  EXPECT_THAT(out, ::testing::HasSubstr("lost the watch of job-")) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("[COMPLETED] PASSED")) << out;
  const std::vector<v1::Job> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].result().outcome(), v1::PASSED);
}

// A program that passed is answered with its cached verdict: the second submit runs nothing,
// and ttc-client says where and when the verdict was earned.
TEST_F(FleetTest, ASecondSubmitOfAPassedProgramIsAnsweredWithTheCachedVerdict) {
  StartDaemon();
  auto agent = StartAgent("a1");
  ASSERT_TRUE(WaitForHosts(1));
  auto submit = [&](const std::string& log, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {TTC_CLIENT_PATH, "--server", address_, "submit",
                                     std::string(TTC_SOURCE_DIR) + "/examples/kernel_1d.py", "--validate", "--wait",
                                     "--seed", "7"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Child client(argv, dir_.Sub(log));
    return client.Wait(std::chrono::seconds(180));
  };
  ASSERT_EQ(submit("first.log"), 0) << ReadAll(dir_.Sub("first.log"));
  EXPECT_EQ(ReadAll(dir_.Sub("first.log")).find("CACHED"), std::string::npos);
  // watch shows the CACHE_CHECK stage before QUEUED, and for the cached answer before COMPLETED.
  EXPECT_THAT(ReadAll(dir_.Sub("first.log")), ::testing::ContainsRegex("\\[CACHE_CHECK\\] verdict cache: miss [^\n]*\n\\[QUEUED\\]"));
  ASSERT_EQ(submit("second.log"), 0) << ReadAll(dir_.Sub("second.log"));
  const std::string second = ReadAll(dir_.Sub("second.log"));
  EXPECT_THAT(second, ::testing::ContainsRegex("\\[CACHE_CHECK\\] verdict cache: hit [^\n]*\n\\[COMPLETED\\]")) << second;
  EXPECT_THAT(second, ::testing::HasSubstr("[COMPLETED] PASSED: PASS (CACHED: job-")) << second;
  EXPECT_THAT(second, ::testing::HasSubstr(" passed on a1/")) << second;
  ASSERT_EQ(submit("third.log", {"--revalidate"}), 0) << ReadAll(dir_.Sub("third.log"));
  EXPECT_EQ(ReadAll(dir_.Sub("third.log")).find("CACHED"), std::string::npos);
  std::vector<v1::Job> jobs = Jobs();
  ASSERT_EQ(jobs.size(), 3u);
  std::sort(jobs.begin(), jobs.end(), [](const v1::Job& a, const v1::Job& b) { return a.created_ms() < b.created_ms(); });
  EXPECT_EQ(jobs[0].attempts(), 1);
  EXPECT_FALSE(jobs[0].result().cached());
  EXPECT_EQ(jobs[1].attempts(), 0);  // never leased
  EXPECT_TRUE(jobs[1].result().cached());
  EXPECT_EQ(jobs[1].result().cached_job_id(), jobs[0].id());
  EXPECT_EQ(jobs[2].attempts(), 1);  // --revalidate ran it
}

// Shared builds (issue: the fleet shares compiled kernels): the second agent, on a fresh work
// dir, to validate a program builds nothing - its host program and every kernel come from
// ttcd's build cache - and the stats count the hits per tier.
TEST_F(FleetTest, TheSecondAgentToValidateAProgramBuildsNothing) {
  StartDaemon();
  auto submit = [&](const std::string& log) {
    Child client({TTC_CLIENT_PATH, "--server", address_, "submit",
                  std::string(TTC_SOURCE_DIR) + "/examples/eltwise_add_256_bf16.textproto", "--validate", "--wait",
                  "--seed", "3", "--revalidate"},
                 dir_.Sub(log));
    return client.Wait(std::chrono::seconds(180));
  };
  // Each agent with a cache of its own (ctest sets one shared TTC_EMU_CACHE_DIR for the suite).
  auto start_agent = [&](const std::string& host) {
    return std::make_unique<Child>(
        std::vector<std::string>{"/usr/bin/env", "TTC_EMU_CACHE_DIR=" + dir_.Sub("emu-" + host), AGENT_PATH,
                                 "--server", address_, "--host-id", host, "--work-dir", dir_.Sub("work-" + host),
                                 "--drain-seconds", "30"},
        dir_.Sub("agent-" + host + ".log"));
  };
  {
    auto first = start_agent("first");
    ASSERT_TRUE(WaitForHosts(1));
    ASSERT_EQ(submit("first.log"), 0) << ReadAll(dir_.Sub("first.log"));
    first->Signal(SIGTERM);
    ASSERT_EQ(first->Wait(std::chrono::seconds(60)), 0) << ReadAll(dir_.Sub("agent-first.log"));
  }
  const std::string first_log = ReadAll(dir_.Sub("agent-first.log"));
  EXPECT_THAT(first_log, ::testing::HasSubstr("host_build=\"built\"")) << first_log;
  auto second = start_agent("second");
  ASSERT_EQ(submit("second.log"), 0) << ReadAll(dir_.Sub("second.log"));
  const std::string log = ReadAll(dir_.Sub("agent-second.log"));
  // The validation job's builds (the health check at start is another program).
  const size_t job_builds = log.rfind("msg=\"builds\"");
  ASSERT_NE(job_builds, std::string::npos) << log;
  const std::string line = log.substr(job_builds, log.find('\n', job_builds) - job_builds);
  EXPECT_THAT(line, ::testing::HasSubstr("host_build=\"ttcd\"")) << log;
  EXPECT_THAT(line, ::testing::HasSubstr("kernels_built=0")) << log;
  EXPECT_THAT(line, ::testing::ContainsRegex("kernels_fetched=[1-9]")) << log;
  EXPECT_THAT(log, ::testing::HasSubstr("msg=\"build served from ttcd\" tier=kernel_build")) << log;
  Child stats({TTC_CLIENT_PATH, "--server", address_, "stats", "--json"}, dir_.Sub("stats.json"));
  ASSERT_EQ(stats.Wait(std::chrono::seconds(30)), 0) << ReadAll(dir_.Sub("stats.json"));
  const std::string json = ReadAll(dir_.Sub("stats.json"));
  EXPECT_THAT(json, ::testing::ContainsRegex("\"tier\": \"host_build\",\\s*\"hits\": \"[1-9]")) << json;
  EXPECT_THAT(json, ::testing::ContainsRegex("\"tier\": \"kernel_build\",\\s*\"hits\": \"[1-9]")) << json;
}

// A SIGTERM ends every WatchJob stream at once with UNAVAILABLE (the client watches again),
// instead of letting the watchers hold the drain until it runs out and is cancelled.
TEST_F(FleetTest, DrainStartEndsWatchStreamsWithUnavailable) {
  StartDaemon("127.0.0.1:0", /*drain_seconds=*/"600");
  const std::string id = SubmitJob("kernel_1d", 6);  // no agent: stays queued
  v1::JobRef ref;
  ref.set_job_id(id);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto reader = compiler_->WatchJob(&ctx, ref);
  v1::Job job;
  ASSERT_TRUE(reader->Read(&job));
  EXPECT_EQ(job.stage(), v1::QUEUED);
  daemon_->Signal(SIGTERM);
  while (reader->Read(&job)) {
  }
  grpc::Status st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  EXPECT_THAT(st.error_message(), ::testing::HasSubstr("watch the job again"));
  // The drain did not wait for the watcher (600 s): ttcd is gone well within this bound.
  EXPECT_EQ(daemon_->Wait(std::chrono::seconds(30)), 0) << ReadAll(dir_.Sub("ttcd.log.0"));
}

// A job that completes while its watcher is away (the client is stopped across the restart)
// is reported from its stored result when the watcher reconnects.
TEST_F(FleetTest, AWatcherAwayWhileItsJobCompletesGetsTheStoredVerdict) {
  StartDaemon();
  const std::string listen = address_;
  const std::string id = SubmitJob("kernel_1d", 5);  // no agent yet: queued
  const std::string log = dir_.Sub("watch.log");
  Child client({TTC_CLIENT_PATH, "--server", address_, "watch", id, "--reconnect-seconds", "120"}, log);
  ASSERT_TRUE(WaitFor([&] { return ReadAll(log).find("[QUEUED]") != std::string::npos; }, std::chrono::seconds(60)))
      << ReadAll(log);
  client.Signal(SIGSTOP);
  daemon_->Signal(SIGTERM);
  ASSERT_EQ(daemon_->Wait(std::chrono::seconds(30)), 0) << ReadAll(dir_.Sub("ttcd.log.0"));
  StartDaemon(listen);
  auto agent = StartAgent("a1");
  ASSERT_TRUE(AllCompleted(1, std::chrono::seconds(120)));
  client.Signal(SIGCONT);
  EXPECT_EQ(client.Wait(std::chrono::seconds(60)), 0) << ReadAll(log);
  const std::string out = ReadAll(log);
  EXPECT_THAT(out, ::testing::HasSubstr("lost the watch of " + id)) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("[COMPLETED] PASSED")) << out;
  // The watcher was away while the job ran: it saw no EXECUTING live, and prints the stage
  // from the job's history once it is back.
  const size_t lost = out.find("lost the watch of " + id);
  const size_t ran = out.find("[EXECUTING] attempt 1 on a1/");
  ASSERT_NE(ran, std::string::npos) << "the missed stage is not shown: " << out;
  EXPECT_GT(ran, lost) << out;
  EXPECT_EQ(out.find("[EXECUTING]", ran + 1), std::string::npos) << out;
}

TEST_F(FleetTest, AStalledAgentLosesItsLeaseAndItsLateReportIsIgnored) {
  StartDaemon();
  auto a1 = StartAgent("a1");
  ASSERT_TRUE(WaitForHosts(1));
  const std::string slow = SubmitJob("gemm_1024_bf16_block128", 7);
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& j : Jobs()) {
      if (j.id() == slow && j.stage() == v1::EXECUTING) return true;
    }
    return false;
  }));
  a1->Signal(SIGSTOP);  // the network stalls: no heartbeats, no reports
  // The lease expires (1.5 s) and the job goes back to the queue.
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& j : Jobs()) {
      if (j.id() == slow && j.stage() == v1::QUEUED && j.attempts() == 1) return true;
    }
    return false;
  }));
  auto a2 = StartAgent("a2");
  ASSERT_TRUE(AllCompleted(1, std::chrono::seconds(120)));
  a1->Signal(SIGCONT);  // a1 wakes up, finishes its stale run and reports it: ignored
  const v1::Job done = Jobs().at(0);
  EXPECT_EQ(done.result().outcome(), v1::PASSED);
  EXPECT_EQ(done.result().host_id(), "a2");
  EXPECT_EQ(done.attempts(), 2);
  // a1 either reports on its old stream (when the stall was shorter than the keepalive
  // timeout), and the report is refused, or finds the stream gone, re-registers, and is told
  // its lease was dropped (on a loaded machine the stall outlasts the keepalive).
  const std::string report = "msg=\"job report\" host=a1 ";  // a1 ran only this job
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  ASSERT_TRUE(WaitFor([&] {
    const std::string log = ReadAll(dir_.Sub("ttcd.log.0"));
    return log.find(report) != std::string::npos || count(log, "msg=\"agent registered\" host=a1 ") >= 2;
  }, std::chrono::seconds(60)));
  const std::string log = ReadAll(dir_.Sub("ttcd.log.0"));
  if (log.find(report) != std::string::npos) {
    const size_t at = log.find(report);
    const std::string line = log.substr(at, log.find('\n', at) - at);
    EXPECT_THAT(line, ::testing::HasSubstr(" outcome=PASSED accepted=false")) << log;
  }
  EXPECT_EQ(AcceptedReports()[slow], 1);
  EXPECT_EQ(Jobs().at(0).result().host_id(), "a2");
}

// A kernel whose validation needs more memory than an agent's job limit (issue: a 2^31 kernel
// crashed every agent with std::bad_alloc): its job process dies on two agents, both agents
// carry on with their devices GOOD, and the job completes as ERROR naming the limit on each
// host, without a third try.
TEST_F(FleetTest, AJobThatExhaustsItsMemoryLimitOnTwoAgentsFailsAndBothAgentsSurvive) {
  StartDaemon();
  const std::vector<std::string> limit{"--job-memory-mib", "4096"};
  auto a1 = StartAgent("m1", limit);
  auto a2 = StartAgent("m2", limit);
  ASSERT_TRUE(WaitForHosts(2));
  // Element-wise add of three 32768x32768 bf16 buffers: 6 GiB of device DRAM (within
  // wormhole_b0's 12), 4 GiB for each input as the validation generates it on the host.
  const std::string big = R"(import tilelang.language as T

@T.prim_func
def big_add(A: T.Buffer((32768, 32768), "bfloat16"), B: T.Buffer((32768, 32768), "bfloat16"),
            C: T.Buffer((32768, 32768), "bfloat16")):
    with T.Kernel(1024, 1024) as (bx, by):
        A_tile = T.alloc_fragment((32, 32), "bfloat16")
        B_tile = T.alloc_fragment((32, 32), "bfloat16")
        C_tile = T.alloc_fragment((32, 32), "bfloat16")
        T.copy(A[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32], A_tile)
        T.copy(B[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32], B_tile)
        for i, j in T.grid(32, 32):
            C_tile[i, j] = A_tile[i, j] + B_tile[i, j]
        T.copy(C_tile, C[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32])
)";
  auto kernel = frontend::ParseTileLangScript(big, "big_add.py", {});
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  const std::string id = SubmitRequest(*kernel, 1);
  ASSERT_TRUE(AllCompleted(1, std::chrono::seconds(180)));
  const v1::Job job = Jobs().at(0);
  EXPECT_EQ(job.id(), id);
  EXPECT_EQ(job.result().outcome(), v1::ERROR);
  EXPECT_EQ(job.attempts(), 2);
  EXPECT_THAT(job.result().summary(), ::testing::HasSubstr("crashed its validation process 2 times"));
  EXPECT_THAT(job.result().summary(), ::testing::HasSubstr("m1/dev0: out of memory"));
  EXPECT_THAT(job.result().summary(), ::testing::HasSubstr("m2/dev0: out of memory"));
  EXPECT_THAT(job.result().summary(), ::testing::HasSubstr("4096 MiB (job_memory_mib)"));
  // Both agents are alive, online and GOOD, and still validate.
  EXPECT_EQ(a1->Wait(std::chrono::milliseconds(0)), -1);  // still running
  EXPECT_EQ(a2->Wait(std::chrono::milliseconds(0)), -1);
  v1::ListDevicesResponse devices;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(compiler_->ListDevices(&ctx, v1::ListDevicesRequest(), &devices).ok());
  ASSERT_EQ(devices.devices_size(), 2);
  for (const auto& d : devices.devices()) {
    EXPECT_TRUE(d.host_online()) << d.host_id();
    EXPECT_EQ(d.health(), v1::GOOD) << d.host_id();
  }
  SubmitJob("gemm_256_bf16", 3);
  ASSERT_TRUE(AllCompleted(2, std::chrono::seconds(120)));
  for (const auto& j : Jobs()) {
    if (j.id() != id) {
      EXPECT_EQ(j.result().outcome(), v1::PASSED) << j.result().summary();
    }
  }
}

// A kernel whose expressions nest 60 levels deep (more than gRPC's protobuf parse allows a
// message: about 45) is validated like any other: ttcd sends its request to the agent as wire
// bytes (JobSpec.request_wire), which the agent parses with the request nesting limit.
TEST_F(FleetTest, AKernelNestedSixtyLevelsDeepIsValidatedThroughAnAgent) {
  StartDaemon();
  auto agent = StartAgent("d1");
  ASSERT_TRUE(WaitForHosts(1));
  auto [status, script] = Shell(std::string("python3 ") + TTC_SOURCE_DIR +
                                "/tests/data/make_deep_request.py script --chain 60");
  ASSERT_EQ(status, 0) << script;
  auto kernel = frontend::ParseTileLangScript(script, "deep.py", {});
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  SubmitRequest(*kernel, 2);
  ASSERT_TRUE(AllCompleted(1, std::chrono::seconds(120))) << ReadAll(dir_.Sub("agent-d1.log"));
  const v1::Job job = Jobs().at(0);
  EXPECT_EQ(job.result().outcome(), v1::PASSED) << job.result().summary();
  EXPECT_EQ(job.attempts(), 1);
  EXPECT_TRUE(WaitFor([&] { return AcceptedReports()[job.id()] == 1; })) << ReadAll(dir_.Sub("ttcd.log.0"));
}

// The restart race (issue: a restart threw away a finished result): ttcd is killed while an
// agent runs a job and comes back while the agent is stopped; the job's lease expires and it
// is requeued. When the agent resumes it reconnects with the attempt it still holds, ttcd
// reattaches it, and the agent's result completes the job on its first attempt.
TEST_F(FleetTest, AnAgentBackAfterItsLeaseExpiredAcrossADaemonRestartStillDeliversItsResult) {
  StartDaemon();
  const std::string address = address_;
  auto a1 = StartAgent("r1");
  ASSERT_TRUE(WaitForHosts(1));
  const std::string id = SubmitJob("gemm_1024_bf16_block128", 5);
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& j : Jobs()) {
      if (j.id() == id && j.stage() == v1::EXECUTING) return true;
    }
    return false;
  }));
  // The agent has the lease once it says so (ttcd shows EXECUTING when it sends it).
  ASSERT_TRUE(WaitFor([&] { return ReadAll(dir_.Sub("agent-r1.log")).find("msg=\"job started\"") != std::string::npos; }));
  a1->Signal(SIGSTOP);
  daemon_->Signal(SIGKILL);
  ASSERT_EQ(daemon_->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  StartDaemon(address);  // the same port: the agent reconnects to it
  // Recovered, the lease is held for one lease period (1.5 s), then the job is requeued.
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& j : Jobs()) {
      if (j.id() == id && j.stage() == v1::QUEUED) return true;
    }
    return false;
  }));
  a1->Signal(SIGCONT);
  ASSERT_TRUE(AllCompleted(1, std::chrono::seconds(180)))
      << ReadAll(dir_.Sub("ttcd.log.1")) << ReadAll(dir_.Sub("agent-r1.log"));
  const v1::Job job = Jobs().at(0);
  EXPECT_EQ(job.result().outcome(), v1::PASSED) << job.result().summary();
  EXPECT_EQ(job.attempts(), 1) << ReadAll(dir_.Sub("ttcd.log.1")) << ReadAll(dir_.Sub("agent-r1.log"));
  EXPECT_EQ(job.result().host_id(), "r1");
  bool reattached = false;
  for (const auto& h : job.history()) reattached |= h.detail().find("attempt 1 reattached by r1/dev0") == 0;
  EXPECT_TRUE(reattached) << job.DebugString();
  // ttcd logs the report after the job's change is visible: waited for, bounded.
  EXPECT_TRUE(WaitFor([&] { return AcceptedReports()[id] == 1; })) << ReadAll(dir_.Sub("ttcd.log.1"));
  EXPECT_THAT(ReadAll(dir_.Sub("ttcd.log.1")), ::testing::Not(::testing::HasSubstr("accepted=false")));
}

TEST_F(FleetTest, AnOperatorDrainsADeviceForMaintenanceWithTtcClient) {
  StartDaemon();
  auto a1 = StartAgent("a1");
  ASSERT_TRUE(WaitForHosts(1));
  const std::string client = std::string(TTC_CLIENT_PATH) + " --server " + address_;
  auto [status, out] = Shell(client + " device-health a1 dev0 MAINTENANCE");
  ASSERT_EQ(status, 0) << out;
  std::tie(status, out) = Shell(client + " devices");
  EXPECT_THAT(out, ::testing::HasSubstr("MAINTENANCE"));
  const std::string id = SubmitJob("kernel_1d", 3);
  // A passing health check does not end maintenance: once the daemon has taken a1's verdict
  // (the job was queued before that), the job still waits.
  ASSERT_TRUE(WaitFor([&] {
    return ReadAll(dir_.Sub("ttcd.log.0")).find("msg=\"health check passed\" host=a1 device=dev0") != std::string::npos;
  }, std::chrono::seconds(60)));
  std::tie(status, out) = Shell(client + " devices");
  EXPECT_THAT(out, ::testing::HasSubstr("MAINTENANCE"));
  EXPECT_EQ(Jobs().at(0).stage(), v1::QUEUED);
  std::tie(status, out) = Shell(client + " device-health a1 dev0 GOOD");
  ASSERT_EQ(status, 0) << out;
  ASSERT_TRUE(AllCompleted(1, std::chrono::seconds(120)));
  EXPECT_EQ(Jobs().at(0).result().outcome(), v1::PASSED);
  std::tie(status, out) = Shell(client + " device-health a1 dev0 BROKEN");
  EXPECT_EQ(status, 2) << out;
}

TEST_F(FleetTest, TheAgentRefusesTheMetaliumBackendWithoutTtMetalium) {
  unsetenv("TT_METAL_HOME");
  auto [status, out] = Shell(std::string(AGENT_PATH) + " --server 127.0.0.1:1 --backend metalium");
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("TT_METAL_HOME is not set"));
}

// The agent's metalium backend does for a card what the emulator backend does: the generated
// program is configured with its CMakeLists.txt against the TT-Metalium package under
// TT_METAL_HOME, built, run with the job's inputs and compared with the reference. Pointed at
// ttc's emulator package, the whole path runs here.
TEST_F(FleetTest, AMetaliumAgentValidatesThroughTheTtMetaliumPackageUnderTtMetalHome) {
  setenv("TT_METAL_HOME", TTC_METALIUM_PACKAGE_DIR, 1);
  StartDaemon();
  auto agent = std::make_unique<Child>(
      std::vector<std::string>{AGENT_PATH, "--server", address_, "--host-id", "card1", "--work-dir",
                               dir_.Sub("work-card1"), "--drain-seconds", "30", "--backend", "metalium"},
      dir_.Sub("agent-card1.log"));
  unsetenv("TT_METAL_HOME");
  ASSERT_TRUE(WaitForHosts(1)) << ReadAll(dir_.Sub("agent-card1.log"));
  SubmitJob("gemm_256_bf16", 3, "metalium");
  ASSERT_TRUE(AllCompleted(1, std::chrono::seconds(240))) << ReadAll(dir_.Sub("agent-card1.log"));
  const v1::Job j = Jobs().at(0);
  EXPECT_EQ(j.result().outcome(), v1::PASSED) << j.result().summary();
  EXPECT_EQ(j.result().host_id(), "card1");
  v1::ListDevicesResponse devices;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(compiler_->ListDevices(&ctx, v1::ListDevicesRequest(), &devices).ok());
  ASSERT_EQ(devices.devices_size(), 1);
  EXPECT_EQ(devices.devices(0).backend(), "metalium");
}

}  // namespace
}  // namespace ttc::testing
