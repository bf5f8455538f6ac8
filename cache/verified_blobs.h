// The blobs whose stored bytes this process has verified against their digest (cache/rocksdb_store.h),
// and when each one's last-use time was last written. Rule (docs/cache_format.md, "Digests are
// verified on write and on first read"): a blob is hashed when it is written and the first time it
// is read after the store opens; afterwards RocksDB's block checksums cover it, so a read of a
// verified blob skips the SHA-256, and a read within `kTouchIntervalMs` of the last last-use write
// skips that write too (eviction is least-recently-used to the second).
//
// Entries are keyed by 128 bits of the digest's hash mixed with its size (a collision would only
// skip a hash of bytes that were themselves verified on write). Bounded: each of kShards shards
// holds at most kVerifiedEntries / kShards entries and is cleared when full, after which its blobs
// are hashed again on their next read.
// Thread-safety: all methods may be called concurrently (one mutex per shard).
#ifndef TTC_CACHE_VERIFIED_BLOBS_H_
#define TTC_CACHE_VERIFIED_BLOBS_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "ttc/v1/artifact.pb.h"

namespace ttc::cache {

class VerifiedBlobs {
 public:
  static constexpr size_t kVerifiedEntries = 1 << 20;  // about 40 MiB when full
  static constexpr int64_t kTouchIntervalMs = 1000;

  struct Seen {
    bool verified = false;  // the stored bytes were verified by this process
    bool touch = true;      // the last-use time should be written (and is now recorded as written)
  };
  // Looks `digest` up at time `now_ms`. When it is verified and its last-use write is older than
  // kTouchIntervalMs, records `now_ms` as the new last-use write (the caller writes it).
  Seen Lookup(const v1::Digest& digest, int64_t now_ms);
  // Records that `digest`'s stored bytes were verified and its last use written at `now_ms`.
  void Insert(const v1::Digest& digest, int64_t now_ms);
  // Forgets `digest` (removed as corrupt or evicted).
  void Erase(const v1::Digest& digest);
  void Clear();
  size_t size() const;

 private:
  using Key = std::pair<uint64_t, uint64_t>;
  static Key KeyOf(const v1::Digest& digest);
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<Key, int64_t> touched_ms;  // verified blob -> last last-use write
  };
  Shard& ShardOf(const Key& k) { return shards_[k.first % kShards]; }
  std::array<Shard, kShards> shards_;
};

}  // namespace ttc::cache

#endif  // TTC_CACHE_VERIFIED_BLOBS_H_
