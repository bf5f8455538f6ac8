// ttcd's Prometheus endpoint: after known traffic, /metrics reports the right RPC counts by
// method and code, cache hits and misses, a compile histogram, store and job gauges; and the
// exposition passes `promtool check metrics` (Debian's prometheus package).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "tests/daemon/daemon_fixture.h"
#include "tests/daemon/process_util.h"

namespace ttc::testing {
namespace {

// GET http://127.0.0.1:PORT/metrics; the body ("" on any failure).
std::string Scrape(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string req = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) response.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The value of the sample line `series` (name plus labels exactly as exposed), or -1.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST_F(DaemonTest, MetricsCountRpcsCacheAndStoreAndPassPromtool) {
  daemon::Config c = BaseConfig();
  c.metrics_listen = "127.0.0.1:0";
  StartServer(c);
  ASSERT_GT(server_->metrics_port(), 0);
  v1::CompileResponse resp;
  ASSERT_TRUE(Compile(LoadExample("gemm_256_bf16"), &resp).ok());   // miss
  ASSERT_TRUE(Compile(LoadExample("gemm_256_bf16"), &resp).ok());   // hit
  ASSERT_TRUE(Compile(LoadExample("gemm_256_bf16"), &resp).ok());   // hit
  v1::CompileRequest bad;                                            // INVALID_ARGUMENT
  {
    grpc::ClientContext ctx;
    EXPECT_FALSE(compiler_->Compile(&ctx, bad, &resp).ok());
  }

  std::string text;
  // The interceptor counts when the status is sent; give the last one a moment.
  ASSERT_TRUE(WaitFor([&] {
    text = Scrape(server_->metrics_port());
    return Sample(text, R"(ttc_rpc_requests_total{code="INVALID_ARGUMENT",method="/ttc.v1.Compiler/Compile"})") == 1;
  })) << text;
  EXPECT_EQ(Sample(text, R"(ttc_rpc_requests_total{code="OK",method="/ttc.v1.Compiler/Compile"})"), 3) << text;
  EXPECT_EQ(Sample(text, "ttc_cache_hits_total"), 2);
  EXPECT_EQ(Sample(text, "ttc_cache_misses_total"), 1);
  EXPECT_EQ(Sample(text, "ttc_compiles_total"), 1);
  EXPECT_EQ(Sample(text, "ttc_compile_duration_seconds_count"), 1);
  EXPECT_EQ(Sample(text, "ttc_store_blobs"), 6);
  EXPECT_EQ(Sample(text, "ttc_store_action_results"), 1);
  EXPECT_GT(Sample(text, "ttc_store_bytes"), 0);
  EXPECT_EQ(Sample(text, R"(ttc_jobs{stage="QUEUED"})"), 0);
  EXPECT_EQ(Sample(text, "ttc_queue_depth"), 0);

  const std::string file = dir_.Sub("metrics.txt");
  std::ofstream(file) << text;
  auto [status, out] = Shell("promtool check metrics < " + file);
  EXPECT_EQ(status, 0) << "promtool check metrics:\n" << out << "\n" << text;
}

TEST_F(DaemonTest, AMetricsAddressThatCannotBeBoundIsAStartError) {
  daemon::Config first = BaseConfig();
  first.metrics_listen = "127.0.0.1:0";
  StartServer(first);
  daemon::Config c = BaseConfig();
  c.data_dir = dir_.Sub("data2");
  c.metrics_listen = absl::StrCat("127.0.0.1:", server_->metrics_port());  // taken by the first daemon
  auto s = daemon::Server::Start(c);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << s.status();
}

TEST_F(DaemonTest, PlaintextMetricsAreServedOnLoopbackOnly) {
  daemon::Config c = BaseConfig();
  c.metrics_listen = "0.0.0.0:0";
  auto s = daemon::Server::Start(c);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << s.status();
  EXPECT_THAT(std::string(s.status().message()), ::testing::HasSubstr("metrics_listen: '0.0.0.0:0' is not a loopback address"));
}

}  // namespace
}  // namespace ttc::testing
