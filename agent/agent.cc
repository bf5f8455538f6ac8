#include "agent/agent.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "cache/artifact_store.h"
#include "agent/job_process.h"
#include "cache/digest.h"
#include "common/logfmt.h"
#include "driver/action.h"
#include "frontend/load.h"
#include "ir/request_wire.h"
#include "remote/remote.h"
#include "validate/validate.h"

namespace ttc::agent {
namespace {

// The health check (LAVA): a known-good kernel - TileLang's element-wise add, 64x64 bf16 -
// compiled here and validated on the device. A device that cannot pass it leaves rotation.
constexpr char kHealthCheckKernel[] = R"(import tilelang.language as T

@T.prim_func
def health_check(A: T.Buffer((64, 64), "bfloat16"), B: T.Buffer((64, 64), "bfloat16"),
                 C: T.Buffer((64, 64), "bfloat16")):
    with T.Kernel(2, 2) as (bx, by):
        A_tile = T.alloc_fragment((32, 32), "bfloat16")
        B_tile = T.alloc_fragment((32, 32), "bfloat16")
        C_tile = T.alloc_fragment((32, 32), "bfloat16")
        T.copy(A[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32], A_tile)
        T.copy(B[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32], B_tile)
        for i, j in T.grid(32, 32):
            C_tile[i, j] = A_tile[i, j] + B_tile[i, j]
        T.copy(C_tile, C[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32])
)";

class GrpcFleetChannel final : public FleetChannel {
 public:
  explicit GrpcFleetChannel(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(v1::DeviceFleet::NewStub(channel)) {}
  std::unique_ptr<Stream> Connect(grpc::ClientContext* ctx) override { return stub_->Connect(ctx); }

 private:
  std::unique_ptr<v1::DeviceFleet::Stub> stub_;
};

class CasBlobCache final : public BlobCache {
 public:
  CasBlobCache(std::string dir, const std::shared_ptr<grpc::Channel>& channel)
      : dir_(std::move(dir)), cas_(v1::Cas::NewStub(channel)) {
    std::filesystem::create_directories(dir_);
  }

  // From the directory when present (verified), the rest from the CAS (then kept).
  absl::StatusOr<std::map<std::string, std::string>> FetchProgram(const v1::Job& job) override {
    std::map<std::string, std::string> files;
    std::vector<v1::Digest> missing;
    for (const auto& f : job.program()) {
      std::ifstream in(dir_ + "/" + f.digest().hash(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      if (in.good() || in.eof()) {
        if (cache::VerifyBlob(f.digest(), bytes).ok()) {
          files[f.path()] = std::move(bytes);
          continue;
        }
      }
      missing.push_back(f.digest());
    }
    if (!missing.empty()) {
      auto blobs = remote::FetchBlobs(cas_.get(), missing, std::chrono::system_clock::now() + kTransferTime);
      if (!blobs.ok()) return blobs.status();
      for (const auto& f : job.program()) {
        auto it = blobs->find(cache::DigestKey(f.digest()));
        if (it == blobs->end()) continue;
        const std::string path = dir_ + "/" + f.digest().hash();
        std::ofstream(path + ".tmp", std::ios::binary) << it->second;
        std::filesystem::rename(path + ".tmp", path);
        files[f.path()] = it->second;
      }
    }
    return files;
  }

  absl::Status Upload(const v1::Digest& digest, const std::string& bytes) override {
    return remote::UploadBlobs(cas_.get(), {{cache::DigestKey(digest), bytes}},
                               std::chrono::system_clock::now() + kTransferTime)
        .status();
  }

 private:
  static constexpr std::chrono::seconds kTransferTime{60};
  const std::string dir_;
  const std::unique_ptr<v1::Cas::Stub> cas_;
};

class RealClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() override { return std::chrono::system_clock::now(); }
  bool WaitFor(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, std::chrono::milliseconds timeout,
               const std::function<bool()>& done) override {
    return cv.wait_for(lock, timeout, done);
  }
};

}  // namespace

std::unique_ptr<FleetChannel> MakeGrpcFleetChannel(const std::shared_ptr<grpc::Channel>& channel) {
  return std::make_unique<GrpcFleetChannel>(channel);
}

std::unique_ptr<BlobCache> MakeCasBlobCache(const std::string& work_dir, const std::shared_ptr<grpc::Channel>& channel) {
  return std::make_unique<CasBlobCache>(work_dir + "/cas", channel);
}

Clock* SystemClock() {
  static RealClock* clock = new RealClock();
  return clock;
}

Agent::Agent(AgentConfig config, std::map<std::string, std::string> labels, std::unique_ptr<FleetChannel> fleet,
             std::unique_ptr<validate::Backend> backend, std::unique_ptr<BlobCache> blobs, Clock* clock)
    : o_(std::move(config)), labels_(std::move(labels)), fleet_(std::move(fleet)), backend_(std::move(backend)),
      blobs_(std::move(blobs)), clock_(clock) {}

Agent::~Agent() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [lease, w] : work_) {
      if (w->thread.joinable()) threads.push_back(std::move(w->thread));
    }
  }
  for (auto& t : threads) t.join();
}

void Agent::Stop() {
  stop_ = true;
  {
    std::lock_guard<std::mutex> l(ctx_mu_);
    if (ctx_) ctx_->TryCancel();
  }
  cv_.notify_all();
}

Agent::Outcome Agent::Run() {
  int backoff_ms = 100;
  // (Stop() ends a session; a reconnect sleep wakes on stop_ through cv_.)
  while (!stop_) {
    const bool registered = Session();
    if (!refused_.ok()) {
      spdlog::error("msg=\"the daemon refused the agent; not retrying: the token has to change (--token-file, "
                    "TTC_TOKEN, token_file in the config)\" server={} status={} error={} token_from=\"{}\"",
                    o_.server,
                    refused_.error_code() == grpc::StatusCode::UNAUTHENTICATED ? "UNAUTHENTICATED"
                                                                                : "PERMISSION_DENIED",
                    LogfmtValue(refused_.error_message()), o_.token_source.empty() ? "none" : o_.token_source);
      return Outcome::kRefused;
    }
    if (stop_) break;
    backoff_ms = registered ? 100 : std::min(backoff_ms * 2, 5000);
    spdlog::warn("msg=\"stream lost, reconnecting\" server={} in_ms={}", o_.server, backoff_ms);
    SleepUnlessStopping(std::chrono::milliseconds(backoff_ms));
  }
  Drain();
  return Outcome::kStopped;
}

void Agent::SleepUnlessStopping(std::chrono::milliseconds ms) {
  std::unique_lock<std::mutex> l(mu_);
  clock_->WaitFor(cv_, l, ms, [this] { return stop_.load(); });
}

// Sends on the current stream; false when there is none or it broke.
bool Agent::Send(const v1::AgentMessage& m) {
  std::lock_guard<std::mutex> l(write_mu_);
  return stream_ && stream_->Write(m);
}

// One connection: register, then read until the stream ends. True if it registered.
bool Agent::Session() {
  grpc::ClientContext ctx;
  {
    std::lock_guard<std::mutex> l(ctx_mu_);
    if (stop_) return false;
    ctx_ = &ctx;
  }
  struct Unset {
    Agent* a;
    ~Unset() {
      std::lock_guard<std::mutex> l(a->ctx_mu_);
      a->ctx_ = nullptr;
    }
  } unset{this};
  auto stream = fleet_->Connect(&ctx);
  v1::AgentMessage hello;
  auto* reg = hello.mutable_register_();
  reg->set_host_id(o_.host_id);
  reg->set_backend(backend_->name());
  for (int i = 0; i < o_.devices; ++i) {
    auto* d = reg->add_devices();
    d->set_device_id(absl::StrCat("dev", i));
    d->set_arch(o_.arch);
    d->mutable_labels()->insert(labels_.begin(), labels_.end());
    d->set_health(v1::GOOD);
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [lease, w] : work_) reg->add_running_leases(lease);
  }
  bool sent;
  {
    std::lock_guard<std::mutex> l(write_mu_);
    stream_ = stream.get();
    sent = stream_->Write(hello);
  }
  std::atomic<bool> session_over{false};
  std::thread heartbeat;
  bool registered = false;
  v1::ServerMessage m;
  while (sent && stream->Read(&m)) {
    if (m.has_registered()) {
      registered = true;
      const int64_t interval = std::max<int64_t>(10, m.registered().heartbeat_interval_ms());
      spdlog::info("msg=\"registered\" server={} host={} devices={} heartbeat_ms={}", o_.server, o_.host_id,
                   o_.devices, interval);
      std::set<std::string> dropped(m.registered().dropped_leases().begin(), m.registered().dropped_leases().end());
      {
        // A dropped lease's finished report is still sent (FlushReports): ttcd takes it when
        // the job is still waiting for that attempt, and logs why when not. A running one is
        // stopped: its device may be leased again.
        std::lock_guard<std::mutex> l(mu_);
        for (auto& [lease, w] : work_) {
          if (dropped.count(lease) && !w->done) Revoke(*w, "ttcd dropped the lease while the agent was away");
        }
      }
      if (!heartbeat.joinable()) {
        heartbeat = std::thread([this, interval, &session_over] {
          v1::AgentMessage hb;
          hb.mutable_heartbeat();
          while (!session_over) {
            if (!Send(hb)) break;
            std::unique_lock<std::mutex> l(mu_);
            clock_->WaitFor(cv_, l, std::chrono::milliseconds(interval), [&] { return session_over.load(); });
          }
        });
      }
      FlushReports();
      if (!checked_) {
        checked_ = true;
        for (int i = 0; i < o_.devices; ++i) HealthCheck(absl::StrCat("dev", i));
      }
    } else if (m.has_lease()) {
      StartJob(m.lease());
    } else if (m.has_revoke()) {
      std::lock_guard<std::mutex> l(mu_);
      if (auto it = work_.find(m.revoke().lease_id()); it != work_.end()) Revoke(*it->second, m.revoke().reason());
    }
  }
  {
    std::lock_guard<std::mutex> l(write_mu_);
    stream_ = nullptr;
  }
  {
    // Under mu_, so the heartbeat thread is either before its wait (and sees session_over) or
    // inside it (and gets the notification).
    std::lock_guard<std::mutex> l(mu_);
    session_over = true;
  }
  cv_.notify_all();
  if (heartbeat.joinable()) heartbeat.join();
  grpc::Status st = stream->Finish();
  if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED || st.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    refused_ = st;
  } else if (!stop_) {
    spdlog::warn("msg=\"stream ended\" status={} error={}", st.error_code(), LogfmtValue(st.error_message()));
  }
  return registered;
}

// Runs the health check on `device` and reports it. The verdict is sent on the stream.
void Agent::HealthCheck(const std::string& device) {
  v1::AgentMessage m;
  auto* hc = m.mutable_health_check();
  hc->set_device_id(device);
  auto req = frontend::ParseTileLangScript(kHealthCheckKernel, "<health check>", {});
  absl::Status failure;
  if (!req.ok()) {
    failure = req.status();
  } else {
    req->mutable_target()->set_preset(o_.arch);
    auto action = RunAction(*req, "", ActionKind::kCompile);
    if (!action.ok() || !action->result.success()) {
      failure = absl::InternalError("the health-check kernel does not compile for " + o_.arch);
    } else {
      v1::Job job;
      *job.mutable_spec()->mutable_request() = *req;
      job.mutable_spec()->set_seed(1);
      auto report = backend_->Run(job, action->files);
      if (!report.ok()) {
        failure = report.status();
      } else if (!report->pass) {
        failure = absl::InternalError("the health-check kernel did not validate: " + report->error);
      }
    }
  }
  hc->set_passed(failure.ok());
  hc->set_detail(failure.ok() ? "PASS" : std::string(failure.message()));
  if (failure.ok()) {
    spdlog::info("msg=\"health check passed\" device={}", device);
  } else {
    spdlog::warn("msg=\"health check failed\" device={} detail={}", device, LogfmtValue(std::string(failure.message())));
  }
  Send(m);
}

// With mu_ held: the job's report is dropped and its run stopped (the backend kills its
// process). A revoked job's thread still ends on its own; FlushReports frees it.
void Agent::Revoke(Work& w, const std::string& why) {
  if (w.revoked) return;
  w.revoked = true;
  const std::string lease = w.job.lease().lease_id();
  spdlog::info("msg=\"lease revoked\" job={} lease={} done={} reason={}", w.job.id(), lease, w.done,
               LogfmtValue(why));
  if (!w.done) backend_->Cancel(lease);
  cv_.notify_all();
}

void Agent::StartJob(const v1::Job& job) {
  std::lock_guard<std::mutex> l(mu_);
  const std::string lease = job.lease().lease_id();
  if (stop_ || work_.count(lease)) return;  // draining (handed back at exit) or a duplicate
  // One job per device: ttcd leased the device again, so whatever still runs on it here is
  // stale (its lease was dropped while this agent was away or stopped). It is stopped, and
  // the new job starts once it has ended (Execute).
  for (auto& [other, w] : work_) {
    if (!w->done && w->job.lease().device_id() == job.lease().device_id()) {
      Revoke(*w, absl::StrCat("device ", job.lease().device_id(), " was leased again (", lease, ")"));
    }
  }
  auto w = std::make_unique<Work>();
  w->job = job;
  Work* raw = w.get();
  work_[lease] = std::move(w);
  raw->thread = std::thread([this, raw] { Execute(raw); });
}

void Agent::Progress(const std::string& lease, const std::string& text) {
  v1::AgentMessage m;
  m.mutable_progress()->set_lease_id(lease);
  m.mutable_progress()->set_message(text);
  Send(m);
}

void Agent::Execute(Work* w) {
  const v1::Job& job = w->job;
  const std::string lease = job.lease().lease_id();
  {
    // A stale job on the same device (StartJob revoked it) ends before this one starts.
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] {
      for (const auto& [other, o] : work_) {
        if (o.get() != w && !o->done && o->revoked && o->job.lease().device_id() == job.lease().device_id()) {
          return false;
        }
      }
      return true;
    });
  }
  spdlog::info("msg=\"job started\" job={} lease={} device={}", job.id(), lease, job.lease().device_id());
  v1::AgentMessage out;
  v1::JobResult* result = out.mutable_finished()->mutable_result();
  out.mutable_finished()->set_lease_id(lease);
  if (!job.spec().request_wire().empty()) {
    // The kernel came as wire bytes (JobSpec.request_wire): parsed with the request nesting
    // limit. Set before anything reads job.spec().request().
    v1::Job& mutable_job = w->job;
    absl::Status parsed =
        ir::ParseWireMessage(mutable_job.spec().request_wire(), mutable_job.mutable_spec()->mutable_request());
    mutable_job.mutable_spec()->clear_request_wire();
    if (!parsed.ok()) {
      v1::AgentMessage crashed;
      crashed.mutable_crashed()->set_lease_id(lease);
      crashed.mutable_crashed()->set_reason(absl::StrCat("the job's kernel does not parse: ", parsed.message()));
      crashed.mutable_crashed()->set_caused_by_job(true);
      Finish(w, std::move(crashed));
      return;
    }
  }
  Progress(lease, "fetching the program from the CAS");
  auto files = blobs_->FetchProgram(job);
  // ttcd away for a moment (restarting, a network blip: UNAVAILABLE) is no reason to give up
  // the job and blame the device: retried with backoff, about 15 s in all.
  for (int ms = 500; !files.ok() && absl::IsUnavailable(files.status()) && ms <= 8000; ms *= 2) {
    {
      std::unique_lock<std::mutex> l(mu_);
      if (clock_->WaitFor(cv_, l, std::chrono::milliseconds(ms), [&] { return stop_.load() || w->revoked; })) break;
    }
    spdlog::info("msg=\"fetching the program again\" job={} lease={} error={}", job.id(), lease,
                 LogfmtValue(std::string(files.status().message())));
    files = blobs_->FetchProgram(job);
  }
  if (!files.ok()) {
    out.Clear();
    out.mutable_crashed()->set_lease_id(lease);
    out.mutable_crashed()->set_reason(absl::StrCat("cannot fetch the program: ", files.status().message()));
  } else {
    Progress(lease, absl::StrCat("building and running on the ", backend_->name()));
    auto report = backend_->Run(job, *files);
    if (IsJobCrash(report.status())) {
      // The job's own process crashed or hit a limit: the agent and the device are fine.
      out.Clear();
      out.mutable_crashed()->set_lease_id(lease);
      out.mutable_crashed()->set_reason(std::string(report.status().message()));
      out.mutable_crashed()->set_caused_by_job(true);
    } else if (!report.ok()) {
      result->set_outcome(v1::ERROR);
      result->set_summary(std::string(report.status().message()));
    } else {
      spdlog::info("msg=\"builds\" job={} host_build={} kernels_fetched={} kernels_built={}", job.id(),
                   LogfmtValue(report->builds.host_build), report->builds.kernels_fetched, report->builds.kernels_built);
      result->set_outcome(report->pass ? v1::PASSED : v1::FAILED);
      result->set_report_text(FormatReport(*report));
      result->set_summary(report->pass ? "PASS"
                                       : (report->error.empty() ? "FAIL: an output mismatched" : "FAIL: " + report->error));
      const std::string json = ReportJson(*report);
      *result->mutable_report_digest() = cache::DigestOf(json);
      absl::Status up = blobs_->Upload(result->report_digest(), json);
      if (!up.ok()) spdlog::warn("msg=\"report upload failed\" lease={} error={}", lease, LogfmtValue(std::string(up.message())));
    }
  }
  Finish(w, std::move(out));
}

// The end of Execute: `out` (finished or crashed) becomes the job's report, sent now or on the
// next session; every health_check_every jobs the device is checked.
void Agent::Finish(Work* w, v1::AgentMessage out) {
  const std::string job_id = w->job.id();
  const std::string lease = w->job.lease().lease_id();
  const std::string device = w->job.lease().device_id();  // `w` is freed once its report is sent
  spdlog::info("msg=\"job done\" job={} lease={} outcome={}{}", job_id, lease,
               out.has_finished() ? v1::JobOutcome_Name(out.finished().result().outcome()) : "CRASHED",
               out.has_crashed() ? " reason=" + LogfmtValue(out.crashed().reason()) : std::string());
  {
    std::lock_guard<std::mutex> l(mu_);
    w->report = std::move(out);
    w->done = true;
  }
  cv_.notify_all();  // a job waiting for this device
  FlushReports();
  if (o_.health_check_every > 0 && ++jobs_done_ % o_.health_check_every == 0) HealthCheck(device);
}

// Sends the results of finished jobs; keeps them for the next session if the stream broke.
void Agent::FlushReports() {
  std::vector<std::unique_ptr<Work>> finished;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = work_.begin(); it != work_.end();) {
      Work* w = it->second.get();
      if (w->done && (w->revoked || Send(w->report))) {
        finished.push_back(std::move(it->second));
        it = work_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& w : finished) {
    if (w->thread.joinable()) {
      if (w->thread.get_id() == std::this_thread::get_id()) {
        w->thread.detach();
      } else {
        w->thread.join();
      }
    }
  }
  cv_.notify_all();
}

// At stop: wait for running jobs (bounded), hand back what is left, close the stream.
void Agent::Drain() {
  std::unique_lock<std::mutex> l(mu_);
  spdlog::info("msg=\"draining\" running={} drain_s={}", work_.size(), o_.drain_seconds);
  clock_->WaitFor(cv_, l, std::chrono::seconds(o_.drain_seconds), [&] {
    for (auto& [lease, w] : work_) {
      if (!w->done) return false;
    }
    return true;
  });
  l.unlock();
  // The stream is closed by now (Session returned); report and say goodbye on a new one.
  grpc::ClientContext ctx;
  ctx.set_deadline(clock_->Now() + std::chrono::seconds(10));
  auto stream = fleet_->Connect(&ctx);
  v1::AgentMessage hello;
  auto* reg = hello.mutable_register_();
  reg->set_host_id(o_.host_id);
  reg->set_backend(backend_->name());  // no devices: it takes no new leases while it says goodbye
  l.lock();
  for (const auto& [lease, w] : work_) reg->add_running_leases(lease);
  l.unlock();
  if (stream->Write(hello)) {
    l.lock();
    for (auto& [lease, w] : work_) {
      if (w->done && !w->revoked) stream->Write(w->report);
    }
    l.unlock();
    v1::AgentMessage bye;
    bye.mutable_goodbye()->set_hand_back_leases(true);
    stream->Write(bye);
  }
  stream->WritesDone();
  v1::ServerMessage ignored;
  while (stream->Read(&ignored)) {
  }
  stream->Finish();
  l.lock();
  for (auto& [lease, w] : work_) {
    if (w->thread.joinable()) w->thread.detach();  // still running past the drain time
  }
  spdlog::info("msg=\"stopped\" host={}", o_.host_id);
}

}  // namespace ttc::agent
