#include "cache/verified_blobs.h"

namespace ttc::cache {
namespace {

// 64 bits from 16 hex digits of `hex` starting at `at`; non-hex digits count as 0 (digests are
// checked for form before they reach the store; a malformed one only weakens its own key).
uint64_t HexBits(const std::string& hex, size_t at) {
  uint64_t v = 0;
  for (size_t i = at; i < at + 16; ++i) {
    const char c = i < hex.size() ? hex[i] : '0';
    const uint64_t d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
    v = v << 4 | d;
  }
  return v;
}

}  // namespace

VerifiedBlobs::Key VerifiedBlobs::KeyOf(const v1::Digest& digest) {
  const std::string& h = digest.hash();
  return {HexBits(h, 0), HexBits(h, 16) ^ (static_cast<uint64_t>(digest.size_bytes()) * 0x9e3779b97f4a7c15ULL)};
}

VerifiedBlobs::Seen VerifiedBlobs::Lookup(const v1::Digest& digest, int64_t now_ms) {
  const Key k = KeyOf(digest);
  Shard& s = ShardOf(k);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.touched_ms.find(k);
  if (it == s.touched_ms.end()) return {};
  Seen seen{true, now_ms - it->second >= kTouchIntervalMs};
  if (seen.touch) it->second = now_ms;
  return seen;
}

void VerifiedBlobs::Insert(const v1::Digest& digest, int64_t now_ms) {
  const Key k = KeyOf(digest);
  Shard& s = ShardOf(k);
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.touched_ms.size() >= kVerifiedEntries / kShards) s.touched_ms.clear();
  s.touched_ms[k] = now_ms;
}

void VerifiedBlobs::Erase(const v1::Digest& digest) {
  const Key k = KeyOf(digest);
  Shard& s = ShardOf(k);
  std::lock_guard<std::mutex> lock(s.mu);
  s.touched_ms.erase(k);
}

void VerifiedBlobs::Clear() {
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    s.touched_ms.clear();
  }
}

size_t VerifiedBlobs::size() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.touched_ms.size();
  }
  return n;
}

}  // namespace ttc::cache
