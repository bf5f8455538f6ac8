// cache/rocksdb_store.h beyond the shared contract: persistence across reopen, detection and
// removal of corrupt blobs written behind the store's back, and the single-opener lock.
#include "cache/rocksdb_store.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>
#include <rocksdb/db.h>

#include "absl/strings/match.h"
#include "cache/digest.h"
#include "tests/cache/temp_dir.h"

namespace ttc::cache {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr char kKey[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

std::unique_ptr<RocksDbStore> OpenOrDie(const std::string& path) {
  auto store = RocksDbStore::Open({.path = path});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

v1::ActionResult ResultOf(const std::vector<std::pair<std::string, std::string>>& files) {
  v1::ActionResult r;
  for (const auto& [path, bytes] : files) {
    v1::OutputFile* f = r.add_output_files();
    f->set_path(path);
    *f->mutable_digest() = DigestOf(bytes);
  }
  r.set_success(true);
  r.set_compiler_build_id("ttc test");
  r.set_compile_micros(42);
  return r;
}

// Rewrites the CAS entry of `digest` directly in the database (store closed): same length,
// first byte flipped (or, with `truncate`, the last byte dropped).
void CorruptBlob(const std::string& path, const v1::Digest& digest, bool truncate = false) {
  rocksdb::DBOptions db_options;
  const rocksdb::ColumnFamilyOptions cf;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, cf},
                                                            {RocksDbStore::kCas, cf},
                                                            {RocksDbStore::kAc, cf},
                                                            {RocksDbStore::kAccess, cf},
                                                            {RocksDbStore::kJobs, cf}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, families, &handles, &raw);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* cas = handles[1];
  std::string value;
  s = db->Get(rocksdb::ReadOptions(), cas, DigestKey(digest), &value);
  ASSERT_TRUE(s.ok()) << "blob not under its DigestKey in cf cas: " << s.ToString();
  ASSERT_FALSE(value.empty());
  if (truncate) {
    value.pop_back();
  } else {
    value[0] = static_cast<char>(value[0] ^ 0x01);
    ASSERT_EQ(static_cast<int64_t>(value.size()), digest.size_bytes());
  }
  rocksdb::WriteOptions w;
  w.sync = true;
  s = db->Put(w, cas, DigestKey(digest), value);
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  ASSERT_TRUE(db->Close().ok());
}

TEST(RocksDbStore, PersistsAcrossReopen) {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  const std::vector<std::pair<std::string, std::string>> files = {
      {"compute.cpp", "void kernel_main() {}\n"}, {"plan.json", "{\"cores\": 64}\n"}, {"empty.txt", ""}};
  const v1::ActionResult result = ResultOf(files);
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    for (const auto& [name, bytes] : files) ASSERT_TRUE(store->PutBlob(DigestOf(bytes), bytes).ok()) << name;
    ASSERT_TRUE(store->PutActionResult(kKey, result).ok());
  }  // destroyed: the database is closed
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  std::vector<v1::Digest> digests;
  for (const auto& [name, bytes] : files) {
    digests.push_back(DigestOf(bytes));
    auto got = store->GetBlob(DigestOf(bytes));
    ASSERT_TRUE(got.ok()) << name << ": " << got.status();
    EXPECT_EQ(*got, bytes) << name;
    EXPECT_EQ(DigestOf(*got).hash(), DigestOf(bytes).hash()) << name;
  }
  EXPECT_TRUE(store->FindMissing(digests).empty());
  auto back = store->GetActionResult(kKey);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*back, result)) << back->DebugString();
  EXPECT_EQ(store->corruptions(), 0);
}

TEST(RocksDbStore, CorruptBlobIsDetectedRemovedAndNeverServed) {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  const std::string bytes = "void kernel_main() { /* reader */ }\n";
  const std::string other = "an intact neighbour\n";
  const v1::Digest digest = DigestOf(bytes);
  const v1::ActionResult result = ResultOf({{"reader.cpp", bytes}, {"other.cpp", other}});
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutBlob(digest, bytes).ok());
    ASSERT_TRUE(store->PutBlob(DigestOf(other), other).ok());
    ASSERT_TRUE(store->PutActionResult(kKey, result).ok());
  }
  ASSERT_NO_FATAL_FAILURE(CorruptBlob(path, digest));

  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->corruptions(), 0);
  auto got = store->GetBlob(digest);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
  EXPECT_EQ(store->corruptions(), 1);
  // Removed: listed as missing, and never served afterwards.
  auto missing = store->FindMissing({DigestOf(other), digest});
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(missing[0], digest));
  EXPECT_EQ(store->GetBlob(digest).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->corruptions(), 1);  // counted once
  // The result referencing it is a miss.
  EXPECT_EQ(store->GetActionResult(kKey).status().code(), absl::StatusCode::kNotFound);
  // The neighbour is untouched.
  auto neighbour = store->GetBlob(DigestOf(other));
  ASSERT_TRUE(neighbour.ok()) << neighbour.status();
  EXPECT_EQ(*neighbour, other);

  // The removal is durable: still missing after another reopen; re-uploading repairs it.
  store.reset();
  store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetBlob(digest).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->FindMissing({digest}).size(), 1u);
  ASSERT_TRUE(store->PutBlob(digest, bytes).ok());
  EXPECT_EQ(*store->GetBlob(digest), bytes);
}

TEST(RocksDbStore, TruncatedBlobIsDataLoss) {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  const std::string bytes = "0123456789";
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->PutBlob(DigestOf(bytes), bytes).ok());
  }
  ASSERT_NO_FATAL_FAILURE(CorruptBlob(path, DigestOf(bytes), /*truncate=*/true));
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->GetBlob(DigestOf(bytes)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(store->corruptions(), 1);
  EXPECT_EQ(store->GetBlob(DigestOf(bytes)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store->FindMissing({DigestOf(bytes)}).size(), 1u);
}

TEST(RocksDbStore, SecondOpenerFailsWithFailedPreconditionNamingThePath) {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  auto first = OpenOrDie(path);
  ASSERT_NE(first, nullptr);
  auto second = RocksDbStore::Open({.path = path});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
  EXPECT_TRUE(absl::StrContains(second.status().message(), path)) << second.status();
  // The first store keeps working.
  ASSERT_TRUE(first->PutBlob(DigestOf("x"), "x").ok());
  EXPECT_EQ(*first->GetBlob(DigestOf("x")), "x");
  // Once it is closed, the path can be opened again.
  first.reset();
  auto third = OpenOrDie(path);
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(*third->GetBlob(DigestOf("x")), "x");
}

TEST(RocksDbStore, OpenFailsOnUnusablePath) {
  testing::TempDir dir;
  // A regular file where the database directory should be.
  const std::string path = dir.Sub("not-a-dir");
  { FILE* f = std::fopen(path.c_str(), "w"); ASSERT_NE(f, nullptr); std::fclose(f); }
  auto store = RocksDbStore::Open({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInternal) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), path)) << store.status();
}

}  // namespace
}  // namespace ttc::cache
