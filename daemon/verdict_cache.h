// Cached verdicts (docs/devices.md "Cached verdicts"): a validation that passed is an action
// result too, so submitting the same program again for the same backend, arch and seed is
// answered with the stored verdict at once instead of running on a device again.
//
// The verdict key is SHA-256 over "ttc-verdict-v1", the job's compile action key (which
// covers the kernel request, the compiler build and its tolerances, the pipeline and the
// target), the backend, the arch and the seed, each length-prefixed. The stored action result
// has one output file, `verdict.pb`: the completed v1::Job that earned the verdict (where
// and when it ran), without its spec.request (the key covers the request). Only PASSED verdicts are stored; failures are always run again.
// Thread-safety: stateless functions over a thread-safe store.
#ifndef TTC_DAEMON_VERDICT_CACHE_H_
#define TTC_DAEMON_VERDICT_CACHE_H_

#include <map>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cache/artifact_store.h"
#include "ttc/v1/jobs.pb.h"

namespace ttc::daemon {

// The verdict key of `spec` validating the program of compile `action_key` (hex SHA-256).
std::string VerdictKey(const std::string& action_key, const v1::JobSpec& spec);

// Stores `job`'s verdict when it COMPLETED with PASSED and is not itself a cached answer;
// OK (nothing stored) otherwise. The store's errors (RESOURCE_EXHAUSTED on a full disk).
absl::Status StoreVerdict(cache::ArtifactStore* store, const v1::Job& job);

// The completed job stored under `key`. NOT_FOUND when none is stored (or it was evicted or
// found corrupt: a verdict that does not read back verified is a miss, never an answer).
absl::StatusOr<v1::Job> LookupVerdict(cache::ArtifactStore* store, const std::string& key);

// LookupVerdict with the verdicts it parsed kept in memory, by blob digest, so a repeated
// lookup costs the store's action-result check (a map lookup for a hot result) instead of a
// blob read, its SHA-256 check and a parse. The store still decides: an evicted or corrupt
// verdict is a miss, as with LookupVerdict. A kept verdict is the content of a blob that was
// verified when read, and a digest names one content, so it never answers stale.
// Holds at most kMaxParsed verdicts (all dropped when full). Thread-safe.
class VerdictCache {
 public:
  explicit VerdictCache(cache::ArtifactStore* store) : store_(store) {}
  // As LookupVerdict(store, key).
  absl::StatusOr<v1::Job> Lookup(const std::string& key);

 private:
  static constexpr size_t kMaxParsed = 1024;
  cache::ArtifactStore* store_;
  std::mutex mu_;
  std::map<std::string, v1::Job> parsed_ ABSL_GUARDED_BY(mu_);  // blob digest hash -> verdict
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_VERDICT_CACHE_H_
