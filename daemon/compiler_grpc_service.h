// The gRPC face of ttcd's Compiler service (callback API): handlers that validate the
// message, call CompileService and the fleet's job scheduler, and translate the answer and
// absl::Status into the reply and grpc::Status (daemon/status_mapping.h). No compiling happens
// on the gRPC threads: misses go to the CompileService's worker pool; hits are answered in place.
// Thread-safety: gRPC calls the handlers concurrently; the service holds no per-call state.
#ifndef TTC_DAEMON_COMPILER_GRPC_SERVICE_H_
#define TTC_DAEMON_COMPILER_GRPC_SERVICE_H_

#include <functional>

#include <grpcpp/grpcpp.h>

#include "daemon/auth.h"
#include "daemon/compile_service.h"
#include "daemon/fleet_service.h"
#include "daemon/submit_service.h"
#include "daemon/worker_pool.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::daemon {

// The methods that carry a KernelRequest (Compile, InferLayout, Submit) are raw: gRPC hands
// over the bytes and the handler parses them with the request nesting limit
// (ParseRawRequest, daemon/garbled_requests.h), because gRPC's own parse stops at protobuf's
// default of 100 nested messages, about 45 levels of a kernel's expressions.
using CompilerRawBase = v1::Compiler::WithRawCallbackMethod_Compile<v1::Compiler::WithRawCallbackMethod_InferLayout<
    v1::Compiler::WithRawCallbackMethod_Submit<v1::Compiler::CallbackService>>>;

class CompilerServiceImpl final : public CompilerRawBase {
 public:
  // `fleet` (may be null: no device validation) serves Submit with validate and the job RPCs.
  // `gate` (may be null: everyone may call everything) admits each call (daemon/auth.h).
  // `verdicts` (may be null) is where cached verdicts are looked up (SubmitService).
  // `io_pool` (may be null: in place) runs Compile's, InferLayout's and Submit's key and cache
  // lookup, off gRPC's callback threads (a full queue: RESOURCE_EXHAUSTED naming io_queue).
  CompilerServiceImpl(CompileService* service, FleetHub* fleet, Gate* gate = nullptr,
                      cache::ArtifactStore* verdicts = nullptr, WorkerPool* io_pool = nullptr)
      : service_(service), fleet_(fleet), gate_(gate), io_pool_(io_pool),
        submit_(service, fleet ? fleet->scheduler() : nullptr,
                fleet ? std::function<void()>([fleet] { fleet->Kick(); }) : nullptr, verdicts) {}
  grpc::ServerUnaryReactor* Compile(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                    grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* InferLayout(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                        grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* GetActionResult(grpc::CallbackServerContext* ctx, const v1::GetActionResultRequest* req,
                                            v1::ActionResult* resp) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* ctx, const v1::GetStatsRequest* req,
                                     v1::Stats* resp) override;
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                   grpc::ByteBuffer* resp) override;
  grpc::ServerWriteReactor<v1::Job>* WatchJob(grpc::CallbackServerContext* ctx, const v1::JobRef* req) override;
  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* ctx, const v1::JobRef* req, v1::Job* resp) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* ctx, const v1::JobRef* req, v1::Job* resp) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* ctx, const v1::ListJobsRequest* req,
                                     v1::ListJobsResponse* resp) override;
  grpc::ServerUnaryReactor* ListDevices(grpc::CallbackServerContext* ctx, const v1::ListDevicesRequest* req,
                                        v1::ListDevicesResponse* resp) override;
  grpc::ServerUnaryReactor* SetDeviceHealth(grpc::CallbackServerContext* ctx, const v1::SetDeviceHealthRequest* req,
                                            v1::SetDeviceHealthResponse* resp) override;

 private:
  CompileService* service_;
  FleetHub* fleet_;
  Gate* gate_;
  WorkerPool* io_pool_;
  SubmitService submit_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_COMPILER_GRPC_SERVICE_H_
