// daemon/submit_service.h without a server: the checks before compiling, the job persisted
// for a program that compiled (none after a compile error), and the owner and labels it
// carries.
#include "daemon/submit_service.h"

#include <future>
#include <string>

#include <gtest/gtest.h>

#include "cache/artifact_store.h"
#include "tests/testing.h"

namespace ttc::daemon {
namespace {

class SubmitServiceTest : public ::testing::Test {
 protected:
  absl::StatusOr<SubmitService::Submitted> Submit(SubmitService& service, const v1::SubmitRequest& req,
                                                  const JobOwner& owner = {}) {
    std::promise<absl::StatusOr<SubmitService::Submitted>> p;
    service.Submit(req, owner, [] { return true; },
                   [&](absl::StatusOr<SubmitService::Submitted> s) { p.set_value(std::move(s)); });
    return p.get_future().get();
  }
  v1::SubmitRequest Request(bool validate) {
    v1::SubmitRequest req;
    *req.mutable_compile()->mutable_request() = testing::LoadExample("eltwise_add_256_bf16");
    req.set_validate(validate);
    req.set_seed(5);
    (*req.mutable_labels())["rack"] = "r1";
    return req;
  }

  cache::MemoryStore store_;
  CompileService compile_{&store_, CompileService::Options{}};
  FakeClock clock_;
  MemoryJournal journal_;
  JobScheduler scheduler_{&clock_, &journal_, JobScheduler::Options{}};
  int kicks_ = 0;
  SubmitService service_{&compile_, &scheduler_, [this] { ++kicks_; }};
};

TEST_F(SubmitServiceTest, ValidationWithoutAFleetIsUnimplementedBeforeCompiling) {
  SubmitService no_fleet(&compile_, nullptr, nullptr);
  auto s = Submit(no_fleet, Request(/*validate=*/true));
  ASSERT_TRUE(absl::IsUnimplemented(s.status())) << s.status();
  EXPECT_EQ(s.status().message(), "this ttcd runs no device fleet");
  EXPECT_EQ(compile_.compiles(), 0);
  // Without validation it only compiles.
  auto c = Submit(no_fleet, Request(/*validate=*/false));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->job.has_value());
  EXPECT_EQ(compile_.compiles(), 1);
}

TEST_F(SubmitServiceTest, AnUnknownBackendIsRefusedAndCounted) {
  v1::SubmitRequest req = Request(/*validate=*/true);
  req.set_backend("fpga");
  auto s = Submit(service_, req);
  ASSERT_TRUE(absl::IsInvalidArgument(s.status())) << s.status();
  EXPECT_EQ(s.status().message(), "backend: 'fpga' is not one of emulator, metalium");
  EXPECT_EQ(compile_.GetStats().errors(), 1);
  EXPECT_EQ(compile_.compiles(), 0);
  EXPECT_TRUE(scheduler_.ListJobs().empty());
}

TEST_F(SubmitServiceTest, ACompiledProgramBecomesAPersistedJob) {
  auto s = Submit(service_, Request(/*validate=*/true), {"alice", "ci-pool"});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->compile.result.success());
  ASSERT_TRUE(s->job.has_value());
  EXPECT_EQ(s->job->stage(), v1::QUEUED);
  EXPECT_EQ(s->job->action_key(), s->compile.key.key);
  EXPECT_EQ(s->job->program_size(), s->compile.result.output_files_size());
  const v1::JobSpec& spec = s->job->spec();
  EXPECT_EQ(spec.backend(), "emulator");
  EXPECT_FALSE(spec.arch().empty());  // resolved from the request's target
  EXPECT_EQ(spec.owner(), "alice");
  EXPECT_EQ(spec.owner_group(), "ci-pool");
  EXPECT_EQ(spec.seed(), 5);
  EXPECT_EQ(spec.labels().at("rack"), "r1");
  EXPECT_EQ(spec.labels().at("backend"), "emulator");
  EXPECT_EQ(kicks_, 1);
  auto persisted = journal_.LoadAll();
  ASSERT_TRUE(persisted.ok());
  ASSERT_EQ(persisted->size(), 1u);
  EXPECT_EQ(persisted->at(0).id(), s->job->id());
}

TEST_F(SubmitServiceTest, ACompileErrorGetsNoJob) {
  v1::SubmitRequest req = Request(/*validate=*/true);
  req.mutable_compile()->set_target_override("no_such_arch");
  auto s = Submit(service_, req);
  EXPECT_TRUE(absl::IsInvalidArgument(s.status())) << s.status();
  EXPECT_TRUE(scheduler_.ListJobs().empty());
  EXPECT_EQ(kicks_, 0);
}

}  // namespace
}  // namespace ttc::daemon
