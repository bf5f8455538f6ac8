// How ttc-client prints jobs (client/job_text.h): the stage history a watcher did not see.
#include "client/job_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ttc::client {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

void Enter(v1::Job& job, v1::JobStage stage, const std::string& detail) {
  job.set_stage(stage);
  v1::StageEntry* e = job.add_history();
  e->set_stage(stage);
  e->set_detail(detail);
}

// A cached answer completes within Submit: the first message a watcher gets is COMPLETED,
// and the cache check before it is printed from the history.
TEST(JobText, AJobAnsweredFromTheVerdictCacheShowsItsCacheCheck) {
  v1::Job job;
  Enter(job, v1::CACHE_CHECK, "verdict cache: hit (0123456789ab)");
  Enter(job, v1::COMPLETED, "CACHED: the verdict of job-1");
  job.mutable_result()->set_outcome(v1::PASSED);
  job.mutable_result()->set_summary("PASS");
  int seen = 0;
  EXPECT_THAT(UnseenStageLines(job, &seen), ElementsAre("[CACHE_CHECK] verdict cache: hit (0123456789ab)"));
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(JobLine(job), "[COMPLETED] PASSED: PASS");
  EXPECT_THAT(UnseenStageLines(job, &seen), IsEmpty());  // each stage once
}

// Between two messages a job can be requeued and leased again: the requeue is still shown.
TEST(JobText, StagesEnteredBetweenTwoMessagesAreEachPrintedOnce) {
  v1::Job job;
  Enter(job, v1::CACHE_CHECK, "verdict cache: miss (0123456789ab)");
  Enter(job, v1::QUEUED, "");
  int seen = 0;
  EXPECT_THAT(UnseenStageLines(job, &seen), ElementsAre("[CACHE_CHECK] verdict cache: miss (0123456789ab)"));
  Enter(job, v1::EXECUTING, "attempt 1 on h1/d0");
  Enter(job, v1::QUEUED, "requeued: lease on h1/d0 expired");
  Enter(job, v1::EXECUTING, "attempt 2 on h2/d0");
  EXPECT_THAT(UnseenStageLines(job, &seen),
              ElementsAre("[EXECUTING] attempt 1 on h1/d0", "[QUEUED] requeued: lease on h1/d0 expired"));
  EXPECT_EQ(seen, 5);
}

// A job from before Job.history existed has none: nothing extra is printed.
TEST(JobText, AJobWithoutHistoryPrintsOnlyItsLine) {
  v1::Job job;
  job.set_stage(v1::QUEUED);
  job.set_progress("waiting for a device");
  int seen = 0;
  EXPECT_THAT(UnseenStageLines(job, &seen), IsEmpty());
  EXPECT_EQ(JobLine(job), "[QUEUED] waiting for a device");
}

// ttcd shows jobs with their kernel as wire bytes (JobSpec.request_wire); `jobs` still names it.
TEST(JobText, TheFunctionNameComesFromTheRequestOrItsWireBytes) {
  v1::Job job;
  EXPECT_EQ(JobFunctionName(job), "");
  v1::KernelRequest request;
  request.mutable_func()->set_name("gemm");
  *job.mutable_spec()->mutable_request() = request;
  EXPECT_EQ(JobFunctionName(job), "gemm");
  job.mutable_spec()->clear_request();
  job.mutable_spec()->set_request_wire(request.SerializeAsString());
  EXPECT_EQ(JobFunctionName(job), "gemm");
  job.mutable_spec()->set_request_wire("\xff\xff not wire format");
  EXPECT_EQ(JobFunctionName(job), "");
}

}  // namespace
}  // namespace ttc::client
