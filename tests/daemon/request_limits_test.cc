// ttcd and the request limits (ir/request_limits.h) and the output budget (kMaxGeneratedBytes):
// a request past a limit is INVALID_ARGUMENT naming the field and the limit, answered before
// anything is compiled or cached; a program past the budget is RESOURCE_EXHAUSTED naming it,
// and is not cached (a second request compiles again). The daemon keeps serving.
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/daemon/daemon_fixture.h"

namespace ttc::testing {
namespace {

using ::testing::MatchesRegex;

TEST_F(DaemonTest, ARequestPastALimitIsInvalidArgumentNamingTheLimit) {
  StartServer();
  v1::KernelRequest name = LoadExample("kernel_1d");
  name.mutable_func()->set_name(std::string(257, 'k'));
  v1::CompileResponse resp;
  grpc::Status st = Compile(name, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), absl::StrCat("request.func.name: '", std::string(32, 'k'),
                                             "...' is 257 bytes; names and other strings of a request are at most "
                                             "256 bytes (kMaxNameBytes)"));

  v1::KernelRequest buffers = LoadExample("kernel_1d");
  for (int i = 0; i < 1100; ++i) {
    v1::Buffer* b = buffers.mutable_func()->add_body()->mutable_alloc()->mutable_buffer();
    b->set_name(absl::StrCat("X", i));
    b->add_shape(32);
    b->set_dtype("bfloat16");
    b->set_scope("shared");
  }
  // kernel_1d has A, B and the two fragments at body[0], body[1]; its body has five statements.
  st = Compile(buffers, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "request.func.body[1025].alloc.buffer: too many buffers: 'X1020' is buffer 1025 of "
                                "the kernel (parameters and allocations); a request declares at most 1024 "
                                "(kMaxBuffers)");

  EXPECT_EQ(server_->service()->compiles(), 0);
  EXPECT_EQ(Stats().errors(), 2);
  EXPECT_TRUE(Compile(LoadExample("kernel_1d"), &resp).ok());
  EXPECT_TRUE(resp.result().success());
}

TEST_F(DaemonTest, AProgramPastTheOutputBudgetIsResourceExhaustedAndNotCached) {
  StartServer();
  const v1::KernelRequest req = ManyCopiesRequest(9000);
  const std::string message =
      "the generated program would be [0-9]+ bytes \\(reader\\.cpp alone [0-9]+\\), over the limit of 16777216 bytes "
      "per compile \\(kMaxGeneratedBytes\\); split the kernel";
  for (int attempt = 1; attempt <= 2; ++attempt) {
    v1::CompileResponse resp;
    grpc::Status st = Compile(req, &resp, /*inline_files=*/true);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << attempt;
    EXPECT_THAT(st.error_message(), MatchesRegex(message)) << attempt;
    EXPECT_EQ(server_->service()->compiles(), attempt);
  }
  v1::CompileResponse small;
  ASSERT_TRUE(Compile(ManyCopiesRequest(2), &small).ok());
  EXPECT_TRUE(small.result().success());
}

}  // namespace
}  // namespace ttc::testing
