// The artifact store on RocksDB (format: docs/cache_format.md). Column families: `cas`
// (DigestKey -> bytes), `ac` (action key -> serialized ActionResult), `access` (key ->
// last-use time, for size-bounded LRU eviction). With sync_writes (the default) every write
// is synced to the write-ahead log before it returns, so an acknowledged artifact survives a
// crash of the process (kill -9).
// Thread-safety: all methods may be called concurrently (RocksDB is thread-safe).
#ifndef TTC_CACHE_ROCKSDB_STORE_H_
#define TTC_CACHE_ROCKSDB_STORE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "absl/base/thread_annotations.h"
#include "cache/artifact_store.h"

namespace ttc::cache {

class RocksDbStore : public ArtifactStore {
 public:
  struct Options {
    std::string path;         // database directory (created if missing)
    bool sync_writes = true;  // fsync the WAL on every write
    // Milliseconds since the Unix epoch, recorded as an entry's last use; tests replace it.
    std::function<int64_t()> now_ms = nullptr;  // unset = the system clock
  };

  // Opens (or creates) the store. INTERNAL with RocksDB's message when it cannot be opened
  // (another process holds the lock, corrupt files, permissions).
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(const Options& options);
  ~RocksDbStore() override;

  absl::Status PutBlob(const v1::Digest& digest, std::string_view data) override;
  absl::StatusOr<std::string> GetBlob(const v1::Digest& digest) override;
  std::vector<v1::Digest> FindMissing(const std::vector<v1::Digest>& digests) override;
  absl::Status PutActionResult(std::string_view key, const v1::ActionResult& result) override;
  absl::StatusOr<v1::ActionResult> GetActionResult(std::string_view key) override;
  int64_t corruptions() const override { return corruptions_; }

  // Stores `files`' bytes (path -> bytes; one per output file, each verified against its
  // digest) and `result` under `key` in one atomic, synced write: one log sync per compile,
  // and no moment where the result exists without its blobs. INVALID_ARGUMENT (nothing
  // stored) when a file is missing or does not match its digest.
  absl::Status PutActionResultWithBlobs(std::string_view key, const v1::ActionResult& result,
                                        const std::map<std::string, std::string>& files) override;

  // Size-bounded least-recently-used eviction: while the CAS holds more than `max_bytes` of
  // blob data, removes the blob used longest ago (by the access column), then removes every
  // action result that references a removed blob, so no AC entry points at evicted blobs.
  // Returns the number of blobs removed. Safe to run concurrently with reads and writes (a
  // blob written during eviction may survive it). INTERNAL on a RocksDB error.
  absl::StatusOr<int64_t> EvictToSize(int64_t max_bytes);
  // Bytes of blob data in the CAS (sum of digests' sizes). Kept as a running count (computed
  // once by a scan at Open), so it is cheap to call on every request.
  int64_t BlobBytes() const { return blob_bytes_; }
  // Number of blobs in the CAS and of entries in the AC (running counts, like BlobBytes).
  int64_t BlobCount() const { return blob_count_; }
  int64_t ActionResultCount() const { return action_results_; }
  int64_t evictions() const { return evictions_; }

  // The `jobs` column family: device-validation jobs (daemon/job_scheduler.h), job id ->
  // serialized ttc.v1.Job. PutJob syncs like every other write when sync_writes is set.
  absl::Status PutJob(const std::string& id, const std::string& bytes);
  // Every (job id, bytes), in id order. INTERNAL on a RocksDB error.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ListJobs();

  // Whether the store still takes writes: writes and reads back one small key in the
  // default column family (through the WAL, not synced). RocksDB refuses writes after a
  // hard background error (e.g. a full disk), so the error says what failed. ttcd's health service turns NOT_SERVING while this fails.
  absl::Status Probe();

  // Column family names, as documented in docs/cache_format.md.
  static constexpr const char* kCas = "cas";
  static constexpr const char* kAc = "ac";
  static constexpr const char* kAccess = "access";
  static constexpr const char* kJobs = "jobs";

 private:
  RocksDbStore() = default;
  void Touch(const std::string& key);
  void TouchAll(const std::vector<std::string>& keys);
  int64_t NowMs() const;
  // FindMissing; when nothing is missing, refreshes the present blobs and `also_touch`.
  std::vector<v1::Digest> FindMissingAndTouch(const std::vector<v1::Digest>& digests, const std::string& also_touch);

  Options options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // default, cas, ac, access, jobs
  rocksdb::ColumnFamilyHandle* cas_ = nullptr;
  rocksdb::ColumnFamilyHandle* ac_ = nullptr;
  rocksdb::ColumnFamilyHandle* access_ = nullptr;
  rocksdb::ColumnFamilyHandle* jobs_ = nullptr;
  std::atomic<int64_t> corruptions_{0};
  std::atomic<int64_t> evictions_{0};
  std::atomic<int64_t> probes_{0};
  std::atomic<int64_t> blob_bytes_{0};
  std::atomic<int64_t> blob_count_{0};
  std::atomic<int64_t> action_results_{0};
  // Complete action results seen recently (their blobs were all present), so a repeated hit
  // costs a map lookup. Dropped wholesale whenever any blob or result is removed (eviction,
  // corruption), so it never answers for a result whose blobs are gone. Last-use times of a
  // hot result are refreshed at most once per second.
  struct HotResult {
    v1::ActionResult result;
    std::vector<std::string> keys;  // the result's key and its blobs' keys, for TouchAll
    int64_t touched_ms = 0;
  };
  void DropHot();
  std::mutex hot_mu_;
  std::map<std::string, HotResult, std::less<>> hot_ ABSL_GUARDED_BY(hot_mu_);
  uint64_t hot_generation_ ABSL_GUARDED_BY(hot_mu_) = 0;  // bumped by DropHot; a check that raced with it is not cached
  static constexpr size_t kHotEntries = 4096;

  // Serialises blob writes with the removal of corrupt and evicted blobs (and keeps the
  // running counts exact). It guards no member: what it protects is the RocksDB state, which
  // cannot be annotated.
  std::mutex repair_mu_;
};

}  // namespace ttc::cache

#endif  // TTC_CACHE_ROCKSDB_STORE_H_
