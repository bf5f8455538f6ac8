#include "daemon/compiler_grpc_service.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "daemon/fleet_views.h"
#include "daemon/garbled_requests.h"
#include "daemon/grpc_plumbing.h"
#include "daemon/status_mapping.h"
#include "driver/diagnostic_text.h"
#include "frontend/load.h"

namespace ttc::daemon {
namespace {

void FillKey(const cache::ActionKey& key, v1::ActionKeyParts* k) {
  k->set_request_digest(key.request_digest);
  k->set_compiler_build_id(key.compiler_build_id);
  k->set_pipeline(key.pipeline);
  k->set_target_fingerprint(key.target_fingerprint);
  k->set_key(key.key);
}

// CompileRequest.frontend_diagnostics may carry warnings and notes only (service.proto).
grpc::Status CheckFrontendDiagnostics(const v1::CompileRequest& req, const std::string& prefix) {
  for (int i = 0; i < req.frontend_diagnostics_size(); ++i) {
    const v1::DiagnosticMessage& d = req.frontend_diagnostics(i);
    if (d.severity() != v1::DiagnosticMessage::WARNING && d.severity() != v1::DiagnosticMessage::NOTE) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat(prefix, "frontend_diagnostics[", i, "].severity: ",
                                       v1::DiagnosticMessage::Severity_Name(d.severity()),
                                       " is not allowed: the frontend's warnings and notes only (a script with "
                                       "errors makes no request)"));
    }
  }
  return grpc::Status::OK;
}

// CompileRequest.script (service.proto): ttcd's frontend makes `request` from the script, its
// warnings go into frontend_diagnostics and the script is dropped. The frontend is reentrant,
// bounded by the request size, and never throws on bad input (fuzzed: fuzz/).
grpc::Status ResolveScript(v1::CompileRequest* req, const std::string& prefix) {
  if (!req->has_script()) return grpc::Status::OK;
  if (req->has_request()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(prefix, "script: set together with ", prefix,
                                     "request; send one of them (a script is compiled to a request by ttcd)"));
  }
  if (req->frontend_diagnostics_size() > 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(prefix, "frontend_diagnostics: set with ", prefix,
                                     "script; ttcd's frontend reports the script's own warnings"));
  }
  const v1::TileLangScript& script = req->script();
  frontend::LoadOptions opts;
  opts.func_name = script.func();
  opts.defines.assign(script.defines().begin(), script.defines().end());
  const std::string name = script.file_name().empty() ? "<script>" : script.file_name();
  auto loaded = frontend::LoadKernelFromText(script.text(), name, opts);
  if (!loaded.ok()) return ToGrpc(loaded.status());
  for (v1::DiagnosticMessage& d : FrontendWarningMessages(loaded->warning_diagnostics)) *req->add_frontend_diagnostics() = std::move(d);
  *req->mutable_request() = std::move(loaded->request);
  req->clear_script();
  return grpc::Status::OK;
}

// The frontend's warnings first, then the compile's diagnostics (the response only: the
// cached result is the compile's).
void PrependFrontendDiagnostics(const google::protobuf::RepeatedPtrField<v1::DiagnosticMessage>& frontend,
                                google::protobuf::RepeatedPtrField<v1::DiagnosticMessage>* diags) {
  if (frontend.empty()) return;
  google::protobuf::RepeatedPtrField<v1::DiagnosticMessage> all = frontend;
  for (v1::DiagnosticMessage& d : *diags) *all.Add() = std::move(d);
  *diags = std::move(all);
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

}  // namespace

grpc::ServerUnaryReactor* CompilerServiceImpl::Compile(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* raw,
                                                       grpc::ByteBuffer* resp) {
  constexpr char kMethod[] = "/ttc.v1.Compiler/Compile";
  if (auto st = Admit(gate_, ctx, kMethod, kRoleSubmit); !st.ok()) return Answer(ctx, st);
  v1::CompileRequest req;
  if (auto st = ParseRawRequest(*raw, kMethod, &req); !st.ok()) return Answer(ctx, st);
  if (auto st = CheckFrontendDiagnostics(req, ""); !st.ok()) return Answer(ctx, st);
  if (auto st = ResolveScript(&req, ""); !st.ok()) return Answer(ctx, st);
  auto* call = new PendingCall<v1::CompileResponse>(resp, service_);
  auto state = call->state();
  const auto start = std::chrono::steady_clock::now();
  RunOffCallbackThreads<v1::CompileResponse>(io_pool_, service_, state, [this, state, start,
                                                                          request = std::move(req)] {
    service_->Run(
        request, ActionKind::kCompile, request.inline_files(), [state] { return !state->cancelled; },
        [state, start, frontend = request.frontend_diagnostics()](absl::StatusOr<Outcome> outcome) {
          state->Complete([&](v1::CompileResponse* r) {
            if (!outcome.ok()) return ToGrpc(outcome.status());
            FillCompileResponse(std::move(*outcome), start, r);
            PrependFrontendDiagnostics(frontend, r->mutable_result()->mutable_diagnostics());
            return grpc::Status::OK;
          });
        });
  });
  return call;
}

grpc::ServerUnaryReactor* CompilerServiceImpl::InferLayout(grpc::CallbackServerContext* ctx,
                                                           const grpc::ByteBuffer* raw, grpc::ByteBuffer* resp) {
  constexpr char kMethod[] = "/ttc.v1.Compiler/InferLayout";
  if (auto st = Admit(gate_, ctx, kMethod, kRoleSubmit); !st.ok()) return Answer(ctx, st);
  v1::CompileRequest req;
  if (auto st = ParseRawRequest(*raw, kMethod, &req); !st.ok()) return Answer(ctx, st);
  if (auto st = CheckFrontendDiagnostics(req, ""); !st.ok()) return Answer(ctx, st);
  if (auto st = ResolveScript(&req, ""); !st.ok()) return Answer(ctx, st);
  auto* call = new PendingCall<v1::LayoutResponse>(resp, service_);
  auto state = call->state();
  const auto start = std::chrono::steady_clock::now();
  RunOffCallbackThreads<v1::LayoutResponse>(io_pool_, service_, state, [this, state, start,
                                                                         request = std::move(req)] {
    service_->Run(
        request, ActionKind::kLayout, /*want_files=*/true, [state] { return !state->cancelled; },
        [state, start, frontend = request.frontend_diagnostics()](absl::StatusOr<Outcome> outcome) {
          state->Complete([&](v1::LayoutResponse* r) {
            if (!outcome.ok()) return ToGrpc(outcome.status());
            r->set_cache_hit(outcome->cache_hit);
            FillKey(outcome->key, r->mutable_action_key());
            r->set_success(outcome->result.success());
            *r->mutable_diagnostics() = outcome->result.diagnostics();
            PrependFrontendDiagnostics(frontend, r->mutable_diagnostics());
            if (auto it = outcome->files.find(std::string(kLayoutFile)); it != outcome->files.end()) {
              r->set_attributes_json(std::move(it->second));
            }
            r->set_server_micros(MicrosSince(start));
            return grpc::Status::OK;
          });
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
    // A corrupt result (removed by the store) reads as missing and is not counted as an error.
    if (!absl::IsNotFound(result.status()) && !absl::IsDataLoss(result.status())) service_->CountError();
    return Answer(ctx, ToGrpc(AsMissingIfCorrupt(result.status())));
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

grpc::ServerUnaryReactor* CompilerServiceImpl::Submit(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* raw,
                                                      grpc::ByteBuffer* resp) {
  constexpr char kMethod[] = "/ttc.v1.Compiler/Submit";
  Principal who;
  if (auto st = Admit(gate_, ctx, kMethod, kRoleSubmit, &who); !st.ok()) return Answer(ctx, st);
  v1::SubmitRequest req;
  if (auto st = ParseRawRequest(*raw, kMethod, &req); !st.ok()) return Answer(ctx, st);
  if (auto st = CheckFrontendDiagnostics(req.compile(), "compile."); !st.ok()) return Answer(ctx, st);
  if (auto st = ResolveScript(req.mutable_compile(), "compile."); !st.ok()) return Answer(ctx, st);
  auto* call = new PendingCall<v1::SubmitResponse>(resp, service_);
  auto state = call->state();
  const auto start = std::chrono::steady_clock::now();
  const JobOwner owner = who.authenticated ? JobOwner{who.name, who.group} : JobOwner{};
  RunOffCallbackThreads<v1::SubmitResponse>(io_pool_, service_, state, [this, state, start, owner,
                                                                         request = std::move(req)] {
    submit_.Submit(request, owner, [state] { return !state->cancelled; },
                   [state, start, frontend = request.compile().frontend_diagnostics()](
                       absl::StatusOr<SubmitService::Submitted> submitted) {
                     state->Complete([&](v1::SubmitResponse* r) {
                       if (!submitted.ok()) return ToGrpc(submitted.status());
                       FillCompileResponse(std::move(submitted->compile), start, r->mutable_compile());
                       PrependFrontendDiagnostics(frontend,
                                                  r->mutable_compile()->mutable_result()->mutable_diagnostics());
                       if (submitted->job) {
                         // Without what the caller has already: the request it sent and the
                         // program's files (in the compile response).
                         *r->mutable_job() = std::move(*submitted->job);
                         r->mutable_job()->mutable_spec()->clear_request();
                         r->mutable_job()->clear_program();
                       }
                       return grpc::Status::OK;
                     });
                   });
  });
  return call;
}

grpc::ServerWriteReactor<v1::Job>* CompilerServiceImpl::WatchJob(grpc::CallbackServerContext* ctx,
                                                                 const v1::JobRef* req) {
  Gate::StreamSlot slot;
  Principal who;
  if (auto st = AdmitStream(gate_, ctx, "/ttc.v1.Compiler/WatchJob", kRoleSubmit | kRoleAdmin, &slot, &who);
      !st.ok()) {
    return new RefusedStream<grpc::ServerWriteReactor<v1::Job>>(st);
  }
  if (!fleet_) {
    return new RefusedStream<grpc::ServerWriteReactor<v1::Job>>(NoFleet());
  }
  return StartJobWatch(fleet_, req->job_id(), std::move(who), std::move(slot));
}

grpc::ServerUnaryReactor* CompilerServiceImpl::CancelJob(grpc::CallbackServerContext* ctx, const v1::JobRef* req,
                                                         v1::Job* resp) {
  Principal who;
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/CancelJob", kRoleSubmit | kRoleAdmin, &who); !st.ok()) {
    return Answer(ctx, st);
  }
  if (!fleet_) return Answer(ctx, NoFleet());
  constexpr char kMethod[] = "/ttc.v1.Compiler/CancelJob";
  auto before = fleet_->scheduler()->GetJob(req->job_id());
  if (!before.ok() || !MaySeeJob(who, before->spec().owner(), before->spec().owner_group())) {
    return Answer(ctx, JobNotFound(kMethod, req->job_id(), who));
  }
  // submit may cancel its own jobs (not those it sees through its group); admin any.
  if (!(who.roles & kRoleAdmin) && who.authenticated && before->spec().owner() != who.name) {
    return Answer(ctx, grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                    absl::StrCat(kMethod, ": job ", req->job_id(), " belongs to '",
                                                 before->spec().owner(), "', not to token '", who.name,
                                                 "' (a token cancels only its own jobs; admin any)")));
  }
  auto revoked = fleet_->scheduler()->Cancel(req->job_id());
  if (!revoked.ok()) return Answer(ctx, ToGrpc(revoked.status()));
  if (!revoked->empty()) fleet_->Revoke(before->lease().host_id(), *revoked, "the job was cancelled");
  auto after = fleet_->scheduler()->GetJob(req->job_id());
  if (after.ok()) *resp = ShownToClients(std::move(*after));
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::GetJob(grpc::CallbackServerContext* ctx, const v1::JobRef* req,
                                                      v1::Job* resp) {
  constexpr char kMethod[] = "/ttc.v1.Compiler/GetJob";
  Principal who;
  if (auto st = Admit(gate_, ctx, kMethod, kRoleSubmit | kRoleAdmin, &who); !st.ok()) return Answer(ctx, st);
  if (!fleet_) return Answer(ctx, NoFleet());
  auto job = fleet_->scheduler()->GetJob(req->job_id());
  if (!job.ok() || !MaySeeJob(who, job->spec().owner(), job->spec().owner_group())) {
    return Answer(ctx, JobNotFound(kMethod, req->job_id(), who));
  }
  *resp = ShownToClients(std::move(*job));
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::ListJobs(grpc::CallbackServerContext* ctx,
                                                        const v1::ListJobsRequest* req, v1::ListJobsResponse* resp) {
  Principal who;
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/ListJobs", kRoleSubmit | kRoleAdmin, &who); !st.ok()) {
    return Answer(ctx, st);
  }
  if (!fleet_) return Answer(ctx, NoFleet());
  *resp = JobsShownTo(*fleet_->scheduler(), who, req->stage());
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::ListDevices(grpc::CallbackServerContext* ctx,
                                                           const v1::ListDevicesRequest* req,
                                                           v1::ListDevicesResponse* resp) {
  Principal who;
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/ListDevices", kRoleSubmit | kRoleAdmin, &who); !st.ok()) {
    return Answer(ctx, st);
  }
  if (!fleet_) return Answer(ctx, NoFleet());
  *resp = DevicesShownTo(*fleet_->scheduler(), who);
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CompilerServiceImpl::SetDeviceHealth(grpc::CallbackServerContext* ctx,
                                                               const v1::SetDeviceHealthRequest* req,
                                                               v1::SetDeviceHealthResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Compiler/SetDeviceHealth", kRoleAdmin); !st.ok()) return Answer(ctx, st);
  if (!fleet_) return Answer(ctx, NoFleet());
  if (req->health() == v1::HEALTH_UNSPECIFIED) return Answer(ctx, Invalid("health: GOOD, BAD or MAINTENANCE"));
  auto st = fleet_->scheduler()->SetHealth(req->host_id(), req->device_id(), req->health());
  if (st.ok()) fleet_->Kick();
  return Answer(ctx, ToGrpc(st));
}

}  // namespace ttc::daemon
