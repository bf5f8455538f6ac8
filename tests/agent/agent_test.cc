// The agent library (agent/agent.h) without a server: a scripted fleet stream, a fake backend,
// an in-memory blob cache and a clock that moves only when told (or at once, for backoff).
#include "agent/agent.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/job_process.h"
#include "cache/digest.h"

namespace ttc::agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using std::chrono::milliseconds;

constexpr auto kBound = std::chrono::seconds(120);  // generous: the health check compiles a kernel

// One DeviceFleet stream as the test (the server side) sees it.
class StreamState {
 public:
  void Push(v1::ServerMessage m) {
    std::lock_guard<std::mutex> l(mu_);
    in_.push_back(std::move(m));
    cv_.notify_all();
  }
  // Ends the server side: Read returns false once the queue is empty, Finish returns `status`.
  void End(grpc::Status status) {
    std::lock_guard<std::mutex> l(mu_);
    ended_ = true;
    status_ = std::move(status);
    cv_.notify_all();
  }
  // Waits (bounded) until `pred` holds for what the agent wrote; returns whether it did.
  bool WaitWritten(const std::function<bool(const std::vector<v1::AgentMessage>&)>& pred) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, kBound, [&] { return pred(written_); });
  }
  std::vector<v1::AgentMessage> Written() {
    std::lock_guard<std::mutex> l(mu_);
    return written_;
  }

  bool Read(v1::ServerMessage* m) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !in_.empty() || ended_ || writes_done_; });
    if (in_.empty()) return false;
    *m = std::move(in_.front());
    in_.pop_front();
    return true;
  }
  bool Write(const v1::AgentMessage& m) {
    std::lock_guard<std::mutex> l(mu_);
    if (ended_) return false;
    written_.push_back(m);
    cv_.notify_all();
    return true;
  }
  void WritesDone() {
    std::lock_guard<std::mutex> l(mu_);
    writes_done_ = true;
    cv_.notify_all();
  }
  grpc::Status Finish() {
    std::lock_guard<std::mutex> l(mu_);
    return status_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::ServerMessage> in_;
  std::vector<v1::AgentMessage> written_;
  bool ended_ = false;
  bool writes_done_ = false;
  grpc::Status status_;
};

class FakeStream final : public FleetChannel::Stream {
 public:
  explicit FakeStream(std::shared_ptr<StreamState> s) : s_(std::move(s)) {}
  void WaitForInitialMetadata() override {}
  bool NextMessageSize(uint32_t* size) override {
    *size = 1 << 20;
    return true;
  }
  bool Read(v1::ServerMessage* m) override { return s_->Read(m); }
  bool Write(const v1::AgentMessage& m, grpc::WriteOptions) override { return s_->Write(m); }
  bool WritesDone() override {
    s_->WritesDone();
    return true;
  }
  grpc::Status Finish() override { return s_->Finish(); }

 private:
  std::shared_ptr<StreamState> s_;
};

// Hands out the streams in the order they were prepared; past those, a stream the server
// ends at once with UNAVAILABLE. `on_connect(n)` runs on the n-th Connect (1-based).
class FakeFleet final : public FleetChannel {
 public:
  struct Shared {
    std::mutex mu;
    std::deque<std::shared_ptr<StreamState>> prepared;
    std::vector<std::shared_ptr<StreamState>> opened;
    std::function<void(int)> on_connect;
  };
  explicit FakeFleet(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  std::unique_ptr<Stream> Connect(grpc::ClientContext*) override {
    std::shared_ptr<StreamState> s;
    int n;
    {
      std::lock_guard<std::mutex> l(shared_->mu);
      if (!shared_->prepared.empty()) {
        s = shared_->prepared.front();
        shared_->prepared.pop_front();
      } else {
        s = std::make_shared<StreamState>();
        s->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no daemon"));
      }
      shared_->opened.push_back(s);
      n = static_cast<int>(shared_->opened.size());
    }
    if (shared_->on_connect) shared_->on_connect(n);
    return std::make_unique<FakeStream>(s);
  }

 private:
  std::shared_ptr<Shared> shared_;
};

// Passes every job (or fails those whose spec has seed 7); counts the runs.
class FakeBackend final : public validate::Backend {
 public:
  explicit FakeBackend(std::atomic<int>* runs) : runs_(runs) {}
  std::string name() const override { return "fake"; }
  absl::StatusOr<ValidationReport> Run(const v1::Job& job, const std::map<std::string, std::string>& files) override {
    ++*runs_;
    ValidationReport r;
    r.pass = job.spec().seed() != 7 && !files.empty();
    if (!r.pass) r.error = "seven";
    return r;
  }

 private:
  std::atomic<int>* runs_;
};

// Serves programs from memory (or fails every fetch); keeps what is uploaded.
class MemoryBlobs final : public BlobCache {
 public:
  struct Shared {
    std::mutex mu;
    bool fail_fetch = false;
    std::map<std::string, std::string> uploaded;  // digest key -> bytes
  };
  explicit MemoryBlobs(std::shared_ptr<Shared> s) : s_(std::move(s)) {}
  absl::StatusOr<std::map<std::string, std::string>> FetchProgram(const v1::Job& job) override {
    std::lock_guard<std::mutex> l(s_->mu);
    if (s_->fail_fetch) return absl::NotFoundError("the CAS is away");
    std::map<std::string, std::string> files;
    for (const auto& f : job.program()) files[f.path()] = "bytes of " + f.path();
    return files;
  }
  absl::Status Upload(const v1::Digest& digest, const std::string& bytes) override {
    std::lock_guard<std::mutex> l(s_->mu);
    s_->uploaded[cache::DigestKey(digest)] = bytes;
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<Shared> s_;
};

// Time moves on Advance, or (auto_advance) by the whole timeout of each wait at once.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(bool auto_advance) : auto_advance_(auto_advance) {}
  std::chrono::system_clock::time_point Now() override {
    std::lock_guard<std::mutex> l(mu_);
    return std::chrono::system_clock::time_point() + now_;
  }
  bool WaitFor(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, milliseconds timeout,
               const std::function<bool()>& done) override {
    milliseconds deadline;
    {
      std::lock_guard<std::mutex> l(mu_);
      waits_.push_back(timeout);
      deadline = now_ + timeout;
      if (auto_advance_) now_ = deadline;
    }
    while (!done()) {
      {
        std::lock_guard<std::mutex> l(mu_);
        if (now_ >= deadline) break;
      }
      cv.wait_for(lock, milliseconds(1));  // polls the fake time; `done` is re-checked above
    }
    return done();
  }
  void Advance(milliseconds d) {
    std::lock_guard<std::mutex> l(mu_);
    now_ += d;
  }
  std::vector<milliseconds> Waits() {
    std::lock_guard<std::mutex> l(mu_);
    return waits_;
  }

 private:
  const bool auto_advance_;
  std::mutex mu_;
  milliseconds now_{0};
  std::vector<milliseconds> waits_;
};

AgentConfig Config() {
  AgentConfig c;
  c.server = "fake:1";
  c.host_id = "host-a";
  c.devices = 1;
  c.health_check_every = 0;
  c.drain_seconds = 30;
  return c;
}

v1::ServerMessage Registered(int64_t heartbeat_ms) {
  v1::ServerMessage m;
  m.mutable_registered()->set_heartbeat_interval_ms(heartbeat_ms);
  return m;
}

v1::ServerMessage Lease(const std::string& lease, int64_t seed) {
  v1::ServerMessage m;
  v1::Job* job = m.mutable_lease();
  job->set_id("job-" + lease);
  job->mutable_lease()->set_lease_id(lease);
  job->mutable_lease()->set_device_id("dev0");
  job->mutable_spec()->set_seed(seed);
  auto* f = job->add_program();
  f->set_path("main.cpp");
  *f->mutable_digest() = cache::DigestOf("bytes of main.cpp");
  return m;
}

int Count(const std::vector<v1::AgentMessage>& w, v1::AgentMessage::MsgCase kind) {
  int n = 0;
  for (const auto& m : w) n += m.msg_case() == kind;
  return n;
}

const v1::AgentMessage* Find(const std::vector<v1::AgentMessage>& w, v1::AgentMessage::MsgCase kind) {
  for (const auto& m : w) {
    if (m.msg_case() == kind) return &m;
  }
  return nullptr;
}

// Jobs of seed 42 and 44 block: 42 until cancelled (CANCELLED, as the job-process backend
// does), 44 until Release(). Seed 43 crashes its job process. Others pass. Records when each
// lease's run started and ended, and the cancels.
class BlockingBackend final : public validate::Backend {
 public:
  std::string name() const override { return "fake"; }
  absl::StatusOr<ValidationReport> Run(const v1::Job& job, const std::map<std::string, std::string>&) override {
    const std::string lease = job.lease().lease_id();
    std::unique_lock<std::mutex> l(mu_);
    events_.push_back("start " + lease);
    cv_.notify_all();
    absl::StatusOr<ValidationReport> out = ValidationReport{};
    out->pass = true;
    if (job.spec().seed() == 42) {
      cv_.wait(l, [&] { return cancelled_.count(lease) > 0; });
      out = absl::CancelledError("cancelled");
    } else if (job.spec().seed() == 44) {
      cv_.wait(l, [&] { return released_; });
    } else if (job.spec().seed() == 43) {
      out = JobCrashError("out of memory: the job needs more than the job address-space limit of 512 MiB");
    }
    events_.push_back("end " + lease);
    cv_.notify_all();
    return out;
  }
  void Cancel(const std::string& lease_id) override {
    std::lock_guard<std::mutex> l(mu_);
    events_.push_back("cancel " + lease_id);
    cancelled_.insert(lease_id);
    cv_.notify_all();
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    released_ = true;
    cv_.notify_all();
  }
  bool WaitEvent(const std::string& e) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, kBound, [&] { return std::find(events_.begin(), events_.end(), e) != events_.end(); });
  }
  std::vector<std::string> Events() {
    std::lock_guard<std::mutex> l(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  std::set<std::string> cancelled_;
  bool released_ = false;
};

struct Harness {
  explicit Harness(bool auto_advance, AgentConfig config = Config(), BlockingBackend* blocking = nullptr)
      : clock(auto_advance) {
    std::unique_ptr<validate::Backend> backend;
    if (blocking) {
      backend.reset(blocking);
    } else {
      backend = std::make_unique<FakeBackend>(&runs);
    }
    agent = std::make_unique<Agent>(config, std::map<std::string, std::string>{{"rack", "r1"}},
                                    std::make_unique<FakeFleet>(fleet), std::move(backend),
                                    std::make_unique<MemoryBlobs>(blobs), &clock);
  }
  std::shared_ptr<StreamState> Prepare() {
    auto s = std::make_shared<StreamState>();
    std::lock_guard<std::mutex> l(fleet->mu);
    fleet->prepared.push_back(s);
    return s;
  }
  std::shared_ptr<FakeFleet::Shared> fleet = std::make_shared<FakeFleet::Shared>();
  std::shared_ptr<MemoryBlobs::Shared> blobs = std::make_shared<MemoryBlobs::Shared>();
  std::atomic<int> runs{0};
  FakeClock clock;
  std::unique_ptr<Agent> agent;
};

TEST(Agent, ReconnectBackoffDoublesToFiveSecondsThenDrains) {
  Harness h(/*auto_advance=*/true);
  h.fleet->on_connect = [&](int n) {
    if (n == 7) h.agent->Stop();
  };
  EXPECT_EQ(h.agent->Run(), Agent::Outcome::kStopped);
  // Six failed sessions wait 200..5000 ms; the seventh sees the stop; the drain waits up to
  // drain_seconds and says goodbye on an eighth stream.
  EXPECT_THAT(h.clock.Waits(), ElementsAre(milliseconds(200), milliseconds(400), milliseconds(800), milliseconds(1600),
                                           milliseconds(3200), milliseconds(5000), milliseconds(30000)));
  std::lock_guard<std::mutex> l(h.fleet->mu);
  EXPECT_EQ(h.fleet->opened.size(), 8u);
}

TEST(Agent, RefusedTokenEndsRunWithoutRetrying) {
  Harness h(/*auto_advance=*/true);
  auto s = h.Prepare();
  s->End(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not an agent token"));
  EXPECT_EQ(h.agent->Run(), Agent::Outcome::kRefused);
  EXPECT_TRUE(h.clock.Waits().empty());
  std::lock_guard<std::mutex> l(h.fleet->mu);
  EXPECT_EQ(h.fleet->opened.size(), 1u);
}

TEST(Agent, RegistersRunsLeaseReportsAndHandsBackOnStop) {
  Harness h(/*auto_advance=*/false);
  auto session = h.Prepare();
  auto goodbye = h.Prepare();
  session->Push(Registered(1000));
  session->Push(Lease("L1", 1));
  std::thread run([&] { EXPECT_EQ(h.agent->Run(), Agent::Outcome::kStopped); });

  ASSERT_TRUE(session->WaitWritten([](const auto& w) {
    return Count(w, v1::AgentMessage::kFinished) == 1 && Count(w, v1::AgentMessage::kHealthCheck) == 1;
  }));
  auto w = session->Written();
  ASSERT_EQ(w.front().msg_case(), v1::AgentMessage::kRegister);
  EXPECT_EQ(w.front().register_().host_id(), "host-a");
  EXPECT_EQ(w.front().register_().backend(), "fake");
  ASSERT_EQ(w.front().register_().devices_size(), 1);
  EXPECT_EQ(w.front().register_().devices(0).labels().at("rack"), "r1");
  const auto* hc = Find(w, v1::AgentMessage::kHealthCheck);
  EXPECT_TRUE(hc->health_check().passed()) << hc->health_check().detail();
  const auto& result = Find(w, v1::AgentMessage::kFinished)->finished().result();
  EXPECT_EQ(result.outcome(), v1::PASSED);
  EXPECT_EQ(result.summary(), "PASS");
  {
    std::lock_guard<std::mutex> l(h.blobs->mu);
    ASSERT_EQ(h.blobs->uploaded.count(cache::DigestKey(result.report_digest())), 1u);
  }
  EXPECT_EQ(h.runs, 2);  // the health check and the job

  // Heartbeats follow the fake clock: one at registration, the next once the interval passed.
  ASSERT_TRUE(session->WaitWritten([](const auto& w) { return Count(w, v1::AgentMessage::kHeartbeat) >= 1; }));
  h.clock.Advance(milliseconds(1000));
  ASSERT_TRUE(session->WaitWritten([](const auto& w) { return Count(w, v1::AgentMessage::kHeartbeat) >= 2; }));

  h.agent->Stop();
  session->End(grpc::Status(grpc::StatusCode::CANCELLED, "stopped"));
  run.join();
  auto bye = goodbye->Written();
  ASSERT_EQ(bye.size(), 2u);
  EXPECT_EQ(bye[0].register_().devices_size(), 0);
  EXPECT_EQ(bye[0].register_().running_leases_size(), 0);
  EXPECT_TRUE(bye[1].goodbye().hand_back_leases());
}

TEST(Agent, FailedFetchReportsCrashedAndFailingRunReportsFailed) {
  Harness h(/*auto_advance=*/false);
  h.blobs->fail_fetch = true;
  auto session = h.Prepare();
  h.Prepare();  // the goodbye stream
  session->Push(Registered(60000));
  session->Push(Lease("L1", 1));
  std::thread run([&] { EXPECT_EQ(h.agent->Run(), Agent::Outcome::kStopped); });
  ASSERT_TRUE(session->WaitWritten([](const auto& w) { return Count(w, v1::AgentMessage::kCrashed) == 1; }));
  const auto first = session->Written();
  const auto* crashed = Find(first, v1::AgentMessage::kCrashed);
  EXPECT_EQ(crashed->crashed().lease_id(), "L1");
  EXPECT_THAT(crashed->crashed().reason(), HasSubstr("cannot fetch the program: the CAS is away"));

  {
    std::lock_guard<std::mutex> l(h.blobs->mu);
    h.blobs->fail_fetch = false;
  }
  session->Push(Lease("L2", 7));
  ASSERT_TRUE(session->WaitWritten([](const auto& w) { return Count(w, v1::AgentMessage::kFinished) == 1; }));
  const auto second = session->Written();
  const auto& result = Find(second, v1::AgentMessage::kFinished)->finished().result();
  EXPECT_EQ(result.outcome(), v1::FAILED);
  EXPECT_EQ(result.summary(), "FAIL: seven");

  h.agent->Stop();
  session->End(grpc::Status(grpc::StatusCode::CANCELLED, "stopped"));
  run.join();
}

// One job per device, enforced by the agent too (issue: after SIGCONT a stopped agent ran its
// stale job and a new lease on its only device at the same time): a lease for a busy device
// stops the job that is still running there, and the new job starts once it has ended. The
// stale job's result is never reported.
TEST(Agent, ANewLeaseOnABusyDeviceStopsTheStaleJobBeforeItStarts) {
  auto* backend = new BlockingBackend();  // owned by the agent
  Harness h(/*auto_advance=*/false, Config(), backend);
  auto session = h.Prepare();
  h.Prepare();  // the goodbye stream
  session->Push(Registered(60000));
  session->Push(Lease("stale", 42));
  std::thread run([&] { EXPECT_EQ(h.agent->Run(), Agent::Outcome::kStopped); });
  ASSERT_TRUE(backend->WaitEvent("start stale"));
  session->Push(Lease("fresh", 1));
  ASSERT_TRUE(backend->WaitEvent("end fresh"));
  ASSERT_TRUE(session->WaitWritten([](const auto& w) { return Count(w, v1::AgentMessage::kFinished) == 1; }));
  auto events = backend->Events();
  auto at = [&](const std::string& e) { return std::find(events.begin(), events.end(), e) - events.begin(); };
  EXPECT_LT(at("cancel stale"), at("end stale"));
  EXPECT_LT(at("end stale"), at("start fresh")) << ::testing::PrintToString(events);
  const auto w = session->Written();
  EXPECT_EQ(Find(w, v1::AgentMessage::kFinished)->finished().lease_id(), "fresh");
  EXPECT_EQ(Count(w, v1::AgentMessage::kCrashed), 0);

  h.agent->Stop();
  session->End(grpc::Status(grpc::StatusCode::CANCELLED, "stopped"));
  run.join();
}

// A job that finished while ttcd was away is reported on the next session even when ttcd
// says it dropped the lease: ttcd decides whether the result still counts (and logs why not).
TEST(Agent, AResultFinishedWhileAwayIsReportedEvenForADroppedLease) {
  auto* backend = new BlockingBackend();
  Harness h(/*auto_advance=*/false, Config(), backend);
  auto first = h.Prepare();
  auto second = h.Prepare();
  h.Prepare();  // the goodbye stream
  first->Push(Registered(60000));
  first->Push(Lease("L1", 44));
  v1::ServerMessage dropped = Registered(60000);
  dropped.mutable_registered()->add_dropped_leases("L1");
  second->Push(dropped);
  std::thread run([&] { EXPECT_EQ(h.agent->Run(), Agent::Outcome::kStopped); });
  ASSERT_TRUE(backend->WaitEvent("start L1"));
  first->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "ttcd went away"));
  backend->Release();
  ASSERT_TRUE(backend->WaitEvent("end L1"));
  // The reconnect waits its backoff on the fake clock.
  for (int i = 0; i < 3000 && Count(second->Written(), v1::AgentMessage::kFinished) == 0; ++i) {
    h.clock.Advance(milliseconds(100));
    std::this_thread::sleep_for(milliseconds(10));
  }
  const auto w = second->Written();
  ASSERT_EQ(w.front().msg_case(), v1::AgentMessage::kRegister);
  EXPECT_THAT(w.front().register_().running_leases(), ElementsAre("L1"));
  EXPECT_EQ(Find(w, v1::AgentMessage::kFinished)->finished().lease_id(), "L1");
  EXPECT_EQ(Find(w, v1::AgentMessage::kFinished)->finished().result().outcome(), v1::PASSED);
  EXPECT_EQ(Count(first->Written(), v1::AgentMessage::kFinished), 0);

  h.agent->Stop();
  second->End(grpc::Status(grpc::StatusCode::CANCELLED, "stopped"));
  run.join();
}

TEST(Agent, AJobThatCrashesItsOwnProcessIsReportedAsTheJobsDoing) {
  auto* backend = new BlockingBackend();
  Harness h(/*auto_advance=*/false, Config(), backend);
  auto session = h.Prepare();
  h.Prepare();
  session->Push(Registered(60000));
  session->Push(Lease("L1", 43));
  std::thread run([&] { EXPECT_EQ(h.agent->Run(), Agent::Outcome::kStopped); });
  ASSERT_TRUE(session->WaitWritten([](const auto& w) { return Count(w, v1::AgentMessage::kCrashed) == 1; }));
  const auto w = session->Written();
  const auto& crashed = Find(w, v1::AgentMessage::kCrashed)->crashed();
  EXPECT_EQ(crashed.lease_id(), "L1");
  EXPECT_TRUE(crashed.caused_by_job());
  EXPECT_THAT(crashed.reason(), HasSubstr("out of memory"));
  h.agent->Stop();
  session->End(grpc::Status(grpc::StatusCode::CANCELLED, "stopped"));
  run.join();
}

}  // namespace
}  // namespace ttc::agent
