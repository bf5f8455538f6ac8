// The agent's side of the fleet's build cache (validate/build_cache.h over ttcd's BuildCache
// service and CAS; docs/devices.md "Shared builds"). A lookup that ttcd answers with a build
// taken by another agent waits (polling as ttcd says, at most `max_wait`) for its result.
// Every downloaded output is verified against its digest before the caller sees it; a result
// whose bytes cannot be read back verified is reported in the log and rebuilt. When ttcd
// cannot answer (down, killed mid-download, full disk), Get is a miss and the build runs
// locally: the cache never fails a job. Every call is bounded by `call_timeout`.
// Single flight holds within the process too: ttcd tells every run of one agent (same token
// and connection) to build a missing key, so a second run of the same build in this process
// waits (at most `max_wait`) for the first one's Put or Abandon before it asks ttcd again.
// Thread-safety: all methods may be called concurrently.
#ifndef TTC_AGENT_BUILD_CACHE_CLIENT_H_
#define TTC_AGENT_BUILD_CACHE_CLIENT_H_

#include <chrono>
#include <memory>

#include <grpcpp/grpcpp.h>

#include "validate/build_cache.h"

namespace ttc::agent {

struct BuildCacheOptions {
  std::chrono::seconds call_timeout{30};  // one LookupBuild / UpdateBuild / blob transfer
  std::chrono::seconds max_wait{300};     // waiting for another agent's identical build
};

std::unique_ptr<validate::BuildCache> MakeRemoteBuildCache(const std::shared_ptr<grpc::Channel>& channel,
                                                           BuildCacheOptions options = {});

}  // namespace ttc::agent

#endif  // TTC_AGENT_BUILD_CACHE_CLIENT_H_
