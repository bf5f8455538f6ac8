// The gRPC face of the fleet's build cache (BuildCache service; docs/cache_format.md "Build
// keys", docs/devices.md "Shared builds"): agents look up a kernel or host-program build by
// its recipe key before building it and upload what they built. Identical builds in flight
// across agents run once: the first agent to miss takes the build; the others are told to
// ask again (retry_after_ms) until the result arrives, the builder gives up, or its build
// time (build_timeout) runs out, when the next agent takes it. A builder whose agent stream
// ends (the agent died or lost its connection) loses its builds at once (ReleaseBuildsOf), so
// a killed agent does not hold the fleet waiting for a build that will never come.
//
// Trust: the store key is SHA-256 over "ttc-build-v1", the tier and the agent's recipe key,
// so a build result can never land on a compile action's key; only the agent role may write
// (UpdateBuild) or take a build (build_if_missing); the submit role may only read.
// Store work runs on the daemon's I/O pool (never on gRPC's callback threads).
// Thread-safety: gRPC calls the handlers concurrently; the in-flight table has its own lock.
#ifndef TTC_DAEMON_BUILD_CACHE_SERVICE_H_
#define TTC_DAEMON_BUILD_CACHE_SERVICE_H_

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "cache/artifact_store.h"
#include "daemon/auth.h"
#include "daemon/compile_service.h"
#include "daemon/worker_pool.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::daemon {

// The action-cache key a build result of `tier` ("kernel_build" or "host_build") with recipe
// key `recipe_key` is stored under (hex SHA-256; length-prefixed fields).
std::string BuildStoreKey(const std::string& tier, const std::string& recipe_key);

// A builder's name in the in-flight table: the caller's token name ("" without auth) and its
// gRPC peer (address and port of its connection), as the fleet stream of the same agent
// connection sees them too.
std::string BuilderName(const std::string& token_name, const std::string& peer);

// The path of the output file that holds a build's recipe text in its stored result.
inline constexpr char kRecipeFile[] = "recipe.txt";

class BuildCacheServiceImpl final : public v1::BuildCache::CallbackService {
 public:
  struct Options {
    std::chrono::milliseconds build_timeout{std::chrono::minutes(10)};  // a taken build's time
    int64_t retry_after_ms = 200;  // what waiting agents are told
  };
  // `store`, `counters` (hit/miss counts per tier, errors) and, when not null, `gate` (admission)
  // and `io_pool` (store work; null: in place) must outlive the service's calls.
  BuildCacheServiceImpl(cache::ArtifactStore* store, CompileService* counters, Options options, Gate* gate = nullptr,
                        WorkerPool* io_pool = nullptr)
      : store_(store), counters_(counters), options_(options), gate_(gate), io_pool_(io_pool) {}

  // Forgets the builds `builder` (BuilderName) took: the next agent to ask builds them.
  // Returns how many. Thread-safe.
  int ReleaseBuildsOf(const std::string& builder);

  grpc::ServerUnaryReactor* LookupBuild(grpc::CallbackServerContext* ctx, const v1::LookupBuildRequest* req,
                                        v1::LookupBuildResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateBuild(grpc::CallbackServerContext* ctx, const v1::UpdateBuildRequest* req,
                                        v1::UpdateBuildResponse* resp) override;

  // The logic under the handlers, for callers that already checked the request. `builder`
  // names the caller (token and peer). Lookup: the stored result; else, with
  // `build_if_missing`, the build is taken by `builder` (build = true) or another builder's
  // wait is reported (retry_after_ms). Errors: the store's (not NOT_FOUND/DATA_LOSS: a miss).
  absl::StatusOr<v1::LookupBuildResponse> Lookup(const std::string& tier, const std::string& key,
                                                 bool build_if_missing, const std::string& builder);
  // Stores `req`'s result with its recipe (FAILED_PRECONDITION when an output's blob is not
  // in the CAS), or without a result gives the build up; either way the build is no longer
  // in flight. RESOURCE_EXHAUSTED on a full disk.
  absl::Status Update(const v1::UpdateBuildRequest& req, const std::string& builder);

  // Builds in flight now (tests).
  size_t building();

 private:
  struct Building {
    std::string builder;
    std::chrono::steady_clock::time_point deadline;
  };
  cache::ArtifactStore* store_;
  CompileService* counters_;
  Options options_;
  Gate* gate_;
  WorkerPool* io_pool_;
  std::mutex mu_;
  std::map<std::string, Building> building_ ABSL_GUARDED_BY(mu_);  // store key -> who builds it
};

// INVALID_ARGUMENT naming the field when `tier` or `key` is malformed ("tier", "key").
absl::Status CheckBuildRef(const std::string& tier, const std::string& key);

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_BUILD_CACHE_SERVICE_H_
