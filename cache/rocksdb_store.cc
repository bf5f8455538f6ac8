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

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const Options& options) {
  std::unique_ptr<RocksDbStore> store(new RocksDbStore());
  store->options_ = options;
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  const rocksdb::ColumnFamilyOptions cf;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {kCas, cf}, {kAc, cf}, {kAccess, cf}, {kJobs, cf}};
  rocksdb::DB* db = nullptr;
  if (auto s = rocksdb::DB::Open(db_options, options.path, families, &store->handles_, &db); !s.ok()) {
    return FromRocks(s, absl::StrCat("opening the artifact store at ", options.path));
  }
  store->db_.reset(db);
  store->cas_ = store->handles_[1];
  store->ac_ = store->handles_[2];
  store->access_ = store->handles_[3];
  store->jobs_ = store->handles_[4];
  // The running counts start from one scan of the CAS and the AC.
  std::unique_ptr<rocksdb::Iterator> it(store->db_->NewIterator(rocksdb::ReadOptions(), store->cas_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    store->blob_bytes_ += static_cast<int64_t>(it->value().size());
    ++store->blob_count_;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the CAS");
  it.reset(store->db_->NewIterator(rocksdb::ReadOptions(), store->ac_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++store->action_results_;
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the action cache");
  return store;
}

RocksDbStore::~RocksDbStore() {
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
}

int64_t RocksDbStore::NowMs() const {
  return options_.now_ms ? options_.now_ms()
                         : std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
}

void RocksDbStore::TouchAll(const std::vector<std::string>& keys) {
  // Last-use times skip the write-ahead log: losing some in a crash only ages entries, and
  // it keeps a cache hit free of log writes (one memtable batch for all its keys).
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
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  const std::string key = DigestKey(digest);
  {
    // Excludes a concurrent corruption check from deleting these freshly verified bytes.
    std::lock_guard<std::mutex> lock(repair_mu_);
    rocksdb::PinnableSlice existing;
    const bool present = db_->Get(rocksdb::ReadOptions(), cas_, key, &existing).ok();
    if (auto st = FromRocks(db_->Put(w, cas_, key, rocksdb::Slice(data.data(), data.size())), "storing a blob");
        !st.ok()) {
      return st;
    }
    if (!present) {
      blob_bytes_ += static_cast<int64_t>(data.size());
      ++blob_count_;
    }
  }
  Touch(key);
  return absl::OkStatus();
}

absl::StatusOr<std::string> RocksDbStore::GetBlob(const v1::Digest& digest) {
  if (IsEmpty(digest)) return std::string();
  const std::string key = DigestKey(digest);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cas_, key, &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("blob ", key, " is not stored"));
  if (!s.ok()) return FromRocks(s, "reading a blob");
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
        Touch(key);
        return current;
      }
      ++corruptions_;
      DropHot();
      rocksdb::WriteOptions w;
      w.sync = options_.sync_writes;
      if (db_->Delete(w, cas_, key).ok()) {
        blob_bytes_ -= static_cast<int64_t>(current.size());
        --blob_count_;
      }
      db_->Delete(w, access_, key);
    }
    return absl::DataLossError(absl::StrCat("blob ", key, " was corrupt in the store; it has been removed"));
  }
  Touch(key);
  return value;
}

std::vector<v1::Digest> RocksDbStore::FindMissing(const std::vector<v1::Digest>& digests) {
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
    if (db_->Get(rocksdb::ReadOptions(), cas_, key, &value).ok()) {
      present.push_back(std::move(key));  // REAPI: a blob a client was told is present should live on
    } else {
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
  if (auto missing = FindMissing(blobs); !missing.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("action result references missing blob ", DigestKey(missing[0])));
  }
  std::string bytes;
  result.SerializeToString(&bytes);
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  {
    std::lock_guard<std::mutex> lock(repair_mu_);
    rocksdb::PinnableSlice existing;
    const bool present = db_->Get(rocksdb::ReadOptions(), ac_, rocksdb::Slice(key.data(), key.size()), &existing).ok();
    if (auto st = FromRocks(db_->Put(w, ac_, rocksdb::Slice(key.data(), key.size()), bytes), "storing an action result");
        !st.ok()) {
      return st;
    }
    if (!present) ++action_results_;
  }
  {
    std::lock_guard<std::mutex> lock(hot_mu_);
    hot_.erase(std::string(key));
  }
  Touch(std::string(key));
  return absl::OkStatus();
}

absl::Status RocksDbStore::PutActionResultWithBlobs(std::string_view key, const v1::ActionResult& result,
                                                    const std::map<std::string, std::string>& files) {
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
  std::string bytes;
  result.SerializeToString(&bytes);
  batch.Put(ac_, rocksdb::Slice(key.data(), key.size()), bytes);
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  {
    std::lock_guard<std::mutex> lock(repair_mu_);
    std::vector<bool> present;
    for (const auto& [bkey, size] : blob_keys) {
      rocksdb::PinnableSlice existing;
      present.push_back(db_->Get(rocksdb::ReadOptions(), cas_, bkey, &existing).ok());
    }
    rocksdb::PinnableSlice existing_ac;
    const bool ac_present =
        db_->Get(rocksdb::ReadOptions(), ac_, rocksdb::Slice(key.data(), key.size()), &existing_ac).ok();
    // Blobs and result in one atomic write: one log sync, and never a result without its blobs.
    if (auto st = FromRocks(db_->Write(w, &batch), "storing an action result and its blobs"); !st.ok()) return st;
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
  std::vector<std::string> touched = {std::string(key)};
  for (const auto& [bkey, size] : blob_keys) touched.push_back(bkey);
  TouchAll(touched);
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
  std::string bytes;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), ac_, rocksdb::Slice(key.data(), key.size()), &bytes);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no action result for ", std::string(key)));
  if (!s.ok()) return FromRocks(s, "reading an action result");
  v1::ActionResult result;
  if (!result.ParseFromString(bytes)) {
    ++corruptions_;
    return absl::DataLossError(absl::StrCat("action result ", std::string(key), " is corrupt"));
  }
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
    rocksdb::PinnableSlice existing;
    if (!db_->Get(rocksdb::ReadOptions(), cas_, key, &existing).ok()) continue;  // already gone
    if (auto st = FromRocks(db_->Delete(w, cas_, key), "evicting a blob"); !st.ok()) return st;
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

absl::Status RocksDbStore::PutJob(const std::string& id, const std::string& bytes) {
  rocksdb::WriteOptions w;
  w.sync = options_.sync_writes;
  return FromRocks(db_->Put(w, jobs_, id, bytes), "storing a job");
}

absl::Status RocksDbStore::Probe() {
  static constexpr char kKey[] = "ttc-health-probe";
  const std::string value = std::to_string(probes_.fetch_add(1) + 1);
  if (auto st = FromRocks(db_->Put(rocksdb::WriteOptions(), handles_[0], kKey, value), "health probe write");
      !st.ok()) {
    return st;
  }
  std::string back;
  if (auto st = FromRocks(db_->Get(rocksdb::ReadOptions(), handles_[0], kKey, &back), "health probe read");
      !st.ok()) {
    return st;
  }
  if (back != value) return absl::DataLossError("health probe: read back a different value than written");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> RocksDbStore::ListJobs() {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), jobs_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(it->key().ToString(), it->value().ToString());
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the jobs");
  return out;
}

}  // namespace ttc::cache
