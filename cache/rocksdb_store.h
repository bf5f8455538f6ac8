// The artifact store on RocksDB (format: docs/cache_format.md). Column families: `cas`
// (DigestKey -> bytes), `ac` (action key -> serialized ActionResult), `access` (key ->
// last-use time, for size-bounded LRU eviction). Every write reaches the write-ahead log before
// it returns, so an acknowledged artifact survives a crash of the process (kill -9); with
// sync_writes the log is also synced (power loss). Blobs are verified against their digest on
// write and on their first read after Open (cache/verified_blobs.h); docs/cache_format.md.
//
// Disk pressure is a state, not a crash (docs/operations.md, "Disk full"): a write is refused
// with RESOURCE_EXHAUSTED, before RocksDB sees it, while the filesystem has less than
// `reserve_bytes` free; after RocksDB itself fails a write the store turns read-only and never
// writes through that database again (RocksDB 7.8 asserts on a write-ahead-log write after a
// failed one), and Recover() reopens it read-write once space is back. A store opened on a
// full disk opens read-only. Reads, hits and CAS reads go on in every state.
// Thread-safety: all methods may be called concurrently (RocksDB is thread-safe; a reopen by
// Recover() excludes every other call).
#ifndef TTC_CACHE_ROCKSDB_STORE_H_
#define TTC_CACHE_ROCKSDB_STORE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "absl/base/thread_annotations.h"
#include "cache/artifact_store.h"
#include "cache/verified_blobs.h"

namespace ttc::cache {

class RocksDbStore : public ArtifactStore {
 public:
  struct Options {
    std::string path;         // database directory (created if missing)
    bool sync_writes = true;  // fsync the WAL on every write (ttcd: `cache_sync_writes`, off)
    // Milliseconds since the Unix epoch, recorded as an entry's last use; tests replace it.
    std::function<int64_t()> now_ms = nullptr;  // unset = the system clock
    // Bytes that must stay free on the filesystem of `path`: below it, writes are refused
    // (RESOURCE_EXHAUSTED) and the store reports disk pressure. 0 = no reserve.
    int64_t reserve_bytes = 0;
    // Free bytes on the filesystem of `path`; tests replace it. Unset = statvfs (available
    // to unprivileged users).
    std::function<int64_t()> free_bytes = nullptr;
    // The RocksDB environment; tests inject one whose files fail writes. Unset = the default.
    rocksdb::Env* env = nullptr;
  };

  // Opens (or creates) the store. The write-ahead log is replayed strictly first; when it is
  // damaged the store opens with what precedes the damage (RocksDB's point-in-time recovery)
  // and wal_damage() says so. Errors: FAILED_PRECONDITION when another process holds the
  // database's lock; DATA_LOSS when files are corrupt or missing (the caller may quarantine
  // the directory: the cache is rebuildable); INTERNAL otherwise (permissions). On a full
  // disk the store opens read-only (read_only() with the reason) instead of failing.
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
  // One WriteBatch for every entry that verifies; a refused or failed write fails them all.
  std::vector<absl::Status> PutBlobs(const std::vector<std::pair<v1::Digest, std::string_view>>& blobs) override;
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

  // Moves the jobs left in the `jobs` column family by stores written before jobs had their
  // own database (cache/job_store.h): `put(id, bytes)` for each, and each is removed from
  // this store once put returned OK. Returns the number moved; 0 when read-only.
  absl::StatusOr<int64_t> MoveLegacyJobs(
      const std::function<absl::Status(const std::string& id, const std::string& bytes)>& put);

  // Whether the store can be read: reads one key of the default column family. ttcd's health
  // service turns NOT_SERVING while this fails.
  absl::Status Probe();

  // Write state. OK when writes are taken; RESOURCE_EXHAUSTED naming the data dir and the
  // free space while the filesystem is under the reserve or the store is read-only.
  absl::Status Writable();
  // The same answer without counting a refusal (health checks).
  absl::Status WriteState() const;
  // Compacts the CAS so the space of evicted blobs returns to the filesystem (RocksDB frees
  // deleted bytes only when compaction rewrites their files). Errors are logged.
  void ReclaimSpace();
  // Read-only after a write error or an open on a full disk: reopens the database read-write
  // when the filesystem has the reserve free again. OK when the store is (now) writable.
  absl::Status Recover();
  bool read_only() const { return read_only_; }
  int64_t FreeBytes() const;
  // Whether Open found the write-ahead log damaged and dropped what followed the damage, and
  // RocksDB's message.
  const std::string& wal_damage() const { return wal_damage_; }
  // Writes refused for disk pressure since the store was opened.
  int64_t refused_writes() const { return refused_writes_; }
  // Quarantines what cannot be read: called by the readers on RocksDB's Corruption status (a
  // checksum mismatch in an SST block) for `key` of `cf`. Counts a corruption and deletes the
  // key (a tombstone hides the damaged entry; it reads as missing from then on).
  void OnCorruptRead(rocksdb::ColumnFamilyHandle* cf, const std::string& key, const rocksdb::Status& s);

  // Column family names, as documented in docs/cache_format.md.
  static constexpr const char* kCas = "cas";
  static constexpr const char* kAc = "ac";
  static constexpr const char* kAccess = "access";
  static constexpr const char* kJobs = "jobs";  // legacy: jobs live in cache/job_store.h now

 private:
  RocksDbStore() = default;
  // Opens options_.path into db_ / handles_ (read-only when `read_only`); the caller holds
  // db_mu_ exclusively or owns the store alone.
  absl::Status OpenDb(bool read_only);
  void CloseDb();
  // The status of a failed RocksDB write; turns the store read-only on I/O errors so nothing
  // writes through the failed log again.
  absl::Status WriteFailed(const rocksdb::Status& s, std::string_view what);
  absl::Status Refused(const absl::Status& why);
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
  // Held shared by every operation on db_, exclusively by a reopen.
  mutable std::shared_mutex db_mu_;
  std::atomic<bool> read_only_{false};
  mutable std::mutex read_only_mu_;
  std::string read_only_reason_ ABSL_GUARDED_BY(read_only_mu_);
  std::string wal_damage_;
  std::string strict_error_;  // the strict replay's error, when the lenient one was needed
  std::atomic<int64_t> refused_writes_{0};
  std::atomic<int64_t> corruptions_{0};
  std::atomic<int64_t> evictions_{0};
  std::atomic<int64_t> probes_{0};
  std::atomic<int64_t> blob_bytes_{0};
  std::atomic<int64_t> blob_count_{0};
  std::atomic<int64_t> action_results_{0};
  // Blobs verified by this process, and when their last use was written.
  VerifiedBlobs verified_;
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

  // Serialises every logged write (blobs, results, removals of corrupt and evicted entries)
  // and keeps the running counts exact. It is also the write gate: each writer checks
  // read_only_ under it, and WriteFailed sets read_only_ before it is released, so no write
  // reaches a log after a failed one (RocksDB 7.8 asserts on that: "don't write to WAL after
  // previous WAL write error"). It guards no member: what it protects is the RocksDB state,
  // which cannot be annotated.
  std::mutex repair_mu_;

  // Free bytes a writable open needs: RocksDB flushes the replayed logs to a table and writes
  // a new log and manifest, and aborts when such a write fails. Below it the store opens
  // read-only. Twice the logs' size plus kOpenSlackBytes, and at least the reserve.
  int64_t OpenHeadroom() const;
  static constexpr int64_t kOpenSlackBytes = 16 << 20;
  // Memtable bytes of all column families together (DBOptions::db_write_buffer_size).
  static constexpr size_t kWriteBufferBytes = 64 << 20;
  // RocksDB's block cache (data, index and filter blocks), shared by the column families.
  static constexpr size_t kBlockCacheBytes = 16 << 20;

  // FreeBytes for the reserve check of a write: a statvfs at most every kFreeBytesTtlMs while
  // more than 64 MiB above the reserve, every write closer to it.
  int64_t FreeBytesForWrite() const;
  static constexpr int64_t kFreeBytesTtlMs = 100;
  mutable std::atomic<int64_t> free_cached_{-1};
  mutable std::atomic<int64_t> free_checked_ms_{0};
};

}  // namespace ttc::cache

#endif  // TTC_CACHE_ROCKSDB_STORE_H_
