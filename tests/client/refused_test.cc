// ttc-client against a fake daemon on 127.0.0.1:0 that refuses the caller: exit status 5 and a
// one-line error naming UNAUTHENTICATED or PERMISSION_DENIED and where the token came from.
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

// Answers GetStats with `status`, remembering the caller's authorization metadata.
class Refuser final : public v1::Compiler::Service {
 public:
  explicit Refuser(grpc::Status status) : status_(std::move(status)) {}
  grpc::Status GetStats(grpc::ServerContext* ctx, const v1::GetStatsRequest*, v1::Stats*) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = ctx->client_metadata().find("authorization");
    if (it != ctx->client_metadata().end()) authorization_ = std::string(it->second.data(), it->second.size());
    return status_;
  }
  std::string authorization() {
    std::lock_guard<std::mutex> l(mu_);
    return authorization_;
  }

 private:
  const grpc::Status status_;
  std::mutex mu_;
  std::string authorization_;
};

class Refused : public ::testing::Test {
 protected:
  // Serves `refuser` on 127.0.0.1:0; runs `ttc-client ARGS stats` with no TTC_* variables and
  // an empty config dir; returns (exit status, output).
  std::pair<int, std::string> Stats(Refuser* refuser, const std::string& args) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(refuser);
    auto server = builder.BuildAndStart();
    address_ = "127.0.0.1:" + std::to_string(port);
    auto result = Shell("env -u TTC_SERVER -u TTC_TOKEN -u TTC_TOKEN_FILE XDG_CONFIG_HOME=" + dir_.Sub("config") +
                        " " + TTC_CLIENT_PATH + " --server " + address_ + " --timeout 20 " + args + " stats");
    server->Shutdown(std::chrono::system_clock::now());
    return result;
  }

  TempDir dir_;
  std::string address_;
};

TEST_F(Refused, AnUnknownTokenIsExit5NamingUnauthenticatedAndTheTokenFile) {
  const std::string token = dir_.Sub("token");
  std::ofstream(token) << "ttc_not_known\n";
  Refuser refuser(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "GetStats: unknown token"));
  auto [status, out] = Stats(&refuser, "--token-file " + token);
  EXPECT_EQ(status, 5) << out;
  EXPECT_EQ(refuser.authorization(), "Bearer ttc_not_known");
  EXPECT_THAT(out, HasSubstr("ttc-client: error: stats: the daemon at " + address_ +
                             " refused the call: UNAUTHENTICATED: GetStats: unknown token; the token from "
                             "--token-file " + token + " is not one the daemon knows; check --token-file / TTC_TOKEN\n"));
}

TEST_F(Refused, NoTokenAtAllSaysHowToPassOne) {
  Refuser refuser(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "GetStats: no bearer token"));
  auto [status, out] = Stats(&refuser, "");
  EXPECT_EQ(status, 5) << out;
  EXPECT_EQ(refuser.authorization(), "");
  EXPECT_THAT(out, HasSubstr("UNAUTHENTICATED: GetStats: no bearer token; no token was sent: pass --token-file FILE "
                             "or set TTC_TOKEN\n"));
}

TEST_F(Refused, AMissingRoleIsExit5NamingPermissionDenied) {
  const std::string token = dir_.Sub("token");
  std::ofstream(token) << "ttc_submit_only\n";
  Refuser refuser(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "GetStats needs the admin role"));
  auto [status, out] = Stats(&refuser, "--token-file " + token);
  EXPECT_EQ(status, 5) << out;
  EXPECT_THAT(out, HasSubstr("refused the call: PERMISSION_DENIED: GetStats needs the admin role; the token from "
                             "--token-file " + token + " lacks the role this call needs"));
}

TEST_F(Refused, OtherFailuresStayExit4) {
  Refuser refuser(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "over the rate limit"));
  auto [status, out] = Stats(&refuser, "");
  EXPECT_EQ(status, 4) << out;
  EXPECT_THAT(out, HasSubstr("over the rate limit"));
  EXPECT_THAT(out, HasSubstr("RESOURCE_EXHAUSTED: over the rate limit"));
}

// A failure without a message (gRPC's own UNIMPLEMENTED, say) printed `[ADDR, status 12]` and
// nothing else: the code is named, and the missing message said to be missing.
TEST_F(Refused, AFailureIsPrintedWithItsCodeNameEvenWithoutAMessage) {
  Refuser refuser(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""));
  auto [status, out] = Stats(&refuser, "");
  EXPECT_EQ(status, 4) << out;
  EXPECT_EQ(out, "ttc-client: error: stats: UNIMPLEMENTED: (the daemon gave no message) [" + address_ + "]\n");
}

}  // namespace
}  // namespace ttc::testing
