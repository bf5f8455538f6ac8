// The job journal: device-validation jobs (daemon/job_scheduler.h), job id -> serialized
// ttc.v1.Job, in a RocksDB database of their own (DATA_DIR/jobs), apart from the artifact
// store. The cache is rebuildable and may be quarantined and reopened empty when damaged;
// jobs are not, so this database replays its write-ahead log strictly (a damaged log fails
// the open with DATA_LOSS instead of dropping acknowledged jobs) and a record that does not
// parse is moved to the `quarantine` column family, not lost (docs/operations.md).
// Thread-safety: all methods may be called concurrently.
#ifndef TTC_CACHE_JOB_STORE_H_
#define TTC_CACHE_JOB_STORE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/db.h>

#include "absl/status/statusor.h"

namespace ttc::cache {

class JobStore {
 public:
  struct Options {
    std::string path;         // database directory (created if missing)
    bool sync_writes = true;  // fsync the WAL on every write: a job is durable when acknowledged
    rocksdb::Env* env = nullptr;  // tests inject one; unset = the default
  };
  // Errors: FAILED_PRECONDITION when another process holds the lock; DATA_LOSS when files or
  // the log are damaged (the message names `ttcd store repair`); INTERNAL otherwise.
  static absl::StatusOr<std::unique_ptr<JobStore>> Open(const Options& options);
  ~JobStore();

  // Stores `bytes` under `id`, synced when sync_writes. INTERNAL (or RESOURCE_EXHAUSTED on a
  // full disk) with RocksDB's message. Writes go through a gate: under kMinFreeBytes free
  // nothing is written (RESOURCE_EXHAUSTED), and after a failed write none is until Recover()
  // has reopened the database (RocksDB aborts on a log write after a failed one).
  // `durable` = false: a record whose loss costs nothing (a job answered from the verdict
  // cache), written to the memtable only, without the write-ahead log: no write system call
  // on the caller's path; RocksDB persists it at its next flush and at a clean close
  // (avoid_flush_during_shutdown is off), and a crash before that loses it.
  absl::Status Put(const std::string& id, const std::string& bytes, bool durable = true);
  // Removes the record of `id` (OK when there is none), without the write-ahead log: a
  // removal lost in a crash brings back a record that is removed again. Errors as Put.
  absl::Status Delete(const std::string& id);
  // After a failed write: reopens the database once kMinFreeBytes are free again. OK when
  // writable (or already was); RESOURCE_EXHAUSTED while the disk is still full.
  absl::Status Recover();
  bool write_failed() const { return failed_; }
  static constexpr int64_t kMinFreeBytes = 4 << 20;
  // Every (job id, bytes), in id order. DATA_LOSS when a block cannot be read.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> List();
  // Moves job `id` (its bytes, which did not parse) to the `quarantine` column family with
  // `reason`, in one write.
  absl::Status Quarantine(const std::string& id, const std::string& bytes, const std::string& reason);
  // Records in the `quarantine` column family.
  int64_t QuarantinedCount();

  static constexpr const char* kQuarantine = "quarantine";

 private:
  JobStore() = default;
  absl::Status OpenDb();
  void CloseDb();
  // The write gate's check, under write_mu_: RESOURCE_EXHAUSTED when writing is unsafe.
  absl::Status MayWrite() const;
  // Maps a failed write to its status and closes the gate.
  absl::Status WriteFailed(const rocksdb::Status& s, const std::string& what);
  Options options_;
  // Readers and writers hold it shared; Recover holds it exclusively to reopen.
  mutable std::shared_mutex db_mu_;
  std::mutex write_mu_;  // one logged write at a time: the gate is checked and closed under it
  std::atomic<bool> failed_{false};
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // default (jobs), quarantine
};

}  // namespace ttc::cache

#endif  // TTC_CACHE_JOB_STORE_H_
