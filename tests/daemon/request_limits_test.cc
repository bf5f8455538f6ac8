// ttcd and the request limits (ir/request_limits.h) and the output budget (kMaxGeneratedBytes):
// a request past a limit is INVALID_ARGUMENT naming the field and the limit, answered before
// anything is compiled or cached; a program past the budget is RESOURCE_EXHAUSTED naming it,
// and is not cached (a second request compiles again). The daemon keeps serving.
#include <string>

#include "absl/strings/str_cat.h"
#include "ir/request_limits.h"
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

// kernel_1d whose first copy reads at (bx * 1 * ... * 1) * 32, so that the copy statement and
// its offset nest `depth` levels as kMaxNestingDepth counts them (statement, `* 32`, factors, bx).
v1::KernelRequest DeepOffsetRequest(int depth) {
  v1::KernelRequest req = LoadExample("kernel_1d");
  v1::Expr* e = req.mutable_func()->mutable_body(2)->mutable_copy()->mutable_src()->mutable_begin(1);
  e = e->mutable_binary()->mutable_a();
  for (int level = 3; level < depth; ++level) {
    e->mutable_binary()->set_op(v1::MUL);
    e->mutable_binary()->mutable_b()->set_int_imm(1);
    e = e->mutable_binary()->mutable_a();
  }
  e->set_var("bx");
  return req;
}

// gRPC parses requests with protobuf's default limit of 100 nested messages: before ttcd parsed
// them itself, 45 levels of expression were a bare "do not parse" refusal.
TEST_F(DaemonTest, ExpressionsNestedUpToTheLimitCompileAndOneLevelMoreIsRefusedAsLocally) {
  StartServer();
  v1::CompileResponse resp;
  for (int depth : {60, 200, static_cast<int>(ir::kMaxNestingDepth)}) {
    grpc::Status st = Compile(DeepOffsetRequest(depth), &resp, /*inline_files=*/true);
    ASSERT_TRUE(st.ok()) << depth << ": " << st.error_message();
    EXPECT_TRUE(resp.result().success()) << depth;
    // The same program as the shallow request: every factor is 1.
    v1::CompileResponse shallow;
    ASSERT_TRUE(Compile(LoadExample("kernel_1d"), &shallow, /*inline_files=*/true).ok());
    ASSERT_EQ(resp.files_size(), shallow.files_size());
    for (int i = 0; i < resp.files_size(); ++i) {
      EXPECT_EQ(resp.files(i).data(), shallow.files(i).data()) << depth << " " << resp.files(i).path();
    }
  }
  // Past kMaxNestingDepth, and far past it (still under the wire limit): the error of
  // CheckRequestLimits, as `ttc` reports it, at the outermost expression.
  for (int depth : {static_cast<int>(ir::kMaxNestingDepth) + 1, 1900}) {
    const v1::KernelRequest req = DeepOffsetRequest(depth);
    grpc::Status st = Compile(req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << depth;
    EXPECT_EQ(st.error_message(), absl::StrCat("request.", ir::CheckRequestLimits(req).message())) << depth;
    EXPECT_EQ(st.error_message(), "request.func.body[2].copy.src.begin[1]: this expression nests more than 1024 levels "
                                  "deep (statements and expressions inside one another, counted together); a request "
                                  "nests at most 1024 (kMaxNestingDepth): compute parts of it into variables first");
  }
  // Messages nested past what any request within the limits has are refused before parsing.
  grpc::Status st = Compile(DeepOffsetRequest(2500), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "request: messages nested more than 4098 levels deep; a request nests at most 4096 "
                                "(kMaxMessageNesting)");
  EXPECT_TRUE(Compile(LoadExample("kernel_1d"), &resp).ok());
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
