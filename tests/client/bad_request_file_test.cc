// ttc-client on request files it must refuse before any call: nested past the request nesting
// limit (ir/request_limits.h kMaxMessageNesting; the text-format parser recursed until the stack
// overflowed at 5,000 levels) and strings that are not UTF-8 (sent anyway, with a libprotobuf
// log line). Exit status 2 and one `FILE: error: ...` line; nothing listens at the address, so a
// request that was sent would end in "no ttcd answered" (exit 4) instead.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cache/temp_dir.h"
#include "tests/daemon/process_util.h"

namespace ttc::testing {
namespace {

using ::testing::HasSubstr;

class BadRequestFile : public ::testing::Test {
 protected:
  // Writes `make_deep_request.py ARGS` to DIR/NAME; returns its path.
  std::string Write(const std::string& name, const std::string& args) {
    const std::string path = dir_.Sub(name);
    auto [status, out] =
        Shell(std::string("python3 ") + TTC_SOURCE_DIR + "/tests/data/make_deep_request.py " + args + " > " + path);
    EXPECT_EQ(status, 0) << out;
    return path;
  }
  // `ttc-client submit PATH` against an address where nothing listens.
  std::pair<int, std::string> Submit(const std::string& path) {
    return Shell("env -u TTC_SERVER -u TTC_TOKEN -u TTC_TOKEN_FILE XDG_CONFIG_HOME=" + dir_.Sub("config") + " " +
                 TTC_CLIENT_PATH + " --server 127.0.0.1:1 --timeout 10 submit " + path);
  }

  TempDir dir_;
};

TEST_F(BadRequestFile, ATextprotoNested5000DeepIsRefusedNamingTheLimit) {
  const std::string path = Write("deep.textproto", "textproto --depth 5000");
  auto [status, out] = Submit(path);
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, HasSubstr(path + ": error: invalid text-format request: 1:"));
  EXPECT_THAT(out, HasSubstr("recursion limit of 4096"));
  EXPECT_THAT(out, HasSubstr("(kMaxMessageNesting)\n"));
}

TEST_F(BadRequestFile, BinaryAndJsonRequestsNested5000DeepAreRefusedNamingTheLimit) {
  const std::string binary = Write("deep.binpb", "binpb --depth 5000");
  auto [status, out] = Submit(binary);
  EXPECT_EQ(status, 2) << out;
  EXPECT_EQ(out, binary + ": error: invalid binary request: messages nested more than 4098 levels deep; a request "
                          "nests at most 4096 (kMaxMessageNesting)\n");
  const std::string json = Write("deep.json", "json --depth 5000");
  std::tie(status, out) = Submit(json);
  EXPECT_EQ(status, 2) << out;
  EXPECT_THAT(out, HasSubstr(json + ": error: invalid JSON request: "));
  EXPECT_THAT(out, HasSubstr("protobuf's JSON parser reads at most 100 nested objects"));
}

TEST_F(BadRequestFile, StringsThatAreNotUtf8AreRefusedBeforeSendingNamingTheField) {
  const std::string path = Write("name.textproto", "textproto --not-utf8");
  auto [status, out] = Submit(path);
  EXPECT_EQ(status, 2) << out;
  EXPECT_EQ(out, path + ": error: invalid text-format request: func.name: not valid UTF-8 (byte 0xff at offset 2)\n");
}

}  // namespace
}  // namespace ttc::testing
