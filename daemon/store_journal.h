// The job journal of ttcd (JobJournal, daemon/job_scheduler.h) on the job database
// (cache/job_store.h): every job record, one per job id, serialized ttc.v1.Job.
//
// Put writes through and is durable when it returns (synced when the store syncs). PutLazily
// is for records whose loss costs nothing (a job answered from the verdict cache: the next
// submit gets the same answer from the store): the caller only serializes the job and queues
// it; a writer thread stores the queued records in batches, without the write-ahead log
// (JobStore::Put durable = false), every kWriteDelay or as soon as kBatch are queued (waking
// a thread for each record would cost each caller a system call). A queue of kMaxQueued records is written by the caller
// itself (back pressure, never unbounded memory). A later Put of the same job drops its queued
// record, so an older state never lands over a newer one. Remove (retention) is queued the
// same way. The destructor writes what is still queued. A failed lazy write is logged (the record is lost, as in a crash).
// A record that does not parse at LoadAll is moved to the journal's quarantine and reported;
// the other jobs recover. Thread-safe.
#ifndef TTC_DAEMON_STORE_JOURNAL_H_
#define TTC_DAEMON_STORE_JOURNAL_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "cache/job_store.h"
#include "daemon/job_scheduler.h"

namespace ttc::daemon {

class StoreJournal : public JobJournal {
 public:
  // `store` outlives the journal.
  explicit StoreJournal(cache::JobStore* store);
  ~StoreJournal() override;

  absl::Status Put(const v1::Job& job) override;
  absl::Status PutLazily(const v1::Job& job) override;
  // Queued like PutLazily: the writer removes the record.
  absl::Status Remove(const std::string& job_id) override;
  // Every record, after writing what is queued. DATA_LOSS / UNAVAILABLE from the store.
  absl::StatusOr<std::vector<v1::Job>> LoadAll() override;
  // Writes what is queued now; returns when it is stored (or failed and was logged).
  void Flush();

  static constexpr size_t kMaxQueued = 4096;
  static constexpr size_t kBatch = 256;
  static constexpr std::chrono::milliseconds kWriteDelay{100};

 private:
  void WriterLoop();
  // Stores `batch` without the write-ahead log; logs failures.
  void WriteBatch(const std::map<std::string, std::optional<std::string>>& batch);

  cache::JobStore* store_;
  std::mutex mu_;
  std::condition_variable cv_;       // the writer waits for records or stop_
  std::condition_variable written_;  // Flush waits for the writer to finish a batch
  // job id -> record to store, or nullopt to remove it
  std::map<std::string, std::optional<std::string>> queued_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;                       // the writer holds a batch
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_STORE_JOURNAL_H_
