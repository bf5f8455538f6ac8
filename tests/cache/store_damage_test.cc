// The artifact store and the job journal under damage and disk pressure
// (cache/rocksdb_store.h, cache/job_store.h; docs/operations.md "Disk full", "Damaged store"):
// a flipped byte in an SST at run time and at open, a damaged write-ahead log, a full disk
// (an injected RocksDB file system whose writes fail with ENOSPC, so no root is needed), the
// reserve, results bound to their keys, and the lock message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "absl/strings/match.h"
#include "cache/digest.h"
#include "cache/job_store.h"
#include "cache/rocksdb_store.h"
#include "tests/cache/temp_dir.h"

namespace ttc::cache {
namespace {

namespace fs = std::filesystem;

// A file system whose writable files fail every Append, Flush and Sync with "No space left
// on device" while `full` is set: what RocksDB sees when the disk fills.
class FullDiskFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FullDiskFs(std::atomic<bool>* full) : FileSystemWrapper(rocksdb::FileSystem::Default()), full_(full) {}
  const char* Name() const override { return "FullDiskFs"; }

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, std::atomic<bool>* full)
        : FSWritableFileOwnerWrapper(std::move(f)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (*full_) return rocksdb::IOStatus::NoSpace("No space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* dbg) override {
      if (*full_) return rocksdb::IOStatus::NoSpace("No space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, v, dbg);
    }
    rocksdb::IOStatus Flush(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (*full_) return rocksdb::IOStatus::NoSpace("No space left on device");
      return FSWritableFileOwnerWrapper::Flush(o, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (*full_) return rocksdb::IOStatus::NoSpace("No space left on device");
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }

   private:
    std::atomic<bool>* full_;
  };

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* out,
                                    rocksdb::IODebugContext* dbg) override {
    if (*full_) return rocksdb::IOStatus::NoSpace("No space left on device");
    std::unique_ptr<rocksdb::FSWritableFile> f;
    rocksdb::IOStatus s = target()->NewWritableFile(name, o, &f, dbg);
    if (s.ok()) *out = std::make_unique<File>(std::move(f), full_);
    return s;
  }

 private:
  std::atomic<bool>* full_;
};

v1::ActionResult ResultOf(const std::string& path, const std::string& bytes) {
  v1::ActionResult r;
  v1::OutputFile* f = r.add_output_files();
  f->set_path(path);
  *f->mutable_digest() = DigestOf(bytes);
  r.set_success(true);
  return r;
}

std::string KeyOf(char c) { return std::string(64, c); }

// The artifact store's database at `path` opened directly (store closed), with its five
// column families in RocksDbStore's order (default, cas, ac, access, jobs), to change it
// behind the store's back. `db` is null when the open failed.
struct RawStore {
  explicit RawStore(const std::string& path) {
    const rocksdb::ColumnFamilyOptions cf;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, cf}, {RocksDbStore::kCas, cf}, {RocksDbStore::kAc, cf},
        {RocksDbStore::kAccess, cf}, {RocksDbStore::kJobs, cf}};
    rocksdb::DB* raw = nullptr;
    if (rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &raw).ok()) db.reset(raw);
  }
  ~RawStore() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
};

// Flushes the memtables of the database at `path` (store closed) into SST files.
void FlushToSst(const std::string& path) {
  RawStore raw(path);
  ASSERT_NE(raw.db, nullptr);
  ASSERT_TRUE(raw.db->Flush(rocksdb::FlushOptions(), raw.handles).ok());
}

// The files of `dir` whose name ends with `suffix`, largest first.
std::vector<fs::path> FilesEndingWith(const std::string& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (absl::EndsWith(e.path().string(), suffix) && fs::file_size(e.path()) > 0) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) { return fs::file_size(a) > fs::file_size(b); });
  return out;
}

// Flips one byte of `file` at `offset` in place (the page cache sees it at once).
void FlipByte(const fs::path& file, std::streamoff offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << file;
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x5a));
}

// 64 KiB that do not compress (a linear congruential sequence), so the blob's data block
// fills most of its SST.
std::string Incompressible(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  for (char& c : out) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return out;
}

struct Stored {
  std::string bytes = Incompressible(64 << 10, 7);
  v1::Digest digest = DigestOf(bytes);
};

// An Env over FullDiskFs, and the switch that fills its disk.
struct FullDiskEnv {
  std::atomic<bool> full{false};
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(std::make_shared<FullDiskFs>(&full));
};

TEST(StoreDamage, AFlippedByteInAnSstAtRunTimeIsCountedRemovedAndNeverServed) {
  testing::TempDir dir;
  const std::string path = dir.path().string() + "/store";
  Stored s;
  {
    auto store = RocksDbStore::Open({.path = path});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->PutBlob(s.digest, s.bytes).ok());
  }
  ASSERT_NO_FATAL_FAILURE(FlushToSst(path));
  auto store = RocksDbStore::Open({.path = path});
  ASSERT_TRUE(store.ok()) << store.status();
  auto ssts = FilesEndingWith(path, ".sst");
  ASSERT_FALSE(ssts.empty());
  ASSERT_NO_FATAL_FAILURE(FlipByte(ssts[0], 4096));  // inside the blob's data block
  auto read = (*store)->GetBlob(s.digest);
  ASSERT_FALSE(read.ok());
  EXPECT_TRUE(absl::IsDataLoss(read.status())) << read.status();
  EXPECT_EQ((*store)->corruptions(), 1);
  // Removed: from now on a miss, never the damaged bytes.
  EXPECT_TRUE(absl::IsNotFound((*store)->GetBlob(s.digest).status()));
  EXPECT_EQ((*store)->FindMissing({s.digest}).size(), 1u);
  EXPECT_EQ((*store)->corruptions(), 1);
}

TEST(StoreDamage, AFlippedByteInAnSstAtOpenIsDataLossNotALockError) {
  testing::TempDir dir;
  const std::string path = dir.path().string() + "/store";
  Stored s;
  {
    auto store = RocksDbStore::Open({.path = path});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutBlob(s.digest, s.bytes).ok());
  }
  ASSERT_NO_FATAL_FAILURE(FlushToSst(path));
  auto ssts = FilesEndingWith(path, ".sst");
  ASSERT_FALSE(ssts.empty());
  ASSERT_NO_FATAL_FAILURE(FlipByte(ssts[0], 4096));
  auto store = RocksDbStore::Open({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsDataLoss(store.status())) << store.status();
  EXPECT_FALSE(absl::StrContains(store.status().message(), "another ttcd")) << store.status();
}

TEST(StoreDamage, OnlyARealLockErrorNamesAnotherDaemon) {
  testing::TempDir dir;
  auto first = RocksDbStore::Open({.path = dir.path().string() + "/store"});
  ASSERT_TRUE(first.ok());
  auto second = RocksDbStore::Open({.path = dir.path().string() + "/store"});
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(second.status())) << second.status();
  EXPECT_TRUE(absl::StrContains(second.status().message(), "another ttcd")) << second.status();
  auto jobs1 = JobStore::Open({.path = dir.path().string() + "/jobs"});
  ASSERT_TRUE(jobs1.ok());
  auto jobs2 = JobStore::Open({.path = dir.path().string() + "/jobs"});
  ASSERT_FALSE(jobs2.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(jobs2.status())) << jobs2.status();
}

// A job record written without the write-ahead log (durable = false: a cached verdict's job)
// is still there after a clean close and reopen: the close flushes it.
TEST(StoreDamage, ANonDurableJobRecordSurvivesACleanRestart) {
  testing::TempDir dir;
  const std::string path = dir.path().string() + "/jobs";
  {
    auto jobs = JobStore::Open({.path = path});
    ASSERT_TRUE(jobs.ok()) << jobs.status();
    ASSERT_TRUE((*jobs)->Put("job-1", "durable").ok());
    ASSERT_TRUE((*jobs)->Put("job-2", "not logged", /*durable=*/false).ok());
  }
  auto jobs = JobStore::Open({.path = path});
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  auto rows = (*jobs)->List();
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].second, "durable");
  EXPECT_EQ((*rows)[1].second, "not logged");
}

TEST(StoreDamage, ADamagedWriteAheadLogIsReportedNotSilent) {
  testing::TempDir dir;
  const std::string path = dir.path().string() + "/store";
  std::vector<v1::Digest> digests;
  std::vector<std::string> blobs;
  for (int i = 0; i < 200; ++i) {
    blobs.push_back("blob " + std::to_string(i) + std::string(200, 'y'));
    digests.push_back(DigestOf(blobs.back()));
  }
  // Written by a process that then dies without closing the store (as under kill -9): the
  // acknowledged blobs live only in the write-ahead log.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = RocksDbStore::Open({.path = path});
    if (!store.ok()) _exit(2);
    for (size_t i = 0; i < blobs.size(); ++i) {
      if (!(*store)->PutBlob(digests[i], blobs[i]).ok()) _exit(3);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto logs = FilesEndingWith(path, ".log");
  ASSERT_FALSE(logs.empty());
  ASSERT_NO_FATAL_FAILURE(FlipByte(logs[0], static_cast<std::streamoff>(fs::file_size(logs[0]) / 2)));
  auto store = RocksDbStore::Open({.path = path});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_FALSE((*store)->wal_damage().empty());
  // What precedes the damage is intact and served; nothing served is wrong.
  EXPECT_TRUE((*store)->GetBlob(digests[0]).ok());
  int served = 0;
  for (const auto& d : digests) {
    auto b = (*store)->GetBlob(d);
    if (b.ok()) {
      ++served;
      EXPECT_EQ(DigestOf(*b).hash(), d.hash());
    }
  }
  EXPECT_LT(served, 200);
}

TEST(StoreDamage, UnderTheReserveWritesAreRefusedAndReadsGoOn) {
  testing::TempDir dir;
  std::atomic<int64_t> free{int64_t{10} << 30};
  auto store = RocksDbStore::Open(
      {.path = dir.path().string() + "/store", .reserve_bytes = int64_t{1} << 30, .free_bytes = [&] { return free.load(); }});
  ASSERT_TRUE(store.ok());
  Stored s;
  ASSERT_TRUE((*store)->PutBlob(s.digest, s.bytes).ok());
  free = 100 << 20;  // 100 MiB left, under the 1 GiB reserve
  const std::string other = "another blob";
  absl::Status put = (*store)->PutBlob(DigestOf(other), other);
  EXPECT_TRUE(absl::IsResourceExhausted(put)) << put;
  EXPECT_TRUE(absl::StrContains(put.message(), dir.path().string())) << put;
  EXPECT_TRUE(absl::StrContains(put.message(), "100.0 MiB free")) << put;
  EXPECT_TRUE(absl::IsResourceExhausted((*store)->PutActionResultWithBlobs(KeyOf('a'), ResultOf("f", other),
                                                                           {{"f", other}})));
  EXPECT_EQ((*store)->refused_writes(), 2);
  EXPECT_TRUE((*store)->GetBlob(s.digest).ok());  // reads go on
  free = int64_t{10} << 30;                       // space returns: no restart needed
  EXPECT_TRUE((*store)->PutBlob(DigestOf(other), other).ok());
}

TEST(StoreDamage, AFailedWriteTurnsTheStoreReadOnlyWithoutAbortAndRecoverReopensIt) {
  testing::TempDir dir;
  FullDiskEnv disk;
  auto store = RocksDbStore::Open({.path = dir.path().string() + "/store", .env = disk.env.get()});
  ASSERT_TRUE(store.ok()) << store.status();
  Stored s;
  ASSERT_TRUE((*store)->PutBlob(s.digest, s.bytes).ok());
  disk.full = true;
  // Many writes after the first failure: RocksDB 7.8 aborts on a log write after a failed one
  // unless the store stops writing.
  for (int i = 0; i < 50; ++i) {
    const std::string b = "while full " + std::to_string(i);
    absl::Status st = (*store)->PutBlob(DigestOf(b), b);
    ASSERT_TRUE(absl::IsResourceExhausted(st)) << i << ": " << st;
  }
  EXPECT_TRUE((*store)->read_only());
  EXPECT_TRUE((*store)->GetBlob(s.digest).ok());
  EXPECT_TRUE((*store)->Probe().ok());
  disk.full = false;
  ASSERT_TRUE((*store)->Recover().ok());
  EXPECT_FALSE((*store)->read_only());
  const std::string after = "after recovery";
  ASSERT_TRUE((*store)->PutBlob(DigestOf(after), after).ok());
  EXPECT_TRUE((*store)->GetBlob(DigestOf(after)).ok());
  EXPECT_TRUE((*store)->GetBlob(s.digest).ok());
}

// Writers racing a write that fails: every answer is OK or RESOURCE_EXHAUSTED, the store ends
// read-only, nothing aborts. (With this injected file system RocksDB also rejects writes after
// the failure itself, so this passes without the store's write gate too; the gate covers the
// failures RocksDB does not latch, such as the failed sync behind the abort.)
TEST(StoreDamage, ConcurrentWritersNeverFollowAFailedWriteIntoTheLog) {
  testing::TempDir dir;
  FullDiskEnv disk;
  auto store = RocksDbStore::Open({.path = dir.path().string() + "/store", .env = disk.env.get()});
  ASSERT_TRUE(store.ok()) << store.status();
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string b = "writer " + std::to_string(t) + " blob " + std::to_string(i);
        absl::Status st = (*store)->PutBlob(DigestOf(b), b);
        if (st.ok()) ++ok;
        else if (absl::IsResourceExhausted(st)) ++refused;
        else ++other;
        if (t == 0 && i == 50) disk.full = true;  // the disk fills while the others write
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(other, 0);
  EXPECT_TRUE((*store)->read_only());
}

TEST(StoreDamage, AFailedJobWriteClosesTheJournalsGateAndRecoverReopensIt) {
  testing::TempDir dir;
  FullDiskEnv disk;
  auto jobs = JobStore::Open({.path = dir.path().string() + "/jobs", .env = disk.env.get()});
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_TRUE((*jobs)->Put("job-1", "before").ok());
  disk.full = true;
  for (int i = 0; i < 20; ++i) {  // the first fails in RocksDB, the rest at the gate
    absl::Status st = (*jobs)->Put("job-2", "while full");
    ASSERT_TRUE(absl::IsResourceExhausted(st)) << i << ": " << st;
  }
  EXPECT_TRUE((*jobs)->write_failed());
  disk.full = false;
  ASSERT_TRUE((*jobs)->Recover().ok());
  EXPECT_FALSE((*jobs)->write_failed());
  ASSERT_TRUE((*jobs)->Put("job-3", "after").ok());
  auto rows = (*jobs)->List();
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);  // job-1 and job-3; job-2 was never acknowledged
  EXPECT_EQ((*rows)[0].first, "job-1");
  EXPECT_EQ((*rows)[1].first, "job-3");
}

TEST(StoreDamage, OpeningOnAFullDiskComesUpReadOnly) {
  testing::TempDir dir;
  FullDiskEnv disk;
  Stored s;
  {
    auto store = RocksDbStore::Open({.path = dir.path().string() + "/store", .env = disk.env.get()});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutBlob(s.digest, s.bytes).ok());
  }
  disk.full = true;
  auto store = RocksDbStore::Open({.path = dir.path().string() + "/store", .env = disk.env.get()});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->read_only());
  EXPECT_TRUE((*store)->GetBlob(s.digest).ok());
  const std::string b = "refused";
  EXPECT_TRUE(absl::IsResourceExhausted((*store)->PutBlob(DigestOf(b), b)));
  disk.full = false;
  ASSERT_TRUE((*store)->Recover().ok());
  EXPECT_TRUE((*store)->PutBlob(DigestOf(b), b).ok());
}

TEST(StoreDamage, AResultStoredUnderAnotherKeyIsCorruptionNotAHit) {
  testing::TempDir dir;
  const std::string path = dir.path().string() + "/store";
  const std::string bytes = "program";
  {
    auto store = RocksDbStore::Open({.path = path});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutActionResultWithBlobs(KeyOf('a'), ResultOf("main.cpp", bytes), {{"main.cpp", bytes}}).ok());
    ASSERT_TRUE((*store)->GetActionResult(KeyOf('a')).ok());
  }
  {
    // Behind the store's back: key b gets key a's (valid) stored result.
    RawStore raw(path);
    ASSERT_NE(raw.db, nullptr);
    std::string value;
    ASSERT_TRUE(raw.db->Get(rocksdb::ReadOptions(), raw.handles[2], KeyOf('a'), &value).ok());
    ASSERT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.handles[2], KeyOf('b'), value).ok());
  }
  auto store = RocksDbStore::Open({.path = path});
  ASSERT_TRUE(store.ok());
  auto wrong = (*store)->GetActionResult(KeyOf('b'));
  EXPECT_TRUE(absl::IsDataLoss(wrong.status())) << wrong.status();
  EXPECT_EQ((*store)->corruptions(), 1);
  EXPECT_TRUE(absl::IsNotFound((*store)->GetActionResult(KeyOf('b')).status()));
  auto right = (*store)->GetActionResult(KeyOf('a'));
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(right->action_key().empty());  // the binding stays inside the store
}

TEST(StoreDamage, AJobJournalWithADamagedLogRefusesToOpenAndNamesTheRepair) {
  testing::TempDir dir;
  const std::string path = dir.path().string() + "/jobs";
  {
    auto jobs = JobStore::Open({.path = path});
    ASSERT_TRUE(jobs.ok());
    for (int i = 0; i < 100; ++i) ASSERT_TRUE((*jobs)->Put("job-" + std::to_string(1000 + i), std::string(300, 'j')).ok());
  }
  auto logs = FilesEndingWith(path, ".log");
  ASSERT_FALSE(logs.empty());
  ASSERT_NO_FATAL_FAILURE(FlipByte(logs[0], static_cast<std::streamoff>(fs::file_size(logs[0]) / 2)));
  auto jobs = JobStore::Open({.path = path});
  ASSERT_FALSE(jobs.ok());
  EXPECT_TRUE(absl::IsDataLoss(jobs.status())) << jobs.status();
  EXPECT_TRUE(absl::StrContains(jobs.status().message(), "ttcd store repair")) << jobs.status();
}

}  // namespace
}  // namespace ttc::cache
