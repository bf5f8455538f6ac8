// ir/request_io.h: the three request formats, chosen by extension, and their errors.
#include "ir/request_io.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using google::protobuf::util::MessageDifferencer;

const std::string kExample = TTC_SOURCE_DIR "/examples/gemm_256_bf16.textproto";
const std::string kExampleJson = TTC_SOURCE_DIR "/tests/data/gemm_256_bf16.json";

// A fresh directory under the system temp dir, removed with the fixture.
class RequestIO : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("ttc_request_io_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(RequestIO, SameRequestFromJsonTextAndBinary) {
  auto text = ir::ReadRequestFile(kExample);
  ASSERT_TRUE(text.ok()) << text.status();
  auto json = ir::ReadRequestFile(kExampleJson);
  ASSERT_TRUE(json.ok()) << json.status();
  std::string wire;
  ASSERT_TRUE(text->SerializeToString(&wire));
  auto binary = ir::ReadRequestFile(Write("gemm.binpb", wire));
  ASSERT_TRUE(binary.ok()) << binary.status();
  auto pb = ir::ReadRequestFile(Write("gemm.pb", wire));
  ASSERT_TRUE(pb.ok()) << pb.status();

  EXPECT_GT(text->func().body_size(), 0);
  EXPECT_TRUE(MessageDifferencer::Equals(*text, *json)) << text->DebugString() << "\nvs JSON\n" << json->DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(*text, *binary));
  EXPECT_TRUE(MessageDifferencer::Equals(*text, *pb));
}

TEST_F(RequestIO, TextFormatAliasesAndLowerCamelJson) {
  auto bytes = ir::ReadFileBytes(kExample);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto reference = ir::ReadRequestFile(kExample);
  ASSERT_TRUE(reference.ok());
  for (const char* name : {"r.txtpb", "r.pbtxt"}) {
    auto r = ir::ReadRequestFile(Write(name, *bytes));
    ASSERT_TRUE(r.ok()) << name << ": " << r.status();
    EXPECT_TRUE(MessageDifferencer::Equals(*reference, *r)) << name;
  }
  // protobuf's JSON mapping accepts both the .proto names and lowerCamelCase.
  auto snake = ir::ParseRequest(R"({"func": {"body": [{"gemm": {"clear_accum": true}}]}})", ir::RequestFormat::kJson);
  auto camel = ir::ParseRequest(R"({"func": {"body": [{"gemm": {"clearAccum": true}}]}})", ir::RequestFormat::kJson);
  ASSERT_TRUE(snake.ok()) << snake.status();
  ASSERT_TRUE(camel.ok()) << camel.status();
  EXPECT_TRUE(snake->func().body(0).gemm().clear_accum());
  EXPECT_TRUE(MessageDifferencer::Equals(*snake, *camel));
}

TEST(RequestFormat, ByExtension) {
  EXPECT_EQ(*ir::RequestFormatForPath("a/b.json"), ir::RequestFormat::kJson);
  EXPECT_EQ(*ir::RequestFormatForPath("x.textproto"), ir::RequestFormat::kTextProto);
  EXPECT_EQ(*ir::RequestFormatForPath("x.txtpb"), ir::RequestFormat::kTextProto);
  EXPECT_EQ(*ir::RequestFormatForPath("x.pbtxt"), ir::RequestFormat::kTextProto);
  EXPECT_EQ(*ir::RequestFormatForPath("x.binpb"), ir::RequestFormat::kBinary);
  EXPECT_EQ(*ir::RequestFormatForPath("x.pb"), ir::RequestFormat::kBinary);
}

TEST(RequestFormat, UnknownExtensionNamesTheAcceptedOnes) {
  for (const char* path : {"kernel.yaml", "kernel", "kernel.json.bak", "kernel.JSON"}) {
    auto f = ir::RequestFormatForPath(path);
    ASSERT_FALSE(f.ok()) << path;
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(f.status().message(), std::string("cannot tell the format of '") + path +
                                        "': use .json, .textproto (.txtpb, .pbtxt) or .binpb (.pb)");
  }
  // ReadRequestFile reports the extension before trying to open the file.
  auto r = ir::ReadRequestFile("/nonexistent/kernel.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::StartsWith(r.status().message(), "cannot tell the format")) << r.status();
}

TEST(RequestIOErrors, MissingFileIsNotFoundAndNamesThePath) {
  auto r = ir::ReadRequestFile("/nonexistent/dir/kernel.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(r.status().message(), "cannot open '/nonexistent/dir/kernel.json'")) << r.status();
}

TEST(RequestIOErrors, TruncatedBinary) {
  auto req = ir::ReadRequestFile(kExample);
  ASSERT_TRUE(req.ok());
  std::string wire;
  ASSERT_TRUE(req->SerializeToString(&wire));
  ASSERT_GT(wire.size(), 100u);
  // Cut inside the last length-delimited field (target), and inside the func message.
  for (size_t keep : {wire.size() - 1, size_t{100}, size_t{3}}) {
    SCOPED_TRACE(keep);
    auto r = ir::ParseRequest(wire.substr(0, keep), ir::RequestFormat::kBinary);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "invalid binary request: not a ttc.v1.KernelRequest (" + std::to_string(keep) +
                                        " bytes; truncated or not protobuf wire format)");
  }
  // Not protobuf at all: an invalid wire type.
  auto garbage = ir::ParseRequest("\xff\xff\xff\xff", ir::RequestFormat::kBinary);
  ASSERT_FALSE(garbage.ok());
  EXPECT_TRUE(absl::StrContains(garbage.status().message(), "truncated or not protobuf wire format"));
  // An empty file is a valid (empty) message; FromProto then reports the missing func.
  EXPECT_TRUE(ir::ParseRequest("", ir::RequestFormat::kBinary).ok());
}

struct JsonCase {
  const char* json;
  std::vector<const char*> contains;  // substrings of the message
};

TEST(RequestIOErrors, JsonWrongTypesAndUnknownValues) {
  const JsonCase cases[] = {
      {R"({"func": {"grid": {"extents": ["x"]}}})", {"func.grid.extents[0]", "\"x\""}},
      {R"({"func": {"name": 5}})", {"func.name", "5"}},
      {R"({"func": {"body": [{"for_loop": {"kind": "SIDEWAYS"}}]}})", {"func.body[0].for_loop.kind", "SIDEWAYS"}},
      {R"({"func": {"body": [{"for_loop": {"extent": {"binary": {"op": "POW"}}}}]}})",
       {"func.body[0].for_loop.extent.binary.op", "POW"}},
      {R"({"func": {"nmae": "main"}})", {"nmae"}},
      {R"({"layouts": {"A": {"memroy": "L1"}}})", {"memroy"}},
      {R"({"func": )", {}},
      {R"([1, 2])", {}},
  };
  for (const JsonCase& c : cases) {
    SCOPED_TRACE(c.json);
    auto r = ir::ParseRequest(c.json, ir::RequestFormat::kJson);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(r.status().message(), "invalid JSON request: ")) << r.status();
    EXPECT_GT(r.status().message().size(), std::string("invalid JSON request: ").size() + 5) << r.status();
    for (const char* s : c.contains) EXPECT_TRUE(absl::StrContains(r.status().message(), s)) << s << " in " << r.status();
  }
}

TEST(RequestIOErrors, TextFormatReportsLineAndColumn) {
  struct TextCase {
    const char* text;
    const char* message;
  };
  const TextCase cases[] = {
      // The parser reports an unknown field at the token after its name (":" here).
      {"func {\n  nmae: \"x\"\n}\n",
       "invalid text-format request: 2:7: Message type \"ttc.v1.PrimFunc\" has no field named \"nmae\"."},
      {"func {\n  grid {\n    extents: [1, \"x\"]\n  }\n}\n",
       "invalid text-format request: 3:18: Expected integer, got: \"x\""},
      {"func {\n  name: \"main\"\n", "invalid text-format request: 3:1: Expected identifier, got: "},
  };
  for (const TextCase& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = ir::ParseRequest(c.text, ir::RequestFormat::kTextProto);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(r.status().message(), c.message)) << "  actual: " << r.status().message();
  }
  auto e = ir::ParseRequest("func { body { for_loop { kind: SIDEWAYS } } }", ir::RequestFormat::kTextProto);
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(absl::StrContains(e.status().message(), "Unknown enumeration value of \"SIDEWAYS\"")) << e.status();
  EXPECT_TRUE(absl::StartsWith(e.status().message(), "invalid text-format request: 1:")) << e.status();
}

}  // namespace
}  // namespace ttc
