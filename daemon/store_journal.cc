#include "daemon/store_journal.h"

#include <utility>

#include <spdlog/spdlog.h>

#include "ir/request_wire.h"

namespace ttc::daemon {

StoreJournal::StoreJournal(cache::JobStore* store) : store_(store), writer_([this] { WriterLoop(); }) {}

StoreJournal::~StoreJournal() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  writer_.join();  // the writer leaves only with nothing queued
}

absl::Status StoreJournal::Put(const v1::Job& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.erase(job.id());  // this state is newer than the queued one
  }
  return store_->Put(job.id(), job.SerializeAsString());
}

absl::Status StoreJournal::PutLazily(const v1::Job& job) {
  std::string bytes = job.SerializeAsString();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queued_.size() < kMaxQueued) {
      queued_[job.id()] = std::move(bytes);
      // Waking the writer costs the caller a system call: only for a full batch, else it
      // comes by itself within kWriteDelay.
      if (queued_.size() == kBatch) cv_.notify_one();
      return absl::OkStatus();
    }
  }
  return store_->Put(job.id(), bytes, /*durable=*/false);  // the writer is behind: write it here
}

absl::Status StoreJournal::Remove(const std::string& job_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queued_.size() < kMaxQueued) {
      queued_[job_id] = std::nullopt;
      if (queued_.size() == kBatch) cv_.notify_one();
      return absl::OkStatus();
    }
  }
  return store_->Delete(job_id);
}

void StoreJournal::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait_for(lock, kWriteDelay, [&] { return stop_ || queued_.size() >= kBatch; });
    if (queued_.empty()) {
      if (stop_) return;  // everything is written
      continue;
    }
    std::map<std::string, std::optional<std::string>> batch;
    batch.swap(queued_);
    writing_ = true;
    lock.unlock();
    WriteBatch(batch);
    lock.lock();
    writing_ = false;
    written_.notify_all();
  }
}

void StoreJournal::WriteBatch(const std::map<std::string, std::optional<std::string>>& batch) {
  for (const auto& [id, bytes] : batch) {
    absl::Status st = bytes ? store_->Put(id, *bytes, /*durable=*/false) : store_->Delete(id);
    if (!st.ok()) spdlog::warn("msg=\"job record not written\" job={} error=\"{}\"", id, std::string(st.message()));
  }
}

void StoreJournal::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (queued_.empty() && !writing_) return;
  cv_.notify_one();
  written_.wait(lock, [&] { return queued_.empty() && !writing_; });
}

absl::StatusOr<std::vector<v1::Job>> StoreJournal::LoadAll() {
  Flush();
  auto rows = store_->List();
  if (!rows.ok()) return rows.status();
  std::vector<v1::Job> out;
  for (const auto& [id, bytes] : *rows) {
    v1::Job job;
    if (!ir::ParseWireMessage(bytes, &job).ok() || job.id() != id) {
      const std::string reason = job.id() != id && !job.id().empty() ? "record of another job" : "does not parse";
      spdlog::error("msg=\"corrupt job record quarantined\" job={} reason=\"{}\" bytes={}", id, reason, bytes.size());
      if (auto st = store_->Quarantine(id, bytes, reason); !st.ok()) return st;
      continue;
    }
    out.push_back(std::move(job));
  }
  return out;
}

}  // namespace ttc::daemon
