// RocksDbStore: opening, disk pressure, read-only state and recovery, corrupt reads
// (cache/rocksdb_store.h). The rules are in docs/operations.md ("Disk full", "Damaged store").
#include <chrono>
#include <filesystem>
#include <limits>
#include <utility>

#include <rocksdb/cache.h>
#include <rocksdb/table.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cache/disk_space.h"
#include "cache/rocksdb_log.h"
#include "cache/rocksdb_store.h"

namespace ttc::cache {
namespace {

// RocksDB reports a held lock as an I/O error "While lock file: <dir>/LOCK: Resource
// temporarily unavailable" (env_posix.cc); only that is a lock error.
bool IsLockError(const rocksdb::Status& s) {
  return s.IsIOError() && s.ToString().find("/LOCK") != std::string::npos;
}

bool IsNoSpace(const rocksdb::Status& s) {
  return s.IsNoSpace() || s.ToString().find("No space left on device") != std::string::npos;
}

std::string Mib(int64_t bytes) { return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / (1 << 20)); }

}  // namespace

absl::Status RocksDbStore::OpenDb(bool read_only) {
  verified_.Clear();  // a (re)opened database's blobs are hashed again on their first read
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !read_only;
  db_options.create_missing_column_families = !read_only;
  if (options_.env) db_options.env = options_.env;
  db_options.info_log = RocksDbLogger("store");  // never a LOG file on the data dir (cache/rocksdb_log.h)
  if (!read_only) {
    std::error_code ec;  // RocksDB creates it too, but first logs an error that it is missing
    std::filesystem::create_directories(options_.path, ec);
  }
  // Memory: all column families together keep at most kWriteBufferBytes of memtables
  // (RocksDB's default is 64 MiB per family, without a total). The per-family size stays
  // RocksDB's: 8 MiB memtables bounded ttcd's RSS lower but stalled writes of large blobs
  // (AbuseTest.WedgingBatchesLeaveHealthAnsweringWithinASecond: 1.5 s -> 60 s, or wedged).
  db_options.db_write_buffer_size = kWriteBufferBytes;
  rocksdb::ColumnFamilyOptions cf;
  // Table index blocks live in the (bounded) block cache instead of beside every open table,
  // where they grew with the data stored.
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {kCas, cf}, {kAc, cf}, {kAccess, cf}, {kJobs, cf}};
  // Strict replay first: a damaged log fails the open instead of silently dropping what
  // follows the damage; then RocksDB's point-in-time recovery keeps what precedes it, and the
  // loss is reported (wal_damage()), never silent.
  rocksdb::Status s;
  for (auto mode : {rocksdb::WALRecoveryMode::kAbsoluteConsistency, rocksdb::WALRecoveryMode::kPointInTimeRecovery}) {
    db_options.wal_recovery_mode = mode;
    rocksdb::DB* db = nullptr;
    handles_.clear();
    s = read_only ? rocksdb::DB::OpenForReadOnly(db_options, options_.path, families, &handles_, &db)
                  : rocksdb::DB::Open(db_options, options_.path, families, &handles_, &db);
    if (s.ok()) {
      db_.reset(db);
      if (mode == rocksdb::WALRecoveryMode::kPointInTimeRecovery) {
        wal_damage_ = strict_error_;
        spdlog::error("msg=\"store write-ahead log damaged: results written after the damage were dropped "
                      "(they are recompiled on demand)\" path={} error=\"{}\"",
                      options_.path, wal_damage_);
      }
      break;
    }
    if (!s.IsCorruption()) break;  // only a damaged log is worth the second, lenient replay
    strict_error_ = s.ToString();
  }
  if (!s.ok()) {
    const std::string where = absl::StrCat("opening the artifact store at ", options_.path, ": ", s.ToString());
    if (IsLockError(s)) {
      return absl::FailedPreconditionError(
          absl::StrCat(where, " (another ttcd is using this data dir? each daemon needs its own --data-dir)"));
    }
    if (s.IsCorruption()) return absl::DataLossError(where);
    if (IsNoSpace(s)) return absl::ResourceExhaustedError(where);
    return absl::InternalError(where);
  }
  cas_ = handles_[1];
  ac_ = handles_[2];
  access_ = handles_[3];
  jobs_ = handles_[4];
  // The running counts start from one scan of the CAS and the AC; an unreadable block is
  // damage like a corrupt file.
  blob_bytes_ = blob_count_ = action_results_ = 0;
  rocksdb::ReadOptions scan_options;
  scan_options.fill_cache = false;  // one pass over everything: keep the block cache for real reads
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan_options, cas_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    blob_bytes_ += static_cast<int64_t>(it->value().size());
    ++blob_count_;
  }
  rocksdb::Status scan = it->status();
  if (scan.ok()) {
    it.reset(db_->NewIterator(scan_options, ac_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++action_results_;
    scan = it->status();
  }
  it.reset();
  if (!scan.ok()) {
    CloseDb();
    const std::string where = absl::StrCat("scanning the artifact store at ", options_.path, ": ", scan.ToString());
    return scan.IsCorruption() ? absl::DataLossError(where) : absl::InternalError(where);
  }
  return absl::OkStatus();
}

void RocksDbStore::CloseDb() {
  if (!db_) return;
  // A clean close writes the memtables to tables, so the next open replays no log. (RocksDB
  // does so on its own only after writes that skipped the log.) Not after a write error: the
  // store is read-only then, and a flush on a full disk would fail anyway.
  if (!read_only_) {
    rocksdb::FlushOptions flush;
    if (auto s = db_->Flush(flush, handles_); !s.ok()) {
      spdlog::warn("msg=\"flushing the store at close failed\" path={} error=\"{}\"", options_.path, s.ToString());
    }
  }
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  db_.reset();
}

int64_t RocksDbStore::OpenHeadroom() const {
  int64_t logs = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(options_.path, ec)) {
    if (e.path().extension() == ".log" && e.is_regular_file(ec)) logs += static_cast<int64_t>(e.file_size(ec));
  }
  return std::max<int64_t>(options_.reserve_bytes, 2 * logs + kOpenSlackBytes);
}

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const Options& options) {
  std::unique_ptr<RocksDbStore> store(new RocksDbStore());
  store->options_ = options;
  absl::Status st;
  const int64_t free = store->FreeBytes(), needed = store->OpenHeadroom();
  if (free < needed && std::filesystem::exists(options.path + "/CURRENT")) {
    // Too little space to open writable without risking RocksDB's abort: do not try.
    st = absl::ResourceExhaustedError(absl::StrCat("the disk has ", Mib(free), " free, under the ", Mib(needed),
                                                   " a writable open needs"));
  } else {
    st = store->OpenDb(/*read_only=*/false);
  }
  if (absl::IsResourceExhausted(st)) {
    // A full disk: RocksDB cannot write a new log or manifest. Serve what is stored.
    const std::string why = std::string(st.message());
    st = store->OpenDb(/*read_only=*/true);
    if (st.ok()) {
      store->read_only_ = true;
      std::lock_guard<std::mutex> lock(store->read_only_mu_);
      store->read_only_reason_ = why;
      spdlog::error("msg=\"store opened read-only: the disk is full\" path={} error=\"{}\"", options.path, why);
    }
  }
  if (!st.ok()) return st;
  return store;
}

int64_t RocksDbStore::FreeBytes() const {
  return options_.free_bytes ? options_.free_bytes() : FreeBytesOn(options_.path);
}

int64_t RocksDbStore::FreeBytesForWrite() const {
  if (options_.free_bytes) return options_.free_bytes();  // injected (tests): always asked
  // A statvfs per write is a system call on every compile miss; the answer is reused while it
  // is younger than kFreeBytesTtlMs and far from the reserve (writes since then cannot have
  // used more than a quarter of the margin at the rates a store sees: the margin is re-read
  // whenever it is under 64 MiB).
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  const int64_t cached = free_cached_.load(std::memory_order_relaxed);
  if (cached >= 0 && now - free_checked_ms_.load(std::memory_order_relaxed) < kFreeBytesTtlMs &&
      cached - options_.reserve_bytes >= (64 << 20)) {
    return cached;
  }
  const int64_t free = FreeBytesOn(options_.path);
  free_cached_.store(free, std::memory_order_relaxed);
  free_checked_ms_.store(now, std::memory_order_relaxed);
  return free;
}

absl::Status RocksDbStore::Refused(const absl::Status& why) {
  if (!why.ok()) ++refused_writes_;
  return why;
}

absl::Status RocksDbStore::Writable() { return Refused(WriteState()); }

absl::Status RocksDbStore::WriteState() const {
  if (read_only_) {
    std::lock_guard<std::mutex> lock(read_only_mu_);
    return absl::ResourceExhaustedError(absl::StrCat("the artifact store at ", options_.path, " is read-only (",
                                                     read_only_reason_, "); it takes writes again once the disk has space"));
  }
  if (options_.reserve_bytes > 0) {
    const int64_t free = FreeBytesForWrite();
    if (free < options_.reserve_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the disk of the artifact store at ", options_.path, " has ", Mib(free), " free, under the reserve of ",
          Mib(options_.reserve_bytes), " (store_reserve): new results are not stored until space returns"));
    }
  }
  return absl::OkStatus();
}

void RocksDbStore::ReclaimSpace() {
  std::shared_lock lock(db_mu_);
  if (read_only_) return;
  rocksdb::CompactRangeOptions o;
  if (auto s = db_->CompactRange(o, cas_, nullptr, nullptr); !s.ok()) {
    spdlog::warn("msg=\"compacting the CAS after eviction failed\" path={} error=\"{}\"", options_.path, s.ToString());
  }
}

absl::Status RocksDbStore::WriteFailed(const rocksdb::Status& s, std::string_view what) {
  const std::string message = absl::StrCat(std::string(what), ": ", s.ToString());
  if (s.IsIOError() || s.IsNoSpace() || IsNoSpace(s)) {
    // Never write through this database again until it is reopened: RocksDB 7.8 asserts
    // (sync_without_flush_called_) on a log write after a failed one.
    bool was = read_only_.exchange(true);
    if (!was) {
      {
        std::lock_guard<std::mutex> lock(read_only_mu_);
        read_only_reason_ = message;
      }
      spdlog::error("msg=\"store write failed: read-only until the disk recovers\" path={} error=\"{}\"",
                    options_.path, message);
    }
    return Refused(absl::ResourceExhaustedError(absl::StrCat("the artifact store at ", options_.path,
                                                             " cannot write (", message,
                                                             "); it is read-only until the disk recovers")));
  }
  return absl::InternalError(message);
}

absl::Status RocksDbStore::Recover() {
  if (!read_only_) return absl::OkStatus();
  const int64_t free = FreeBytes();
  if (const int64_t needed = OpenHeadroom(); free < needed) {
    return absl::ResourceExhaustedError(absl::StrCat("the disk of ", options_.path, " still has only ", Mib(free),
                                                     " free (", Mib(needed), " needed)"));
  }
  std::unique_lock lock(db_mu_);
  if (!read_only_) return absl::OkStatus();
  CloseDb();  // a fresh write-ahead log: the failed one is never written again
  absl::Status st = OpenDb(/*read_only=*/false);
  if (!st.ok()) {
    absl::Status back = OpenDb(/*read_only=*/true);
    if (!back.ok()) spdlog::error("msg=\"store reopen failed\" path={} error=\"{}\"", options_.path, std::string(back.message()));
    return st;
  }
  DropHot();
  read_only_ = false;
  spdlog::info("msg=\"store writable again\" path={} free={}", options_.path, Mib(free));
  return absl::OkStatus();
}

absl::Status RocksDbStore::Probe() {
  std::shared_lock lock(db_mu_);
  if (!db_) return absl::UnavailableError(absl::StrCat("the artifact store at ", options_.path, " is closed"));
  ++probes_;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[0], "ttc-health-probe", &value);
  if (!s.ok() && !s.IsNotFound()) return absl::UnavailableError(absl::StrCat("health probe read: ", s.ToString()));
  return absl::OkStatus();
}

void RocksDbStore::OnCorruptRead(rocksdb::ColumnFamilyHandle* cf, const std::string& key, const rocksdb::Status& s) {
  ++corruptions_;
  DropHot();
  spdlog::error("msg=\"corrupt store entry removed\" path={} family={} key={} error=\"{}\"", options_.path,
                cf->GetName(), key, s.ToString());
  if (read_only_) return;
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  std::lock_guard<std::mutex> lock(repair_mu_);
  if (read_only_) return;
  // A tombstone hides the damaged entry; compaction drops it with the block later. The
  // running counts cannot know the damaged entry's size: a blob counts its digest's size.
  if (cf == cas_) {
    const size_t slash = key.rfind('/');
    if (db_->Delete(w, cf, key).ok()) {
      if (slash != std::string::npos) blob_bytes_ -= std::atoll(key.c_str() + slash + 1);
      --blob_count_;
    }
  } else if (db_->Delete(w, cf, key).ok() && cf == ac_) {
    --action_results_;
  }
  db_->Delete(w, access_, key);
}

absl::StatusOr<int64_t> RocksDbStore::MoveLegacyJobs(
    const std::function<absl::Status(const std::string& id, const std::string& bytes)>& put) {
  std::shared_lock lock(db_mu_);
  if (read_only_) return 0;
  std::vector<std::pair<std::string, std::string>> jobs;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), jobs_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) jobs.emplace_back(it->key().ToString(), it->value().ToString());
  if (!it->status().ok()) {
    return absl::DataLossError(absl::StrCat("reading the jobs left in the artifact store: ", it->status().ToString()));
  }
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  for (const auto& [id, bytes] : jobs) {
    if (auto st = put(id, bytes); !st.ok()) return st;
    if (auto s = db_->Delete(w, jobs_, id); !s.ok()) return WriteFailed(s, "removing a moved job");
  }
  return static_cast<int64_t>(jobs.size());
}

}  // namespace ttc::cache
