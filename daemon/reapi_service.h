// The Remote Execution API v2 cache services on ttcd's store, for standard clients (Bazel
// `--remote_cache=grpc://HOST:PORT`, BuildStream, bb-clientd): Capabilities,
// ContentAddressableStorage (FindMissingBlobs, BatchUpdateBlobs, BatchReadBlobs, GetTree),
// ActionCache (GetActionResult, UpdateActionResult) and google.bytestream.ByteStream (Read,
// Write, QueryWriteStatus), on the same port, TLS and tokens as ttc's own services.
//
// Rules (REAPI v2, build/bazel/remote/execution/v2/remote_execution.proto):
// - One instance: every `instance_name` names the same store. Digests are SHA-256 only
//   (`digest_function` UNKNOWN or SHA256; anything else is INVALID_ARGUMENT), no compression
//   (a `compressed-blobs/` resource name is UNIMPLEMENTED).
// - Blobs are ttcd's CAS blobs, verified on write and on read as ttc's own (corrupt bytes read
//   as missing, NOT_FOUND); the Redis tier shares them between replicas like any artifact.
// - An action result is stored in ttcd's action cache under a key derived from the action
//   digest (SHA-256 of "reapi/v2/action-result " + hash + "/" + size, so it can never answer a
//   ttc compile key) as a ttc ActionResult whose output files are the REAPI ActionResult's
//   own bytes (`reapi/action_result.pb`) and every blob it references (output files, stdout,
//   stderr, output directories' trees): a result is written only when all of them are in the
//   CAS (else FAILED_PRECONDITION naming the first missing one), and reads as NOT_FOUND as
//   soon as any of them is gone (evicted or corrupt), so a client is never sent to a blob that
//   is not there.
// - Roles: reads (GetCapabilities, GetActionResult, the CAS and ByteStream) with any role;
//   UpdateActionResult only with `agent` or `admin` (a submitter must not plant results other
//   builds will trust); GetCapabilities says whether the caller may update.
// Threading: as daemon/cas_grpc_service.h: admission and request checks on gRPC's threads,
// every store access on the daemon's I/O pool.
#ifndef TTC_DAEMON_REAPI_SERVICE_H_
#define TTC_DAEMON_REAPI_SERVICE_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "cache/artifact_store.h"
#include "daemon/auth.h"
#include "daemon/cas_grpc_service.h"
#include "daemon/compile_service.h"
#include "daemon/worker_pool.h"
#include "google/bytestream/bytestream.grpc.pb.h"

namespace ttc::daemon {

namespace reapi = ::build::bazel::remote::execution::v2;

// The ttc action-cache key under which the REAPI result for `action_digest` is kept.
std::string ReapiActionCacheKey(const reapi::Digest& action_digest);

// What every REAPI service needs; all pointers must outlive the services' calls.
struct ReapiContext {
  cache::ArtifactStore* store = nullptr;
  CompileService* counters = nullptr;  // errors are counted in ttcd's stats
  CasLimits limits;
  WorkerPool* io_pool = nullptr;  // null: in place (tests)
  Gate* gate = nullptr;           // null: everyone with every role
};

class ReapiCapabilitiesService final : public reapi::Capabilities::CallbackService {
 public:
  explicit ReapiCapabilitiesService(ReapiContext c) : c_(c) {}
  grpc::ServerUnaryReactor* GetCapabilities(grpc::CallbackServerContext* ctx, const reapi::GetCapabilitiesRequest* req,
                                            reapi::ServerCapabilities* resp) override;

 private:
  ReapiContext c_;
};

class ReapiActionCacheService final : public reapi::ActionCache::CallbackService {
 public:
  explicit ReapiActionCacheService(ReapiContext c) : c_(c) {}
  grpc::ServerUnaryReactor* GetActionResult(grpc::CallbackServerContext* ctx, const reapi::GetActionResultRequest* req,
                                            reapi::ActionResult* resp) override;
  grpc::ServerUnaryReactor* UpdateActionResult(grpc::CallbackServerContext* ctx,
                                               const reapi::UpdateActionResultRequest* req,
                                               reapi::ActionResult* resp) override;

 private:
  ReapiContext c_;
};

class ReapiCasService final : public reapi::ContentAddressableStorage::CallbackService {
 public:
  explicit ReapiCasService(ReapiContext c) : c_(c) {}
  grpc::ServerUnaryReactor* FindMissingBlobs(grpc::CallbackServerContext* ctx, const reapi::FindMissingBlobsRequest* req,
                                             reapi::FindMissingBlobsResponse* resp) override;
  grpc::ServerUnaryReactor* BatchUpdateBlobs(grpc::CallbackServerContext* ctx, const reapi::BatchUpdateBlobsRequest* req,
                                             reapi::BatchUpdateBlobsResponse* resp) override;
  grpc::ServerUnaryReactor* BatchReadBlobs(grpc::CallbackServerContext* ctx, const reapi::BatchReadBlobsRequest* req,
                                           reapi::BatchReadBlobsResponse* resp) override;
  // The whole tree under root_digest, breadth first, in pages of page_size directories
  // (default and most: 1000); page_token is the offset of the next page.
  grpc::ServerWriteReactor<reapi::GetTreeResponse>* GetTree(grpc::CallbackServerContext* ctx,
                                                            const reapi::GetTreeRequest* req) override;

 private:
  ReapiContext c_;
};

class ByteStreamService final : public ::google::bytestream::ByteStream::CallbackService {
 public:
  explicit ByteStreamService(ReapiContext c) : c_(c) {}
  grpc::ServerWriteReactor<::google::bytestream::ReadResponse>* Read(
      grpc::CallbackServerContext* ctx, const ::google::bytestream::ReadRequest* req) override;
  grpc::ServerReadReactor<::google::bytestream::WriteRequest>* Write(
      grpc::CallbackServerContext* ctx, ::google::bytestream::WriteResponse* resp) override;
  // Partial uploads are not kept: a stored blob is complete, anything else is at 0.
  grpc::ServerUnaryReactor* QueryWriteStatus(grpc::CallbackServerContext* ctx,
                                             const ::google::bytestream::QueryWriteStatusRequest* req,
                                             ::google::bytestream::QueryWriteStatusResponse* resp) override;

 private:
  ReapiContext c_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_REAPI_SERVICE_H_
