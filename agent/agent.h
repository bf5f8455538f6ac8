// The ttc-agent's logic: one DeviceFleet session at a time with ttcd (register, heartbeat,
// take leases, run them on a validation backend, report), reconnecting with backoff, health
// checks, and the drain at shutdown. Everything it talks to is injected: the fleet channel,
// the backend (validate/backend.h), the blob cache and the clock, so tests can run it without
// a server. agent/ttc_agent_main.cc parses the settings and wires the real ones.
#ifndef TTC_AGENT_AGENT_H_
#define TTC_AGENT_AGENT_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/agent_config.h"
#include "validate/backend.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::agent {

// The agent's side of DeviceFleet.Connect: one bidirectional stream per session.
// Thread-safety: Connect is called from one thread at a time.
class FleetChannel {
 public:
  using Stream = grpc::ClientReaderWriterInterface<v1::AgentMessage, v1::ServerMessage>;
  virtual ~FleetChannel() = default;
  // Opens a stream under `ctx` (the agent cancels `ctx` to end the session early). Never null;
  // a failed call shows as a stream whose Read returns false and whose Finish has the status.
  virtual std::unique_ptr<Stream> Connect(grpc::ClientContext* ctx) = 0;
};

// The fleet channel over gRPC (remote::Connect's channel).
std::unique_ptr<FleetChannel> MakeGrpcFleetChannel(const std::shared_ptr<grpc::Channel>& channel);

// Where the agent gets a job's program and leaves its reports.
// Thread-safety: both methods may be called concurrently (one job per device).
class BlobCache {
 public:
  virtual ~BlobCache() = default;
  // The files of `job.program()`: path -> bytes, each verified against its digest. An error
  // when a blob cannot be had (the job is then reported as crashed).
  virtual absl::StatusOr<std::map<std::string, std::string>> FetchProgram(const v1::Job& job) = 0;
  // Stores `bytes` (whose digest is `digest`) where the daemon can read it.
  virtual absl::Status Upload(const v1::Digest& digest, const std::string& bytes) = 0;
};

// The blob cache in `work_dir`/cas (blobs by hash, verified on read), backed by ttcd's CAS on
// `channel`; each transfer is bounded to 60 s. Creates `work_dir`/cas.
std::unique_ptr<BlobCache> MakeCasBlobCache(const std::string& work_dir, const std::shared_ptr<grpc::Channel>& channel);

// Time as the agent sees it: its waits (reconnect backoff, heartbeat interval, drain) and
// deadlines. Thread-safety: both methods may be called concurrently.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() = 0;
  // With `lock` held on the mutex `cv` is used with: waits until `done()` or until `timeout`
  // has passed on this clock; spurious wakeups are absorbed. Returns done().
  virtual bool WaitFor(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                       std::chrono::milliseconds timeout, const std::function<bool()>& done) = 0;
};

// The system clock; one instance serves every agent.
Clock* SystemClock();

class Agent {
 public:
  // `config`: resolved (ResolveAgentConfig); `labels`: config.labels parsed (ParseLabels).
  // `clock` must outlive the agent.
  Agent(AgentConfig config, std::map<std::string, std::string> labels, std::unique_ptr<FleetChannel> fleet,
        std::unique_ptr<validate::Backend> backend, std::unique_ptr<BlobCache> blobs, Clock* clock);
  // Joins job threads that are still joinable (Run detaches those past the drain time).
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Any thread (the signal watcher): stop taking work and end the current session; Run then
  // drains and returns.
  void Stop();

  enum class Outcome {
    kStopped,  // Stop() was called; running jobs were drained or handed back
    kRefused,  // the daemon answered UNAUTHENTICATED or PERMISSION_DENIED: retrying cannot help
  };
  // Runs sessions until Stop() or a refusal (logged with the reason). After kRefused, job
  // threads may still run: the caller exits the process rather than destroying the agent.
  Outcome Run();

 private:
  // revoked, done and report are guarded by the agent's mu_ (a member of another object, which
  // the annotations cannot name); job is written before the job's thread starts.
  struct Work {
    v1::Job job;
    bool revoked = false;
    bool done = false;
    v1::AgentMessage report;  // finished or crashed, once done
    std::thread thread;
  };

  void SleepUnlessStopping(std::chrono::milliseconds ms);
  bool Send(const v1::AgentMessage& m);
  bool Session();
  void HealthCheck(const std::string& device);
  void Revoke(Work& w, const std::string& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartJob(const v1::Job& job);
  void Progress(const std::string& lease, const std::string& text);
  void Execute(Work* w);
  void Finish(Work* w, v1::AgentMessage out);
  void FlushReports();
  void Drain();

  const AgentConfig o_;
  const std::map<std::string, std::string> labels_;
  const std::unique_ptr<FleetChannel> fleet_;
  const std::unique_ptr<validate::Backend> backend_;
  const std::unique_ptr<BlobCache> blobs_;
  Clock* const clock_;

  std::atomic<bool> stop_{false};

  std::mutex mu_;  // work_ and every Work they point to; cv_ waits on it
  std::condition_variable cv_;
  std::map<std::string, std::unique_ptr<Work>> work_ ABSL_GUARDED_BY(mu_);  // lease id -> job

  grpc::Status refused_;  // the daemon's UNAUTHENTICATED or PERMISSION_DENIED; only Run's thread
  bool checked_ = false;  // health checks ran after the first registration; only Run's thread
  std::atomic<int64_t> jobs_done_{0};

  std::mutex ctx_mu_;
  grpc::ClientContext* ctx_ ABSL_GUARDED_BY(ctx_mu_) = nullptr;  // the current session's, for Stop()

  std::mutex write_mu_;  // one writer at a time on the stream
  FleetChannel::Stream* stream_ ABSL_GUARDED_BY(write_mu_) = nullptr;
};

}  // namespace ttc::agent

#endif  // TTC_AGENT_AGENT_H_
