#include "cache/store_admin.h"
#include "cache/rocksdb_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cache/disk_space.h"

namespace ttc::cache {
namespace {

namespace fs = std::filesystem;

// The databases of a data dir that exist, as (name, path).
std::vector<std::pair<std::string, std::string>> Databases(const std::string& data_dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* name : {"store", "jobs"}) {
    const std::string path = absl::StrCat(data_dir, "/", name);
    if (fs::exists(path + "/CURRENT") || fs::exists(path)) out.emplace_back(name, path);
  }
  return out;
}

bool IsLock(const rocksdb::Status& s) { return s.ToString().find("/LOCK") != std::string::npos; }

std::vector<rocksdb::ColumnFamilyDescriptor> Families(const std::string& path) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok() || names.empty()) {
    names = {rocksdb::kDefaultColumnFamilyName};
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  for (const std::string& n : names) out.emplace_back(n, rocksdb::ColumnFamilyOptions());
  return out;
}

// "" when `path` is intact, else what is wrong.
std::string CheckOne(const std::string& path, int64_t* records, bool* locked) {
  rocksdb::DBOptions o;
  o.info_log = RocksDbLogger("check");
  o.paranoid_checks = true;
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kAbsoluteConsistency;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  // A read-write open takes the lock (so a running ttcd is detected) and replays the log
  // strictly; nothing is written unless the log needs replaying.
  rocksdb::Status s = rocksdb::DB::Open(o, path, Families(path), &handles, &raw);
  if (!s.ok()) {
    *locked = IsLock(s);
    return s.ToString();
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string problem;
  if (rocksdb::Status v = db->VerifyChecksum(); !v.ok()) problem = v.ToString();
  rocksdb::ReadOptions r;
  r.verify_checksums = true;
  r.fill_cache = false;
  for (auto* h : handles) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(r, h));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++*records;
    if (!it->status().ok() && problem.empty()) problem = absl::StrCat(h->GetName(), ": ", it->status().ToString());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return problem;
}

std::string Stamp() {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return stamp;
}

}  // namespace

absl::StatusOr<std::string> CheckDataDir(const std::string& data_dir) {
  auto dbs = Databases(data_dir);
  if (dbs.empty()) return absl::NotFoundError(absl::StrCat(data_dir, " holds no ttcd store (store/ or jobs/)"));
  std::string report;
  bool damaged = false;
  for (const auto& [name, path] : dbs) {
    int64_t records = 0;
    bool locked = false;
    const std::string problem = CheckOne(path, &records, &locked);
    if (locked) return absl::FailedPreconditionError(absl::StrCat(path, " is in use: stop ttcd first (", problem, ")"));
    if (problem.empty()) {
      absl::StrAppend(&report, path, ": ok, ", records, " records\n");
    } else {
      damaged = true;
      absl::StrAppend(&report, path, ": DAMAGED: ", problem, "\n");
    }
  }
  if (damaged) {
    return absl::DataLossError(absl::StrCat(report, "run `ttcd store repair --data-dir ", data_dir,
                                            "` with ttcd stopped (docs/operations.md)"));
  }
  return report;
}

absl::StatusOr<std::string> RepairDataDir(const std::string& data_dir) {
  auto dbs = Databases(data_dir);
  if (dbs.empty()) return absl::NotFoundError(absl::StrCat(data_dir, " holds no ttcd store (store/ or jobs/)"));
  std::string report;
  const std::string stamp = Stamp();
  for (const auto& [name, path] : dbs) {
    const std::string copy = absl::StrCat(data_dir, "/quarantine/", name, "-before-repair-", stamp);
    std::error_code ec;
    fs::create_directories(copy, ec);
    if (!ec) fs::copy(path, copy, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) return absl::InternalError(absl::StrCat("copying ", path, " to ", copy, ": ", ec.message()));
    rocksdb::Options o;
    rocksdb::Status s = rocksdb::RepairDB(path, rocksdb::DBOptions(o), Families(copy));
    if (!s.ok()) {
      if (IsLock(s)) return absl::FailedPreconditionError(absl::StrCat(path, " is in use: stop ttcd first"));
      return absl::InternalError(absl::StrCat("repairing ", path, ": ", s.ToString(), " (the damaged files are in ", copy, ")"));
    }
    absl::StrAppend(&report, path, ": repaired (the damaged files are kept in ", copy, ")\n");
  }
  return report;
}

bool ReleaseBallastIfFull(const std::string& data_dir, int64_t needed) {
  const std::string path = data_dir + "/" + kBallastFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  const int64_t free = FreeBytesOn(data_dir);
  if (free >= needed) return false;
  if (!std::filesystem::remove(path, ec)) return false;
  spdlog::warn("msg=\"disk full at start: released the ballast so ttcd can open its databases\" data_dir={} "
               "free_bytes={} released_bytes={}",
               data_dir, free, kBallastBytes);
  return true;
}

bool EnsureBallast(const std::string& data_dir, int64_t headroom) {
  const std::string path = data_dir + "/" + kBallastFile;
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && static_cast<int64_t>(std::filesystem::file_size(path, ec)) == kBallastBytes) {
    return true;
  }
  if (FreeBytesOn(data_dir) < headroom + kBallastBytes) return false;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::posix_fallocate(fd, 0, kBallastBytes) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) std::filesystem::remove(path, ec);
  return ok;
}

}  // namespace ttc::cache
