// The farm's artifact store: a content-addressed store (CAS: digest -> bytes) and an action
// cache (AC: action key -> ActionResult), as in REAPI. Digests are verified on write and on
// read, so corrupt bytes are never served; the empty blob is always present; an AC entry is
// only written when every blob it references is present, and a result whose blobs have gone
// missing reads as a miss. Implementations: RocksDbStore (cache/rocksdb_store.h) and
// MemoryStore (below, for tests).
// Thread-safety: every method may be called concurrently from any thread.
#ifndef TTC_CACHE_ARTIFACT_STORE_H_
#define TTC_CACHE_ARTIFACT_STORE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "ttc/v1/artifact.pb.h"
#include "ttc/v1/digest.pb.h"

namespace ttc::cache {

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;

  // Stores `data` under `digest`. INVALID_ARGUMENT when the digest is malformed or does not
  // match the data (nothing is stored). Idempotent.
  virtual absl::Status PutBlob(const v1::Digest& digest, std::string_view data) = 0;
  // Stores a CAS batch: one status per entry, in order, each with PutBlob's meaning. The
  // default calls PutBlob for each; RocksDbStore writes the valid entries in one atomic write
  // (one log sync for the batch instead of one per blob).
  virtual std::vector<absl::Status> PutBlobs(const std::vector<std::pair<v1::Digest, std::string_view>>& blobs);
  // The bytes of `digest`. NOT_FOUND when absent; DATA_LOSS when the stored bytes no longer
  // match the digest: the entry is then removed (it reads as missing from now on) and counted
  // in corruptions(). Callers treat DATA_LOSS like NOT_FOUND.
  virtual absl::StatusOr<std::string> GetBlob(const v1::Digest& digest) = 0;
  // The digests among `digests` that are not stored (REAPI FindMissingBlobs), in input order.
  virtual std::vector<v1::Digest> FindMissing(const std::vector<v1::Digest>& digests) = 0;

  // Stores `result` under action key `key` (hex SHA-256). FAILED_PRECONDITION, and nothing
  // stored, when any of its output files' blobs is missing.
  virtual absl::Status PutActionResult(std::string_view key, const v1::ActionResult& result) = 0;
  // The result stored under `key`. NOT_FOUND when absent or when any of its blobs is missing.
  virtual absl::StatusOr<v1::ActionResult> GetActionResult(std::string_view key) = 0;
  // A compile's outputs and result together: `files` maps each output file's path to its
  // bytes. The default puts each blob, then the result; stores override it to write all at
  // once. INVALID_ARGUMENT (nothing stored) when a file is missing or mismatches its digest.
  virtual absl::Status PutActionResultWithBlobs(std::string_view key, const v1::ActionResult& result,
                                                const std::map<std::string, std::string>& files);

  // Number of corrupt blobs detected (and removed) since the store was opened.
  virtual int64_t corruptions() const = 0;
};

// An in-memory store with the same contract, for tests.
class MemoryStore : public ArtifactStore {
 public:
  absl::Status PutBlob(const v1::Digest& digest, std::string_view data) override;
  absl::StatusOr<std::string> GetBlob(const v1::Digest& digest) override;
  std::vector<v1::Digest> FindMissing(const std::vector<v1::Digest>& digests) override;
  absl::Status PutActionResult(std::string_view key, const v1::ActionResult& result) override;
  absl::StatusOr<v1::ActionResult> GetActionResult(std::string_view key) override;
  int64_t corruptions() const override { return 0; }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> cas_ ABSL_GUARDED_BY(mu_);  // DigestKey -> bytes
  std::map<std::string, std::string> ac_ ABSL_GUARDED_BY(mu_);   // action key -> serialized ActionResult
};

// Checks `digest` against `data` (shared by the implementations).
absl::Status VerifyBlob(const v1::Digest& digest, std::string_view data);

}  // namespace ttc::cache

#endif  // TTC_CACHE_ARTIFACT_STORE_H_
