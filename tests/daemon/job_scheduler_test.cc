// The device-validation job scheduler on a fake clock: matching by arch and labels, priority
// and FIFO order, leases renewed by heartbeats and expired when a host goes silent, the
// attempt limit, duplicate and late reports, cancel in every stage, device health, restart
// recovery from the journal, persistence before acknowledgement, and the listener.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include "absl/status/status.h"
#include "daemon/job_scheduler.h"
#include "tests/testing.h"

namespace ttc::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr char kWormhole[] = "wormhole_b0";

v1::JobSpec Spec(const std::string& arch = kWormhole, const std::map<std::string, std::string>& labels = {},
                 int priority = 0) {
  static const v1::KernelRequest* request = new v1::KernelRequest(ttc::testing::LoadExample("gemm_256_bf16"));
  v1::JobSpec spec;
  *spec.mutable_request() = *request;
  spec.set_arch(arch);
  for (const auto& [k, v] : labels) (*spec.mutable_labels())[k] = v;
  spec.set_priority(priority);
  return spec;
}

DeviceInfo Device(const std::string& id, const std::string& arch = kWormhole,
                  const std::map<std::string, std::string>& labels = {}, v1::DeviceHealth health = v1::GOOD) {
  DeviceInfo d;
  d.device_id = id;
  d.arch = arch;
  d.labels = labels;
  d.health = health;
  return d;
}

v1::JobResult Result(v1::JobOutcome outcome, const std::string& summary) {
  v1::JobResult r;
  r.set_outcome(outcome);
  r.set_summary(summary);
  return r;
}

// A journal whose Put fails (a full or broken disk).
class FailingJournal : public JobJournal {
 public:
  absl::Status Put(const v1::Job&) override { return absl::UnavailableError("journal: disk full"); }
  absl::Status Remove(const std::string&) override { return absl::UnavailableError("journal: disk full"); }
  absl::StatusOr<std::vector<v1::Job>> LoadAll() override { return std::vector<v1::Job>{}; }
};

class JobSchedulerTest : public ::testing::Test {
 protected:
  static JobScheduler::Options Opts() {
    JobScheduler::Options o;
    o.heartbeat_interval_ms = 1'000;
    o.missed_heartbeats = 3;
    o.max_attempts = 3;
    return o;
  }

  std::string Submit(v1::JobSpec spec = Spec()) { return Submit(sched_, std::move(spec)); }
  static std::string Submit(JobScheduler& s, v1::JobSpec spec) {
    auto job = s.Submit(std::move(spec), "action-key", {});
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? job->id() : "";
  }

  v1::Job Get(const std::string& id) { return Get(sched_, id); }
  static v1::Job Get(JobScheduler& s, const std::string& id) {
    auto job = s.GetJob(id);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *job : v1::Job();
  }

  DeviceStatus DeviceOf(const std::string& host, const std::string& device) {
    for (const DeviceStatus& d : sched_.ListDevices()) {
      if (d.host_id == host && d.device.device_id == device) return d;
    }
    ADD_FAILURE() << "no device " << host << "/" << device;
    return DeviceStatus();
  }

  FakeClock clock_;
  MemoryJournal journal_;
  JobScheduler sched_{&clock_, &journal_, Opts()};
};

// --- Matching -------------------------------------------------------------------------------

struct MatchCase {
  const char* name;
  DeviceInfo device;
  bool matches;
};

TEST_F(JobSchedulerTest, MatchesArchAndEveryRequiredLabelExactly) {
  const std::map<std::string, std::string> required = {{"board", "n300"}, {"fw", "80.10"}};
  const MatchCase cases[] = {
      {"exact labels", Device("d", kWormhole, {{"board", "n300"}, {"fw", "80.10"}}), true},
      {"extra device labels", Device("d", kWormhole, {{"board", "n300"}, {"fw", "80.10"}, {"rack", "r7"}}), true},
      {"wrong arch", Device("d", "blackhole", {{"board", "n300"}, {"fw", "80.10"}}), false},
      {"missing label", Device("d", kWormhole, {{"board", "n300"}}), false},
      {"different value", Device("d", kWormhole, {{"board", "n300"}, {"fw", "80.9"}}), false},
      {"value is a prefix", Device("d", kWormhole, {{"board", "n300"}, {"fw", "80.1"}}), false},
      {"no labels", Device("d", kWormhole), false},
  };
  for (const MatchCase& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock;
    MemoryJournal journal;
    JobScheduler s(&clock, &journal, Opts());
    s.RegisterHost("h1", {c.device});
    const std::string id = Submit(s, Spec(kWormhole, required));
    auto a = s.Assign();
    if (c.matches) {
      ASSERT_THAT(a, SizeIs(1));
      EXPECT_EQ(a[0].job.id(), id);
      EXPECT_EQ(a[0].job.lease().host_id(), "h1");
      EXPECT_EQ(a[0].job.lease().device_id(), "d");
      EXPECT_EQ(Get(s, id).stage(), v1::EXECUTING);
    } else {
      EXPECT_THAT(a, IsEmpty());
      // Time passing and further rounds never change that.
      clock.Advance(10 * s.lease_period_ms());
      s.RegisterHost("h1", {c.device});
      EXPECT_THAT(s.Assign(), IsEmpty());
      EXPECT_EQ(Get(s, id).stage(), v1::QUEUED);
      EXPECT_EQ(Get(s, id).attempts(), 0);
    }
  }
}

TEST_F(JobSchedulerTest, PicksTheMatchingDeviceAmongOthersOnTheSameHost) {
  sched_.RegisterHost("h1", {Device("a-wrong-arch", "blackhole", {{"board", "n300"}}),
                             Device("b-missing-label", kWormhole), Device("c-wrong-value", kWormhole, {{"board", "n150"}}),
                             Device("d-match", kWormhole, {{"board", "n300"}, {"rack", "r1"}})});
  const std::string id = Submit(Spec(kWormhole, {{"board", "n300"}}));
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), id);
  EXPECT_EQ(a[0].job.lease().device_id(), "d-match");
}

TEST_F(JobSchedulerTest, OneJobPerDeviceAndASecondDeviceTakesTheSecondJob) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string first = Submit();
  const std::string second = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), first);
  EXPECT_EQ(a[0].job.lease().attempt(), 1);
  EXPECT_EQ(a[0].job.lease().deadline_ms(), clock_.NowMs() + sched_.lease_period_ms());

  // The device is busy: nothing more for it, however often we ask.
  EXPECT_THAT(sched_.Assign(), IsEmpty());
  EXPECT_EQ(Get(second).stage(), v1::QUEUED);
  EXPECT_EQ(DeviceOf("h1", "d0").job_id, first);

  sched_.RegisterHost("h2", {Device("d0")});
  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), second);
  EXPECT_EQ(a[0].job.lease().host_id(), "h2");
  EXPECT_NE(a[0].job.lease().lease_id(), Get(first).lease().lease_id());
  EXPECT_THAT(sched_.LeasesOf("h1"), ElementsAre(Get(first).lease().lease_id()));
  EXPECT_THAT(sched_.LeasesOf("h2"), ElementsAre(Get(second).lease().lease_id()));

  // Completing the first job frees h1/d0 for the next one.
  const std::string third = Submit();
  EXPECT_THAT(sched_.Assign(), IsEmpty());
  ASSERT_TRUE(*sched_.Report("h1", Get(first).lease().lease_id(), Result(v1::PASSED, "PASS")));
  EXPECT_EQ(DeviceOf("h1", "d0").job_id, "");
  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), third);
  EXPECT_EQ(a[0].job.lease().host_id(), "h1");
}

// --- Ordering -------------------------------------------------------------------------------

TEST_F(JobSchedulerTest, HigherPriorityFirstAndFifoWithinAPriority) {
  const std::string low1 = Submit(Spec(kWormhole, {}, 0));
  const std::string high1 = Submit(Spec(kWormhole, {}, 5));
  const std::string low2 = Submit(Spec(kWormhole, {}, 0));
  const std::string high2 = Submit(Spec(kWormhole, {}, 5));
  const std::string mid = Submit(Spec(kWormhole, {}, 1));
  const std::string negative = Submit(Spec(kWormhole, {}, -1));
  sched_.RegisterHost("h1", {Device("d0")});

  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    auto a = sched_.Assign();
    ASSERT_THAT(a, SizeIs(1)) << "round " << i;
    order.push_back(a[0].job.id());
    ASSERT_TRUE(*sched_.Report("h1", a[0].job.lease().lease_id(), Result(v1::PASSED, "PASS")));
  }
  EXPECT_THAT(order, ElementsAre(high1, high2, mid, low1, low2, negative));
  EXPECT_THAT(sched_.Assign(), IsEmpty());
}

// --- Leases and heartbeats ------------------------------------------------------------------

TEST_F(JobSchedulerTest, HeartbeatsRenewLeases) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  const std::string lease = Get(id).lease().lease_id();

  // Ten lease periods of regular heartbeats: the lease stays put.
  for (int i = 0; i < 30; ++i) {
    clock_.Advance(Opts().heartbeat_interval_ms);
    ASSERT_TRUE(sched_.Heartbeat("h1").ok());
    EXPECT_THAT(sched_.Expire(), IsEmpty());
    EXPECT_THAT(sched_.Assign(), IsEmpty());
  }
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::EXECUTING);
  EXPECT_EQ(job.lease().lease_id(), lease);
  EXPECT_EQ(job.lease().deadline_ms(), clock_.NowMs() + sched_.lease_period_ms());
  EXPECT_EQ(job.attempts(), 1);
  EXPECT_TRUE(DeviceOf("h1", "d0").host_online);
  EXPECT_TRUE(*sched_.Report("h1", lease, Result(v1::PASSED, "PASS")));
}

TEST_F(JobSchedulerTest, SilentHostLosesItsLeaseAndMustRegisterAgain) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  const std::string lease = Get(id).lease().lease_id();

  // Just short of the lease period: nothing happens yet.
  clock_.Advance(sched_.lease_period_ms() - 1);
  EXPECT_THAT(sched_.Expire(), IsEmpty());
  EXPECT_EQ(Get(id).stage(), v1::EXECUTING);

  clock_.Advance(2);
  EXPECT_THAT(sched_.Assign(), IsEmpty());  // Assign runs Expire; the only host is now lost
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::QUEUED);
  EXPECT_EQ(job.attempts(), 1);
  EXPECT_FALSE(job.has_lease());
  EXPECT_THAT(job.progress(), HasSubstr("requeued"));
  EXPECT_THAT(job.progress(), HasSubstr("h1/d0"));
  EXPECT_THAT(job.hosts_tried(), ElementsAre("h1"));

  // The host is offline: no jobs, no heartbeats, no leases, its device free.
  EXPECT_FALSE(DeviceOf("h1", "d0").host_online);
  EXPECT_EQ(DeviceOf("h1", "d0").job_id, "");
  EXPECT_THAT(sched_.LeasesOf("h1"), IsEmpty());
  EXPECT_EQ(sched_.Heartbeat("h1").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sched_.Heartbeat("never-registered").code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(sched_.Assign(), IsEmpty());
  EXPECT_EQ(sched_.Progress("h1", lease, "still here").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sched_.Reattach("h1", lease).code(), absl::StatusCode::kNotFound);

  // Registering again brings it back; the job gets a new lease, attempt 2.
  sched_.RegisterHost("h1", {Device("d0")});
  EXPECT_TRUE(sched_.Heartbeat("h1").ok());
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), id);
  EXPECT_EQ(a[0].job.attempts(), 2);
  EXPECT_EQ(a[0].job.lease().attempt(), 2);
  EXPECT_NE(a[0].job.lease().lease_id(), lease);
  EXPECT_THAT(a[0].job.hosts_tried(), ElementsAre("h1", "h1"));
}

TEST_F(JobSchedulerTest, ExpiredLeaseGoesToAnotherHost) {
  sched_.RegisterHost("h1", {Device("d0")});
  sched_.RegisterHost("h2", {Device("d0")});
  const std::string id = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  const std::string first_host = a[0].job.lease().host_id();
  const std::string other = first_host == "h1" ? "h2" : "h1";

  // Only the other host keeps heartbeating.
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(Opts().heartbeat_interval_ms);
    ASSERT_TRUE(sched_.Heartbeat(other).ok());
  }
  EXPECT_THAT(sched_.Expire(), ElementsAre(id));
  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.lease().host_id(), other);
  EXPECT_THAT(a[0].job.hosts_tried(), ElementsAre(first_host, other));
}

TEST_F(JobSchedulerTest, GivesUpAfterMaxAttemptsNamingEveryHostTried) {
  const std::string id = Submit();
  const std::vector<std::string> hosts = {"h-alpha", "h-beta", "h-gamma"};
  for (size_t i = 0; i < hosts.size(); ++i) {
    sched_.RegisterHost(hosts[i], {Device("d0")});
    auto a = sched_.Assign();
    ASSERT_THAT(a, SizeIs(1));
    EXPECT_EQ(a[0].job.lease().host_id(), hosts[i]);
    clock_.Advance(sched_.lease_period_ms());
    EXPECT_THAT(sched_.Expire(), ElementsAre(id));
    if (i + 1 < hosts.size()) {
      EXPECT_EQ(Get(id).stage(), v1::QUEUED);
    }
  }
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::COMPLETED);
  EXPECT_EQ(job.attempts(), 3);
  EXPECT_FALSE(job.has_lease());
  EXPECT_EQ(job.result().outcome(), v1::ERROR);
  for (const std::string& h : hosts) EXPECT_THAT(job.result().summary(), HasSubstr(h));
  EXPECT_THAT(job.result().summary(), HasSubstr("3 attempts"));

  // A completed job is never leased again, even with a fresh host.
  sched_.RegisterHost("h-delta", {Device("d0")});
  EXPECT_THAT(sched_.Assign(), IsEmpty());
  EXPECT_EQ(Get(id).attempts(), 3);
}

// --- Reports --------------------------------------------------------------------------------

TEST_F(JobSchedulerTest, DuplicateReportIsAcknowledgedAndChangesNothing) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  const std::string lease = a[0].job.lease().lease_id();
  ASSERT_TRUE(sched_.Progress("h1", lease, "running 3/4").ok());
  EXPECT_EQ(Get(id).progress(), "running 3/4");

  auto first = sched_.Report("h1", lease, Result(v1::PASSED, "PASS"));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  const v1::Job done = Get(id);
  EXPECT_EQ(done.stage(), v1::COMPLETED);
  EXPECT_EQ(done.result().outcome(), v1::PASSED);
  EXPECT_EQ(done.result().summary(), "PASS");
  EXPECT_EQ(done.result().host_id(), "h1");
  EXPECT_EQ(done.result().device_id(), "d0");

  clock_.Advance(5);
  auto second = sched_.Report("h1", lease, Result(v1::FAILED, "C[0,0]: 1.5 != 2.0"));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  const v1::Job after = Get(id);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(after, done)) << after.DebugString();
  EXPECT_EQ(sched_.Progress("h1", lease, "late").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(DeviceOf("h1", "d0").job_id, "");
}

TEST_F(JobSchedulerTest, LateReportForARequeuedLeaseIsIgnored) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  const std::string old_lease = Get(id).lease().lease_id();

  // h1 goes silent; h2 arrives after the requeue and takes the job.
  clock_.Advance(sched_.lease_period_ms());
  EXPECT_THAT(sched_.Expire(), ElementsAre(id));
  sched_.RegisterHost("h2", {Device("d0")});
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  const std::string new_lease = a[0].job.lease().lease_id();
  ASSERT_NE(new_lease, old_lease);

  // h1's late verdict is acknowledged but ignored.
  auto late = sched_.Report("h1", old_lease, Result(v1::FAILED, "late verdict from h1"));
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
  EXPECT_EQ(sched_.Progress("h1", old_lease, "late progress").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(sched_.ReportCrash("h1", old_lease, "late crash").ok());
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::GOOD);  // a stale crash blames nobody
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::EXECUTING);
  EXPECT_EQ(job.lease().lease_id(), new_lease);
  EXPECT_FALSE(job.has_result());

  // The new lease answers only to h2: h1 cannot report on it, crash it or post progress.
  auto forged = sched_.Report("h1", new_lease, Result(v1::FAILED, "forged by h1"));
  EXPECT_TRUE(absl::IsPermissionDenied(forged.status())) << forged.status();
  EXPECT_THAT(std::string(forged.status().message()), HasSubstr("held by host h2, not by h1"));
  EXPECT_TRUE(absl::IsPermissionDenied(sched_.ReportCrash("h1", new_lease, "forged crash")));
  EXPECT_TRUE(absl::IsPermissionDenied(sched_.Progress("h1", new_lease, "forged progress")));
  EXPECT_EQ(DeviceOf("h2", "d0").device.health, v1::GOOD);
  EXPECT_EQ(Get(id).stage(), v1::EXECUTING);
  ASSERT_TRUE(sched_.Progress("h2", new_lease, "comparing outputs").ok());
  auto current = sched_.Report("h2", new_lease, Result(v1::PASSED, "PASS"));
  ASSERT_TRUE(current.ok());
  EXPECT_TRUE(*current);
  job = Get(id);
  EXPECT_EQ(job.stage(), v1::COMPLETED);
  EXPECT_EQ(job.result().outcome(), v1::PASSED);
  EXPECT_EQ(job.result().host_id(), "h2");
  EXPECT_EQ(job.attempts(), 2);
}

// --- Cancel ---------------------------------------------------------------------------------

TEST_F(JobSchedulerTest, CancelQueuedJobIsNeverAssigned) {
  const std::string id = Submit();
  auto revoked = sched_.Cancel(id);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, "");
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::COMPLETED);
  EXPECT_EQ(job.result().outcome(), v1::CANCELLED);

  sched_.RegisterHost("h1", {Device("d0")});
  EXPECT_THAT(sched_.Assign(), IsEmpty());
  EXPECT_EQ(Get(id).attempts(), 0);
  EXPECT_THAT(sched_.ListJobs(v1::QUEUED), IsEmpty());
}

TEST_F(JobSchedulerTest, CancelExecutingJobRevokesTheLeaseAndFreesTheDevice) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  const std::string next = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  ASSERT_EQ(a[0].job.id(), id);
  const std::string lease = a[0].job.lease().lease_id();

  auto revoked = sched_.Cancel(id);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, lease);
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::COMPLETED);
  EXPECT_EQ(job.result().outcome(), v1::CANCELLED);
  EXPECT_FALSE(job.has_lease());
  EXPECT_EQ(DeviceOf("h1", "d0").job_id, "");
  EXPECT_THAT(sched_.LeasesOf("h1"), IsEmpty());

  // The agent had not heard yet: its report is ignored and the job stays cancelled.
  auto report = sched_.Report("h1", lease, Result(v1::PASSED, "PASS"));
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(*report);
  EXPECT_EQ(Get(id).result().outcome(), v1::CANCELLED);
  EXPECT_EQ(sched_.Progress("h1", lease, "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sched_.Reattach("h1", lease).code(), absl::StatusCode::kNotFound);

  // The freed device takes the next job; the cancelled lease never expires into a requeue.
  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), next);
  clock_.Advance(sched_.lease_period_ms());
  sched_.Expire();
  EXPECT_EQ(Get(id).stage(), v1::COMPLETED);
  EXPECT_EQ(Get(id).result().outcome(), v1::CANCELLED);
}

TEST_F(JobSchedulerTest, CancelCompletedOrUnknownJobFails) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  ASSERT_TRUE(*sched_.Report("h1", a[0].job.lease().lease_id(), Result(v1::FAILED, "C[3,7] mismatch")));

  auto done = sched_.Cancel(id);
  EXPECT_EQ(done.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(done.status().message()), HasSubstr(id));
  EXPECT_EQ(Get(id).result().outcome(), v1::FAILED);  // untouched

  const std::string cancelled = Submit();
  ASSERT_TRUE(sched_.Cancel(cancelled).ok());
  EXPECT_EQ(sched_.Cancel(cancelled).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get(cancelled).result().outcome(), v1::CANCELLED);

  auto unknown = sched_.Cancel("job-9999999999-ffffffff");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sched_.GetJob("job-9999999999-ffffffff").status().code(), absl::StatusCode::kNotFound);
}

// --- Device health --------------------------------------------------------------------------

TEST_F(JobSchedulerTest, CrashMarksTheDeviceBadAndRequeuesOnAGoodOne) {
  sched_.RegisterHost("h1", {Device("d0"), Device("d1")});
  const std::string a_id = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  ASSERT_EQ(a[0].job.lease().device_id(), "d0");
  const std::string crashed = a[0].job.lease().lease_id();

  ASSERT_TRUE(sched_.ReportCrash("h1", crashed, "agent segfault in dispatch").ok());
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::BAD);
  EXPECT_EQ(DeviceOf("h1", "d0").job_id, "");
  v1::Job job = Get(a_id);
  EXPECT_EQ(job.stage(), v1::QUEUED);
  EXPECT_EQ(job.attempts(), 1);
  EXPECT_THAT(job.progress(), HasSubstr("agent segfault in dispatch"));
  EXPECT_FALSE(*sched_.Report("h1", crashed, Result(v1::PASSED, "PASS")));

  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), a_id);
  EXPECT_EQ(a[0].job.lease().device_id(), "d1");
  EXPECT_EQ(a[0].job.attempts(), 2);

  // The BAD device takes nothing, even after its host re-registers it as GOOD.
  const std::string b_id = Submit();
  EXPECT_THAT(sched_.Assign(), IsEmpty());
  sched_.RegisterHost("h1", {Device("d0", kWormhole, {}, v1::GOOD), Device("d1")});
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::BAD);
  EXPECT_THAT(sched_.Assign(), IsEmpty());
  EXPECT_EQ(Get(b_id).stage(), v1::QUEUED);

  // An operator restores it.
  ASSERT_TRUE(sched_.SetHealth("h1", "d0", v1::GOOD).ok());
  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), b_id);
  EXPECT_EQ(a[0].job.lease().device_id(), "d0");
}

TEST_F(JobSchedulerTest, MaintenanceAndBadDevicesAreOutOfRotation) {
  sched_.RegisterHost("h1", {Device("d0"), Device("d1", kWormhole, {}, v1::BAD)});
  ASSERT_TRUE(sched_.SetHealth("h1", "d0", v1::MAINTENANCE).ok());
  const std::string id = Submit();
  EXPECT_THAT(sched_.Assign(), IsEmpty());

  // A re-register reporting GOOD clears neither verdict.
  sched_.RegisterHost("h1", {Device("d0"), Device("d1")});
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::MAINTENANCE);
  EXPECT_EQ(DeviceOf("h1", "d1").device.health, v1::BAD);
  EXPECT_THAT(sched_.Assign(), IsEmpty());

  // An agent's goodbye session registers no devices; the verdicts outlive it, so a drained
  // device comes back in MAINTENANCE when the agent restarts.
  sched_.RegisterHost("h1", {});
  sched_.RegisterHost("h1", {Device("d0"), Device("d1")});
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::MAINTENANCE);
  EXPECT_EQ(DeviceOf("h1", "d1").device.health, v1::BAD);
  EXPECT_THAT(sched_.Assign(), IsEmpty());

  // A host reporting a device BAD itself wins over the scheduler's GOOD.
  sched_.RegisterHost("h2", {Device("d0")});
  sched_.RegisterHost("h2", {Device("d0", kWormhole, {}, v1::BAD)});
  EXPECT_EQ(DeviceOf("h2", "d0").device.health, v1::BAD);
  EXPECT_THAT(sched_.Assign(), IsEmpty());

  ASSERT_TRUE(sched_.SetHealth("h1", "d1", v1::GOOD).ok());
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), id);
  EXPECT_EQ(a[0].job.lease().device_id(), "d1");

  EXPECT_EQ(sched_.SetHealth("h1", "d9", v1::GOOD).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sched_.SetHealth("h9", "d0", v1::GOOD).code(), absl::StatusCode::kNotFound);
}

// --- Disconnect -----------------------------------------------------------------------------

TEST_F(JobSchedulerTest, DisconnectWithRequeueNowHandsTheLeaseBackAtOnce) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  const std::string lease = Get(id).lease().lease_id();

  sched_.DisconnectHost("h1", /*requeue_now=*/true);
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::QUEUED);
  EXPECT_EQ(job.attempts(), 1);
  EXPECT_THAT(job.progress(), HasSubstr("requeued"));
  EXPECT_THAT(sched_.LeasesOf("h1"), IsEmpty());
  EXPECT_FALSE(DeviceOf("h1", "d0").host_online);
  EXPECT_FALSE(*sched_.Report("h1", lease, Result(v1::PASSED, "PASS")));

  // No time passes; another host takes it, the disconnected one does not.
  sched_.RegisterHost("h2", {Device("d0")});
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.lease().host_id(), "h2");
}

TEST_F(JobSchedulerTest, DisconnectWithoutRequeueKeepsTheLeaseUntilItExpires) {
  sched_.RegisterHost("h1", {Device("d0")});
  sched_.RegisterHost("h2", {Device("d0")});
  const std::string id = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  ASSERT_EQ(a[0].job.lease().host_id(), "h1");
  const std::string lease = a[0].job.lease().lease_id();

  sched_.DisconnectHost("h1", /*requeue_now=*/false);
  EXPECT_FALSE(DeviceOf("h1", "d0").host_online);
  EXPECT_EQ(sched_.Heartbeat("h1").code(), absl::StatusCode::kNotFound);
  const std::string other = Submit();
  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));  // h2 takes the new job; h1 takes nothing while disconnected
  EXPECT_EQ(a[0].job.id(), other);
  EXPECT_EQ(a[0].job.lease().host_id(), "h2");

  clock_.Advance(sched_.lease_period_ms() - 1);
  ASSERT_TRUE(sched_.Heartbeat("h2").ok());
  EXPECT_THAT(sched_.Expire(), IsEmpty());
  EXPECT_EQ(Get(id).stage(), v1::EXECUTING);
  EXPECT_EQ(Get(id).lease().lease_id(), lease);
  EXPECT_THAT(sched_.LeasesOf("h1"), ElementsAre(lease));

  clock_.Advance(1);
  EXPECT_THAT(sched_.Expire(), ElementsAre(id));
  EXPECT_EQ(Get(id).stage(), v1::QUEUED);
  EXPECT_EQ(Get(id).attempts(), 1);
  EXPECT_THAT(sched_.LeasesOf("h1"), IsEmpty());
}

// --- Restart recovery -----------------------------------------------------------------------

TEST_F(JobSchedulerTest, RecoversQueuedExecutingAndCompletedJobsAfterRestart) {
  sched_.RegisterHost("h1", {Device("d0")});
  sched_.RegisterHost("h2", {Device("d0")});
  sched_.RegisterHost("h3", {Device("d0")});
  const std::string done = Submit();
  const std::string reattached = Submit();
  const std::string orphan = Submit();
  const std::string queued = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(3));
  std::map<std::string, v1::Lease> leases;
  for (const Assignment& x : a) leases[x.job.id()] = x.job.lease();
  ASSERT_EQ(leases[done].host_id(), "h1");
  ASSERT_EQ(leases[reattached].host_id(), "h2");
  ASSERT_EQ(leases[orphan].host_id(), "h3");
  ASSERT_TRUE(*sched_.Report("h1", leases[done].lease_id(), Result(v1::PASSED, "PASS")));
  ASSERT_EQ(Get(queued).stage(), v1::QUEUED);

  // The daemon restarts some time later: a new scheduler over the same journal.
  clock_.Advance(Opts().heartbeat_interval_ms);
  JobScheduler s2(&clock_, &journal_, Opts());
  ASSERT_TRUE(s2.Recover().ok());
  const int64_t recovered_at = clock_.NowMs();

  v1::Job d = Get(s2, done);
  EXPECT_EQ(d.stage(), v1::COMPLETED);
  EXPECT_EQ(d.result().outcome(), v1::PASSED);
  EXPECT_EQ(d.result().summary(), "PASS");
  EXPECT_EQ(d.result().host_id(), "h1");
  EXPECT_EQ(Get(s2, queued).stage(), v1::QUEUED);
  EXPECT_EQ(Get(s2, reattached).stage(), v1::EXECUTING);
  EXPECT_EQ(Get(s2, reattached).lease().deadline_ms(), recovered_at + s2.lease_period_ms());
  EXPECT_EQ(Get(s2, orphan).stage(), v1::EXECUTING);
  EXPECT_THAT(s2.ListJobs(), SizeIs(4));

  // h1 (idle) and h2 (still running its job) reconnect; h3 never does.
  s2.RegisterHost("h1", {Device("d0")});
  s2.RegisterHost("h2", {Device("d0")});
  ASSERT_TRUE(s2.Reattach("h2", leases[reattached].lease_id()).ok());
  EXPECT_EQ(s2.Reattach("h2", leases[orphan].lease_id()).code(), absl::StatusCode::kNotFound);  // not h2's
  EXPECT_EQ(s2.Reattach("h1", leases[done].lease_id()).code(), absl::StatusCode::kNotFound);    // finished

  // The queued job goes to h1; h2's device is still busy with the reattached lease.
  a = s2.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), queued);
  EXPECT_EQ(a[0].job.lease().host_id(), "h1");

  // Half a lease period on, h1 and h2 heartbeat; at a full period the orphan is requeued,
  // the reattached job is not.
  clock_.Advance(s2.lease_period_ms() / 2);
  ASSERT_TRUE(s2.Heartbeat("h1").ok());
  ASSERT_TRUE(s2.Heartbeat("h2").ok());
  clock_.Advance(s2.lease_period_ms() - s2.lease_period_ms() / 2);
  EXPECT_THAT(s2.Expire(), ElementsAre(orphan));
  v1::Job o = Get(s2, orphan);
  EXPECT_EQ(o.stage(), v1::QUEUED);
  EXPECT_EQ(o.attempts(), 1);
  EXPECT_THAT(o.progress(), HasSubstr("requeued"));
  EXPECT_EQ(Get(s2, reattached).stage(), v1::EXECUTING);

  auto r = s2.Report("h2", leases[reattached].lease_id(), Result(v1::FAILED, "C[0,1]: 3 != 4"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  v1::Job re = Get(s2, reattached);
  EXPECT_EQ(re.stage(), v1::COMPLETED);
  EXPECT_EQ(re.result().outcome(), v1::FAILED);
  EXPECT_EQ(re.result().host_id(), "h2");

  // A new job gets a fresh id, ordered after the recovered ones: the requeued orphan
  // (submitted earlier) is served first on the one free device.
  std::set<std::string> old_ids = {done, reattached, orphan, queued};
  const std::string fresh = Submit(s2, Spec());
  EXPECT_FALSE(old_ids.count(fresh));
  EXPECT_GT(fresh, *old_ids.rbegin());
  a = s2.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), orphan);
  EXPECT_EQ(a[0].job.lease().host_id(), "h2");
  EXPECT_EQ(Get(s2, fresh).stage(), v1::QUEUED);
}

// The contract (job_scheduler.h): leases a host held across a restart continue only through
// Reattach. A host that reconnects and heartbeats but does not reattach (its agent lost the
// work) must not keep the job forever.
TEST_F(JobSchedulerTest, RecoveredLeaseNotReattachedIsRequeuedEvenIfItsHostHeartbeats) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  ASSERT_THAT(sched_.Assign(), SizeIs(1));

  JobScheduler s2(&clock_, &journal_, Opts());
  ASSERT_TRUE(s2.Recover().ok());
  s2.RegisterHost("h1", {Device("d0")});
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(Opts().heartbeat_interval_ms);
    ASSERT_TRUE(s2.Heartbeat("h1").ok());
  }
  auto a = s2.Assign();
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].job.id(), id);
  EXPECT_EQ(a[0].job.attempts(), 2);
}

// The restart race (issue: a result thrown away by a restart): ttcd restarts, the agent's
// reconnect backoff outlasts a lease period, the job is requeued. Back, the agent reattaches
// the attempt it still runs; one that finished while away reports it, and the report counts.
TEST_F(JobSchedulerTest, AnAgentBackAfterItsLeaseExpiredAcrossARestartReattachesTheAttempt) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  const std::string lease = Get(id).lease().lease_id();

  JobScheduler s2(&clock_, &journal_, Opts());
  ASSERT_TRUE(s2.Recover().ok());
  clock_.Advance(s2.lease_period_ms());
  EXPECT_THAT(s2.Expire(), ElementsAre(id));
  EXPECT_EQ(Get(s2, id).stage(), v1::QUEUED);
  EXPECT_EQ(Get(s2, id).previous_lease().lease_id(), lease);

  // Another host cannot take over the attempt, by reattaching or by reporting.
  s2.RegisterHost("h2", {Device("d9", kWormhole, {{"pool", "other"}})});
  EXPECT_TRUE(absl::IsNotFound(s2.Reattach("h2", lease)));
  auto forged = s2.Report("h2", lease, Result(v1::FAILED, "forged"));
  EXPECT_TRUE(absl::IsPermissionDenied(forged.status())) << forged.status();

  s2.RegisterHost("h1", {Device("d0")});
  ASSERT_TRUE(s2.Reattach("h1", lease).ok());
  v1::Job job = Get(s2, id);
  EXPECT_EQ(job.stage(), v1::EXECUTING);
  EXPECT_EQ(job.lease().lease_id(), lease);
  EXPECT_EQ(job.attempts(), 1);  // the same attempt, not a new one
  EXPECT_THAT(job.history(job.history_size() - 1).detail(), HasSubstr("attempt 1 reattached by h1/d0"));
  EXPECT_THAT(s2.Assign(), IsEmpty());  // d0 is busy with it
  auto report = s2.Report("h1", lease, Result(v1::PASSED, "PASS"));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(*report);
  EXPECT_EQ(Get(s2, id).result().outcome(), v1::PASSED);
}

TEST_F(JobSchedulerTest, AResultReportedForAnExpiredLeaseCountsWhileNoOtherAttemptStarted) {
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  const std::string lease = Get(id).lease().lease_id();
  clock_.Advance(sched_.lease_period_ms());
  EXPECT_THAT(sched_.Expire(), ElementsAre(id));

  JobScheduler::ReportNote note;
  auto late = sched_.Report("h1", lease, Result(v1::PASSED, "PASS"), &note);
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_TRUE(*late);
  EXPECT_EQ(note.job_id, id);
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::COMPLETED);
  EXPECT_EQ(job.result().outcome(), v1::PASSED);
  EXPECT_EQ(job.result().device_id(), "d0");
  EXPECT_FALSE(job.has_previous_lease());

  // Once another attempt runs, the earlier one's report is refused with the reason.
  const std::string id2 = Submit();
  sched_.RegisterHost("h1", {Device("d0")});
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  const std::string lease2 = Get(id2).lease().lease_id();
  clock_.Advance(sched_.lease_period_ms());
  sched_.Expire();
  sched_.RegisterHost("h2", {Device("d0")});
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  JobScheduler::ReportNote refused;
  auto stale = sched_.Report("h1", lease2, Result(v1::FAILED, "stale"), &refused);
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);
  EXPECT_THAT(refused.why, HasSubstr("attempt 2 runs on h2/d0"));
  EXPECT_EQ(Get(id2).stage(), v1::EXECUTING);
}

TEST_F(JobSchedulerTest, AJobThatCrashesItsOwnProcessTwiceFailsAndLeavesTheDevicesGood) {
  sched_.RegisterHost("h1", {Device("d0")});
  sched_.RegisterHost("h2", {Device("d0")});
  const std::string id = Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  const std::string first_host = a[0].job.lease().host_id();
  ASSERT_TRUE(sched_.ReportCrash(first_host, a[0].job.lease().lease_id(), "out of memory", true).ok());
  EXPECT_EQ(Get(id).stage(), v1::QUEUED);
  EXPECT_FALSE(Get(id).has_previous_lease());  // a crash is that attempt's end
  EXPECT_EQ(DeviceOf(first_host, "d0").device.health, v1::GOOD);

  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  const std::string second_host = a[0].job.lease().host_id();
  ASSERT_TRUE(sched_.ReportCrash(second_host, a[0].job.lease().lease_id(), "killed by SIGSEGV", true).ok());
  v1::Job job = Get(id);
  EXPECT_EQ(job.stage(), v1::COMPLETED);
  EXPECT_EQ(job.result().outcome(), v1::ERROR);
  EXPECT_EQ(job.attempts(), 2);  // not tried on a third host (max_attempts is 3)
  EXPECT_THAT(job.result().summary(), HasSubstr("crashed its validation process 2 times"));
  EXPECT_THAT(job.result().summary(), HasSubstr(first_host + "/d0: out of memory"));
  EXPECT_THAT(job.result().summary(), HasSubstr(second_host + "/d0: killed by SIGSEGV"));
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::GOOD);
  EXPECT_EQ(DeviceOf("h2", "d0").device.health, v1::GOOD);
  EXPECT_EQ(DeviceOf("h1", "d0").job_id, "");
  EXPECT_EQ(DeviceOf("h2", "d0").job_id, "");

  // An agent-side crash (not the job's doing) still takes the device out of rotation.
  const std::string other = Submit();
  a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  ASSERT_TRUE(sched_.ReportCrash(a[0].job.lease().host_id(), a[0].job.lease().lease_id(), "cannot fetch").ok());
  EXPECT_EQ(DeviceOf(a[0].job.lease().host_id(), "d0").device.health, v1::BAD);
  EXPECT_EQ(Get(other).stage(), v1::QUEUED);
}

// --- Persistence ----------------------------------------------------------------------------

TEST_F(JobSchedulerTest, SubmitFailsWhenTheJournalCannotPersist) {
  FailingJournal journal;
  JobScheduler s(&clock_, &journal, Opts());
  int notified = 0;
  s.SetListener([&](const v1::Job&) { ++notified; });
  s.RegisterHost("h1", {Device("d0")});

  auto job = s.Submit(Spec(), "action-key", {});
  EXPECT_EQ(job.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(job.status().message()), HasSubstr("disk full"));
  EXPECT_THAT(s.ListJobs(), IsEmpty());
  EXPECT_THAT(s.Assign(), IsEmpty());
  EXPECT_EQ(notified, 0);
}

TEST_F(JobSchedulerTest, SubmittedJobIsInTheJournalWithItsProgram) {
  v1::OutputFileRef f;
  f.set_path("kernels/compute.cpp");
  f.mutable_digest()->set_hash("ab12");
  auto job = sched_.Submit(Spec(), "key-1", {f});
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->stage(), v1::QUEUED);
  EXPECT_EQ(job->spec().backend(), "emulator");
  EXPECT_EQ(job->created_ms(), clock_.NowMs());

  auto stored = journal_.LoadAll();
  ASSERT_TRUE(stored.ok());
  ASSERT_THAT(*stored, SizeIs(1));
  EXPECT_EQ((*stored)[0].id(), job->id());
  EXPECT_EQ((*stored)[0].action_key(), "key-1");
  ASSERT_EQ((*stored)[0].program_size(), 1);
  EXPECT_EQ((*stored)[0].program(0).path(), "kernels/compute.cpp");
  EXPECT_EQ((*stored)[0].stage(), v1::QUEUED);
}

// --- Retention ------------------------------------------------------------------------------

// ttcd keeps the newest max_completed_jobs completed jobs (by completion), in memory and in the
// journal: a CI fleet's resubmits do not grow either without bound. Queued and running jobs
// are never forgotten.
TEST_F(JobSchedulerTest, OnlyTheNewestCompletedJobsAreKept) {
  JobScheduler::Options o = Opts();
  o.max_completed_jobs = 2;
  MemoryJournal journal;
  JobScheduler s(&clock_, &journal, o);
  s.RegisterHost("h1", {Device("d0")});
  std::vector<std::string> done;
  for (int i = 0; i < 3; ++i) {
    done.push_back(Submit(s, Spec()));
    auto a = s.Assign();
    ASSERT_EQ(a.size(), 1u);
    clock_.Advance(10);
    ASSERT_TRUE(*s.Report("h1", a[0].job.lease().lease_id(), Result(v1::PASSED, "PASS")));
  }
  const std::string cancelled = Submit(s, Spec());  // completes without running; done[0] goes
  ASSERT_TRUE(s.Cancel(cancelled).ok());
  const std::string queued = Submit(s, Spec());     // done[1] goes
  auto gone = s.GetJob(done[0]);
  EXPECT_TRUE(absl::IsNotFound(gone.status()));
  EXPECT_THAT(std::string(gone.status().message()), HasSubstr("keeps the newest 2 completed jobs"));
  EXPECT_TRUE(absl::IsNotFound(s.GetJob(done[1]).status()));
  EXPECT_EQ(Get(s, done[2]).stage(), v1::COMPLETED);
  EXPECT_EQ(Get(s, cancelled).stage(), v1::COMPLETED);
  EXPECT_EQ(Get(s, queued).stage(), v1::QUEUED);
  auto stored = journal.LoadAll();
  ASSERT_TRUE(stored.ok());
  std::vector<std::string> ids;
  for (const auto& j : *stored) ids.push_back(j.id());
  EXPECT_THAT(ids, UnorderedElementsAre(done[2], cancelled, queued));

  // A restart with a smaller bound forgets the oldest completion at once.
  o.max_completed_jobs = 1;
  JobScheduler restarted(&clock_, &journal, o);
  ASSERT_TRUE(restarted.Recover().ok());
  EXPECT_TRUE(absl::IsNotFound(restarted.GetJob(done[2]).status()));
  EXPECT_EQ(Get(restarted, cancelled).stage(), v1::COMPLETED);
  EXPECT_EQ(Get(restarted, queued).stage(), v1::QUEUED);
}

// --- Listener -------------------------------------------------------------------------------

TEST_F(JobSchedulerTest, ListenerSeesEveryStageChangeIncludingRequeue) {
  std::vector<std::pair<std::string, v1::JobStage>> seen;
  sched_.SetListener([&](const v1::Job& j) {
    if (seen.empty() || seen.back() != std::make_pair(j.id(), j.stage())) seen.emplace_back(j.id(), j.stage());
  });
  sched_.RegisterHost("h1", {Device("d0")});
  const std::string id = Submit();
  ASSERT_THAT(sched_.Assign(), SizeIs(1));
  clock_.Advance(sched_.lease_period_ms());
  sched_.RegisterHost("h2", {Device("d0")});
  auto a = sched_.Assign();  // h1 lost: requeued, then leased to h2 in the same round
  ASSERT_THAT(a, SizeIs(1));
  ASSERT_EQ(a[0].job.lease().host_id(), "h2");
  ASSERT_TRUE(*sched_.Report("h2", a[0].job.lease().lease_id(), Result(v1::PASSED, "PASS")));

  EXPECT_THAT(seen, ElementsAre(Pair(id, v1::QUEUED), Pair(id, v1::EXECUTING), Pair(id, v1::QUEUED),
                                Pair(id, v1::EXECUTING), Pair(id, v1::COMPLETED)));
  // The job's history has every stage it entered, with why, on the scheduler's clock.
  auto job = sched_.GetJob(id);
  ASSERT_TRUE(job.ok());
  std::vector<std::pair<v1::JobStage, std::string>> history;
  for (const auto& e : job->history()) history.emplace_back(e.stage(), e.detail());
  EXPECT_THAT(history, ElementsAre(Pair(v1::CACHE_CHECK, ""), Pair(v1::QUEUED, ""),
                                   Pair(v1::EXECUTING, "attempt 1 on h1/d0"),
                                   Pair(v1::QUEUED, "requeued: lease on h1/d0 expired"),
                                   Pair(v1::EXECUTING, "attempt 2 on h2/d0"), Pair(v1::COMPLETED, "PASSED")));
  EXPECT_EQ(job->history(0).at_ms(), job->created_ms());
  EXPECT_EQ(job->history(5).at_ms(), clock_.NowMs());
}

TEST_F(JobSchedulerTest, ListenerSeesProgressAndTheFinalResult) {
  std::vector<v1::Job> seen;
  sched_.SetListener([&](const v1::Job& j) { seen.push_back(j); });
  sched_.RegisterHost("h1", {Device("d0")});
  Submit();
  auto a = sched_.Assign();
  ASSERT_THAT(a, SizeIs(1));
  const std::string lease = a[0].job.lease().lease_id();
  ASSERT_TRUE(sched_.Progress("h1", lease, "running on device").ok());
  ASSERT_TRUE(*sched_.Report("h1", lease, Result(v1::FAILED, "C[1,2]: 0.5 != 0.25")));
  EXPECT_FALSE(*sched_.Report("h1", lease, Result(v1::PASSED, "PASS")));  // ignored: not notified

  ASSERT_THAT(seen, SizeIs(4));
  EXPECT_EQ(seen[2].stage(), v1::EXECUTING);
  EXPECT_EQ(seen[2].progress(), "running on device");
  EXPECT_EQ(seen[3].stage(), v1::COMPLETED);
  EXPECT_EQ(seen[3].result().outcome(), v1::FAILED);
  EXPECT_EQ(seen[3].result().summary(), "C[1,2]: 0.5 != 0.25");
}

// --- Validation -----------------------------------------------------------------------------

TEST_F(JobSchedulerTest, SubmitRejectsASpecWithoutKernelOrArch) {
  v1::JobSpec no_kernel;
  no_kernel.set_arch(kWormhole);
  auto a = sched_.Submit(no_kernel, "k", {});
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(a.status().message()), HasSubstr("spec.request.func"));

  v1::JobSpec empty_request = Spec();
  empty_request.mutable_request()->clear_func();
  auto b = sched_.Submit(empty_request, "k", {});
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("spec.request.func"));

  auto c = sched_.Submit(Spec(""), "k", {});
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("spec.arch"));

  EXPECT_THAT(sched_.ListJobs(), IsEmpty());
  EXPECT_THAT(journal_.LoadAll().value(), IsEmpty());
}


TEST_F(JobSchedulerTest, HealthChecksTakeADeviceOutOfRotationAndBringItBackButNotOutOfMaintenance) {
  sched_.RegisterHost("h1", {Device("d0")});
  ASSERT_TRUE(sched_.RecordHealthCheck("h1", "d0", /*passed=*/false).ok());
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::BAD);
  const std::string id = Submit();
  EXPECT_TRUE(sched_.Assign().empty());  // a BAD device gets no job
  ASSERT_TRUE(sched_.RecordHealthCheck("h1", "d0", /*passed=*/true).ok());
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::GOOD);
  auto granted = sched_.Assign();
  ASSERT_EQ(granted.size(), 1u);
  EXPECT_EQ(granted[0].job.id(), id);

  // Maintenance is the operator's: a passing check does not end it, a failing one does not
  // change it.
  ASSERT_TRUE(sched_.SetHealth("h1", "d0", v1::MAINTENANCE).ok());
  ASSERT_TRUE(sched_.RecordHealthCheck("h1", "d0", true).ok());
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::MAINTENANCE);
  ASSERT_TRUE(sched_.RecordHealthCheck("h1", "d0", false).ok());
  EXPECT_EQ(DeviceOf("h1", "d0").device.health, v1::MAINTENANCE);
  EXPECT_EQ(sched_.RecordHealthCheck("h1", "nope", true).code(), absl::StatusCode::kNotFound);
}


TEST_F(JobSchedulerTest, AReconnectedHostKeepsOnlyTheLeasesItReattaches) {
  sched_.RegisterHost("h1", {Device("d0"), Device("d1")});
  const std::string a = Submit();
  const std::string b = Submit();
  auto granted = sched_.Assign();
  ASSERT_EQ(granted.size(), 2u);
  const std::string lease_a = Get(a).lease().lease_id();
  const std::string lease_b = Get(b).lease().lease_id();
  // The agent restarts and comes back still running only `a`.
  sched_.RegisterHost("h1", {Device("d0"), Device("d1")});
  ASSERT_TRUE(sched_.Reattach("h1", lease_a).ok());
  // Heartbeats renew the reattached lease only; `b` expires and goes back to the queue.
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(1'000);
    ASSERT_TRUE(sched_.Heartbeat("h1").ok());
    sched_.Expire();
  }
  EXPECT_EQ(Get(a).stage(), v1::EXECUTING);
  EXPECT_EQ(Get(b).stage(), v1::QUEUED);
  EXPECT_EQ(Get(b).attempts(), 1);
  EXPECT_FALSE(*sched_.Report("h1", lease_b, v1::JobResult()));  // its stale report is ignored
  v1::JobResult pass;
  pass.set_outcome(v1::PASSED);
  EXPECT_TRUE(*sched_.Report("h1", lease_a, pass));
}

}  // namespace
}  // namespace ttc::daemon
