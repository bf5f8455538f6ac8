// Size-bounded LRU eviction of the RocksDB artifact store (issue: "eviction under a small size
// limit"; "eviction never leaves an AC entry pointing at evicted blobs"), on a fake clock.
#include <gtest/gtest.h>

#include <string>

#include "cache/digest.h"
#include "cache/rocksdb_store.h"
#include "tests/cache/temp_dir.h"

namespace ttc::cache {
namespace {

class EvictionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksDbStore::Options o;
    o.path = (dir_.path() / "db").string();
    o.now_ms = [this] { return clock_; };
    auto s = RocksDbStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  // Stores a 100-byte blob at fake time `t` and returns its digest.
  v1::Digest Put(char fill, int64_t t) {
    clock_ = t;
    const std::string data(100, fill);
    v1::Digest d = DigestOf(data);
    EXPECT_TRUE(store_->PutBlob(d, data).ok());
    return d;
  }

  testing::TempDir dir_;
  int64_t clock_ = 0;
  std::unique_ptr<RocksDbStore> store_;
};

TEST_F(EvictionTest, RemovesLeastRecentlyUsedBlobsUntilUnderTheLimit) {
  // Fake times in ms, seconds apart: last-use times are refreshed at most once a second.
  const v1::Digest a = Put('a', 10'000), b = Put('b', 20'000), c = Put('c', 30'000), d = Put('d', 40'000);
  clock_ = 50'000;
  ASSERT_TRUE(store_->GetBlob(a).ok());  // a is now the most recently used
  EXPECT_EQ(store_->BlobBytes(), 400);
  auto n = store_->EvictToSize(250);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(store_->evictions(), 2);
  EXPECT_EQ(store_->BlobBytes(), 200);
  const auto missing = store_->FindMissing({a, b, c, d});
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].hash(), b.hash());  // oldest use: 20 s
  EXPECT_EQ(missing[1].hash(), c.hash());  // then 30 s
}

TEST_F(EvictionTest, AReadWithinASecondOfTheLastUseWritesNoNewLastUse) {
  // docs/cache_format.md: a verified blob's last use is rewritten at most once a second, so a
  // hot read costs no write; LRU order holds to the second.
  const v1::Digest a = Put('a', 10'000), b = Put('b', 10'500);
  clock_ = 10'900;
  ASSERT_TRUE(store_->GetBlob(a).ok());  // 900 ms after a's write: not recorded
  auto n = store_->EvictToSize(100);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  const auto missing = store_->FindMissing({a, b});
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].hash(), a.hash());
}

TEST_F(EvictionTest, NothingToDoUnderTheLimit) {
  Put('a', 1);
  auto n = store_->EvictToSize(1000);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(store_->BlobBytes(), 100);
}

TEST_F(EvictionTest, ActionResultsOfEvictedBlobsAreRemoved) {
  const v1::Digest old_blob = Put('o', 1), new_blob = Put('n', 100);
  v1::ActionResult uses_old, uses_new;
  auto* f = uses_old.add_output_files();
  f->set_path("reader.cpp");
  *f->mutable_digest() = old_blob;
  f = uses_new.add_output_files();
  f->set_path("reader.cpp");
  *f->mutable_digest() = new_blob;
  ASSERT_TRUE(store_->PutActionResult(std::string(64, 'a'), uses_old).ok());
  ASSERT_TRUE(store_->PutActionResult(std::string(64, 'b'), uses_new).ok());
  auto n = store_->EvictToSize(150);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(store_->GetActionResult(std::string(64, 'a')).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetActionResult(std::string(64, 'b')).ok());
  // The removed entry stays removed even after the blob is uploaded again.
  ASSERT_TRUE(store_->PutBlob(old_blob, std::string(100, 'o')).ok());
  EXPECT_EQ(store_->GetActionResult(std::string(64, 'a')).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ttc::cache
