#include "daemon/job_scheduler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ir/request_wire.h"

namespace ttc::daemon {

int64_t SystemClock::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status MemoryJournal::Put(const v1::Job& job) {
  std::lock_guard<std::mutex> lock(mu_);
  jobs_[job.id()] = job.SerializeAsString();
  return absl::OkStatus();
}

absl::Status MemoryJournal::Remove(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.erase(job_id);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Job>> MemoryJournal::LoadAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::Job> out;
  for (const auto& [id, bytes] : jobs_) {
    v1::Job job;
    if (!ir::ParseWireMessage(bytes, &job).ok()) return absl::DataLossError(absl::StrCat("job ", id, " is corrupt"));
    out.push_back(std::move(job));
  }
  return out;
}

namespace {

std::string RandomHex(int bytes) {
  std::vector<unsigned char> buf(static_cast<size_t>(bytes));
  RAND_bytes(buf.data(), bytes);
  std::string out;
  for (unsigned char c : buf) absl::StrAppendFormat(&out, "%02x", c);
  return out;
}

int64_t SeqOf(const std::string& job_id) {
  long long seq = 0;
  return std::sscanf(job_id.c_str(), "job-%lld-", &seq) == 1 ? seq : 0;
}

bool Matches(const v1::JobSpec& spec, const DeviceInfo& d) {
  if (d.health != v1::GOOD || d.arch != spec.arch()) return false;
  for (const auto& [k, v] : spec.labels()) {
    auto it = d.labels.find(k);
    if (it == d.labels.end() || it->second != v) return false;
  }
  return true;
}

// Moves `job` to `stage` and records it in the job's history (Job.history).
void EnterStage(v1::Job& job, v1::JobStage stage, int64_t at_ms, std::string detail) {
  job.set_stage(stage);
  v1::StageEntry* e = job.add_history();
  e->set_stage(stage);
  e->set_at_ms(at_ms);
  e->set_detail(std::move(detail));
}

}  // namespace

JobScheduler::JobScheduler(Clock* clock, JobJournal* journal, Options options)
    : clock_(clock), journal_(journal), options_(options) {}

void JobScheduler::SetListener(std::function<void(const v1::Job&)> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::move(listener);
}

void JobScheduler::SetCompletionHook(std::function<void(const v1::Job&)> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  completion_hook_ = std::move(hook);
}

void JobScheduler::Notify(absl::Span<const v1::Job> jobs) {
  std::function<void(const v1::Job&)> listener, hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listener = listener_;
    hook = completion_hook_;
  }
  for (const v1::Job& j : jobs) {
    if (hook && j.stage() == v1::COMPLETED) hook(j);
    if (listener) listener(j);
  }
}

absl::Status JobScheduler::Save(v1::Job& job, std::vector<v1::Job>* notify, bool durable) {
  job.set_updated_ms(clock_->NowMs());
  // A completed job is saved once, when it completes (nothing changes it afterwards): the
  // completion order, for retention.
  if (job.stage() == v1::COMPLETED) completed_.push_back(job.id());
  absl::Status st = durable ? journal_->Put(job) : journal_->PutLazily(job);
  if (notify) notify->push_back(job);
  return st;
}

absl::Status JobScheduler::Recover() {
  auto jobs = journal_->LoadAll();
  if (!jobs.ok()) return jobs.status();
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock_->NowMs();
  for (v1::Job& job : *jobs) {
    next_seq_ = std::max(next_seq_, SeqOf(job.id()) + 1);
    seq_[job.id()] = SeqOf(job.id());
    if (job.stage() == v1::EXECUTING) {
      // The host may reconnect and reattach within one lease period. Until it does, the lease
      // is detached (not in lease_job_): heartbeats do not renew it, reports do not count.
      job.mutable_lease()->set_deadline_ms(now + lease_period_ms());
      busy_[{job.lease().host_id(), job.lease().device_id()}] = job.id();
    } else if (job.stage() == v1::CACHE_CHECK) {
      EnterStage(job, v1::QUEUED, now, "ttcd restarted during the cache check");
    }
    jobs_[job.id()] = std::move(job);
  }
  std::vector<std::pair<int64_t, std::string>> done;
  for (const auto& [id, job] : jobs_) {
    if (job.stage() == v1::COMPLETED) done.emplace_back(job.updated_ms(), id);
  }
  std::sort(done.begin(), done.end());
  for (auto& [when, id] : done) completed_.push_back(std::move(id));
  PruneCompletedLocked();
  for (const auto& [id, job] : jobs_) {
    if (job.stage() == v1::QUEUED) QueueLocked(job);
  }
  return absl::OkStatus();
}

void JobScheduler::QueueLocked(const v1::Job& job) {
  queue_.emplace(-job.spec().priority(), seq_[job.id()], job.id());
}

void JobScheduler::PruneCompletedLocked() {
  if (options_.max_completed_jobs <= 0) return;
  while (static_cast<int64_t>(completed_.size()) > options_.max_completed_jobs) {
    const std::string id = std::move(completed_.front());
    completed_.pop_front();
    jobs_.erase(id);
    seq_.erase(id);
    if (auto st = journal_->Remove(id); !st.ok()) {
      spdlog::warn("msg=\"forgotten job not removed from the journal\" job={} error=\"{}\"", id,
                   std::string(st.message()));
    }
  }
}

absl::StatusOr<v1::Job> JobScheduler::Submit(v1::JobSpec spec, std::string action_key,
                                             std::vector<v1::OutputFileRef> program, CacheCheck check) {
  if (!spec.has_request() || !spec.request().has_func()) {
    return absl::InvalidArgumentError("spec.request.func: missing (the kernel to validate)");
  }
  if (spec.arch().empty()) return absl::InvalidArgumentError("spec.arch: missing (the device arch to run on)");
  if (spec.backend().empty()) spec.set_backend("emulator");
  v1::Job job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    PruneCompletedLocked();
    const int64_t seq = next_seq_++;
    job.set_id(absl::StrFormat("job-%010d-%s", seq, RandomHex(4)));
    *job.mutable_spec() = std::move(spec);
    const int64_t now = clock_->NowMs();
    job.set_created_ms(check.started_ms > 0 ? check.started_ms : now);
    EnterStage(job, v1::CACHE_CHECK, job.created_ms(), std::move(check.detail));
    job.set_action_key(std::move(action_key));
    for (auto& f : program) *job.add_program() = std::move(f);
    const v1::Job* cached_from = check.cached_from;
    if (cached_from != nullptr) {
      EnterStage(job, v1::COMPLETED, now, absl::StrCat("CACHED: the verdict of ", cached_from->id()));
      *job.mutable_result() = cached_from->result();
      job.mutable_result()->set_cached(true);
      job.mutable_result()->set_cached_job_id(cached_from->id());
      job.mutable_result()->set_cached_completed_ms(cached_from->updated_ms());
    } else {
      EnterStage(job, v1::QUEUED, now, "");
    }
    if (const v1::Job* revalidating = check.revalidating; cached_from == nullptr && revalidating != nullptr) {
      *job.mutable_revalidated() = revalidating->result();
      job.mutable_revalidated()->set_cached_job_id(revalidating->id());
      job.mutable_revalidated()->set_cached_completed_ms(revalidating->updated_ms());
    }
    // Persisted before acknowledged; a cached answer without waiting for the disk (losing it
    // in a crash loses nothing: the verdict is in the store).
    if (auto st = Save(job, nullptr, cached_from == nullptr); !st.ok()) return st;
    seq_[job.id()] = seq;
    jobs_[job.id()] = job;
    if (job.stage() == v1::QUEUED) QueueLocked(job);
  }
  Notify({&job, 1});
  return job;
}

std::vector<std::string> JobScheduler::RegisterHost(const std::string& host_id, const std::vector<DeviceInfo>& devices,
                                                    const std::vector<std::string>& running_leases) {
  std::vector<v1::Job> notify;
  std::vector<std::string> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    RegisterHostLocked(host_id, devices);
    for (const std::string& lease : running_leases) {
      if (!ReattachLocked(host_id, lease, &notify).ok()) dropped.push_back(lease);
    }
  }
  Notify(notify);
  return dropped;
}

void JobScheduler::RegisterHostLocked(const std::string& host_id, const std::vector<DeviceInfo>& devices) {
  Host& h = hosts_[host_id];
  std::map<std::string, DeviceInfo> next;
  for (const DeviceInfo& d : devices) {
    DeviceInfo info = d;
    // An operator's or a failed check's verdict survives a reconnect (and registrations that
    // left the device out) unless the host itself reports worse.
    auto verdict = h.verdicts.find(d.device_id);
    if (verdict != h.verdicts.end() && d.health == v1::GOOD) info.health = verdict->second;
    if (info.health != v1::GOOD) h.verdicts[d.device_id] = info.health;
    next[d.device_id] = info;
  }
  h.devices = std::move(next);
  h.online = true;
  h.last_heartbeat_ms = clock_->NowMs();
  // A (re)registration detaches the leases the host held: only those it reattaches continue
  // (an agent that restarted without its work must not keep them alive by heartbeating);
  // the others are requeued when they expire.
  for (const auto& [id, job] : jobs_) {
    if (job.stage() == v1::EXECUTING && job.lease().host_id() == host_id) {
      lease_job_.erase(job.lease().lease_id());
      unlisted_.insert(job.lease().lease_id());  // until Reattach: the host no longer runs it
    }
  }
}

void JobScheduler::DisconnectHost(const std::string& host_id, bool requeue_now) {
  std::vector<v1::Job> notify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hosts_.find(host_id);
    if (it == hosts_.end()) return;
    it->second.online = false;
    if (requeue_now) {
      for (auto& [id, job] : jobs_) {
        if (job.stage() == v1::EXECUTING && job.lease().host_id() == host_id) {
          RequeueLocked(job, absl::StrCat("host ", host_id, " handed the lease back"), &notify,
                        /*may_still_run=*/false);
        }
      }
    }
  }
  Notify(notify);
}

absl::Status JobScheduler::Heartbeat(const std::string& host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hosts_.find(host_id);
  if (it == hosts_.end() || !it->second.online) {
    return absl::NotFoundError(absl::StrCat("host ", host_id, " is not registered (or was declared lost)"));
  }
  const int64_t now = clock_->NowMs();
  it->second.last_heartbeat_ms = now;
  for (auto& [id, job] : jobs_) {
    if (job.stage() == v1::EXECUTING && job.lease().host_id() == host_id && lease_job_.count(job.lease().lease_id())) {
      job.mutable_lease()->set_deadline_ms(now + lease_period_ms());  // in memory; not journaled
    }
  }
  return absl::OkStatus();
}

absl::Status JobScheduler::Reattach(const std::string& host_id, const std::string& lease_id) {
  std::vector<v1::Job> notify;
  absl::Status st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    st = ReattachLocked(host_id, lease_id, &notify);
  }
  Notify(notify);
  return st;
}

absl::Status JobScheduler::ReattachLocked(const std::string& host_id, const std::string& lease_id,
                                          std::vector<v1::Job>* notify) {
  for (auto& [id, job] : jobs_) {
    if (job.stage() != v1::EXECUTING || job.lease().lease_id() != lease_id || job.lease().host_id() != host_id) {
      continue;
    }
    lease_job_[lease_id] = id;
    unlisted_.erase(lease_id);
    job.mutable_lease()->set_deadline_ms(clock_->NowMs() + lease_period_ms());
    return absl::OkStatus();
  }
  // Requeued while its holder was away (its lease expired before the agent reconnected, e.g.
  // ttcd restarted and the agent's backoff outlasted a lease period): the attempt resumes
  // when no other attempt has started and its device is free.
  if (v1::Job* job = QueuedWithPreviousLeaseLocked(lease_id); job && job->previous_lease().host_id() == host_id) {
    auto h = hosts_.find(host_id);
    const std::string device = job->previous_lease().device_id();
    if (h != hosts_.end() && h->second.online && h->second.devices.count(device) && !busy_.count({host_id, device})) {
      const int64_t now = clock_->NowMs();
      *job->mutable_lease() = job->previous_lease();
      job->clear_previous_lease();
      job->mutable_lease()->set_deadline_ms(now + lease_period_ms());
      EnterStage(*job, v1::EXECUTING, now,
                 absl::StrCat("attempt ", job->lease().attempt(), " reattached by ", host_id, "/", device));
      job->set_progress("reattached");
      busy_[{host_id, device}] = job->id();
      lease_job_[lease_id] = job->id();
      (void)Save(*job, notify);
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("lease ", lease_id, " is no longer current; drop its work"));
}

std::string JobScheduler::LateReportReasonLocked(const std::string& lease_id) {
  for (const auto& [id, job] : jobs_) {
    if (lease_id.empty() || job.previous_lease().lease_id() != lease_id) continue;
    if (job.stage() == v1::EXECUTING) {
      return absl::StrCat("job ", id, " was requeued without this attempt's result and attempt ", job.attempts(),
                          " runs on ", job.lease().host_id(), "/", job.lease().device_id());
    }
    return absl::StrCat("job ", id, " completed (", v1::JobOutcome_Name(job.result().outcome()), ")");
  }
  return "no job is waiting for this lease: its job completed, was cancelled or forgotten, or another attempt "
         "started";
}

v1::Job* JobScheduler::QueuedWithPreviousLeaseLocked(const std::string& lease_id) {
  if (lease_id.empty()) return nullptr;
  for (auto& [id, job] : jobs_) {
    if (job.stage() == v1::QUEUED && job.previous_lease().lease_id() == lease_id) return &job;
  }
  return nullptr;
}

v1::Job* JobScheduler::JobOfLeaseLocked(const std::string& host_id, const std::string& lease_id,
                                         absl::Status* refused) {
  auto it = lease_job_.find(lease_id);
  if (it == lease_job_.end()) return nullptr;
  auto j = jobs_.find(it->second);
  if (j == jobs_.end() || j->second.lease().lease_id() != lease_id) return nullptr;
  if (j->second.lease().host_id() != host_id) {
    *refused = absl::PermissionDeniedError(absl::StrCat("lease ", lease_id, " is held by host ",
                                                        j->second.lease().host_id(), ", not by ", host_id));
    return nullptr;
  }
  return &j->second;
}

void JobScheduler::FreeDeviceLocked(const v1::Lease& lease) {
  auto it = busy_.find({lease.host_id(), lease.device_id()});
  if (it != busy_.end()) busy_.erase(it);
  lease_job_.erase(lease.lease_id());
  unlisted_.erase(lease.lease_id());
}

void JobScheduler::RequeueLocked(v1::Job& job, const std::string& why, std::vector<v1::Job>* notify,
                                 bool may_still_run) {
  FreeDeviceLocked(job.lease());
  if (may_still_run) {
    *job.mutable_previous_lease() = job.lease();
  } else {
    job.clear_previous_lease();
  }
  job.clear_lease();
  if (job.attempts() >= options_.max_attempts) {
    EnterStage(job, v1::COMPLETED, clock_->NowMs(), why);
    v1::JobResult* r = job.mutable_result();
    r->set_outcome(v1::ERROR);
    r->set_summary(absl::StrCat("gave up after ", job.attempts(), " attempts (", why, "); hosts tried: ",
                                absl::StrJoin(job.hosts_tried(), ", ")));
  } else {
    EnterStage(job, v1::QUEUED, clock_->NowMs(), absl::StrCat("requeued: ", why));
    job.set_progress(absl::StrCat("requeued: ", why));
    QueueLocked(job);
  }
  (void)Save(job, notify);
}

std::vector<std::string> JobScheduler::Expire() {
  std::vector<std::string> touched;
  std::vector<v1::Job> notify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = clock_->NowMs();
    for (auto& [host_id, h] : hosts_) {
      if (h.online && now - h.last_heartbeat_ms >= lease_period_ms()) h.online = false;  // lost
    }
    // Every EXECUTING job holds its device in busy_: looking there costs O(devices), not O(jobs)
    // (Expire runs before every Assign). Once a second every job is looked at, whatever busy_
    // says.
    std::vector<std::string> leased;
    if (now - last_full_expire_ms_ >= 1000) {
      last_full_expire_ms_ = now;
      for (const auto& [id, job] : jobs_) {
        if (job.stage() == v1::EXECUTING) leased.push_back(id);
      }
    } else {
      for (const auto& [device, job_id] : busy_) leased.push_back(job_id);
    }
    for (const std::string& id : leased) {
      auto found = jobs_.find(id);
      if (found == jobs_.end()) continue;
      v1::Job& job = found->second;
      if (job.stage() != v1::EXECUTING || job.lease().deadline_ms() > now) continue;
      // A lease its host re-registered without (and never reattached) is known dropped; any
      // other may still be running on a host that is away.
      RequeueLocked(job, absl::StrCat("lease on ", job.lease().host_id(), "/", job.lease().device_id(), " expired"),
                    &notify, /*may_still_run=*/!unlisted_.count(job.lease().lease_id()));
      touched.push_back(id);
    }
  }
  Notify(notify);
  return touched;
}

std::vector<Assignment> JobScheduler::Assign() {
  Expire();
  std::vector<Assignment> out;
  std::vector<v1::Job> notify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The free devices, in host order; Assign stops as soon as none is left.
    struct Free {
      const std::string* host_id;
      const DeviceInfo* device;
    };
    std::vector<Free> free;
    for (const auto& [host_id, h] : hosts_) {
      if (!h.online) continue;
      for (const auto& [dev_id, d] : h.devices) {
        if (!busy_.count({host_id, dev_id})) free.push_back({&host_id, &d});
      }
    }
    const int64_t now = clock_->NowMs();
    for (auto it = queue_.begin(); it != queue_.end() && !free.empty();) {
      auto found = jobs_.find(std::get<2>(*it));
      if (found == jobs_.end() || found->second.stage() != v1::QUEUED) {
        it = queue_.erase(it);  // left the queue since it entered
        continue;
      }
      v1::Job* job = &found->second;
      // Hosts where the job crashed its own process come last: a second crash should be on
      // another host (kMaxJobCrashes), when there is one.
      std::set<std::string> crashed_on;
      for (const v1::JobCrash& c : job->crashes()) crashed_on.insert(c.host_id());
      std::optional<size_t> pick;
      for (int pass = 0; pass < 2 && !pick; ++pass) {
        for (size_t i = 0; i < free.size(); ++i) {
          if ((crashed_on.count(*free[i].host_id) != 0) != (pass == 1)) continue;
          if (Matches(job->spec(), *free[i].device)) {
            pick = i;
            break;
          }
        }
      }
      if (!pick) {
        ++it;
        continue;
      }
      {
        const std::string& host_id = *free[*pick].host_id;
        const DeviceInfo* chosen = free[*pick].device;
        free.erase(free.begin() + static_cast<std::ptrdiff_t>(*pick));
        it = queue_.erase(it);
        job->set_attempts(job->attempts() + 1);
        job->add_hosts_tried(host_id);
        v1::Lease* lease = job->mutable_lease();
        lease->set_lease_id(absl::StrCat("lease-", RandomHex(16)));  // a secret of its holder
        lease->set_host_id(host_id);
        lease->set_device_id(chosen->device_id);
        lease->set_deadline_ms(now + lease_period_ms());
        lease->set_attempt(job->attempts());
        EnterStage(*job, v1::EXECUTING, now,
                   absl::StrCat("attempt ", job->attempts(), " on ", host_id, "/", chosen->device_id));
        job->clear_log_tail();  // the log of this attempt
        job->set_progress("lease granted");
        busy_[{host_id, chosen->device_id}] = job->id();
        lease_job_[lease->lease_id()] = job->id();
        (void)Save(*job, &notify);
        out.push_back({*job});
      }
    }
  }
  Notify(notify);
  return out;
}

absl::Status JobScheduler::Progress(const std::string& host_id, const std::string& lease_id,
                                   const std::string& message) {
  std::vector<v1::Job> notify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status refused;
    v1::Job* job = JobOfLeaseLocked(host_id, lease_id, &refused);
    if (!refused.ok()) return refused;
    if (!job || job->stage() != v1::EXECUTING) {
      return absl::NotFoundError(absl::StrCat("lease ", lease_id, " is not current"));
    }
    job->set_progress(message);
    constexpr int kLogTailLines = 50;
    if (job->log_tail_size() >= kLogTailLines) job->mutable_log_tail()->DeleteSubrange(0, job->log_tail_size() - kLogTailLines + 1);
    job->add_log_tail(message.substr(0, 4096));
    notify.push_back(*job);  // progress is not journaled: it is only shown
  }
  Notify(notify);
  return absl::OkStatus();
}

absl::StatusOr<bool> JobScheduler::Report(const std::string& host_id, const std::string& lease_id,
                                          v1::JobResult result, ReportNote* note) {
  std::vector<v1::Job> notify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status refused;
    v1::Job* job = JobOfLeaseLocked(host_id, lease_id, &refused);
    if (!refused.ok()) return refused;
    if (!job) {
      // The attempt's lease ended without a result while its holder kept running it (ttcd
      // restarted, the agent was away): its result still counts while no other attempt has
      // started. Only the holder may report it.
      job = QueuedWithPreviousLeaseLocked(lease_id);
      if (job && job->previous_lease().host_id() != host_id) {
        return absl::PermissionDeniedError(absl::StrCat("lease ", lease_id, " was held by host ",
                                                        job->previous_lease().host_id(), ", not by ", host_id));
      }
      if (job) {
        *job->mutable_lease() = job->previous_lease();
        job->clear_previous_lease();
      }
    }
    if (!job || (job->stage() != v1::EXECUTING && job->stage() != v1::QUEUED)) {
      if (note) note->why = LateReportReasonLocked(lease_id);
      return false;  // duplicate or late: ignored
    }
    if (note) note->job_id = job->id();
    result.set_host_id(job->lease().host_id());
    result.set_device_id(job->lease().device_id());
    FreeDeviceLocked(job->lease());
    job->clear_previous_lease();
    if (job->has_revalidated() && job->revalidated().outcome() != result.outcome()) {
      // The same program, backend, arch and seed gave another verdict before: flaky.
      result.set_flaky(true);
      result.set_summary(absl::StrCat("FLAKY: ", result.summary(), " (the stored verdict, ",
                                      job->revalidated().cached_job_id(), ", was ",
                                      v1::JobOutcome_Name(job->revalidated().outcome()), ")"));
    }
    EnterStage(*job, v1::COMPLETED, clock_->NowMs(), v1::JobOutcome_Name(result.outcome()));
    *job->mutable_result() = std::move(result);
    job->set_progress("completed");
    if (auto st = Save(*job, &notify); !st.ok()) return st;
  }
  Notify(notify);
  return true;
}

absl::Status JobScheduler::ReportCrash(const std::string& host_id, const std::string& lease_id,
                                      const std::string& reason, bool caused_by_job) {
  std::vector<v1::Job> notify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status refused;
    v1::Job* job = JobOfLeaseLocked(host_id, lease_id, &refused);
    if (!refused.ok()) return refused;
    if (!job || job->stage() != v1::EXECUTING) return absl::OkStatus();
    const std::string where = absl::StrCat(job->lease().host_id(), "/", job->lease().device_id());
    if (caused_by_job) {
      // The job's own process failed; the device is not at fault and stays as it is.
      v1::JobCrash* c = job->add_crashes();
      c->set_host_id(job->lease().host_id());
      c->set_device_id(job->lease().device_id());
      c->set_reason(reason);
      if (job->crashes_size() >= kMaxJobCrashes) {
        FreeDeviceLocked(job->lease());
        job->clear_lease();
        job->clear_previous_lease();
        std::vector<std::string> each;
        for (const v1::JobCrash& e : job->crashes()) {
          each.push_back(absl::StrCat(e.host_id(), "/", e.device_id(), ": ", e.reason()));
        }
        EnterStage(*job, v1::COMPLETED, clock_->NowMs(), "the job crashed its process on every attempt");
        v1::JobResult* r = job->mutable_result();
        r->set_outcome(v1::ERROR);
        r->set_summary(absl::StrCat("the job crashed its validation process ", job->crashes_size(),
                                    " times, not tried again (", absl::StrJoin(each, "; "), ")"));
        r->set_host_id(job->crashes(job->crashes_size() - 1).host_id());
        r->set_device_id(job->crashes(job->crashes_size() - 1).device_id());
        job->set_progress("completed");
        (void)Save(*job, &notify);
      } else {
        RequeueLocked(*job, absl::StrCat("the job crashed its process on ", where, ": ", reason), &notify,
                      /*may_still_run=*/false);
      }
    } else {
      auto h = hosts_.find(job->lease().host_id());
      if (h != hosts_.end()) {
        auto d = h->second.devices.find(job->lease().device_id());
        if (d != h->second.devices.end()) {
          d->second.health = v1::BAD;
          h->second.verdicts[d->first] = v1::BAD;
        }
      }
      RequeueLocked(*job, absl::StrCat("crashed on ", where, ": ", reason), &notify, /*may_still_run=*/false);
    }
  }
  Notify(notify);
  return absl::OkStatus();
}

absl::StatusOr<std::string> JobScheduler::Cancel(const std::string& job_id) {
  std::vector<v1::Job> notify;
  std::string revoked;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("no job ", job_id));
    v1::Job& job = it->second;
    if (job.stage() == v1::COMPLETED) {
      return absl::FailedPreconditionError(absl::StrCat("job ", job_id, " already completed"));
    }
    if (job.stage() == v1::EXECUTING) {
      revoked = job.lease().lease_id();
      FreeDeviceLocked(job.lease());
      job.clear_lease();
    }
    EnterStage(job, v1::COMPLETED, clock_->NowMs(), "cancelled");
    job.mutable_result()->set_outcome(v1::CANCELLED);
    job.mutable_result()->set_summary("cancelled");
    if (auto st = Save(job, &notify); !st.ok()) return st;
  }
  Notify(notify);
  return revoked;
}

absl::Status JobScheduler::SetHealth(const std::string& host_id, const std::string& device_id,
                                     v1::DeviceHealth health) {
  std::lock_guard<std::mutex> lock(mu_);
  auto h = hosts_.find(host_id);
  if (h == hosts_.end() || !h->second.devices.count(device_id)) {
    return absl::NotFoundError(absl::StrCat("no device ", host_id, "/", device_id));
  }
  h->second.devices[device_id].health = health;
  if (health == v1::GOOD) h->second.verdicts.erase(device_id);
  else h->second.verdicts[device_id] = health;
  return absl::OkStatus();
}

absl::Status JobScheduler::RecordHealthCheck(const std::string& host_id, const std::string& device_id, bool passed,
                                             const std::string& detail) {
  std::lock_guard<std::mutex> lock(mu_);
  auto h = hosts_.find(host_id);
  if (h == hosts_.end() || !h->second.devices.count(device_id)) {
    return absl::NotFoundError(absl::StrCat("no device ", host_id, "/", device_id));
  }
  DeviceInfo& d = h->second.devices[device_id];
  d.last_health_check_ms = clock_->NowMs();
  d.last_health_check_passed = passed;
  d.last_health_check_detail = detail.substr(0, 1024);
  if (d.health == v1::MAINTENANCE) return absl::OkStatus();
  d.health = passed ? v1::GOOD : v1::BAD;
  if (passed) h->second.verdicts.erase(device_id);
  else h->second.verdicts[device_id] = v1::BAD;
  return absl::OkStatus();
}

absl::StatusOr<v1::Job> JobScheduler::GetJob(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    if (options_.max_completed_jobs <= 0) return absl::NotFoundError(absl::StrCat("no job ", job_id));
    return absl::NotFoundError(absl::StrCat("no job ", job_id, " (ttcd keeps the newest ", options_.max_completed_jobs,
                                            " completed jobs)"));
  }
  return it->second;
}

std::vector<v1::Job> JobScheduler::ListJobs(v1::JobStage stage) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::Job> out;
  for (const auto& [id, job] : jobs_) {
    if (stage == v1::JOB_STAGE_UNSPECIFIED || job.stage() == stage) out.push_back(job);
  }
  return out;
}

std::vector<DeviceStatus> JobScheduler::ListDevices() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DeviceStatus> out;
  for (const auto& [host_id, h] : hosts_) {
    for (const auto& [dev_id, d] : h.devices) {
      DeviceStatus s;
      s.host_id = host_id;
      s.device = d;
      s.host_online = h.online;
      if (auto b = busy_.find({host_id, dev_id}); b != busy_.end()) s.job_id = b->second;
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string JobScheduler::JobOfLease(const std::string& lease_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = lease_job_.find(lease_id);
  return it == lease_job_.end() ? "" : it->second;
}

std::vector<std::string> JobScheduler::LeasesOf(const std::string& host_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, job] : jobs_) {
    if (job.stage() == v1::EXECUTING && job.lease().host_id() == host_id) out.push_back(job.lease().lease_id());
  }
  return out;
}

}  // namespace ttc::daemon
