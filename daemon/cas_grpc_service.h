// The gRPC face of ttcd's CAS (callback API): REAPI-style batch and streaming blob transfers
// over the artifact store. Only admission and request checks run on gRPC's callback threads;
// every store access runs on the daemon's I/O pool (Config::io_threads), so a batch of
// 10,000 blobs cannot hold the threads that answer health checks and accept new calls.
// A cancelled batch stops between blobs. Corrupt blobs read as missing
// (daemon/status_mapping.h).
// Thread-safety: gRPC calls the handlers concurrently; the service holds no per-call state.
#ifndef TTC_DAEMON_CAS_GRPC_SERVICE_H_
#define TTC_DAEMON_CAS_GRPC_SERVICE_H_

#include <cstdint>

#include <grpcpp/grpcpp.h>

#include "cache/artifact_store.h"
#include "daemon/auth.h"
#include "daemon/compile_service.h"
#include "daemon/worker_pool.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::daemon {

// The CAS's limits, advertised by GetCapabilities (REAPI CacheCapabilities style).
struct CasLimits {
  int64_t max_batch_bytes = 12 << 20;  // blob bytes per batch call (max_batch_total_size_bytes)
  int64_t max_batch_digests = 10'000;  // digests per batch call
  int64_t max_blob_bytes = int64_t{1} << 30;  // largest blob accepted (RESOURCE_EXHAUSTED above)
  int64_t max_message_bytes = 16 << 20;        // largest request message
};

class CasServiceImpl final : public v1::Cas::CallbackService {
 public:
  // `io_pool` (may be null: in place, for tests) runs the store accesses; `gate` (may be
  // null) admits each call. Both must outlive the service's calls.
  CasServiceImpl(cache::ArtifactStore* store, CompileService* counters, CasLimits limits,
                 WorkerPool* io_pool = nullptr, Gate* gate = nullptr)
      : store_(store), counters_(counters), limits_(limits), io_pool_(io_pool), gate_(gate) {}
  grpc::ServerUnaryReactor* GetCapabilities(grpc::CallbackServerContext* ctx, const v1::GetCapabilitiesRequest* req,
                                            v1::CasCapabilities* resp) override;
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
  // INVALID_ARGUMENT naming `field` when `count` entries are over max_batch_digests.
  grpc::Status CheckCount(const char* field, int count) const;
  cache::ArtifactStore* store_;
  CompileService* counters_;
  CasLimits limits_;
  WorkerPool* io_pool_;
  Gate* gate_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_CAS_GRPC_SERVICE_H_
