// RocksDB's info log sent to ttcd's log (spdlog) instead of the LOG file in the database
// directory. The LOG file sits on the data dir's filesystem: once the disk is full a failed
// log line leaves RocksDB's log writer in an error state, and the next line (written by
// RocksDB's own error handler when a store write hits ENOSPC) aborts the process in RocksDB
// 7.8 (WritableFileWriter: Assertion `sync_without_flush_called_'). Logging elsewhere keeps
// a full disk a state, not a crash (docs/operations.md, "Disk full").
// Thread-safety: the logger may be called from every RocksDB thread at once (spdlog is).
#ifndef TTC_CACHE_ROCKSDB_LOG_H_
#define TTC_CACHE_ROCKSDB_LOG_H_

#include <memory>
#include <string>

#include <rocksdb/env.h>

namespace ttc::cache {

// A logger for DBOptions::info_log: RocksDB's messages at WARN and above, one spdlog line
// each, tagged `rocksdb=<name>` (e.g. "store", "jobs").
std::shared_ptr<rocksdb::Logger> RocksDbLogger(const std::string& name);

}  // namespace ttc::cache

#endif  // TTC_CACHE_ROCKSDB_LOG_H_
