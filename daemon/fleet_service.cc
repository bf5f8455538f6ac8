#include "daemon/fleet_service.h"

#include <algorithm>
#include <deque>
#include <string_view>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "common/logfmt.h"
#include "daemon/build_cache_service.h"
#include "daemon/status_mapping.h"

namespace ttc::daemon {
namespace {

// A host, device or arch id from an agent: 1 to 128 bytes of letters, digits and . _ - : / @
// (INVALID_ARGUMENT naming `field` otherwise), so it can be logged and shown as it is.
absl::Status CheckId(const std::string& field, const std::string& id) {
  const bool ok = !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("._-:/@").find(c) != std::string_view::npos;
  });
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", LogfmtValue(id, 64),
                                                 " is not 1-128 letters, digits and . _ - : / @"));
}

// Serialises the writes of one stream (gRPC allows one outstanding write) and finishes the
// stream once, after the queued writes went out.
template <class Reactor, class Msg>
class Outbox {
 public:
  explicit Outbox(Reactor* r) : r_(r) {}
  void Send(Msg m) {
    std::lock_guard<std::recursive_mutex> l(mu_);
    if (closing_) return;
    q_.push_back(std::move(m));
    if (!writing_) {
      writing_ = true;
      r_->StartWrite(&q_.front());
    }
  }
  void WriteDone(bool ok) {
    std::lock_guard<std::recursive_mutex> l(mu_);
    if (!q_.empty()) q_.pop_front();
    if (!ok) {  // the peer is gone: drop the rest
      q_.clear();
      writing_ = false;
      if (!closing_) {
        closing_ = true;
        final_ = grpc::Status(grpc::StatusCode::CANCELLED, "the peer went away");
      }
      MaybeFinish();
      return;
    }
    if (!q_.empty()) {
      r_->StartWrite(&q_.front());
    } else {
      writing_ = false;
      MaybeFinish();
    }
  }
  // No more sends; finish with `st` after the queued writes.
  void Close(const grpc::Status& st) {
    std::lock_guard<std::recursive_mutex> l(mu_);
    if (closing_) return;
    closing_ = true;
    final_ = st;
    MaybeFinish();
  }

 private:
  void MaybeFinish() {
    if (closing_ && !writing_ && !finished_) {
      finished_ = true;
      r_->Finish(final_);
    }
  }
  Reactor* r_;
  std::recursive_mutex mu_;
  std::deque<Msg> q_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

class AgentStream final : public grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage> {
 public:
  // `who`: the admitted caller; an authenticated agent may only register the host its token
  // is named after.
  AgentStream(FleetHub* hub, Principal who, Gate::StreamSlot slot, std::string peer)
      : hub_(hub), who_(std::move(who)), slot_(std::move(slot)), peer_(std::move(peer)), out_(this) {
    StartRead(&in_);
  }

  void Send(v1::ServerMessage m) { out_.Send(std::move(m)); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Gone();
      out_.Close(grpc::Status::OK);
      return;
    }
    if (auto st = Handle(in_); !st.ok()) {
      spdlog::warn("msg=\"agent stream refused\" host={} error={}", host_, LogfmtValue(std::string(st.message())));
      Gone();
      out_.Close(ToGrpc(st));
      return;
    }
    StartRead(&in_);
  }
  void OnWriteDone(bool ok) override { out_.WriteDone(ok); }
  void OnDone() override {
    Gone();
    delete this;
  }

 private:
  absl::Status Handle(const v1::AgentMessage& m) {
    JobScheduler* s = hub_->scheduler();
    if (m.has_register_()) {
      const v1::RegisterAgent& r = m.register_();
      if (r.host_id().empty()) return absl::InvalidArgumentError("register.host_id: missing");
      // Ids are written into logs, job records and metrics as they are: a plain word each.
      if (auto st = CheckId("register.host_id", r.host_id()); !st.ok()) return st;
      if (who_.authenticated && r.host_id() != who_.name) {
        // Otherwise one host's token could take over another host's devices and leases.
        return absl::PermissionDeniedError(absl::StrCat("register.host_id: token '", who_.name,
                                                        "' may only register host '", who_.name, "', not '",
                                                        r.host_id(), "' (name each agent's token after its host id)"));
      }
      host_ = r.host_id();
      devices_.clear();
      for (int i = 0; i < r.devices_size(); ++i) {
        const v1::AgentDevice& d = r.devices(i);
        if (d.device_id().empty() || d.arch().empty()) {
          return absl::InvalidArgumentError(absl::StrCat("register.devices[", i, "]: device_id and arch are required"));
        }
        if (auto st = CheckId(absl::StrCat("register.devices[", i, "].device_id"), d.device_id()); !st.ok()) return st;
        if (auto st = CheckId(absl::StrCat("register.devices[", i, "].arch"), d.arch()); !st.ok()) return st;
        DeviceInfo info;
        info.device_id = d.device_id();
        info.arch = d.arch();
        info.labels.insert(d.labels().begin(), d.labels().end());
        info.labels["backend"] = r.backend().empty() ? "emulator" : r.backend();
        info.health = d.health() == v1::HEALTH_UNSPECIFIED ? v1::GOOD : d.health();
        devices_.push_back(std::move(info));
      }
      v1::ServerMessage reply;
      v1::Registered* reg = reply.mutable_registered();
      reg->set_heartbeat_interval_ms(s->heartbeat_interval_ms());
      for (std::string& lease : s->RegisterHost(host_, devices_, {r.running_leases().begin(), r.running_leases().end()})) {
        reg->add_dropped_leases(std::move(lease));
      }
      Send(std::move(reply));    // first on the stream, before any lease
      hub_->AddAgent(host_, this);  // with the leases granted since RegisterHost
      spdlog::info("msg=\"agent registered\" host={} backend={} devices={} reattached={}", host_, r.backend(),
                   r.devices_size(), r.running_leases_size() - reg->dropped_leases_size());
      hub_->Kick();
      return absl::OkStatus();
    }
    if (host_.empty()) return absl::FailedPreconditionError("the first message on the stream must be register");
    if (m.has_heartbeat()) {
      if (absl::IsNotFound(s->Heartbeat(host_))) {
        // Declared lost (e.g. a network stall) but alive: back in rotation. Its old leases
        // were requeued; their late reports are ignored.
        spdlog::info("msg=\"lost agent is back\" host={}", host_);
        // It is still running whatever it held: re-register and keep those leases that are
        // still current (requeued ones are gone; their late reports are ignored).
        (void)s->RegisterHost(host_, devices_, s->LeasesOf(host_));
        hub_->Kick();
      }
    } else if (m.has_progress()) {
      if (auto st = s->Progress(host_, m.progress().lease_id(), m.progress().message()); absl::IsPermissionDenied(st)) {
        spdlog::warn("msg=\"progress refused\" host={} error={}", host_, LogfmtValue(std::string(st.message())));
      }
    } else if (m.has_finished()) {
      JobScheduler::ReportNote note;
      note.job_id = s->JobOfLease(m.finished().lease_id());
      auto done = s->Report(host_, m.finished().lease_id(), m.finished().result(), &note);
      const std::string& job = note.job_id;
      if (!done.ok()) {
        spdlog::warn("msg=\"job report refused\" host={} job={} lease={} outcome={} error={}", host_, job,
                     LogfmtValue(m.finished().lease_id()), v1::JobOutcome_Name(m.finished().result().outcome()),
                     LogfmtValue(std::string(done.status().message())));
      } else {
        spdlog::info("msg=\"job report\" host={} job={} lease={} outcome={} accepted={}{}", host_,
                     job, LogfmtValue(m.finished().lease_id()), v1::JobOutcome_Name(m.finished().result().outcome()),
                     *done, *done ? "" : " reason=" + LogfmtValue(note.why));
      }
      hub_->Kick();
    } else if (m.has_crashed()) {
      if (auto st = s->ReportCrash(host_, m.crashed().lease_id(), m.crashed().reason(), m.crashed().caused_by_job());
          !st.ok()) {
        spdlog::warn("msg=\"crash report refused\" host={} lease={} error={}", host_,
                     LogfmtValue(m.crashed().lease_id()), LogfmtValue(std::string(st.message())));
      } else {
        spdlog::warn("msg=\"job crashed\" host={} lease={} caused_by_job={} reason={}", host_,
                     LogfmtValue(m.crashed().lease_id()), m.crashed().caused_by_job(), LogfmtValue(m.crashed().reason()));
      }
      hub_->Kick();
    } else if (m.has_health_check()) {
      const auto& hc = m.health_check();
      (void)s->RecordHealthCheck(host_, hc.device_id(), hc.passed(), hc.detail());
      if (hc.passed()) {
        spdlog::info("msg=\"health check passed\" host={} device={}", host_, hc.device_id());
      } else {
        spdlog::warn("msg=\"health check failed\" host={} device={} detail={}", host_, hc.device_id(),
                     LogfmtValue(hc.detail()));
      }
      hub_->Kick();
    } else if (m.has_goodbye()) {
      goodbye_ = true;
      s->DisconnectHost(host_, m.goodbye().hand_back_leases());
      spdlog::info("msg=\"agent goodbye\" host={} handed_back={}", host_, m.goodbye().hand_back_leases());
      hub_->Kick();
    }
    return absl::OkStatus();
  }

  // The stream ended: the host's devices leave rotation; its leases expire unless it
  // reconnects in time. Idempotent.
  void Gone() {
    if (gone_ || host_.empty()) return;
    gone_ = true;
    hub_->RemoveAgent(host_, this);
    hub_->AgentGone(BuilderName(who_.name, peer_));  // its taken builds will never come
  }

  FleetHub* hub_;
  Principal who_;
  Gate::StreamSlot slot_;
  std::string peer_;  // the agent connection's address (BuilderName)
  Outbox<AgentStream, v1::ServerMessage> out_;
  v1::AgentMessage in_;
  std::string host_;
  std::vector<DeviceInfo> devices_;
  bool goodbye_ = false;
  bool gone_ = false;
};

class JobWatch final : public grpc::ServerWriteReactor<v1::Job> {
 public:
  JobWatch(FleetHub* hub, std::string job_id, Principal who, Gate::StreamSlot slot)
      : hub_(hub), job_id_(std::move(job_id)), who_(std::move(who)), slot_(std::move(slot)), out_(this) {
    if (!hub_->AddWatch(job_id_, this)) return;  // draining: already ended; before reading the job, so no change is missed
    auto job = hub_->scheduler()->GetJob(job_id_);
    if (!job.ok()) {
      out_.Close(JobNotFound(kMethod, job_id_, who_));
      return;
    }
    Push(*job);
  }
  void Push(const v1::Job& job) {
    // Checked on every message, the first included: a change can be pushed before the
    // constructor has read the job.
    if (!MaySeeJob(who_, job.spec().owner(), job.spec().owner_group())) {
      out_.Close(JobNotFound(kMethod, job_id_, who_));
      return;
    }
    out_.Send(ShownToClients(job));
    if (job.stage() == v1::COMPLETED) out_.Close(grpc::Status::OK);
  }
  // Ends the stream with `status` (ttcd drains).
  void End(const grpc::Status& status) { out_.Close(status); }
  void OnWriteDone(bool ok) override { out_.WriteDone(ok); }
  void OnCancel() override { out_.Close(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client")); }
  void OnDone() override {
    hub_->RemoveWatch(job_id_, this);
    delete this;
  }

 private:
  static constexpr char kMethod[] = "/ttc.v1.Compiler/WatchJob";
  FleetHub* hub_;
  std::string job_id_;
  Principal who_;
  Gate::StreamSlot slot_;
  Outbox<JobWatch, v1::Job> out_;
};

grpc::ServerWriteReactor<v1::Job>* StartJobWatch(FleetHub* hub, const std::string& job_id, Principal who,
                                                 Gate::StreamSlot slot) {
  return new JobWatch(hub, job_id, std::move(who), std::move(slot));
}

grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>* FleetServiceImpl::Connect(
    grpc::CallbackServerContext* ctx) {
  Gate::StreamSlot slot;
  Principal who;
  if (gate_ != nullptr) {
    // A client token can never lease: only the agent role opens the fleet stream.
    if (auto st = gate_->AdmitStream(*ctx, "/ttc.v1.DeviceFleet/Connect", kRoleAgent, &who, &slot); !st.ok()) {
      return new RefusedStream<grpc::ServerBidiReactor<v1::AgentMessage, v1::ServerMessage>>(st);
    }
  }
  return new AgentStream(hub_, std::move(who), std::move(slot), ctx->peer());
}

FleetHub::FleetHub(JobScheduler* scheduler, int64_t tick_ms) : scheduler_(scheduler), tick_ms_(tick_ms) {
  scheduler_->SetListener([this](const v1::Job& job) { OnJobChanged(job); });
  dispatcher_ = std::thread([this] { Loop(); });
}

FleetHub::~FleetHub() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  scheduler_->SetListener(nullptr);
}

void FleetHub::Kick() {
  {
    std::lock_guard<std::mutex> l(mu_);
    kicked_ = true;
  }
  cv_.notify_all();
}

void FleetHub::AddAgent(const std::string& host_id, AgentStream* stream) {
  std::vector<v1::ServerMessage> pending;
  {
    std::lock_guard<std::mutex> l(mu_);
    agents_[host_id] = stream;
    if (auto it = pending_.find(host_id); it != pending_.end()) {
      pending = std::move(it->second);
      pending_.erase(it);
    }
  }
  for (v1::ServerMessage& m : pending) {
    // Still this host's current lease (not requeued, not replaced by a re-registration)?
    if (scheduler_->JobOfLease(m.lease().lease().lease_id()).empty()) continue;
    stream->Send(std::move(m));
  }
}

void FleetHub::RemoveAgent(const std::string& host_id, AgentStream* stream) {
  bool current = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = agents_.find(host_id);
    if (it != agents_.end() && it->second == stream) {
      agents_.erase(it);
      pending_.erase(host_id);
      current = true;
    }
  }
  if (current) {
    scheduler_->DisconnectHost(host_id, /*requeue_now=*/false);
    spdlog::info("msg=\"agent disconnected\" host={}", host_id);
  }
}

bool FleetHub::AddWatch(const std::string& job_id, JobWatch* watch) {
  std::lock_guard<std::mutex> l(mu_);
  watches_.emplace(job_id, watch);  // registered either way: OnDone removes it
  if (watches_ended_) {
    watch->End(watches_end_status_);
    return false;
  }
  return true;
}

void FleetHub::EndWatches(const grpc::Status& status) {
  std::lock_guard<std::mutex> l(mu_);
  watches_ended_ = true;
  watches_end_status_ = status;
  for (auto& [id, watch] : watches_) watch->End(status);
}

void FleetHub::RemoveWatch(const std::string& job_id, JobWatch* watch) {
  std::lock_guard<std::mutex> l(mu_);
  auto [b, e] = watches_.equal_range(job_id);
  for (auto it = b; it != e; ++it) {
    if (it->second == watch) {
      watches_.erase(it);
      return;
    }
  }
}

void FleetHub::OnJobChanged(const v1::Job& job) {
  std::lock_guard<std::mutex> l(mu_);
  auto [b, e] = watches_.equal_range(job.id());
  for (auto it = b; it != e; ++it) it->second->Push(job);
}

void FleetHub::Revoke(const std::string& host_id, const std::string& lease_id, const std::string& reason) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = agents_.find(host_id);
  if (it == agents_.end()) return;
  v1::ServerMessage m;
  m.mutable_revoke()->set_lease_id(lease_id);
  m.mutable_revoke()->set_reason(reason);
  it->second->Send(std::move(m));
}

void FleetHub::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    cv_.wait_for(l, std::chrono::milliseconds(tick_ms_), [&] { return stopping_ || kicked_; });
    if (stopping_) break;
    kicked_ = false;
    l.unlock();
    std::vector<Assignment> granted = scheduler_->Assign();
    l.lock();
    for (Assignment& a : granted) {
      auto it = agents_.find(a.job.lease().host_id());
      spdlog::info("msg=\"lease granted\" job={} lease={} host={} device={} attempt={}", a.job.id(),
                   a.job.lease().lease_id(), a.job.lease().host_id(), a.job.lease().device_id(), a.job.attempts());
      v1::ServerMessage m;
      *m.mutable_lease() = std::move(a.job);
      // The kernel travels as bytes: the agent's gRPC would parse a deep one with protobuf's
      // nesting limit of 100 (JobSpec.request_wire).
      v1::JobSpec* spec = m.mutable_lease()->mutable_spec();
      spec->set_request_wire(spec->request().SerializeAsString());
      spec->clear_request();
      if (it == agents_.end()) {
        // Registered in the scheduler but its stream not yet added (or just closed: then the
        // lease expires as before); AddAgent delivers it.
        pending_[a.job.lease().host_id()].push_back(std::move(m));
        continue;
      }
      it->second->Send(std::move(m));
    }
  }
}

}  // namespace ttc::daemon
