// ttc-agent against a fake DeviceFleet on 127.0.0.1:0: a refused token (UNAUTHENTICATED,
// PERMISSION_DENIED) ends the agent with exit 2 and a log line saying why, after one attempt;
// any other failure is retried until SIGTERM (exit 0).
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/cache/temp_dir.h"
#include "tests/daemon/process_util.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::testing {
namespace {

using ::testing::HasSubstr;

// Ends every DeviceFleet.Connect with `status`; counts the attempts and keeps the last
// authorization metadata.
class FakeFleet final : public v1::DeviceFleet::Service {
 public:
  explicit FakeFleet(grpc::Status status) : status_(std::move(status)) {}
  grpc::Status Connect(grpc::ServerContext* ctx,
                       grpc::ServerReaderWriter<v1::ServerMessage, v1::AgentMessage>*) override {
    std::lock_guard<std::mutex> l(mu_);
    ++connects_;
    auto it = ctx->client_metadata().find("authorization");
    if (it != ctx->client_metadata().end()) authorization_ = std::string(it->second.data(), it->second.size());
    return status_;
  }
  int connects() {
    std::lock_guard<std::mutex> l(mu_);
    return connects_;
  }
  std::string authorization() {
    std::lock_guard<std::mutex> l(mu_);
    return authorization_;
  }

 private:
  const grpc::Status status_;
  std::mutex mu_;
  int connects_ = 0;
  std::string authorization_;
};

class AgentRefused : public ::testing::Test {
 protected:
  // Serves `fleet` on 127.0.0.1:0 and starts the agent with a token file against it.
  std::unique_ptr<Child> Start(FakeFleet* fleet) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(fleet);
    server_ = builder.BuildAndStart();
    token_ = dir_.Sub("agent.token");
    std::ofstream(token_) << "ttc_agent_token\n";
    return std::make_unique<Child>(
        std::vector<std::string>{AGENT_PATH, "--server", "127.0.0.1:" + std::to_string(port), "--token-file", token_,
                                 "--host-id", "h", "--work-dir", dir_.Sub("work")},
        dir_.Sub("agent.log"));
  }
  ~AgentRefused() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  TempDir dir_;
  std::string token_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(AgentRefused, ARefusedTokenEndsTheAgentWithExit2AfterOneAttempt) {
  const struct {
    grpc::StatusCode code;
    const char* name;
  } cases[] = {{grpc::StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED"},
               {grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED"}};
  for (const auto& c : cases) {
    FakeFleet fleet(grpc::Status(c.code, "DeviceFleet.Connect: refused for the test"));
    auto agent = Start(&fleet);
    EXPECT_EQ(agent->Wait(std::chrono::seconds(30)), 2) << c.name;
    const std::string log = ReadAll(dir_.Sub("agent.log"));
    EXPECT_THAT(log, HasSubstr("level=error msg=\"the daemon refused the agent; not retrying")) << log;
    EXPECT_THAT(log, HasSubstr(std::string("status=") + c.name + " error=\"DeviceFleet.Connect: refused for the test\" "
                               "token_from=\"--token-file " + token_ + "\"")) << log;
    EXPECT_EQ(fleet.connects(), 1);
    EXPECT_EQ(fleet.authorization(), "Bearer ttc_agent_token");
    server_->Shutdown(std::chrono::system_clock::now());
    server_.reset();
  }
}

TEST_F(AgentRefused, OtherFailuresAreRetriedUntilSigterm) {
  FakeFleet fleet(grpc::Status(grpc::StatusCode::UNAVAILABLE, "draining"));
  auto agent = Start(&fleet);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (fleet.connects() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GE(fleet.connects(), 3) << ReadAll(dir_.Sub("agent.log"));
  agent->Signal(SIGTERM);
  EXPECT_EQ(agent->Wait(std::chrono::seconds(30)), 0) << ReadAll(dir_.Sub("agent.log"));
}

}  // namespace
}  // namespace ttc::testing
