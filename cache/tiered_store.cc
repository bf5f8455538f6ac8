#include "cache/tiered_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "spdlog/spdlog.h"

namespace ttc::cache {

namespace {

bool IsEmptyBlob(const v1::Digest& d) { return d.hash() == EmptyDigest().hash() && d.size_bytes() == 0; }

}  // namespace

TieredStore::TieredStore(ArtifactStore* local, std::unique_ptr<RedisClient> remote, int64_t write_queue_bytes)
    : local_(local), remote_(std::move(remote)), write_queue_bytes_(write_queue_bytes) {
  writer_ = std::thread([this] { WriterLoop(); });
}

TieredStore::~TieredStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

std::string TieredStore::BlobKey(const v1::Digest& digest) {
  return absl::StrCat(kRemoteKeyPrefix, "cas:", digest.hash(), "/", digest.size_bytes());
}

std::string TieredStore::ActionKey(std::string_view key) { return absl::StrCat(kRemoteKeyPrefix, "ac:", std::string(key)); }

void TieredStore::Enqueue(std::string key, std::optional<std::string> value) {
  const int64_t bytes = static_cast<int64_t>(key.size() + (value ? value->size() : 0));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queued_bytes_ + bytes > write_queue_bytes_) {
      dropped_.fetch_add(1);
      return;
    }
    queued_bytes_ += bytes;
    queue_.push_back(Write{std::move(key), std::move(value)});
  }
  cv_.notify_all();
}

void TieredStore::QueueBlob(const v1::Digest& digest, std::string_view data) {
  if (IsEmptyBlob(digest)) return;  // always present, never stored
  Enqueue(BlobKey(digest), std::string(data));
}

void TieredStore::QueueResult(std::string_view key, const v1::ActionResult& result) {
  v1::ActionResult bound = result;
  bound.set_action_key(std::string(key));
  std::string bytes;
  bound.SerializeToString(&bytes);
  Enqueue(ActionKey(key), std::move(bytes));
}

void TieredStore::WriterLoop() {
  while (true) {
    Write w;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      w = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
    }
    const absl::Status st = w.value ? remote_->Set(w.key, *w.value) : remote_->Delete(w.key);
    if (st.ok()) {
      writes_.fetch_add(1);
    } else {
      dropped_.fetch_add(1);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_bytes_ -= static_cast<int64_t>(w.key.size() + (w.value ? w.value->size() : 0));
      writing_ = false;
    }
    cv_.notify_all();
  }
}

bool TieredStore::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !writing_; });
}

absl::Status TieredStore::PutBlob(const v1::Digest& digest, std::string_view data) {
  absl::Status st = local_->PutBlob(digest, data);
  if (st.ok()) QueueBlob(digest, data);
  return st;
}

std::vector<absl::Status> TieredStore::PutBlobs(const std::vector<std::pair<v1::Digest, std::string_view>>& blobs) {
  std::vector<absl::Status> out = local_->PutBlobs(blobs);
  for (size_t i = 0; i < blobs.size() && i < out.size(); ++i) {
    if (out[i].ok()) QueueBlob(blobs[i].first, blobs[i].second);
  }
  return out;
}

absl::StatusOr<std::string> TieredStore::RemoteBlob(const v1::Digest& digest) {
  const std::string key = BlobKey(digest);
  auto bytes = remote_->Get(key);
  if (!bytes.ok()) {
    if (absl::IsNotFound(bytes.status())) misses_.fetch_add(1);
    if (absl::IsDataLoss(bytes.status())) {
      corrupt_.fetch_add(1);
      Enqueue(key, std::nullopt);
    }
    return absl::NotFoundError(absl::StrCat("blob ", DigestKey(digest), " is not stored (", bytes.status().message(), ")"));
  }
  if (auto st = VerifyBlob(digest, *bytes); !st.ok()) {
    corrupt_.fetch_add(1);
    spdlog::warn("msg=\"remote cache value corrupt: not served, deleted\" key={} error=\"{}\"", key, std::string(st.message()));
    Enqueue(key, std::nullopt);
    return absl::NotFoundError(absl::StrCat("blob ", DigestKey(digest), " is not stored (the remote copy is corrupt)"));
  }
  hits_.fetch_add(1);
  if (auto st = local_->PutBlob(digest, *bytes); !st.ok()) {
    spdlog::warn("msg=\"remote cache hit not copied locally\" key={} error=\"{}\"", key, std::string(st.message()));
  }
  return bytes;
}

absl::StatusOr<std::string> TieredStore::GetBlob(const v1::Digest& digest) {
  auto local = local_->GetBlob(digest);
  if (local.ok() || !(absl::IsNotFound(local.status()) || absl::IsDataLoss(local.status()))) return local;
  if (!IsWellFormed(digest)) return local;
  auto remote = RemoteBlob(digest);
  if (!remote.ok()) return local.status();
  return remote;
}

std::vector<v1::Digest> TieredStore::FindMissing(const std::vector<v1::Digest>& digests) {
  std::vector<v1::Digest> missing;
  for (const v1::Digest& d : local_->FindMissing(digests)) {
    if (!IsWellFormed(d) || !RemoteBlob(d).ok()) missing.push_back(d);
  }
  return missing;
}

absl::Status TieredStore::PutActionResult(std::string_view key, const v1::ActionResult& result) {
  absl::Status st = local_->PutActionResult(key, result);
  if (st.ok()) {
    // The blobs the result names go first, so a replica never finds the result without them.
    for (const v1::OutputFile& f : result.output_files()) {
      if (auto bytes = local_->GetBlob(f.digest()); bytes.ok()) QueueBlob(f.digest(), *bytes);
    }
    QueueResult(key, result);
  }
  return st;
}

absl::Status TieredStore::PutActionResultWithBlobs(std::string_view key, const v1::ActionResult& result,
                                                   const std::map<std::string, std::string>& files) {
  absl::Status st = local_->PutActionResultWithBlobs(key, result, files);
  if (st.ok()) {
    for (const v1::OutputFile& f : result.output_files()) {
      if (auto it = files.find(f.path()); it != files.end()) QueueBlob(f.digest(), it->second);
    }
    QueueResult(key, result);
  }
  return st;
}

absl::StatusOr<v1::ActionResult> TieredStore::GetActionResult(std::string_view key) {
  auto local = local_->GetActionResult(key);
  if (local.ok() || !absl::IsNotFound(local.status())) return local;
  const std::string remote_key = ActionKey(key);
  auto bytes = remote_->Get(remote_key);
  if (!bytes.ok()) {
    if (absl::IsNotFound(bytes.status())) misses_.fetch_add(1);
    if (absl::IsDataLoss(bytes.status())) {
      corrupt_.fetch_add(1);
      Enqueue(remote_key, std::nullopt);
    }
    return local.status();
  }
  v1::ActionResult result;
  if (!result.ParseFromString(*bytes) || result.action_key() != key) {
    corrupt_.fetch_add(1);
    spdlog::warn("msg=\"remote cache value corrupt: not served, deleted\" key={} error=\"{}\"", remote_key,
                 result.action_key().empty() ? "unparsable or unbound" : "bound to another key");
    Enqueue(remote_key, std::nullopt);
    return local.status();
  }
  result.clear_action_key();
  // Every blob must verify (each is copied locally on the way); else the result is a miss.
  for (const v1::OutputFile& f : result.output_files()) {
    if (IsEmptyBlob(f.digest())) continue;
    if (local_->FindMissing({f.digest()}).empty()) continue;
    if (!IsWellFormed(f.digest()) || !RemoteBlob(f.digest()).ok()) return local.status();
  }
  if (auto st = local_->PutActionResult(key, result); !st.ok()) {
    spdlog::warn("msg=\"remote cache hit not copied locally\" key={} error=\"{}\"", remote_key, std::string(st.message()));
  }
  hits_.fetch_add(1);
  return result;
}

TieredStore::RemoteStats TieredStore::remote_stats() const {
  RemoteStats s;
  s.hits = hits_.load();
  s.misses = misses_.load();
  s.corrupt = corrupt_.load();
  s.writes = writes_.load();
  s.dropped_writes = dropped_.load();
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.queued_bytes = queued_bytes_;
  }
  s.client = remote_->stats();
  return s;
}

}  // namespace ttc::cache
