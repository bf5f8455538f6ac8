#include "cache/rocksdb_store.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include <rocksdb/write_batch.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cache/digest.h"

namespace ttc::cache {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(std::string(what), ": ", s.ToString()));
}

bool IsEmpty(const v1::Digest& d) { return d.size_bytes() == 0 && d.hash() == EmptyDigest().hash(); }

// The stored form of an action result: the result with its own key in `action_key`, so bytes
// copied or written under another key read as corruption (GetActionResult).
std::string BoundResultBytes(std::string_view key, const v1::ActionResult& result) {
  v1::ActionResult bound = result;
  bound.set_action_key(std::string(key));
  return bound.SerializeAsString();
}

}  // namespace

RocksDbStore::~RocksDbStore() { CloseDb(); }

int64_t RocksDbStore::NowMs() const {
  return options_.now_ms ? options_.now_ms()
                         : std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
}

void RocksDbStore::TouchAll(const std::vector<std::string>& keys) {
  // Last-use times skip the write-ahead log: losing some in a crash only ages entries, and
  // it keeps a cache hit free of log writes (one memtable batch for all its keys).
  if (read_only_) return;
  rocksdb::WriteBatch batch;
  const std::string now = std::to_string(NowMs());
  for (const std::string& k : keys) batch.Put(access_, k, now);
  rocksdb::WriteOptions w;
  w.disableWAL = true;
  db_->Write(w, &batch);
}

void RocksDbStore::Touch(const std::string& key) {
  TouchAll({key});
}

absl::Status RocksDbStore::PutBlob(const v1::Digest& digest, std::string_view data) {
  if (auto st = VerifyBlob(digest, data); !st.ok()) return st;
  if (IsEmpty(digest)) return absl::OkStatus();
  std::shared_lock db_lock(db_mu_);
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  const std::string key = DigestKey(digest);
  if (auto st = Writable(); !st.ok()) return st;
  const int64_t now = NowMs();
  // The blob and its last-use time in one write (one pass through RocksDB's write path; the
  // access entry rides in the logged batch).
  rocksdb::WriteBatch batch;
  batch.Put(cas_, key, rocksdb::Slice(data.data(), data.size()));
  batch.Put(access_, key, std::to_string(now));
  {
    // Excludes a concurrent corruption check from deleting these freshly verified bytes.
    std::lock_guard<std::mutex> lock(repair_mu_);
    if (read_only_) return Writable();  // the write gate: a write failed while this one waited
    rocksdb::PinnableSlice existing;
    const bool present = db_->Get(rocksdb::ReadOptions(), cas_, key, &existing).ok();
    if (auto s = db_->Write(w, &batch); !s.ok()) return WriteFailed(s, "storing a blob");
    if (!present) {
      blob_bytes_ += static_cast<int64_t>(data.size());
      ++blob_count_;
    }
  }
  verified_.Insert(digest, now);
  return absl::OkStatus();
}

std::vector<absl::Status> RocksDbStore::PutBlobs(
    const std::vector<std::pair<v1::Digest, std::string_view>>& blobs) {
  std::vector<absl::Status> out(blobs.size());
  const int64_t now = NowMs();
  const std::string now_text = std::to_string(now);
  rocksdb::WriteBatch batch;
  std::vector<std::pair<std::string, int64_t>> keys;  // the entries in `batch`
  std::set<std::string> seen;
  for (size_t i = 0; i < blobs.size(); ++i) {
    const auto& [digest, data] = blobs[i];
    out[i] = VerifyBlob(digest, data);
    if (!out[i].ok() || IsEmpty(digest)) continue;
    std::string key = DigestKey(digest);
    if (!seen.insert(key).second) continue;  // the same blob twice in one batch
    batch.Put(cas_, key, rocksdb::Slice(data.data(), data.size()));
    batch.Put(access_, key, now_text);  // the last-use time in the same write
    keys.emplace_back(std::move(key), static_cast<int64_t>(data.size()));
  }
  if (keys.empty()) return out;
  auto fail_all = [&](const absl::Status& st) {
    for (size_t i = 0; i < blobs.size(); ++i) {
      if (out[i].ok() && !IsEmpty(blobs[i].first)) out[i] = st;
    }
    return out;
  };
  std::shared_lock db_lock(db_mu_);
  if (auto st = Writable(); !st.ok()) return fail_all(st);
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  {
    // As PutBlob: a concurrent corruption check must not delete these verified bytes.
    std::lock_guard<std::mutex> lock(repair_mu_);
    if (read_only_) return fail_all(Writable());
    std::vector<bool> present;
    for (const auto& [key, size] : keys) {
      rocksdb::PinnableSlice existing;
      present.push_back(db_->Get(rocksdb::ReadOptions(), cas_, key, &existing).ok());
    }
    if (auto s = db_->Write(w, &batch); !s.ok()) return fail_all(WriteFailed(s, "storing a batch of blobs"));
    for (size_t i = 0; i < keys.size(); ++i) {
      if (present[i]) continue;
      blob_bytes_ += keys[i].second;
      ++blob_count_;
    }
  }
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (out[i].ok() && !IsEmpty(blobs[i].first)) verified_.Insert(blobs[i].first, now);
  }
  return out;
}

absl::StatusOr<std::string> RocksDbStore::GetBlob(const v1::Digest& digest) {
  if (IsEmpty(digest)) return std::string();
  const std::string key = DigestKey(digest);
  std::shared_lock db_lock(db_mu_);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cas_, key, &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("blob ", key, " is not stored"));
  if (s.IsCorruption()) {
    OnCorruptRead(cas_, key, s);
    return absl::DataLossError(absl::StrCat("blob ", key, " was unreadable in the store (", s.ToString(),
                                            "); it has been removed"));
  }
  if (!s.ok()) return FromRocks(s, "reading a blob");
  const int64_t now = NowMs();
  const VerifiedBlobs::Seen seen = verified_.Lookup(digest, now);
  if (seen.verified) {
    // Verified earlier by this process; RocksDB checked the block checksums of this read.
    if (seen.touch) TouchAll({key});
    return value;
  }
  auto matches = [&](const std::string& v) {
    return static_cast<int64_t>(v.size()) == digest.size_bytes() && DigestOf(v).hash() == digest.hash();
  };
  if (!matches(value)) {
    // Re-read under the repair lock: only bytes that are still corrupt are removed (a
    // concurrent upload may have replaced them), and each corrupt entry is counted once.
    std::lock_guard<std::mutex> lock(repair_mu_);
    std::string current;
    if (db_->Get(rocksdb::ReadOptions(), cas_, key, &current).ok()) {
      if (matches(current)) {
        verified_.Insert(digest, now);
        TouchAll({key});
        return current;
      }
      ++corruptions_;
      verified_.Erase(digest);
      DropHot();
      rocksdb::WriteOptions w;
      w.sync = options_.sync_writes;
      if (!read_only_ && db_->Delete(w, cas_, key).ok()) {
        blob_bytes_ -= static_cast<int64_t>(current.size());
        --blob_count_;
        db_->Delete(w, access_, key);
      }
    }
    return absl::DataLossError(absl::StrCat("blob ", key, " was corrupt in the store; it has been removed"));
  }
  verified_.Insert(digest, now);
  TouchAll({key});
  return value;
}

std::vector<v1::Digest> RocksDbStore::FindMissing(const std::vector<v1::Digest>& digests) {
  std::shared_lock db_lock(db_mu_);
  return FindMissingAndTouch(digests, {});
}

std::vector<v1::Digest> RocksDbStore::FindMissingAndTouch(const std::vector<v1::Digest>& digests,
                                                          const std::string& also_touch) {
  std::vector<v1::Digest> out;
  std::vector<std::string> present;
  if (!also_touch.empty()) present.push_back(also_touch);
  for (const v1::Digest& d : digests) {
    if (IsEmpty(d)) continue;
    std::string key = DigestKey(d);
    rocksdb::PinnableSlice value;
    const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cas_, key, &value);
    if (s.ok()) {
      present.push_back(std::move(key));  // REAPI: a blob a client was told is present should live on
    } else {
      if (s.IsCorruption()) OnCorruptRead(cas_, key, s);
      out.push_back(d);
    }
  }
  const bool complete = out.empty();
  if (!present.empty() && (complete || also_touch.empty())) TouchAll(present);
  return out;
}

absl::Status RocksDbStore::PutActionResult(std::string_view key, const v1::ActionResult& result) {
  std::vector<v1::Digest> blobs;
  for (const v1::OutputFile& f : result.output_files()) blobs.push_back(f.digest());
  std::shared_lock db_lock(db_mu_);
  if (auto missing = FindMissingAndTouch(blobs, {}); !missing.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("action result references missing blob ", DigestKey(missing[0])));
  }
  if (auto st = Writable(); !st.ok()) return st;
  const std::string bytes = BoundResultBytes(key, result);
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  {
    std::lock_guard<std::mutex> lock(repair_mu_);
    if (read_only_) return Writable();
    rocksdb::PinnableSlice existing;
    const bool present = db_->Get(rocksdb::ReadOptions(), ac_, rocksdb::Slice(key.data(), key.size()), &existing).ok();
    if (auto s = db_->Put(w, ac_, rocksdb::Slice(key.data(), key.size()), bytes); !s.ok()) {
      return WriteFailed(s, "storing an action result");
    }
    if (!present) ++action_results_;
  }
  {
    std::lock_guard<std::mutex> lock(hot_mu_);
    hot_.erase(std::string(key));
  }
  TouchAll({std::string(key)});
  return absl::OkStatus();
}

absl::Status RocksDbStore::PutActionResultWithBlobs(std::string_view key, const v1::ActionResult& result,
                                                    const std::map<std::string, std::string>& files) {
  std::shared_lock db_lock(db_mu_);
  if (auto st = Writable(); !st.ok()) return st;
  rocksdb::WriteBatch batch;
  std::vector<std::pair<std::string, int64_t>> blob_keys;
  for (const v1::OutputFile& f : result.output_files()) {
    auto it = files.find(f.path());
    if (it == files.end()) {
      return absl::InvalidArgumentError(absl::StrCat("output file ", f.path(), " has no bytes"));
    }
    if (auto st = VerifyBlob(f.digest(), it->second); !st.ok()) return st;
    if (IsEmpty(f.digest())) continue;
    const std::string bkey = DigestKey(f.digest());
    batch.Put(cas_, bkey, it->second);
    blob_keys.emplace_back(bkey, static_cast<int64_t>(it->second.size()));
  }
  batch.Put(ac_, rocksdb::Slice(key.data(), key.size()), BoundResultBytes(key, result));
  // Last-use times ride in the same write (one pass through RocksDB's write path).
  const int64_t now = NowMs();
  const std::string now_text = std::to_string(now);
  batch.Put(access_, rocksdb::Slice(key.data(), key.size()), now_text);
  for (const auto& [bkey, size] : blob_keys) batch.Put(access_, bkey, now_text);
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  {
    std::lock_guard<std::mutex> lock(repair_mu_);
    if (read_only_) return Writable();
    std::vector<bool> present;
    for (const auto& [bkey, size] : blob_keys) {
      rocksdb::PinnableSlice existing;
      present.push_back(db_->Get(rocksdb::ReadOptions(), cas_, bkey, &existing).ok());
    }
    rocksdb::PinnableSlice existing_ac;
    const bool ac_present =
        db_->Get(rocksdb::ReadOptions(), ac_, rocksdb::Slice(key.data(), key.size()), &existing_ac).ok();
    // Blobs and result in one atomic write: one log sync, and never a result without its blobs.
    if (auto s = db_->Write(w, &batch); !s.ok()) return WriteFailed(s, "storing an action result and its blobs");
    for (size_t i = 0; i < blob_keys.size(); ++i) {
      if (!present[i]) {
        blob_bytes_ += blob_keys[i].second;
        ++blob_count_;
      }
    }
    if (!ac_present) ++action_results_;
  }
  {
    std::lock_guard<std::mutex> lock(hot_mu_);
    hot_.erase(std::string(key));
  }
  for (const v1::OutputFile& f : result.output_files()) {
    if (!IsEmpty(f.digest())) verified_.Insert(f.digest(), now);
  }
  return absl::OkStatus();
}

void RocksDbStore::DropHot() {
  std::lock_guard<std::mutex> lock(hot_mu_);
  hot_.clear();
  ++hot_generation_;
}

absl::StatusOr<v1::ActionResult> RocksDbStore::GetActionResult(std::string_view key) {
  uint64_t generation = 0;
  {
    std::vector<std::string> touch;
    v1::ActionResult copy;
    bool found = false;
    {
      std::lock_guard<std::mutex> lock(hot_mu_);
      generation = hot_generation_;
      if (auto it = hot_.find(key); it != hot_.end()) {
        found = true;
        copy = it->second.result;
        const int64_t now = NowMs();
        if (now - it->second.touched_ms >= 1000) {
          it->second.touched_ms = now;
          touch = it->second.keys;
        }
      }
    }
    if (found) {
      if (!touch.empty()) TouchAll(touch);
      return copy;
    }
  }
  std::shared_lock db_lock(db_mu_);
  std::string bytes;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), ac_, rocksdb::Slice(key.data(), key.size()), &bytes);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no action result for ", std::string(key)));
  if (s.IsCorruption()) {
    OnCorruptRead(ac_, std::string(key), s);
    return absl::DataLossError(absl::StrCat("action result ", std::string(key), " was unreadable (", s.ToString(),
                                            "); it has been removed"));
  }
  if (!s.ok()) return FromRocks(s, "reading an action result");
  v1::ActionResult result;
  // A result is bound to its key (BoundResultBytes): bytes that do not parse, or that were
  // written for another key, are corruption, never a hit.
  const bool parsed = result.ParseFromString(bytes);
  if (parsed && result.action_key().empty()) {
    // Written before results were bound to keys: a miss (recompiled and stored bound), not
    // corruption.
    if (Writable().ok()) {
      rocksdb::WriteOptions w;
      w.sync = options_.sync_writes;
      std::lock_guard<std::mutex> lock(repair_mu_);
      if (!read_only_ && db_->Delete(w, ac_, rocksdb::Slice(key.data(), key.size())).ok()) --action_results_;
    }
    return absl::NotFoundError(absl::StrCat("action result ", std::string(key), " predates key binding"));
  }
  if (!parsed || result.action_key() != key) {
    OnCorruptRead(ac_, std::string(key), rocksdb::Status::Corruption("action result bound to another key"));
    return absl::DataLossError(absl::StrCat("action result ", std::string(key), " is corrupt (",
                                            result.action_key().empty() ? "unparsable or unbound" : "bound to another key",
                                            "); it has been removed"));
  }
  result.clear_action_key();
  std::vector<v1::Digest> blobs;
  for (const v1::OutputFile& f : result.output_files()) blobs.push_back(f.digest());
  // One pass: checks every blob and, on a complete result, refreshes it and its blobs in one
  // batch.
  if (!FindMissingAndTouch(blobs, std::string(key)).empty()) {
    return absl::NotFoundError(absl::StrCat("action result ", std::string(key), " has missing blobs"));
  }
  {
    HotResult hot;
    hot.result = result;
    hot.keys.push_back(std::string(key));
    for (const v1::Digest& d : blobs) {
      if (!IsEmpty(d)) hot.keys.push_back(DigestKey(d));
    }
    hot.touched_ms = NowMs();
    std::lock_guard<std::mutex> lock(hot_mu_);
    if (generation == hot_generation_) {  // no blob was removed while we checked
      if (hot_.size() >= kHotEntries) hot_.clear();
      hot_[std::string(key)] = std::move(hot);
    }
  }
  return result;
}

absl::StatusOr<int64_t> RocksDbStore::EvictToSize(int64_t max_bytes) {
  // (last use, key, size) of every blob, oldest first; a blob with no access entry counts
  // as used at time 0.
  std::shared_lock db_lock(db_mu_);
  if (read_only_) return 0;  // deleting writes the log too; Recover() first
  std::vector<std::tuple<int64_t, std::string, int64_t>> blobs;
  int64_t total = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cas_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string key = it->key().ToString();
      std::string last;
      const int64_t when =
          db_->Get(rocksdb::ReadOptions(), access_, key, &last).ok() ? std::atoll(last.c_str()) : 0;
      const int64_t size = static_cast<int64_t>(it->value().size());
      blobs.emplace_back(when, key, size);
      total += size;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scanning the CAS");
  }
  std::sort(blobs.begin(), blobs.end());
  std::set<std::string> removed;
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  for (const auto& [when, key, size] : blobs) {
    if (total <= max_bytes) break;
    std::lock_guard<std::mutex> lock(repair_mu_);
    if (read_only_) break;
    rocksdb::PinnableSlice existing;
    if (!db_->Get(rocksdb::ReadOptions(), cas_, key, &existing).ok()) continue;  // already gone
    if (auto s = db_->Delete(w, cas_, key); !s.ok()) return WriteFailed(s, "evicting a blob");
    db_->Delete(w, access_, key);
    blob_bytes_ -= static_cast<int64_t>(existing.size());
    --blob_count_;
    removed.insert(key);
    total -= size;
  }
  if (removed.empty()) return 0;
  DropHot();
  // Drop the action results that referenced an evicted blob.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), ac_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::ActionResult result;
    result.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()));
    for (const v1::OutputFile& f : result.output_files()) {
      if (removed.count(DigestKey(f.digest()))) {
        std::lock_guard<std::mutex> lock(repair_mu_);
        if (read_only_) break;
        if (db_->Delete(w, ac_, it->key()).ok()) --action_results_;
        db_->Delete(w, access_, it->key());
        break;
      }
    }
  }
  DropHot();  // again: results found complete during the scan
  evictions_ += static_cast<int64_t>(removed.size());
  return static_cast<int64_t>(removed.size());
}

}  // namespace ttc::cache
