// Operator tools for a ttcd data dir (`ttcd store check`, `ttcd store repair`;
// docs/operations.md "Damaged store"): both act on DATA_DIR/store (the artifact store,
// cache/rocksdb_store.h) and DATA_DIR/jobs (the job journal, cache/job_store.h) while ttcd is
// stopped (RocksDB's lock refuses them while it runs).
// Thread-safety: call from one thread, with no ttcd on the data dir.
#ifndef TTC_CACHE_STORE_ADMIN_H_
#define TTC_CACHE_STORE_ADMIN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace ttc::cache {

// Opens each database read-only, verifies every block's checksum (RocksDB VerifyChecksum) and
// reads every record. Returns one line per database ("<path>: ok, N records" or what is
// damaged); DATA_LOSS (with the same text) when any is damaged, FAILED_PRECONDITION when
// ttcd holds the lock, NOT_FOUND when the data dir holds neither database.
absl::StatusOr<std::string> CheckDataDir(const std::string& data_dir);

// Copies each database to DATA_DIR/quarantine/<name>-before-repair-<UTC time>, then runs
// RocksDB's RepairDB on it (salvages every readable record from the SST and log files into
// a fresh manifest). Returns one line per database with the copy's path. Errors as
// CheckDataDir, or INTERNAL when the copy or the repair fails (the copy is kept).
absl::StatusOr<std::string> RepairDataDir(const std::string& data_dir);

// The ballast: DATA_DIR/ballast, kBallastBytes allocated on the data dir's disk while there
// is room, released when the disk is full at start so the job journal can open (RocksDB
// aborts when an open's own writes fail) and ttcd comes up read-only instead of crashing.
// The same technique as a database's emergency reserve file.
inline constexpr int64_t kBallastBytes = 16 << 20;
inline constexpr const char* kBallastFile = "ballast";
// Removes the ballast when under `needed` bytes are free. True when it was released.
bool ReleaseBallastIfFull(const std::string& data_dir, int64_t needed);
// Allocates the ballast (posix_fallocate) when missing and `headroom` + kBallastBytes are
// free; a partial file is removed. True when the ballast is in place.
bool EnsureBallast(const std::string& data_dir, int64_t headroom);

}  // namespace ttc::cache

#endif  // TTC_CACHE_STORE_ADMIN_H_
