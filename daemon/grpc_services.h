// The gRPC face of ttcd (callback API): Compiler and Cas handlers that validate the message,
// call CompileService / the artifact store, and translate the answer and absl::Status into
// the reply and grpc::Status. No compiling happens on the gRPC threads: misses go to the
// CompileService's worker pool; hits, CAS reads and writes are answered in place.
// Thread-safety: gRPC calls the handlers concurrently; the services hold no per-call state.
#ifndef TTC_DAEMON_GRPC_SERVICES_H_
#define TTC_DAEMON_GRPC_SERVICES_H_

#include <cstdint>

#include <grpcpp/grpcpp.h>

#include "cache/artifact_store.h"
#include "daemon/auth.h"
#include "daemon/compile_service.h"
#include "daemon/fleet_service.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::daemon {

// absl::Status -> grpc::Status with the same code and message.
grpc::Status ToGrpc(const absl::Status& st);

class CompilerServiceImpl final : public v1::Compiler::CallbackService {
 public:
  // `fleet` (may be null: no device validation) serves Submit with validate and the job RPCs.
  // `gate` (may be null: everyone may call everything) admits each call (daemon/auth.h).
  CompilerServiceImpl(CompileService* service, FleetHub* fleet, Gate* gate = nullptr)
      : service_(service), fleet_(fleet), gate_(gate) {}
  grpc::ServerUnaryReactor* Compile(grpc::CallbackServerContext* ctx, const v1::CompileRequest* req,
                                    v1::CompileResponse* resp) override;
  grpc::ServerUnaryReactor* InferLayout(grpc::CallbackServerContext* ctx, const v1::CompileRequest* req,
                                        v1::LayoutResponse* resp) override;
  grpc::ServerUnaryReactor* GetActionResult(grpc::CallbackServerContext* ctx, const v1::GetActionResultRequest* req,
                                            v1::ActionResult* resp) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* ctx, const v1::GetStatsRequest* req,
                                     v1::Stats* resp) override;
  grpc::ServerUnaryReactor* Submit(grpc::CallbackServerContext* ctx, const v1::SubmitRequest* req,
                                   v1::SubmitResponse* resp) override;
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
};

class CasServiceImpl final : public v1::Cas::CallbackService {
 public:
  // `max_batch_bytes`: the largest total of blob bytes one batch call may carry (REAPI's
  // max_batch_total_size_bytes); bigger blobs go through ReadBlob / WriteBlob.
  // `max_blob_bytes`: the largest blob accepted (RESOURCE_EXHAUSTED above it).
  // `gate` (may be null) admits each call.
  CasServiceImpl(cache::ArtifactStore* store, CompileService* counters, int64_t max_batch_bytes,
                 int64_t max_blob_bytes = int64_t{1} << 30, Gate* gate = nullptr)
      : store_(store), counters_(counters), max_batch_bytes_(max_batch_bytes), max_blob_bytes_(max_blob_bytes),
        gate_(gate) {}
  grpc::ServerUnaryReactor* FindMissingBlobs(grpc::CallbackServerContext* ctx, const v1::FindMissingBlobsRequest* req,
                                             v1::FindMissingBlobsResponse* resp) override;
  grpc::ServerUnaryReactor* BatchUpdateBlobs(grpc::CallbackServerContext* ctx, const v1::BatchUpdateBlobsRequest* req,
                                             v1::BatchUpdateBlobsResponse* resp) override;
  grpc::ServerUnaryReactor* BatchReadBlobs(grpc::CallbackServerContext* ctx, const v1::BatchReadBlobsRequest* req,
                                           v1::BatchReadBlobsResponse* resp) override;
  grpc::ServerWriteReactor<v1::ReadBlobResponse>* ReadBlob(grpc::CallbackServerContext* ctx,
                                                           const v1::ReadBlobRequest* req) override;
  grpc::ServerReadReactor<v1::WriteBlobRequest>* WriteBlob(grpc::CallbackServerContext* ctx,
                                                           v1::WriteBlobResponse* resp) override;

  // Bytes per ReadBlob message.
  static constexpr int64_t kChunkBytes = 64 << 10;

 private:
  cache::ArtifactStore* store_;
  CompileService* counters_;
  int64_t max_batch_bytes_;
  int64_t max_blob_bytes_;
  Gate* gate_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_GRPC_SERVICES_H_
