// kMaxGeneratedBytes (driver/compile.h): a kernel within every request limit whose program
// would be larger than 16 MiB is an error at the kernel, with no files; ttc reports it as a
// kernel error, and RunAction (ttcd's compile) as RESOURCE_EXHAUSTED, which is not cached.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "driver/action.h"
#include "driver/compile.h"
#include "ir/request_limits.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using testing::CompileWith;
using testing::Errors;
using testing::ManyCopiesRequest;

constexpr char kOverBudget[] =
    "the generated program would be [0-9]+ bytes \\(reader\\.cpp alone [0-9]+\\), over the limit of 16777216 bytes "
    "per compile \\(kMaxGeneratedBytes\\); split the kernel";

TEST(OutputBudget, AProgramPastTheBudgetIsAnErrorAtTheKernelWithNoFiles) {
  const v1::KernelRequest req = ManyCopiesRequest(9000);
  ASSERT_TRUE(ir::CheckRequestLimits(req).ok()) << ir::CheckRequestLimits(req);
  const CompileResult r = CompileWith(req);
  EXPECT_THAT(Errors(r), ElementsAre(MatchesRegex(kOverBudget)));
  ASSERT_FALSE(r.diag.diagnostics().empty());
  EXPECT_EQ(r.diag.diagnostics().back().loc.ToString(), "func");
  EXPECT_TRUE(r.over_output_budget);
  EXPECT_TRUE(r.pipeline.artifacts.empty());
  EXPECT_FALSE(r.diag.has_internal_errors());
}

TEST(OutputBudget, AProgramUnderTheBudgetIsGenerated) {
  const CompileResult r = CompileWith(ManyCopiesRequest(1000));
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_FALSE(r.over_output_budget);
  int64_t bytes = 0;
  for (const auto& [name, text] : r.pipeline.artifacts) bytes += static_cast<int64_t>(text.size());
  EXPECT_EQ(r.pipeline.artifacts.size(), 6u);
  EXPECT_GT(bytes, 1 << 20);
  EXPECT_LE(bytes, kMaxGeneratedBytes);
}

TEST(OutputBudget, TheActionIsResourceExhaustedNamingTheLimit) {
  auto action = RunAction(ManyCopiesRequest(9000), "", ActionKind::kCompile);
  ASSERT_FALSE(action.ok());
  EXPECT_EQ(action.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(action.status().message()), MatchesRegex(kOverBudget));
}

TEST(OutputBudget, AnActionPastARequestLimitCannotBeKeyed) {
  v1::KernelRequest req = ManyCopiesRequest(1);
  req.mutable_func()->set_name(std::string(257, 'k'));
  auto key = KeyAction(req, "", ActionKind::kCompile);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(key.status().message(), "request.func.name: '" + std::string(32, 'k') +
                                        "...' is 257 bytes; names and other strings of a request are at most 256 "
                                        "bytes (kMaxNameBytes)");
}

}  // namespace
}  // namespace ttc
