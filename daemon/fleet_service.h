// The device side of ttcd: the DeviceFleet service (one bidirectional stream per agent), the
// dispatcher that turns JobScheduler assignments into lease messages on those streams, and
// the fan-out of job changes to WatchJob streams. Handlers translate; decisions are the
// JobScheduler's (daemon/job_scheduler.h).
// Thread-safety: gRPC calls in concurrently; FleetHub's registry is guarded by its mutex, and
// stream objects are only used under it (they unregister in OnDone before being deleted).
#ifndef TTC_DAEMON_FLEET_SERVICE_H_
#define TTC_DAEMON_FLEET_SERVICE_H_

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "daemon/auth.h"
#include "daemon/job_scheduler.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::daemon {

class AgentStream;
class JobWatch;

class FleetHub {
 public:
  // `scheduler` must outlive the hub. Starts the dispatcher thread (every `tick_ms`, and
  // whenever Kick() is called: grant leases, expire lost hosts).
  FleetHub(JobScheduler* scheduler, int64_t tick_ms = 100);
  // Stops the dispatcher. Streams must be finished first (the gRPC server shut down).
  ~FleetHub();

  JobScheduler* scheduler() { return scheduler_; }
  void Kick();

  // Registry used by the stream reactors.
  void AddAgent(const std::string& host_id, AgentStream* stream);
  void RemoveAgent(const std::string& host_id, AgentStream* stream);
  // Called with an agent's builder name (BuilderName: token name and peer) when its stream
  // ends; ttcd releases the builds it took (BuildCacheServiceImpl::ReleaseBuildsOf). Set once,
  // before agents connect.
  void SetAgentGoneHook(std::function<void(const std::string& builder)> hook) { agent_gone_ = std::move(hook); }
  void AgentGone(const std::string& builder) {
    if (agent_gone_) agent_gone_(builder);
  }
  // False once EndWatches has run (ttcd is draining): the caller ends its stream.
  bool AddWatch(const std::string& job_id, JobWatch* watch);
  void RemoveWatch(const std::string& job_id, JobWatch* watch);
  // Drain: ends every WatchJob stream with `status` (UNAVAILABLE: the client watches again,
  // on this daemon's successor; the job survives) and refuses new ones, so watchers never
  // hold the drain for drain_seconds.
  void EndWatches(const grpc::Status& status);
  // Tells the host holding `lease_id` to stop (after a cancel).
  void Revoke(const std::string& host_id, const std::string& lease_id, const std::string& reason);

 private:
  std::function<void(const std::string&)> agent_gone_;
  void Loop();
  void OnJobChanged(const v1::Job& job);

  JobScheduler* scheduler_;
  const int64_t tick_ms_;
  std::mutex mu_;
  std::condition_variable cv_;  // waits on mu_
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool kicked_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, AgentStream*> agents_ ABSL_GUARDED_BY(mu_);     // host id -> its current stream
  // Leases granted to a host between its registration in the scheduler and AddAgent (another
  // agent's kick can run Assign in between): delivered by AddAgent while still current.
  std::map<std::string, std::vector<v1::ServerMessage>> pending_ ABSL_GUARDED_BY(mu_);
  std::multimap<std::string, JobWatch*> watches_ ABSL_GUARDED_BY(mu_);  // job id -> watchers
  bool watches_ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status watches_end_status_ ABSL_GUARDED_BY(mu_);
  std::thread dispatcher_;
};

class FleetServiceImpl final : public v1::DeviceFleet::CallbackService {
 public:
  // `gate` (may be null: everyone may connect) admits each stream (role agent).
  explicit FleetServiceImpl(FleetHub* hub, Gate* gate = nullptr) : hub_(hub), gate_(gate) {}
  grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* Connect(grpc::CallbackServerContext* ctx) override;

 private:
  FleetHub* hub_;
  Gate* gate_;
};

// A WatchJob stream: the job now, then on every change, ending after COMPLETED. NOT_FOUND
// (JobNotFound) when there is no such job or `who` may not see it (MaySeeJob). `slot` is
// held until the stream is done.
grpc::ServerWriteReactor<v1::Job>* StartJobWatch(FleetHub* hub, const std::string& job_id, Principal who,
                                                 Gate::StreamSlot slot = {});

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_FLEET_SERVICE_H_
