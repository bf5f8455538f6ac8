// The real binaries: ttcd as a process (kill -9 durability, SIGTERM drain, config errors) and
// ttc-client against it (and against no daemon at all). Every wait is bounded; every child
// is killed and reaped when a test ends.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "cache/digest.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/daemon/process_util.h"

namespace ttc::testing {
namespace {

using ::testing::HasSubstr;

class ProcessTest : public ::testing::Test {
 protected:
  std::unique_ptr<Child> StartDaemon(const std::string& data, std::vector<std::string> extra = {}) {
    std::filesystem::remove(dir_.Sub("port"));
    std::vector<std::string> argv = {TTCD_PATH, "--insecure", "--listen", "127.0.0.1:0", "--data-dir", data,
                                     "--port-file", dir_.Sub("port"), "--workers", "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto child = std::make_unique<Child>(argv, dir_.Sub("ttcd.log." + std::to_string(starts_++)));
    EXPECT_TRUE(WaitFor([&] { return std::filesystem::exists(dir_.Sub("port")); })) << "ttcd did not start";
    address_ = "127.0.0.1:" + ReadAll(dir_.Sub("port")).substr(0, ReadAll(dir_.Sub("port")).find('\n'));
    return child;
  }
  TempDir dir_;
  std::string address_;
  int starts_ = 0;
};

TEST_F(ProcessTest, EveryAcknowledgedResultSurvivesKill9DuringABurst) {
  const std::string data = dir_.Sub("data");
  auto daemon = StartDaemon(data);
  struct Acked {
    std::string key;
    v1::ActionResult result;
  };
  std::mutex mu;
  std::vector<Acked> acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      auto compiler = v1::Compiler::NewStub(remote::Connect(address_));
      for (int i = 0; !stop && i < 10000; ++i) {
        v1::CompileRequest call;
        *call.mutable_request() = LoadExample("gemm_256_bf16");
        call.mutable_request()->mutable_func()->set_name("burst_" + std::to_string(c) + "_" + std::to_string(i));
        v1::CompileResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        if (compiler->Compile(&ctx, call, &resp).ok()) {
          std::lock_guard<std::mutex> l(mu);
          acked.push_back({resp.action_key().key(), resp.result()});
        }
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> l(mu);
    return acked.size() >= 40;
  }));
  daemon->Signal(SIGKILL);  // mid-burst: other compiles are in flight right now
  EXPECT_EQ(daemon->Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  stop = true;
  for (auto& t : clients) t.join();

  daemon = StartDaemon(data);
  auto channel = remote::Connect(address_);
  auto compiler = v1::Compiler::NewStub(channel);
  auto cas = v1::Cas::NewStub(channel);
  for (const Acked& a : acked) {
    v1::GetActionResultRequest get;
    get.set_action_key(a.key);
    v1::ActionResult stored;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status st = compiler->GetActionResult(&ctx, get, &stored);
    ASSERT_TRUE(st.ok()) << "acknowledged result " << a.key << " lost: " << st.error_message();
    EXPECT_EQ(stored.SerializeAsString(), a.result.SerializeAsString());
    std::vector<v1::Digest> digests;
    for (const auto& f : stored.output_files()) digests.push_back(f.digest());
    auto blobs = remote::FetchBlobs(cas.get(), digests, std::chrono::system_clock::now() + std::chrono::seconds(10));
    ASSERT_TRUE(blobs.ok()) << blobs.status();  // FetchBlobs verifies every digest
  }
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(std::chrono::seconds(30)), 0);
}

TEST_F(ProcessTest, SigtermDrainsAndExitsCleanly) {
  auto daemon = StartDaemon(dir_.Sub("data"));
  auto [status, out] = Shell(std::string(TTC_CLIENT_PATH) + " --server " + address_ + " submit " + TTC_SOURCE_DIR +
                           "/examples/gemm_256_bf16.textproto -o " + dir_.Sub("prog"));
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("cache miss"));
  EXPECT_TRUE(std::filesystem::exists(dir_.Sub("prog") + "/compute.cpp"));
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(std::chrono::seconds(30)), 0);
  const std::string log = ReadAll(dir_.Sub("ttcd.log.0"));
  EXPECT_THAT(log, HasSubstr("msg=\"draining\""));
  EXPECT_THAT(log, HasSubstr("msg=\"stopped\""));

  // The result outlives the process; the client reports the hit.
  daemon = StartDaemon(dir_.Sub("data"));
  std::tie(status, out) = Shell(std::string(TTC_CLIENT_PATH) + " --server " + address_ + " submit " +
                              TTC_SOURCE_DIR + "/examples/gemm_256_bf16.textproto");
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("cache hit"));
  std::tie(status, out) = Shell(std::string(TTC_CLIENT_PATH) + " --server " + address_ + " stats");
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("Cache hits"));
  std::tie(status, out) = Shell(std::string(TTC_CLIENT_PATH) + " --server " + address_ + " health");
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("SERVING"));
}

TEST_F(ProcessTest, TheClientSaysWhichAddressDidNotAnswerAndHowToStartADaemon) {
  // A port that was just free: bind-and-release is racy, so use a port from a stopped daemon.
  auto daemon = StartDaemon(dir_.Sub("data"));
  daemon->Signal(SIGTERM);
  ASSERT_EQ(daemon->Wait(std::chrono::seconds(30)), 0);
  auto [status, out] = Shell("TTC_SERVER=" + address_ + " " + TTC_CLIENT_PATH + " --timeout 10 submit " +
                           TTC_SOURCE_DIR + "/examples/gemm_256_bf16.textproto");
  EXPECT_EQ(status, 4) << out;
  EXPECT_THAT(out, HasSubstr("no ttcd answered at " + address_ + " (address from TTC_SERVER)"));
  EXPECT_THAT(out, HasSubstr("ttcd --listen"));
}

TEST_F(ProcessTest, ASecondDaemonOnTheSameDataDirIsRefusedWithAReason) {
  auto first = StartDaemon(dir_.Sub("data"));
  auto [status, out] = Shell(std::string(TTCD_PATH) + " --insecure --listen 127.0.0.1:0 --data-dir " + dir_.Sub("data"));
  EXPECT_EQ(status, 1) << out;
  EXPECT_THAT(out, HasSubstr("another ttcd"));
}

TEST_F(ProcessTest, ConfigErrorsNameTheKeyAndLine) {
  std::ofstream(dir_.Sub("ttcd.toml")) << "listen = \"127.0.0.1:0\"\n\nworkerz = 4\n";
  auto [status, out] = Shell(std::string(TTCD_PATH) + " --config " + dir_.Sub("ttcd.toml"));
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, HasSubstr("ttcd.toml:3:"));
  EXPECT_THAT(out, HasSubstr("key 'workerz': unknown key"));
}

}  // namespace
}  // namespace ttc::testing
