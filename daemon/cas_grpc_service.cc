#include "daemon/cas_grpc_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "daemon/grpc_plumbing.h"
#include "daemon/status_mapping.h"

namespace ttc::daemon {
namespace {

grpc::Status BlobTooBig(const std::string& field, int64_t size, int64_t limit) {
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      absl::StrCat(field, ": a blob of ", size, " bytes is over max_blob_bytes (", limit, ")"));
}

absl::Status CheckDigest(const v1::Digest& d, const std::string& field) {
  if (!cache::IsWellFormed(d)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a SHA-256 digest (hash must be 64 lowercase hex ",
                                                   "digits, size_bytes >= 0), got '", d.hash(), "'/",
                                                   d.size_bytes()));
  }
  return absl::OkStatus();
}

// A batch whose client cancelled: it stops at the next blob.
grpc::Status CancelledBetweenBlobs() { return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"); }

void SetBlobStatus(v1::BlobStatus* out, const absl::Status& st) {
  out->set_code(static_cast<int32_t>(st.code()));
  out->set_message(std::string(st.message()));
}

grpc::Status CountedError(CompileService* counters, const grpc::Status& st) {
  counters->CountError();
  return st;
}

}  // namespace

grpc::ServerUnaryReactor* CasServiceImpl::GetCapabilities(grpc::CallbackServerContext* ctx,
                                                          const v1::GetCapabilitiesRequest* /*req*/,
                                                          v1::CasCapabilities* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/GetCapabilities", kAnyRole); !st.ok()) return Answer(ctx, st);
  resp->add_digest_functions("SHA256");
  resp->set_max_batch_total_size_bytes(limits_.max_batch_bytes);
  resp->set_max_batch_digests(limits_.max_batch_digests);
  resp->set_max_blob_bytes(limits_.max_blob_bytes);
  resp->set_max_message_bytes(limits_.max_message_bytes);
  resp->set_read_chunk_bytes(kChunkBytes);
  return Answer(ctx, grpc::Status::OK);
}

grpc::Status CasServiceImpl::CheckCount(const char* field, int count) const {
  if (count <= limits_.max_batch_digests) return grpc::Status::OK;
  return Invalid(absl::StrCat(field, ": ", count, " entries, over the batch limit of ", limits_.max_batch_digests,
                              " (max_batch_digests); split the call"));
}

grpc::ServerUnaryReactor* CasServiceImpl::FindMissingBlobs(grpc::CallbackServerContext* ctx,
                                                           const v1::FindMissingBlobsRequest* req,
                                                           v1::FindMissingBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/FindMissingBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  if (auto st = CheckCount("blob_digests", req->blob_digests_size()); !st.ok()) {
    return Answer(ctx, CountedError(counters_, st));
  }
  for (int i = 0; i < req->blob_digests_size(); ++i) {
    if (auto st = CheckDigest(req->blob_digests(i), absl::StrCat("blob_digests[", i, "]")); !st.ok()) {
      return Answer(ctx, CountedError(counters_, ToGrpc(st)));
    }
  }
  return AnswerOnPool<v1::FindMissingBlobsResponse>(
      io_pool_, counters_, resp,
      [this, req](v1::FindMissingBlobsResponse* r, const std::function<bool()>& cancelled) {
        constexpr int kChunk = 1'000;  // digests looked up between cancellation checks
        for (int begin = 0; begin < req->blob_digests_size(); begin += kChunk) {
          if (cancelled()) return CancelledBetweenBlobs();
          const int end = std::min(req->blob_digests_size(), begin + kChunk);
          std::vector<v1::Digest> digests(req->blob_digests().begin() + begin, req->blob_digests().begin() + end);
          for (v1::Digest& d : store_->FindMissing(digests)) *r->add_missing_blob_digests() = std::move(d);
        }
        return grpc::Status::OK;
      }, ctx);
}

grpc::ServerUnaryReactor* CasServiceImpl::BatchUpdateBlobs(grpc::CallbackServerContext* ctx,
                                                           const v1::BatchUpdateBlobsRequest* req,
                                                           v1::BatchUpdateBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/BatchUpdateBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  if (auto st = CheckCount("requests", req->requests_size()); !st.ok()) return Answer(ctx, CountedError(counters_, st));
  int64_t total = 0;
  for (int i = 0; i < req->requests_size(); ++i) {
    const int64_t size = static_cast<int64_t>(req->requests(i).data().size());
    if (size > limits_.max_blob_bytes) {
      return Answer(ctx, CountedError(counters_, BlobTooBig(absl::StrCat("requests[", i, "].data"), size,
                                                            limits_.max_blob_bytes)));
    }
    total += size;
  }
  if (total > limits_.max_batch_bytes) {
    return Answer(ctx, CountedError(counters_, Invalid(absl::StrCat(
                                                   "requests: ", total, " bytes of blobs, over the batch limit of ",
                                                   limits_.max_batch_bytes,
                                                   " (max_batch_total_size_bytes); send large blobs with WriteBlob"))));
  }
  return AnswerOnPool<v1::BatchUpdateBlobsResponse>(
      io_pool_, counters_, resp,
      [this, req](v1::BatchUpdateBlobsResponse* r, const std::function<bool()>& cancelled) {
        // Digests are checked (and hashed, in PutBlobs) one by one; the valid blobs are then
        // written at once: one log sync for the batch.
        std::vector<std::pair<v1::Digest, std::string_view>> blobs;
        std::vector<absl::Status> status(req->requests_size());
        std::vector<int> index;  // entry i of `blobs` is request index[i]
        for (int i = 0; i < req->requests_size(); ++i) {
          if (cancelled()) return CancelledBetweenBlobs();
          const auto& q = req->requests(i);
          status[i] = CheckDigest(q.digest(), absl::StrCat("requests[", i, "].digest"));
          if (!status[i].ok()) continue;
          blobs.emplace_back(q.digest(), q.data());
          index.push_back(i);
        }
        if (cancelled()) return CancelledBetweenBlobs();
        std::vector<absl::Status> stored = store_->PutBlobs(blobs);
        for (size_t k = 0; k < stored.size(); ++k) status[index[k]] = std::move(stored[k]);
        for (int i = 0; i < req->requests_size(); ++i) {
          auto* out = r->add_responses();
          *out->mutable_digest() = req->requests(i).digest();
          SetBlobStatus(out->mutable_status(), status[i]);
        }
        return grpc::Status::OK;
      }, ctx);
}

grpc::ServerUnaryReactor* CasServiceImpl::BatchReadBlobs(grpc::CallbackServerContext* ctx,
                                                         const v1::BatchReadBlobsRequest* req,
                                                         v1::BatchReadBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/BatchReadBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  if (auto st = CheckCount("digests", req->digests_size()); !st.ok()) return Answer(ctx, CountedError(counters_, st));
  int64_t total = 0;
  for (int i = 0; i < req->digests_size(); ++i) {
    if (auto st = CheckDigest(req->digests(i), absl::StrCat("digests[", i, "]")); !st.ok()) {
      return Answer(ctx, CountedError(counters_, ToGrpc(st)));
    }
    total += req->digests(i).size_bytes();
  }
  if (total > limits_.max_batch_bytes) {
    return Answer(ctx, CountedError(counters_, Invalid(absl::StrCat(
                                                   "digests: ", total, " bytes of blobs, over the batch limit of ",
                                                   limits_.max_batch_bytes,
                                                   " (max_batch_total_size_bytes); read large blobs with ReadBlob"))));
  }
  return AnswerOnPool<v1::BatchReadBlobsResponse>(
      io_pool_, counters_, resp,
      [this, req](v1::BatchReadBlobsResponse* r, const std::function<bool()>& cancelled) {
        for (const v1::Digest& d : req->digests()) {
          if (cancelled()) return CancelledBetweenBlobs();
          auto* out = r->add_responses();
          *out->mutable_digest() = d;
          auto bytes = store_->GetBlob(d);
          if (bytes.ok()) {
            out->set_data(std::move(*bytes));
            SetBlobStatus(out->mutable_status(), absl::OkStatus());
          } else {
            // Corrupt bytes are never served: the blob reads as missing (and has been removed).
            SetBlobStatus(out->mutable_status(), AsMissingIfCorrupt(bytes.status()));
          }
        }
        return grpc::Status::OK;
      }, ctx);
}

namespace {

class BlobReader final : public grpc::ServerWriteReactor<v1::ReadBlobResponse> {
 public:
  // The blob is read on `pool`; the stream starts from there (gRPC allows a reactor's first
  // operations before it is bound to the call).
  BlobReader(cache::ArtifactStore* store, CompileService* counters, WorkerPool* pool, const v1::ReadBlobRequest& req,
             Gate::StreamSlot slot)
      : slot_(std::move(slot)) {
    absl::Status st = CheckDigest(req.digest(), "digest");
    if (st.ok() && (req.read_offset() < 0 || req.read_offset() > req.digest().size_bytes())) {
      st = absl::OutOfRangeError(absl::StrCat("read_offset: ", req.read_offset(), " is outside the blob's ",
                                              req.digest().size_bytes(), " bytes"));
    }
    if (!st.ok()) {
      counters->CountError();
      Finish(ToGrpc(st));
      return;
    }
    auto read = [this, store, counters, digest = req.digest(), offset = req.read_offset()] {
      auto bytes = store->GetBlob(digest);
      if (!bytes.ok()) {
        const absl::Status missing = AsMissingIfCorrupt(bytes.status());
        if (!absl::IsNotFound(missing)) counters->CountError();
        Finish(ToGrpc(missing));
        return;
      }
      data_ = std::move(*bytes);
      pos_ = static_cast<size_t>(offset);
      Next();
    };
    if (pool == nullptr) {
      read();
    } else if (!pool->TrySubmit(read)) {
      counters->CountError();
      Finish(IoQueueFull(*pool));
    }
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the reader went away"));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (pos_ >= data_.size()) {
      Finish(grpc::Status::OK);
      return;
    }
    const size_t n = std::min(data_.size() - pos_, static_cast<size_t>(CasServiceImpl::kChunkBytes));
    msg_.set_data(data_.substr(pos_, n));
    pos_ += n;
    StartWrite(&msg_);
  }
  Gate::StreamSlot slot_;
  std::string data_;
  size_t pos_ = 0;
  v1::ReadBlobResponse msg_;
};

class BlobWriter final : public grpc::ServerReadReactor<v1::WriteBlobRequest> {
 public:
  BlobWriter(cache::ArtifactStore* store, CompileService* counters, WorkerPool* pool, v1::WriteBlobResponse* resp,
             int64_t max_blob_bytes, Gate::StreamSlot slot)
      : store_(store), counters_(counters), pool_(pool), resp_(resp), max_blob_bytes_(max_blob_bytes),
        slot_(std::move(slot)) {
    StartRead(&msg_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending (or went away)
      if (!started_) return Fail(absl::InvalidArgumentError("digest: the stream carried no message"));
      auto store = [this] {  // on the I/O pool
        absl::Status st = store_->PutBlob(digest_, data_);
        if (!st.ok()) return Fail(st);
        resp_->set_committed_size(static_cast<int64_t>(data_.size()));
        Finish(grpc::Status::OK);
      };
      if (pool_ == nullptr) {
        store();
      } else if (!pool_->TrySubmit(store)) {
        counters_->CountError();
        Finish(IoQueueFull(*pool_));
      }
      return;
    }
    if (!started_) {
      started_ = true;
      digest_ = msg_.digest();
      if (auto st = CheckDigest(digest_, "digest"); !st.ok()) return Fail(st);
      if (digest_.size_bytes() > max_blob_bytes_) {
        counters_->CountError();
        Finish(BlobTooBig("digest", digest_.size_bytes(), max_blob_bytes_));
        return;
      }
      data_.reserve(static_cast<size_t>(std::min<int64_t>(digest_.size_bytes(), 64 << 20)));
    } else if (msg_.has_digest()) {
      return Fail(absl::InvalidArgumentError("digest: only the first message may name the digest"));
    }
    data_ += msg_.data();
    if (static_cast<int64_t>(data_.size()) > digest_.size_bytes()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("data: more bytes than the digest's size_bytes (",
                                                          digest_.size_bytes(), ")")));
    }
    StartRead(&msg_);
  }
  void OnDone() override { delete this; }

 private:
  void Fail(const absl::Status& st) {
    counters_->CountError();
    Finish(ToGrpc(st));
  }
  cache::ArtifactStore* store_;
  CompileService* counters_;
  WorkerPool* pool_;
  v1::WriteBlobResponse* resp_;
  int64_t max_blob_bytes_;
  Gate::StreamSlot slot_;
  v1::WriteBlobRequest msg_;
  bool started_ = false;
  v1::Digest digest_;
  std::string data_;
};

}  // namespace

grpc::ServerWriteReactor<v1::ReadBlobResponse>* CasServiceImpl::ReadBlob(grpc::CallbackServerContext* ctx,
                                                                         const v1::ReadBlobRequest* req) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(gate_, ctx, "/ttc.v1.Cas/ReadBlob", kRoleSubmit | kRoleAgent, &slot); !st.ok()) {
    return new RefusedStream<grpc::ServerWriteReactor<v1::ReadBlobResponse>>(st);
  }
  return new BlobReader(store_, counters_, io_pool_, *req, std::move(slot));
}

grpc::ServerReadReactor<v1::WriteBlobRequest>* CasServiceImpl::WriteBlob(grpc::CallbackServerContext* ctx,
                                                                         v1::WriteBlobResponse* resp) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(gate_, ctx, "/ttc.v1.Cas/WriteBlob", kRoleSubmit | kRoleAgent, &slot); !st.ok()) {
    return new RefusedStream<grpc::ServerReadReactor<v1::WriteBlobRequest>>(st);
  }
  return new BlobWriter(store_, counters_, io_pool_, resp, limits_.max_blob_bytes, std::move(slot));
}

}  // namespace ttc::daemon
