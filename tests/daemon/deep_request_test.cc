// Deeply nested TileLang kernels through the real binaries: `ttc compile` locally and
// `ttc-client submit` to a ttcd process on 127.0.0.1:0 give the same program up to the nesting
// limit (ir/request_limits.h kMaxNestingDepth) and the same error one level past it. The
// kernels are written by tests/data/make_deep_request.py.
#include <filesystem>
#include <string>

#include "tests/cache/temp_dir.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/daemon/process_util.h"

namespace ttc::testing {
namespace {

using ::testing::HasSubstr;

class DeepRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> argv = {TTCD_PATH,   "--insecure", "--listen", "127.0.0.1:0", "--data-dir",
                                     dir_.Sub("data"), "--port-file", dir_.Sub("port"), "--workers", "1"};
    daemon_ = std::make_unique<Child>(argv, dir_.Sub("ttcd.log"));
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(dir_.Sub("port")); })) << "ttcd did not start";
    const std::string port = ReadAll(dir_.Sub("port"));
    address_ = "127.0.0.1:" + port.substr(0, port.find('\n'));
  }

  // Writes `make_deep_request.py script ARGS` to DIR/NAME.py; returns its path.
  std::string Kernel(const std::string& name, const std::string& args) {
    const std::string path = dir_.Sub(name + ".py");
    auto [status, out] = Shell(std::string("python3 ") + TTC_SOURCE_DIR + "/tests/data/make_deep_request.py script " +
                               args + " > " + path);
    EXPECT_EQ(status, 0) << out;
    return path;
  }

  std::pair<int, std::string> Local(const std::string& kernel, const std::string& out_dir) {
    return Shell(std::string(TTC_PATH) + " compile " + kernel + " -o " + out_dir);
  }
  std::pair<int, std::string> Remote(const std::string& kernel, const std::string& out_dir) {
    return Shell(std::string(TTC_CLIENT_PATH) + " --server " + address_ + " --timeout 60 submit " + kernel + " -o " +
                 out_dir);
  }

  TempDir dir_;
  std::unique_ptr<Child> daemon_;
  std::string address_;
};

// gRPC parses with protobuf's default limit of 100 nested messages: a 60-level index was
// refused by ttcd (UNIMPLEMENTED with no message, later "do not parse") and compiled locally.
TEST_F(DeepRequestTest, DeepIndexExpressionsCompileThroughTheDaemonAsLocally) {
  // 60 and 196 factors (196: the frontend's 200 levels of one written expression), and a helper
  // applied to itself up to kMaxNestingDepth.
  for (const std::string args : {"--chain 60", "--chain 196", "--depth 1024"}) {
    const std::string kernel = Kernel("deep", args);
    std::filesystem::remove_all(dir_.Sub("local"));
    std::filesystem::remove_all(dir_.Sub("remote"));
    auto [local_status, local_out] = Local(kernel, dir_.Sub("local"));
    ASSERT_EQ(local_status, 0) << args << ": " << local_out;
    auto [status, out] = Remote(kernel, dir_.Sub("remote"));
    ASSERT_EQ(status, 0) << args << ": " << out;
    EXPECT_THAT(out, HasSubstr("cache miss")) << args;
    int files = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir_.Sub("local"))) {
      const std::string name = f.path().filename().string();
      EXPECT_EQ(ReadAll(f.path().string()), ReadAll(dir_.Sub("remote/" + name))) << args << ": " << name;
      ++files;
    }
    EXPECT_EQ(files, 6) << args;
  }
}

// The frontend checks the request it made (ir::FromProto runs CheckRequestLimits), so
// ttc-client refuses as `ttc` does, before sending (request_limits_test.cc covers ttcd's own
// answer to such a request: INVALID_ARGUMENT with the same message).
TEST_F(DeepRequestTest, OneLevelPastTheLimitIsTheSameErrorLocallyAndThroughTheClient) {
  const std::string kernel = Kernel("too_deep", "--depth 1025");
  auto [local_status, local_out] = Local(kernel, dir_.Sub("local"));
  EXPECT_EQ(local_status, 1) << local_out;
  const std::string first_line = local_out.substr(0, local_out.find('\n'));
  EXPECT_THAT(first_line, ::testing::MatchesRegex(
                              ".*/too_deep.py:[0-9]+:[0-9]+: error: this expression nests more than 1024 levels deep "
                              "\\(statements and expressions inside one another, counted together\\); a request "
                              "nests at most 1024 \\(kMaxNestingDepth\\): compute parts of it into variables first"));
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("local")));

  auto [status, out] = Remote(kernel, dir_.Sub("remote"));
  EXPECT_EQ(status, 1) << out;
  EXPECT_EQ(out, local_out);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("remote")));
}

}  // namespace
}  // namespace ttc::testing
