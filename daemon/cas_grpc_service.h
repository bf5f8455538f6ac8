// The gRPC face of ttcd's CAS (callback API): REAPI-style batch and streaming blob transfers
// over the artifact store, answered in place on the gRPC threads. Corrupt blobs read as
// missing (daemon/status_mapping.h).
// Thread-safety: gRPC calls the handlers concurrently; the service holds no per-call state.
#ifndef TTC_DAEMON_CAS_GRPC_SERVICE_H_
#define TTC_DAEMON_CAS_GRPC_SERVICE_H_

#include <cstdint>

#include <grpcpp/grpcpp.h>

#include "cache/artifact_store.h"
#include "daemon/auth.h"
#include "daemon/compile_service.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::daemon {

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

#endif  // TTC_DAEMON_CAS_GRPC_SERVICE_H_
