// The device-validation job scheduler, without gRPC (the DeviceFleet service translates agent
// streams into these calls). Models: Buildbarn's scheduler and NativeLink (leases, requeue on
// worker loss), LAVA (device health), labgrid (exact-match resources); BUILD_FARM.md 2 and 4.
//
// - Jobs are written to the journal before Submit returns (the daemon's journal is the
//   store's `jobs` column family, synced), so an acknowledged job survives a crash.
// - Matching: a queued job goes to a free device whose host is online, whose health is GOOD,
//   whose arch equals the job's and whose labels include every label the job requires. One
//   job per device at a time. Higher priority first; FIFO (by submit order) within a priority.
// - A lease binds job + device + deadline. The host's heartbeats renew its leases to
//   now + heartbeat_interval * missed_heartbeats. A host silent for that long is lost: its
//   leases expire and their jobs go back to QUEUED with the attempt counted. After
//   max_attempts the job completes with outcome ERROR and a reason naming the hosts tried.
// - Reports are idempotent by lease id: only the job's current lease can complete it, once;
//   repeated or late reports (after a requeue) are acknowledged and ignored.
// - Device health (LAVA): GOOD, BAD, MAINTENANCE. A device whose job crashed the agent
//   (ReportCrash) or whose health check failed goes BAD and leaves rotation until an operator
//   or a passing health check sets it GOOD again.
// - Restart: Recover() reloads every job; leased jobs keep their lease for one more lease
//   period so an agent that reconnects in time continues (Reattach), others are requeued.
// Thread-safety: every method may be called concurrently; callbacks (the watch and assign
// listeners) run without the scheduler's lock held.
#ifndef TTC_DAEMON_JOB_SCHEDULER_H_
#define TTC_DAEMON_JOB_SCHEDULER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <atomic>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "ttc/v1/jobs.pb.h"

namespace ttc::daemon {

// Milliseconds on a monotonic-enough clock; tests use FakeClock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowMs() override;
};

class FakeClock : public Clock {
 public:
  int64_t NowMs() override { return now_; }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_{1'000'000};
};

// Where jobs are persisted. Put must be durable when it returns.
class JobJournal {
 public:
  virtual ~JobJournal() = default;
  virtual absl::Status Put(const v1::Job& job) = 0;
  // A record whose loss in a crash costs nothing (a job answered with a cached verdict: the
  // next submit gets the same answer from the store): written without waiting for the disk.
  virtual absl::Status PutLazily(const v1::Job& job) { return Put(job); }
  // Forgets a completed job (retention, Options::max_completed_jobs). Need not be durable:
  // a removal lost in a crash brings back a record that is removed again after Recover.
  virtual absl::Status Remove(const std::string& job_id) = 0;
  virtual absl::StatusOr<std::vector<v1::Job>> LoadAll() = 0;
};

class MemoryJournal : public JobJournal {
 public:
  absl::Status Put(const v1::Job& job) override;
  absl::Status Remove(const std::string& job_id) override;
  absl::StatusOr<std::vector<v1::Job>> LoadAll() override;

 private:
  std::mutex mu_;
  std::map<std::string, std::string> jobs_ ABSL_GUARDED_BY(mu_);
};

struct DeviceInfo {
  std::string device_id;  // unique within its host
  std::string arch;       // "wormhole_b0", "blackhole", ...
  std::map<std::string, std::string> labels;
  v1::DeviceHealth health = v1::GOOD;
  // The last health check reported for this device (RecordHealthCheck); 0 = none yet.
  int64_t last_health_check_ms = 0;
  bool last_health_check_passed = false;
  std::string last_health_check_detail;
};

struct DeviceStatus {
  std::string host_id;
  DeviceInfo device;
  bool host_online = false;
  std::string job_id;  // current job, "" when idle
};

// A lease handed to a host: the job to run on one of its devices.
struct Assignment {
  v1::Job job;  // with its lease set
};

// What the submit's cache check (the verdict cache lookup, daemon/verdict_cache.h) found.
struct CacheCheck {
  int64_t started_ms = 0;               // when the lookup began (0: now); the job's created_ms
  std::string detail;                   // what it found, for Job.history ("verdict cache: miss")
  const v1::Job* cached_from = nullptr;  // a stored verdict that answers the submit
  const v1::Job* revalidating = nullptr; // a stored verdict a --revalidate run is compared with
};

class JobScheduler {
 public:
  struct Options {
    int64_t heartbeat_interval_ms = 10'000;
    int missed_heartbeats = 3;  // a host silent for interval * misses is lost
    int max_attempts = 3;
    // Completed jobs kept (in memory and in the journal), the newest by completion; older
    // ones are forgotten when a job is submitted (GetJob: NOT_FOUND). 0 keeps every job.
    // Verdicts that passed stay in the artifact store either way.
    int64_t max_completed_jobs = 20'000;
  };
  JobScheduler(Clock* clock, JobJournal* journal, Options options);

  // Reloads jobs from the journal (call once, before anything else). Jobs that were
  // EXECUTING keep their lease until now + lease period, waiting for their host.
  absl::Status Recover();


  // Queues a job: persisted, then acknowledged. Returns the job (id, stage QUEUED). Its
  // history starts with CACHE_CHECK (at check.started_ms, with check.detail).
  // With `check.cached_from` (a completed job of the same verdict key) the job is persisted
  // COMPLETED at once with that job's result, marked cached.
  // With `check.revalidating` (a --revalidate of a program whose stored verdict is that
  // completed job) the job queues as usual and records the verdict (Job.revalidated); when its
  // run reports an outcome other than the stored one, the result is marked flaky and its
  // summary says so (both reports are kept).
  // INVALID_ARGUMENT when the spec has no kernel or no arch.
  absl::StatusOr<v1::Job> Submit(v1::JobSpec spec, std::string action_key,
                                 std::vector<v1::OutputFileRef> program, CacheCheck check = {});

  // A host (re)connects with its devices. Devices it no longer lists disappear; health of
  // devices seen before is kept unless the host reports BAD/MAINTENANCE itself. Leases the
  // host held are detached: each continues only if the host calls Reattach for it (within
  // the lease period), otherwise it is requeued when it expires.
  // `running_leases`: the leases the host says it still runs, reattached (Reattach) in the
  // same step, before any Assign can hand their devices to other jobs. Returns those that
  // could not be (the agent stops their work).
  std::vector<std::string> RegisterHost(const std::string& host_id, const std::vector<DeviceInfo>& devices,
                                        const std::vector<std::string>& running_leases = {});
  // The host's stream closed (or it said goodbye): its devices leave rotation at once; its
  // leases are requeued when they expire (or at once with `requeue_now`, e.g. on a clean
  // shutdown that hands leases back).
  void DisconnectHost(const std::string& host_id, bool requeue_now);
  // Renews the host's leases. NOT_FOUND for an unknown (or lost) host: it must register.
  absl::Status Heartbeat(const std::string& host_id);
  // After a reconnect: the host says it still runs `lease_id`. OK and the lease continues
  // when it is still the job's current lease, or when it was the lease of the job's last
  // attempt, which expired while the host was away (Job.previous_lease), no other attempt
  // has started since and the device is free: the job is EXECUTING on that lease again (the
  // attempt is not counted twice). NOT_FOUND otherwise (the agent stops the work).
  absl::Status Reattach(const std::string& host_id, const std::string& lease_id);

  // Grants leases: matches queued jobs to free devices. The caller delivers each assignment
  // to its host. Also runs Expire().
  std::vector<Assignment> Assign();
  // Requeues (or fails, after max_attempts) the jobs of expired leases and lost hosts.
  // Returns the ids of the jobs it touched.
  std::vector<std::string> Expire();

  // A lease answers only to its holder (docs/devices.md "Leases"): in Progress, Report and
  // ReportCrash, `host_id` is the caller's registered host (ttcd: the agent stream's
  // authenticated host) and a current lease held by another host is refused with
  // PERMISSION_DENIED naming both, changing nothing. Lease ids are random (128 bits) and
  // only the holding agent is told them.
  // Progress from the agent (stored; shown by WatchJob). NOT_FOUND for a stale lease.
  absl::Status Progress(const std::string& host_id, const std::string& lease_id, const std::string& message);
  // Final result for `lease_id`: the job's current lease, or the previous lease of a QUEUED
  // job (an attempt whose lease expired while its holder kept running it: ttcd restarted,
  // the agent was away; Job.previous_lease) - the result counts while no other attempt has
  // started. OK also for a duplicate or late report (ignored: the job is already final or
  // another attempt runs; `note`, when not null, says which job and why); returns whether this report
  // completed the job. PERMISSION_DENIED when another host holds (or held) the lease.
  struct ReportNote {
    std::string job_id;  // the job the report was for ("" when unknown)
    std::string why;     // why it was ignored
  };
  absl::StatusOr<bool> Report(const std::string& host_id, const std::string& lease_id, v1::JobResult result,
                              ReportNote* note = nullptr);
  // The job could not run to a result. `caused_by_job` (JobCrashed.caused_by_job): its own
  // process crashed or hit a job limit on the agent - the device stays as it is, the crash is
  // recorded (Job.crashes) and the job is requeued, or completes as ERROR listing each crash
  // after kMaxJobCrashes. Otherwise the device goes BAD and the job is requeued (the attempt
  // counts). OK (nothing changes) for a stale lease.
  static constexpr int kMaxJobCrashes = 2;
  absl::Status ReportCrash(const std::string& host_id, const std::string& lease_id, const std::string& reason,
                           bool caused_by_job = false);

  // Cancels a job in any stage before COMPLETED. Returns the lease that was revoked ("" if
  // none) so the caller can tell the host. NOT_FOUND for an unknown job; FAILED_PRECONDITION
  // when it already completed.
  absl::StatusOr<std::string> Cancel(const std::string& job_id);

  // Operator: sets a device's health. NOT_FOUND for an unknown device.
  absl::Status SetHealth(const std::string& host_id, const std::string& device_id, v1::DeviceHealth health);
  // A health check's verdict: failed -> BAD; passed -> GOOD again if it was BAD. A device in
  // MAINTENANCE stays there (only an operator ends maintenance). NOT_FOUND for an unknown
  // device.
  absl::Status RecordHealthCheck(const std::string& host_id, const std::string& device_id, bool passed,
                                 const std::string& detail = "");

  absl::StatusOr<v1::Job> GetJob(const std::string& job_id);
  std::vector<v1::Job> ListJobs(v1::JobStage stage = v1::JOB_STAGE_UNSPECIFIED);
  std::vector<DeviceStatus> ListDevices();
  // The job of lease `lease_id` (current or not), for logs; "" when none is known.
  std::string JobOfLease(const std::string& lease_id);
  // The lease ids `host_id` currently holds.
  std::vector<std::string> LeasesOf(const std::string& host_id);

  // Called (outside the lock) with the job after every change of a job (stage, attempts,
  // progress, result). One listener; the daemon fans out to WatchJob streams.
  void SetListener(std::function<void(const v1::Job&)> listener);
  // Runs after each job change that leaves a job COMPLETED (without the scheduler's lock);
  // ttcd stores the verdicts that passed.
  void SetCompletionHook(std::function<void(const v1::Job&)> hook);

  // The scheduler's clock (ms since the Unix epoch): the time base of Job.history.
  int64_t NowMs() const { return clock_->NowMs(); }
  int64_t lease_period_ms() const { return options_.heartbeat_interval_ms * options_.missed_heartbeats; }
  int64_t heartbeat_interval_ms() const { return options_.heartbeat_interval_ms; }

 private:
  struct Host {
    std::map<std::string, DeviceInfo> devices;  // by device id
    // The latest non-GOOD verdict per device id (an operator's SetHealth, a failed health
    // check). Kept across registrations, including an agent's goodbye session that registers
    // no devices, so a drained device comes back in MAINTENANCE.
    std::map<std::string, v1::DeviceHealth> verdicts;
    int64_t last_heartbeat_ms = 0;
    bool online = false;
  };
  // Persists `job` and queues a notification; caller holds mu_.
  absl::Status Save(v1::Job& job, std::vector<v1::Job>* notify, bool durable = true);
  // Frees the job's device and queues it again (or completes it as ERROR after max_attempts).
  // `may_still_run`: the lease ended without word from its holder (expiry), which may still
  // run the attempt and reattach or report it later (Job.previous_lease).
  void RequeueLocked(v1::Job& job, const std::string& why, std::vector<v1::Job>* notify, bool may_still_run = true)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RegisterHostLocked(const std::string& host_id, const std::vector<DeviceInfo>& devices)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ReattachLocked(const std::string& host_id, const std::string& lease_id, std::vector<v1::Job>* notify)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The QUEUED job whose previous_lease is `lease_id`, or nullptr.
  v1::Job* QueuedWithPreviousLeaseLocked(const std::string& lease_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Why a report on `lease_id` no longer counts, for the refusal's log line.
  std::string LateReportReasonLocked(const std::string& lease_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FreeDeviceLocked(const v1::Lease& lease);
  // The job of current lease `lease_id` when `host_id` holds it; nullptr with *refused set
  // (PERMISSION_DENIED) when another host does, nullptr alone when it is not current.
  v1::Job* JobOfLeaseLocked(const std::string& host_id, const std::string& lease_id, absl::Status* refused);
  void Notify(absl::Span<const v1::Job> jobs);
  // Forgets the oldest completed jobs beyond options_.max_completed_jobs.
  void PruneCompletedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds `job` (QUEUED, with its seq_ entry) to queue_.
  void QueueLocked(const v1::Job& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* clock_;
  JobJournal* journal_;
  Options options_;
  std::mutex mu_;
  std::map<std::string, v1::Job> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Host> hosts_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, std::string> busy_ ABSL_GUARDED_BY(mu_);  // (host, device) -> job id
  std::map<std::string, std::string> lease_job_ ABSL_GUARDED_BY(mu_);                     // lease id -> job id
  // Current leases whose host registered again without listing them (not reattached): the
  // host dropped that work, so their expiry leaves no previous_lease to come back to.
  std::set<std::string> unlisted_ ABSL_GUARDED_BY(mu_);
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, int64_t> seq_ ABSL_GUARDED_BY(mu_);  // job id -> submit order
  // The QUEUED jobs in lease order: (-priority, submit order, id). Entries are added whenever a
  // job enters QUEUED and dropped lazily by Assign once the job has left it, so Assign walks
  // the queue from its head instead of sorting every job each time.
  std::set<std::tuple<int32_t, int64_t, std::string>> queue_ ABSL_GUARDED_BY(mu_);
  int64_t last_full_expire_ms_ ABSL_GUARDED_BY(mu_) = 0;  // Expire's last look at every job
  std::deque<std::string> completed_ ABSL_GUARDED_BY(mu_);   // ids of completed jobs, oldest completion first
  std::function<void(const v1::Job&)> listener_;
  std::function<void(const v1::Job&)> completion_hook_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_JOB_SCHEDULER_H_
