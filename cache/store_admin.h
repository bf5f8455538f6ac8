// Operator tools for a ttcd data dir (`ttcd store check`, `ttcd store repair`;
// docs/operations.md "Damaged store"): both act on DATA_DIR/store (the artifact store,
// cache/rocksdb_store.h) and DATA_DIR/jobs (the job journal, cache/job_store.h) while ttcd is
// stopped (RocksDB's lock refuses them while it runs).
// Thread-safety: call from one thread, with no ttcd on the data dir.
#ifndef TTC_CACHE_STORE_ADMIN_H_
#define TTC_CACHE_STORE_ADMIN_H_

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

}  // namespace ttc::cache

#endif  // TTC_CACHE_STORE_ADMIN_H_
