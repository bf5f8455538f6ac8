#include "daemon/grpc_services.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "ir/target.h"

namespace ttc::daemon {

grpc::Status ToGrpc(const absl::Status& st) {
  if (st.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(st.code()), std::string(st.message()));
}

namespace {

int64_t MicrosSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count();
}

// A unary call answered later, possibly from a worker thread, or never if the client goes
// away first. Exactly one of {the answer, the cancellation} finishes the call; the state is
// shared with the pending callbacks, so a late answer after cancellation touches nothing
// that gRPC has freed.
template <class Resp>
class PendingCall final : public grpc::ServerUnaryReactor {
 public:
  struct State {
    std::mutex mu;
    bool finished = false;
    std::atomic<bool> cancelled{false};
    PendingCall* call = nullptr;
    Resp* resp = nullptr;
    // Fills the response and finishes the call, unless it was already finished.
    bool Complete(const std::function<grpc::Status(Resp*)>& fill) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (finished) return false;
        finished = true;
      }
      call->Finish(fill(resp));
      return true;
    }
  };

  PendingCall(Resp* resp, CompileService* counters) : state_(std::make_shared<State>()), counters_(counters) {
    state_->call = this;
    state_->resp = resp;
  }
  std::shared_ptr<State> state() const { return state_; }

  void OnCancel() override {
    state_->cancelled = true;
    if (state_->Complete([](Resp*) { return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"); })) {
      counters_->CountCancelled();
    }
  }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<State> state_;
  CompileService* counters_;
};

// Answers a unary call at once.
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* ctx, const grpc::Status& st) {
  grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
  r->Finish(st);
  return r;
}

constexpr uint32_t kAnyRole = kRoleSubmit | kRoleAgent | kRoleAdmin;

// Admits a call through `gate` (null: everyone is admitted with every role).
grpc::Status Admit(Gate* gate, grpc::CallbackServerContext* ctx, const char* method, uint32_t roles,
                   Principal* who = nullptr) {
  if (gate == nullptr) {
    if (who != nullptr) who->roles = kAnyRole;
    return grpc::Status::OK;
  }
  return gate->Admit(*ctx, method, roles, who);
}

grpc::Status AdmitStream(Gate* gate, grpc::CallbackServerContext* ctx, const char* method, uint32_t roles,
                         Gate::StreamSlot* slot) {
  if (gate == nullptr) return grpc::Status::OK;
  return gate->AdmitStream(*ctx, method, roles, nullptr, slot);
}

grpc::Status BlobTooBig(const std::string& field, int64_t size, int64_t limit) {
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      absl::StrCat(field, ": a blob of ", size, " bytes is over max_blob_bytes (", limit, ")"));
}

void FillKey(const cache::ActionKey& key, v1::ActionKeyParts* k) {
  k->set_request_digest(key.request_digest);
  k->set_compiler_build_id(key.compiler_build_id);
  k->set_pipeline(key.pipeline);
  k->set_target_fingerprint(key.target_fingerprint);
  k->set_key(key.key);
}

void FillCompileResponse(Outcome outcome, std::chrono::steady_clock::time_point start, v1::CompileResponse* r) {
  r->set_cache_hit(outcome.cache_hit);
  FillKey(outcome.key, r->mutable_action_key());
  *r->mutable_result() = std::move(outcome.result);
  for (const v1::OutputFile& f : r->result().output_files()) {
    auto it = outcome.files.find(f.path());
    if (it == outcome.files.end()) continue;  // files not requested
    v1::InlineFile* file = r->add_files();
    file->set_path(f.path());
    file->set_data(std::move(it->second));
  }
  r->set_server_micros(MicrosSince(start));
}

grpc::Status Invalid(const std::string& message) { return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message); }

absl::Status CheckDigest(const v1::Digest& d, const std::string& field) {
  if (!cache::IsWellFormed(d)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a SHA-256 digest (hash must be 64 lowercase hex ",
                                                   "digits, size_bytes >= 0), got '", d.hash(), "'/",
                                                   d.size_bytes()));
  }
  return absl::OkStatus();
}

void SetBlobStatus(v1::BlobStatus* out, const absl::Status& st) {
  out->set_code(static_cast<int32_t>(st.code()));
  out->set_message(std::string(st.message()));
}

}  // namespace

grpc::ServerUnaryReactor* CompilerServiceImpl::Compile(grpc::CallbackServerContext* ctx, const v1::CompileRequest* req,
                                                       v1::CompileResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/Compile", kRoleSubmit); !st.ok()) return Answer(ctx, st);
  auto* call = new PendingCall<v1::CompileResponse>(resp, service_);
  auto state = call->state();
  const auto start = std::chrono::steady_clock::now();
  const bool inline_files = req->inline_files();
  service_->Run(
      *req, ActionKind::kCompile, inline_files, [state] { return !state->cancelled; },
      [state, start](absl::StatusOr<Outcome> outcome) {
        state->Complete([&](v1::CompileResponse* r) {
          if (!outcome.ok()) return ToGrpc(outcome.status());
          FillCompileResponse(std::move(*outcome), start, r);
          return grpc::Status::OK;
        });
      });
  return call;
}

grpc::ServerUnaryReactor* CompilerServiceImpl::InferLayout(grpc::CallbackServerContext* ctx,
                                                           const v1::CompileRequest* req, v1::LayoutResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/InferLayout", kRoleSubmit); !st.ok()) return Answer(ctx, st);
  auto* call = new PendingCall<v1::LayoutResponse>(resp, service_);
  auto state = call->state();
  const auto start = std::chrono::steady_clock::now();
  service_->Run(
      *req, ActionKind::kLayout, /*want_files=*/true, [state] { return !state->cancelled; },
      [state, start](absl::StatusOr<Outcome> outcome) {
        state->Complete([&](v1::LayoutResponse* r) {
          if (!outcome.ok()) return ToGrpc(outcome.status());
          r->set_cache_hit(outcome->cache_hit);
          FillKey(outcome->key, r->mutable_action_key());
          r->set_success(outcome->result.success());
          *r->mutable_diagnostics() = outcome->result.diagnostics();
          if (auto it = outcome->files.find(std::string(kLayoutFile)); it != outcome->files.end()) {
            r->set_attributes_json(std::move(it->second));
          }
          r->set_server_micros(MicrosSince(start));
          return grpc::Status::OK;
        });
      });
  return call;
}

grpc::ServerUnaryReactor* CompilerServiceImpl::GetActionResult(grpc::CallbackServerContext* ctx,
                                                               const v1::GetActionResultRequest* req,
                                                               v1::ActionResult* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/GetActionResult", kRoleSubmit); !st.ok()) return Answer(ctx, st);
  auto result = service_->Lookup(req->action_key());
  if (!result.ok()) {
    if (absl::IsDataLoss(result.status())) {
      return Answer(ctx, grpc::Status(grpc::StatusCode::NOT_FOUND, std::string(result.status().message())));
    }
    if (!absl::IsNotFound(result.status())) service_->CountError();
    return Answer(ctx, ToGrpc(result.status()));
  }
  *resp = std::move(*result);
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::GetStats(grpc::CallbackServerContext* ctx,
                                                        const v1::GetStatsRequest* req, v1::Stats* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/GetStats", kRoleAdmin); !st.ok()) return Answer(ctx, st);
  *resp = service_->GetStats();
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::Submit(grpc::CallbackServerContext* ctx, const v1::SubmitRequest* req,
                                                      v1::SubmitResponse* resp) {
  Principal who;
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/Submit", kRoleSubmit, &who); !st.ok()) return Answer(ctx, st);
  v1::JobSpec spec;
  if (req->validate()) {
    if (!fleet_) return Answer(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this ttcd runs no device fleet"));
    const std::string backend = req->backend().empty() ? "emulator" : req->backend();
    if (backend != "emulator" && backend != "metalium") {
      service_->CountError();
      return Answer(ctx, Invalid(absl::StrCat("backend: '", backend, "' is not one of emulator, metalium")));
    }
    std::string arch = req->arch();
    if (arch.empty()) {
      auto target = ir::ResolveTarget(req->compile().request().target(), req->compile().target_override());
      if (target.ok()) arch = target->preset;  // an unknown target is reported by the compile below
    }
    *spec.mutable_request() = req->compile().request();
    spec.set_target_override(req->compile().target_override());
    spec.set_arch(arch);
    spec.mutable_labels()->insert(req->labels().begin(), req->labels().end());
    (*spec.mutable_labels())["backend"] = backend;
    spec.set_seed(req->seed());
    spec.set_priority(req->priority());
    spec.set_backend(backend);
    if (who.authenticated) spec.set_owner(who.name);
  }
  auto* call = new PendingCall<v1::SubmitResponse>(resp, service_);
  auto state = call->state();
  const auto start = std::chrono::steady_clock::now();
  FleetHub* fleet = fleet_;
  const bool validate = req->validate();
  service_->Run(
      req->compile(), ActionKind::kCompile, req->compile().inline_files(), [state] { return !state->cancelled; },
      [state, start, fleet, validate, spec](absl::StatusOr<Outcome> outcome) {
        state->Complete([&](v1::SubmitResponse* r) {
          if (!outcome.ok()) return ToGrpc(outcome.status());
          const bool compiled = outcome->result.success();
          std::vector<v1::OutputFileRef> program;
          for (const v1::OutputFile& f : outcome->result.output_files()) {
            v1::OutputFileRef ref;
            ref.set_path(f.path());
            *ref.mutable_digest() = f.digest();
            program.push_back(std::move(ref));
          }
          const std::string key = outcome->key.key;
          FillCompileResponse(std::move(*outcome), start, r->mutable_compile());
          if (validate && compiled) {
            // Persisted before this answer goes out.
            auto job = fleet->scheduler()->Submit(spec, key, std::move(program));
            if (!job.ok()) return ToGrpc(job.status());
            *r->mutable_job() = std::move(*job);
            fleet->Kick();
          }
          return grpc::Status::OK;
        });
      });
  return call;
}

grpc::ServerWriteReactor<v1::Job>* CompilerServiceImpl::WatchJob(grpc::CallbackServerContext* ctx,
                                                                 const v1::JobRef* req) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(gate_, ctx, "/ttc.v1.Compiler/WatchJob", kRoleSubmit | kRoleAdmin, &slot); !st.ok()) {
    return new RefusedStream<grpc::ServerWriteReactor<v1::Job>>(st);
  }
  if (!fleet_) {
    return new RefusedStream<grpc::ServerWriteReactor<v1::Job>>(
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this ttcd runs no device fleet"));
  }
  return StartJobWatch(fleet_, req->job_id(), std::move(slot));
}

grpc::ServerUnaryReactor* CompilerServiceImpl::CancelJob(grpc::CallbackServerContext* ctx, const v1::JobRef* req,
                                                         v1::Job* resp) {
  Principal who;
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/CancelJob", kRoleSubmit | kRoleAdmin, &who); !st.ok()) {
    return Answer(ctx, st);
  }
  if (!fleet_) return Answer(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this ttcd runs no device fleet"));
  auto before = fleet_->scheduler()->GetJob(req->job_id());
  if (!before.ok()) return Answer(ctx, ToGrpc(before.status()));
  // submit may cancel its own jobs; admin any.
  if (!(who.roles & kRoleAdmin) && who.authenticated && before->spec().owner() != who.name) {
    return Answer(ctx, grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                    absl::StrCat("/ttc.v1.Compiler/CancelJob: job ", req->job_id(), " belongs to '",
                                                 before->spec().owner(), "', not to token '", who.name,
                                                 "' (only admin may cancel any job)")));
  }
  auto revoked = fleet_->scheduler()->Cancel(req->job_id());
  if (!revoked.ok()) return Answer(ctx, ToGrpc(revoked.status()));
  if (!revoked->empty()) fleet_->Revoke(before->lease().host_id(), *revoked, "the job was cancelled");
  auto after = fleet_->scheduler()->GetJob(req->job_id());
  if (after.ok()) *resp = std::move(*after);
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::GetJob(grpc::CallbackServerContext* ctx, const v1::JobRef* req,
                                                      v1::Job* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/GetJob", kRoleSubmit | kRoleAdmin); !st.ok()) return Answer(ctx, st);
  if (!fleet_) return Answer(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this ttcd runs no device fleet"));
  auto job = fleet_->scheduler()->GetJob(req->job_id());
  if (!job.ok()) return Answer(ctx, ToGrpc(job.status()));
  *resp = std::move(*job);
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::ListJobs(grpc::CallbackServerContext* ctx,
                                                        const v1::ListJobsRequest* req, v1::ListJobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/ListJobs", kRoleSubmit | kRoleAdmin); !st.ok()) return Answer(ctx, st);
  if (!fleet_) return Answer(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this ttcd runs no device fleet"));
  for (v1::Job& j : fleet_->scheduler()->ListJobs(req->stage())) *resp->add_jobs() = std::move(j);
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::ListDevices(grpc::CallbackServerContext* ctx,
                                                           const v1::ListDevicesRequest* req,
                                                           v1::ListDevicesResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/ListDevices", kRoleSubmit | kRoleAdmin); !st.ok()) return Answer(ctx, st);
  if (!fleet_) return Answer(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this ttcd runs no device fleet"));
  for (const DeviceStatus& d : fleet_->scheduler()->ListDevices()) {
    v1::DeviceState* s = resp->add_devices();
    s->set_host_id(d.host_id);
    s->set_device_id(d.device.device_id);
    s->set_arch(d.device.arch);
    s->mutable_labels()->insert(d.device.labels.begin(), d.device.labels.end());
    s->set_health(d.device.health);
    s->set_host_online(d.host_online);
    s->set_job_id(d.job_id);
    if (auto b = d.device.labels.find("backend"); b != d.device.labels.end()) s->set_backend(b->second);
  }
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::SetDeviceHealth(grpc::CallbackServerContext* ctx,
                                                               const v1::SetDeviceHealthRequest* req,
                                                               v1::SetDeviceHealthResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/SetDeviceHealth", kRoleAdmin); !st.ok()) return Answer(ctx, st);
  if (!fleet_) return Answer(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "this ttcd runs no device fleet"));
  if (req->health() == v1::HEALTH_UNSPECIFIED) return Answer(ctx, Invalid("health: GOOD, BAD or MAINTENANCE"));
  auto st = fleet_->scheduler()->SetHealth(req->host_id(), req->device_id(), req->health());
  if (st.ok()) fleet_->Kick();
  return Answer(ctx, ToGrpc(st));
}

grpc::ServerUnaryReactor* CasServiceImpl::FindMissingBlobs(grpc::CallbackServerContext* ctx,
                                                           const v1::FindMissingBlobsRequest* req,
                                                           v1::FindMissingBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/FindMissingBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  std::vector<v1::Digest> digests;
  for (int i = 0; i < req->blob_digests_size(); ++i) {
    if (auto st = CheckDigest(req->blob_digests(i), absl::StrCat("blob_digests[", i, "]")); !st.ok()) {
      counters_->CountError();
      return Answer(ctx, ToGrpc(st));
    }
    digests.push_back(req->blob_digests(i));
  }
  for (v1::Digest& d : store_->FindMissing(digests)) *resp->add_missing_blob_digests() = std::move(d);
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CasServiceImpl::BatchUpdateBlobs(grpc::CallbackServerContext* ctx,
                                                           const v1::BatchUpdateBlobsRequest* req,
                                                           v1::BatchUpdateBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/BatchUpdateBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  int64_t total = 0;
  for (int i = 0; i < req->requests_size(); ++i) {
    const int64_t size = static_cast<int64_t>(req->requests(i).data().size());
    if (size > max_blob_bytes_) {
      counters_->CountError();
      return Answer(ctx, BlobTooBig(absl::StrCat("requests[", i, "].data"), size, max_blob_bytes_));
    }
    total += size;
  }
  if (total > max_batch_bytes_) {
    counters_->CountError();
    return Answer(ctx, Invalid(absl::StrCat("requests: ", total, " bytes of blobs, over the batch limit of ",
                                            max_batch_bytes_, "; send large blobs with WriteBlob")));
  }
  for (int i = 0; i < req->requests_size(); ++i) {
    const auto& r = req->requests(i);
    auto* out = resp->add_responses();
    *out->mutable_digest() = r.digest();
    absl::Status st = CheckDigest(r.digest(), absl::StrCat("requests[", i, "].digest"));
    if (st.ok()) st = store_->PutBlob(r.digest(), r.data());
    SetBlobStatus(out->mutable_status(), st);
  }
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CasServiceImpl::BatchReadBlobs(grpc::CallbackServerContext* ctx,
                                                         const v1::BatchReadBlobsRequest* req,
                                                         v1::BatchReadBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/BatchReadBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  int64_t total = 0;
  for (int i = 0; i < req->digests_size(); ++i) {
    if (auto st = CheckDigest(req->digests(i), absl::StrCat("digests[", i, "]")); !st.ok()) {
      counters_->CountError();
      return Answer(ctx, ToGrpc(st));
    }
    total += req->digests(i).size_bytes();
  }
  if (total > max_batch_bytes_) {
    counters_->CountError();
    return Answer(ctx, Invalid(absl::StrCat("digests: ", total, " bytes of blobs, over the batch limit of ",
                                            max_batch_bytes_, "; read large blobs with ReadBlob")));
  }
  for (const v1::Digest& d : req->digests()) {
    auto* out = resp->add_responses();
    *out->mutable_digest() = d;
    auto bytes = store_->GetBlob(d);
    if (bytes.ok()) {
      out->set_data(std::move(*bytes));
      SetBlobStatus(out->mutable_status(), absl::OkStatus());
    } else if (absl::IsDataLoss(bytes.status())) {
      // Corrupt bytes are never served: the blob reads as missing (and has been removed).
      SetBlobStatus(out->mutable_status(), absl::NotFoundError(bytes.status().message()));
    } else {
      SetBlobStatus(out->mutable_status(), bytes.status());
    }
  }
  return Answer(ctx, grpc::Status::OK);
}

namespace {

class BlobReader final : public grpc::ServerWriteReactor<v1::ReadBlobResponse> {
 public:
  BlobReader(cache::ArtifactStore* store, CompileService* counters, const v1::ReadBlobRequest& req,
             Gate::StreamSlot slot)
      : slot_(std::move(slot)) {
    absl::Status st = CheckDigest(req.digest(), "digest");
    if (st.ok() && (req.read_offset() < 0 || req.read_offset() > req.digest().size_bytes())) {
      st = absl::OutOfRangeError(absl::StrCat("read_offset: ", req.read_offset(), " is outside the blob's ",
                                              req.digest().size_bytes(), " bytes"));
    }
    if (st.ok()) {
      auto bytes = store->GetBlob(req.digest());
      if (bytes.ok()) {
        data_ = std::move(*bytes);
        pos_ = static_cast<size_t>(req.read_offset());
      } else {
        st = absl::IsDataLoss(bytes.status()) ? absl::NotFoundError(bytes.status().message()) : bytes.status();
      }
    }
    if (!st.ok()) {
      if (!absl::IsNotFound(st)) counters->CountError();
      Finish(ToGrpc(st));
      return;
    }
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the reader went away"));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (pos_ >= data_.size()) {
      Finish(grpc::Status::OK);
      return;
    }
    const size_t n = std::min(data_.size() - pos_, static_cast<size_t>(CasServiceImpl::kChunkBytes));
    msg_.set_data(data_.substr(pos_, n));
    pos_ += n;
    StartWrite(&msg_);
  }
  Gate::StreamSlot slot_;
  std::string data_;
  size_t pos_ = 0;
  v1::ReadBlobResponse msg_;
};

class BlobWriter final : public grpc::ServerReadReactor<v1::WriteBlobRequest> {
 public:
  BlobWriter(cache::ArtifactStore* store, CompileService* counters, v1::WriteBlobResponse* resp,
             int64_t max_blob_bytes, Gate::StreamSlot slot)
      : store_(store), counters_(counters), resp_(resp), max_blob_bytes_(max_blob_bytes), slot_(std::move(slot)) {
    StartRead(&msg_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending (or went away)
      if (!started_) return Fail(absl::InvalidArgumentError("digest: the stream carried no message"));
      absl::Status st = store_->PutBlob(digest_, data_);
      if (!st.ok()) return Fail(st);
      resp_->set_committed_size(static_cast<int64_t>(data_.size()));
      Finish(grpc::Status::OK);
      return;
    }
    if (!started_) {
      started_ = true;
      digest_ = msg_.digest();
      if (auto st = CheckDigest(digest_, "digest"); !st.ok()) return Fail(st);
      if (digest_.size_bytes() > max_blob_bytes_) {
        counters_->CountError();
        Finish(BlobTooBig("digest", digest_.size_bytes(), max_blob_bytes_));
        return;
      }
      data_.reserve(static_cast<size_t>(std::min<int64_t>(digest_.size_bytes(), 64 << 20)));
    } else if (msg_.has_digest()) {
      return Fail(absl::InvalidArgumentError("digest: only the first message may name the digest"));
    }
    data_ += msg_.data();
    if (static_cast<int64_t>(data_.size()) > digest_.size_bytes()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("data: more bytes than the digest's size_bytes (",
                                                          digest_.size_bytes(), ")")));
    }
    StartRead(&msg_);
  }
  void OnDone() override { delete this; }

 private:
  void Fail(const absl::Status& st) {
    counters_->CountError();
    Finish(ToGrpc(st));
  }
  cache::ArtifactStore* store_;
  CompileService* counters_;
  v1::WriteBlobResponse* resp_;
  int64_t max_blob_bytes_;
  Gate::StreamSlot slot_;
  v1::WriteBlobRequest msg_;
  bool started_ = false;
  v1::Digest digest_;
  std::string data_;
};

}  // namespace

grpc::ServerWriteReactor<v1::ReadBlobResponse>* CasServiceImpl::ReadBlob(grpc::CallbackServerContext* ctx,
                                                                         const v1::ReadBlobRequest* req) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(gate_, ctx, "/ttc.v1.Cas/ReadBlob", kRoleSubmit | kRoleAgent, &slot); !st.ok()) {
    return new RefusedStream<grpc::ServerWriteReactor<v1::ReadBlobResponse>>(st);
  }
  return new BlobReader(store_, counters_, *req, std::move(slot));
}

grpc::ServerReadReactor<v1::WriteBlobRequest>* CasServiceImpl::WriteBlob(grpc::CallbackServerContext* ctx,
                                                                         v1::WriteBlobResponse* resp) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(gate_, ctx, "/ttc.v1.Cas/WriteBlob", kRoleSubmit | kRoleAgent, &slot); !st.ok()) {
    return new RefusedStream<grpc::ServerReadReactor<v1::WriteBlobRequest>>(st);
  }
  return new BlobWriter(store_, counters_, resp, max_blob_bytes_, std::move(slot));
}

}  // namespace ttc::daemon
