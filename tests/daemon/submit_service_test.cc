// daemon/submit_service.h without a server: the checks before compiling, the job persisted
// for a program that compiled (none after a compile error), and the owner and labels it
// carries.
#include "daemon/submit_service.h"

#include <future>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cache/artifact_store.h"
#include "daemon/verdict_cache.h"
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

// Cached verdicts (daemon/verdict_cache.h): ttcd's completion hook stores what passed; the
// next submit of the same program, backend, arch and seed completes at once.
class VerdictCacheTest : public SubmitServiceTest {
 protected:
  void SetUp() override {
    scheduler_.SetCompletionHook([this](const v1::Job& job) { ASSERT_TRUE(StoreVerdict(&store_, job).ok()); });
  }
  // Runs queued job `job` to `outcome` on host h1.
  void RunTo(const v1::Job& job, v1::JobOutcome outcome) {
    DeviceInfo d;
    d.device_id = "dev0";
    d.arch = job.spec().arch();
    d.labels = {job.spec().labels().begin(), job.spec().labels().end()};
    scheduler_.RegisterHost("h1", {d});
    auto assigned = scheduler_.Assign();
    ASSERT_EQ(assigned.size(), 1u);
    ASSERT_EQ(assigned[0].job.id(), job.id());
    v1::JobResult r;
    r.set_outcome(outcome);
    r.set_summary(outcome == v1::PASSED ? "PASS" : "out[3]: 1.5 != 2.0");
    r.set_host_id("h1");
    r.set_device_id("dev0");
    auto reported = scheduler_.Report("h1", assigned[0].job.lease().lease_id(), r);
    ASSERT_TRUE(reported.ok() && *reported);
  }
  SubmitService cached_{&compile_, &scheduler_, nullptr, &store_};
};

TEST_F(VerdictCacheTest, AProgramThatPassedIsAnsweredWithTheStoredVerdict) {
  auto first = Submit(cached_, Request(/*validate=*/true));
  ASSERT_TRUE(first.ok() && first->job) << first.status();
  EXPECT_EQ(first->job->stage(), v1::QUEUED);
  ASSERT_NO_FATAL_FAILURE(RunTo(*first->job, v1::PASSED));

  auto again = Submit(cached_, Request(/*validate=*/true));
  ASSERT_TRUE(again.ok() && again->job) << again.status();
  EXPECT_TRUE(again->compile.cache_hit);
  EXPECT_NE(again->job->id(), first->job->id());  // a job of its own, for the record
  EXPECT_EQ(again->job->stage(), v1::COMPLETED);
  EXPECT_EQ(again->job->attempts(), 0);  // nothing ran
  const v1::JobResult& r = again->job->result();
  EXPECT_EQ(r.outcome(), v1::PASSED);
  EXPECT_TRUE(r.cached());
  EXPECT_EQ(r.cached_job_id(), first->job->id());
  EXPECT_EQ(r.host_id(), "h1");
  EXPECT_EQ(r.device_id(), "dev0");
  EXPECT_GT(r.cached_completed_ms(), 0);
  EXPECT_EQ(scheduler_.Assign().size(), 0u);  // no lease for it
  // Both went through CACHE_CHECK first (Job.history): a miss, then a hit.
  auto stages = [](const v1::Job& j) {
    std::vector<std::pair<v1::JobStage, std::string>> out;
    for (const auto& e : j.history()) out.emplace_back(e.stage(), e.detail());
    return out;
  };
  using ::testing::HasSubstr;
  using ::testing::Pair;
  using ::testing::StartsWith;
  auto earned = scheduler_.GetJob(first->job->id());
  ASSERT_TRUE(earned.ok());
  EXPECT_THAT(stages(*earned), ::testing::ElementsAre(Pair(v1::CACHE_CHECK, StartsWith("verdict cache: miss (")),
                                                      Pair(v1::QUEUED, ""), Pair(v1::EXECUTING, "attempt 1 on h1/dev0"),
                                                      Pair(v1::COMPLETED, "PASSED")));
  EXPECT_THAT(stages(*again->job),
              ::testing::ElementsAre(Pair(v1::CACHE_CHECK, StartsWith("verdict cache: hit (")),
                                     Pair(v1::COMPLETED, HasSubstr(first->job->id()))));
  EXPECT_EQ(again->job->history(0).at_ms(), again->job->created_ms());
  // The stored verdict does not carry the kernel request (the key covers it).
  auto stored = LookupVerdict(&store_, VerdictKey(first->job->action_key(), first->job->spec()));
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_FALSE(stored->spec().has_request());
  EXPECT_EQ(stored->id(), first->job->id());
  EXPECT_EQ(compile_.GetStats().verdict_hits(), 1);
  EXPECT_EQ(compile_.GetStats().verdict_misses(), 1);

  // --revalidate runs it again; another seed or backend is another verdict.
  v1::SubmitRequest revalidate = Request(/*validate=*/true);
  revalidate.set_revalidate(true);
  auto forced = Submit(cached_, revalidate);
  ASSERT_TRUE(forced.ok() && forced->job);
  EXPECT_EQ(forced->job->stage(), v1::QUEUED);
  ASSERT_GE(forced->job->history_size(), 1);
  EXPECT_THAT(forced->job->history(0).detail(), HasSubstr("--revalidate: runs, compared with " + first->job->id()));
  v1::SubmitRequest other_seed = Request(/*validate=*/true);
  other_seed.set_seed(6);
  auto seeded = Submit(cached_, other_seed);
  ASSERT_TRUE(seeded.ok() && seeded->job);
  EXPECT_EQ(seeded->job->stage(), v1::QUEUED);
}

// A --revalidate whose run disagrees with the stored verdict is marked flaky; the job keeps
// both reports (its own and the stored verdict's).
TEST_F(VerdictCacheTest, ARevalidationThatDisagreesWithTheStoredVerdictIsFlakyAndKeepsBoth) {
  auto first = Submit(cached_, Request(/*validate=*/true));
  ASSERT_TRUE(first.ok() && first->job);
  ASSERT_NO_FATAL_FAILURE(RunTo(*first->job, v1::PASSED));
  v1::SubmitRequest revalidate = Request(/*validate=*/true);
  revalidate.set_revalidate(true);
  auto agrees = Submit(cached_, revalidate);
  ASSERT_TRUE(agrees.ok() && agrees->job);
  EXPECT_EQ(agrees->job->revalidated().cached_job_id(), first->job->id());
  ASSERT_NO_FATAL_FAILURE(RunTo(*agrees->job, v1::PASSED));
  auto same = scheduler_.GetJob(agrees->job->id());
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->result().flaky());

  auto differs = Submit(cached_, revalidate);
  ASSERT_TRUE(differs.ok() && differs->job);
  ASSERT_NO_FATAL_FAILURE(RunTo(*differs->job, v1::FAILED));
  auto flaky = scheduler_.GetJob(differs->job->id());
  ASSERT_TRUE(flaky.ok());
  EXPECT_TRUE(flaky->result().flaky());
  EXPECT_EQ(flaky->result().outcome(), v1::FAILED);
  EXPECT_THAT(flaky->result().summary(), ::testing::HasSubstr("FLAKY: out[3]: 1.5 != 2.0"));
  EXPECT_THAT(flaky->result().summary(), ::testing::HasSubstr("was PASSED"));
  EXPECT_EQ(flaky->revalidated().outcome(), v1::PASSED);
  EXPECT_EQ(flaky->revalidated().summary(), "PASS");
  // The passed verdict still answers plain submits; the flaky run is on record.
  auto again = Submit(cached_, Request(/*validate=*/true));
  ASSERT_TRUE(again.ok() && again->job);
  EXPECT_TRUE(again->job->result().cached());
}

// VerdictCache keeps what it parsed by blob digest: a later pass that replaces the stored
// verdict is answered, never the one kept in memory; a key with no verdict is a miss.
TEST_F(VerdictCacheTest, TheParsedVerdictsNeverAnswerForAReplacedVerdict) {
  auto first = Submit(cached_, Request(/*validate=*/true));
  ASSERT_TRUE(first.ok() && first->job);
  ASSERT_NO_FATAL_FAILURE(RunTo(*first->job, v1::PASSED));
  const std::string key = VerdictKey(first->job->action_key(), first->job->spec());
  VerdictCache verdicts(&store_);
  auto a = verdicts.Lookup(key);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->id(), first->job->id());
  EXPECT_EQ(verdicts.Lookup(key)->id(), first->job->id());  // from memory
  v1::SubmitRequest revalidate = Request(/*validate=*/true);
  revalidate.set_revalidate(true);
  auto second = Submit(cached_, revalidate);
  ASSERT_TRUE(second.ok() && second->job);
  ASSERT_NO_FATAL_FAILURE(RunTo(*second->job, v1::PASSED));  // a later pass replaces the verdict
  auto b = verdicts.Lookup(key);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->id(), second->job->id());
  EXPECT_TRUE(absl::IsNotFound(verdicts.Lookup(std::string(64, '0')).status()));
}

TEST_F(VerdictCacheTest, AFailureIsNeverCached) {
  auto first = Submit(cached_, Request(/*validate=*/true));
  ASSERT_TRUE(first.ok() && first->job);
  ASSERT_NO_FATAL_FAILURE(RunTo(*first->job, v1::FAILED));
  auto again = Submit(cached_, Request(/*validate=*/true));
  ASSERT_TRUE(again.ok() && again->job);
  EXPECT_EQ(again->job->stage(), v1::QUEUED);
}

TEST_F(VerdictCacheTest, TheKeyCoversProgramBackendArchAndSeed) {
  v1::JobSpec spec;
  spec.set_backend("emulator");
  spec.set_arch("wormhole_b0");
  spec.set_seed(5);
  const std::string base = VerdictKey("abc", spec);
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(VerdictKey("abc", spec), base);  // deterministic
  EXPECT_NE(VerdictKey("abd", spec), base);
  v1::JobSpec other = spec;
  other.set_backend("metalium");
  EXPECT_NE(VerdictKey("abc", other), base);
  other = spec;
  other.set_arch("blackhole");
  EXPECT_NE(VerdictKey("abc", other), base);
  other = spec;
  other.set_seed(6);
  EXPECT_NE(VerdictKey("abc", other), base);
  other = spec;
  (*other.mutable_labels())["rack"] = "r2";  // where it may run is not what it proves
  other.set_priority(9);
  EXPECT_EQ(VerdictKey("abc", other), base);
}

}  // namespace
}  // namespace ttc::daemon
