#include "cache/job_store.h"

#include <filesystem>

#include "cache/rocksdb_log.h"


#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cache/disk_space.h"

namespace ttc::cache {

absl::StatusOr<std::unique_ptr<JobStore>> JobStore::Open(const Options& options) {
  std::unique_ptr<JobStore> store(new JobStore());
  store->options_ = options;
  if (auto st = store->OpenDb(); !st.ok()) return st;
  return store;
}

absl::Status JobStore::OpenDb() {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kAbsoluteConsistency;
  if (options_.env) db_options.env = options_.env;
  db_options.info_log = RocksDbLogger("jobs");  // never a LOG file on the data dir (cache/rocksdb_log.h)
  {
    std::error_code ec;  // RocksDB creates it too, but first logs an error that it is missing
    std::filesystem::create_directories(options_.path, ec);
  }
  const rocksdb::ColumnFamilyOptions cf;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, cf},
                                                           {kQuarantine, cf}};
  rocksdb::DB* db = nullptr;
  handles_.clear();
  rocksdb::Status s = rocksdb::DB::Open(db_options, options_.path, families, &handles_, &db);
  if (!s.ok()) {
    const std::string where = absl::StrCat("opening the job journal at ", options_.path, ": ", s.ToString());
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
    if (s.IsNoSpace() || s.ToString().find("No space left") != std::string::npos) {
      return absl::ResourceExhaustedError(absl::StrCat(where, " (free space on the data dir's disk)"));
    }
    return absl::InternalError(where);
  }
  db_.reset(db);
  return absl::OkStatus();
}

void JobStore::CloseDb() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  db_.reset();
}

JobStore::~JobStore() { CloseDb(); }

absl::Status JobStore::MayWrite() const {
  if (!db_) return absl::UnavailableError(absl::StrCat("the job journal at ", options_.path, " is closed"));
  if (failed_) {
    return absl::ResourceExhaustedError(absl::StrCat("the job journal at ", options_.path,
                                                     " stopped writing after a failed write; it writes again once "
                                                     "the disk has space"));
  }
  if (!options_.env) {  // the real disk (tests with an injected Env fail writes themselves)
    if (const int64_t free = FreeBytesOn(options_.path); free < kMinFreeBytes) {
      return absl::ResourceExhaustedError(absl::StrCat("the disk of the job journal at ", options_.path, " has ",
                                                       free, " bytes free, under ", kMinFreeBytes));
    }
  }
  return absl::OkStatus();
}

absl::Status JobStore::WriteFailed(const rocksdb::Status& s, const std::string& what) {
  const std::string message = absl::StrCat(what, " in ", options_.path, ": ", s.ToString());
  if (s.IsIOError() || s.IsNoSpace()) {
    if (!failed_.exchange(true)) {
      spdlog::error("msg=\"job journal write failed: no job writes until the disk recovers\" error=\"{}\"", message);
    }
    return absl::ResourceExhaustedError(message);
  }
  return absl::InternalError(message);
}

absl::Status JobStore::Recover() {
  if (!failed_) return absl::OkStatus();
  if (const int64_t free = FreeBytesOn(options_.path); free < kMinFreeBytes) {
    return absl::ResourceExhaustedError(absl::StrCat("the disk of ", options_.path, " still has only ", free,
                                                     " bytes free"));
  }
  std::unique_lock lock(db_mu_);
  std::lock_guard<std::mutex> write(write_mu_);
  if (!failed_) return absl::OkStatus();
  CloseDb();  // a fresh log: the failed one is never written again
  absl::Status st = OpenDb();
  if (!st.ok()) {
    spdlog::error("msg=\"reopening the job journal failed\" error=\"{}\"", std::string(st.message()));
    return st;
  }
  failed_ = false;
  spdlog::info("msg=\"job journal writable again\" path={}", options_.path);
  return absl::OkStatus();
}

absl::Status JobStore::Put(const std::string& id, const std::string& bytes, bool durable) {
  std::shared_lock lock(db_mu_);
  std::lock_guard<std::mutex> write(write_mu_);
  if (auto st = MayWrite(); !st.ok()) return st;
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes && durable;
  w.disableWAL = !durable;
  rocksdb::Status s = db_->Put(w, handles_[0], id, bytes);
  if (s.ok()) return absl::OkStatus();
  return WriteFailed(s, absl::StrCat("storing job ", id));
}

absl::Status JobStore::Delete(const std::string& id) {
  std::shared_lock lock(db_mu_);
  std::lock_guard<std::mutex> write(write_mu_);
  if (auto st = MayWrite(); !st.ok()) return st;
  rocksdb::WriteOptions w;
  w.disableWAL = true;
  rocksdb::Status s = db_->Delete(w, handles_[0], id);
  if (s.ok()) return absl::OkStatus();
  return WriteFailed(s, absl::StrCat("removing job ", id));
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> JobStore::List() {
  std::shared_lock lock(db_mu_);
  if (!db_) return absl::UnavailableError(absl::StrCat("the job journal at ", options_.path, " is closed"));
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
  std::shared_lock lock(db_mu_);
  std::lock_guard<std::mutex> write(write_mu_);
  if (auto st = MayWrite(); !st.ok()) return st;
  rocksdb::WriteBatch batch;
  batch.Put(handles_[1], id, absl::StrCat(reason, "\n", bytes));
  batch.Delete(handles_[0], id);
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  rocksdb::Status s = db_->Write(w, &batch);
  if (!s.ok()) return WriteFailed(s, absl::StrCat("quarantining job ", id));
  return absl::OkStatus();
}

int64_t JobStore::QuarantinedCount() {
  std::shared_lock lock(db_mu_);
  if (!db_) return 0;  // closed by a failed reopen (Recover): nothing readable
  int64_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[1]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  return n;
}

}  // namespace ttc::cache
