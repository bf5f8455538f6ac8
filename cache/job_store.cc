#include "cache/job_store.h"

#include <rocksdb/write_batch.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ttc::cache {

absl::StatusOr<std::unique_ptr<JobStore>> JobStore::Open(const Options& options) {
  std::unique_ptr<JobStore> store(new JobStore());
  store->options_ = options;
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kAbsoluteConsistency;
  if (options.env) db_options.env = options.env;
  const rocksdb::ColumnFamilyOptions cf;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, cf},
                                                           {kQuarantine, cf}};
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, families, &store->handles_, &db);
  if (!s.ok()) {
    const std::string where = absl::StrCat("opening the job journal at ", options.path, ": ", s.ToString());
    if (s.IsIOError() && s.ToString().find("/LOCK") != std::string::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat(where, " (another ttcd is using this data dir? each daemon needs its own --data-dir)"));
    }
    if (s.IsCorruption()) {
      return absl::DataLossError(absl::StrCat(
          where, ". Jobs cannot be rebuilt, so ttcd does not start on a damaged journal: `ttcd store repair "
                 "--data-dir DIR` salvages what RocksDB can read (a copy of the damaged files is kept), see "
                 "docs/operations.md"));
    }
    return absl::InternalError(where);
  }
  store->db_.reset(db);
  return store;
}

JobStore::~JobStore() {
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
}

absl::Status JobStore::Put(const std::string& id, const std::string& bytes) {
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  rocksdb::Status s = db_->Put(w, handles_[0], id, bytes);
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat("storing job ", id, " in ", options_.path, ": ", s.ToString());
  return s.IsNoSpace() || s.ToString().find("No space left") != std::string::npos
             ? absl::ResourceExhaustedError(message)
             : absl::InternalError(message);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> JobStore::List() {
  std::vector<std::pair<std::string, std::string>> out;
  rocksdb::ReadOptions r;
  r.verify_checksums = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(r, handles_[0]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(it->key().ToString(), it->value().ToString());
  if (!it->status().ok()) {
    return absl::DataLossError(absl::StrCat("reading the job journal at ", options_.path, ": ", it->status().ToString(),
                                            " (`ttcd store repair`, docs/operations.md)"));
  }
  return out;
}

absl::Status JobStore::Quarantine(const std::string& id, const std::string& bytes, const std::string& reason) {
  rocksdb::WriteBatch batch;
  batch.Put(handles_[1], id, absl::StrCat(reason, "\n", bytes));
  batch.Delete(handles_[0], id);
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  rocksdb::Status s = db_->Write(w, &batch);
  if (!s.ok()) return absl::InternalError(absl::StrCat("quarantining job ", id, ": ", s.ToString()));
  return absl::OkStatus();
}

int64_t JobStore::QuarantinedCount() {
  int64_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[1]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

}  // namespace ttc::cache
