#include "daemon/cas_grpc_service.h"

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

void SetBlobStatus(v1::BlobStatus* out, const absl::Status& st) {
  out->set_code(static_cast<int32_t>(st.code()));
  out->set_message(std::string(st.message()));
}

}  // namespace

grpc::ServerUnaryReactor* CasServiceImpl::FindMissingBlobs(grpc::CallbackServerContext* ctx,
                                                           const v1::FindMissingBlobsRequest* req,
                                                           v1::FindMissingBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/FindMissingBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  std::vector<v1::Digest> digests;
  for (int i = 0; i < req->blob_digests_size(); ++i) {
    if (auto st = CheckDigest(req->blob_digests(i), absl::StrCat("blob_digests[", i, "]")); !st.ok()) {
      counters_->CountError();
      return Answer(ctx, ToGrpc(st));
    }
    digests.push_back(req->blob_digests(i));
  }
  for (v1::Digest& d : store_->FindMissing(digests)) *resp->add_missing_blob_digests() = std::move(d);
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CasServiceImpl::BatchUpdateBlobs(grpc::CallbackServerContext* ctx,
                                                           const v1::BatchUpdateBlobsRequest* req,
                                                           v1::BatchUpdateBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/BatchUpdateBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  int64_t total = 0;
  for (int i = 0; i < req->requests_size(); ++i) {
    const int64_t size = static_cast<int64_t>(req->requests(i).data().size());
    if (size > max_blob_bytes_) {
      counters_->CountError();
      return Answer(ctx, BlobTooBig(absl::StrCat("requests[", i, "].data"), size, max_blob_bytes_));
    }
    total += size;
  }
  if (total > max_batch_bytes_) {
    counters_->CountError();
    return Answer(ctx, Invalid(absl::StrCat("requests: ", total, " bytes of blobs, over the batch limit of ",
                                            max_batch_bytes_, "; send large blobs with WriteBlob")));
  }
  for (int i = 0; i < req->requests_size(); ++i) {
    const auto& r = req->requests(i);
    auto* out = resp->add_responses();
    *out->mutable_digest() = r.digest();
    absl::Status st = CheckDigest(r.digest(), absl::StrCat("requests[", i, "].digest"));
    if (st.ok()) st = store_->PutBlob(r.digest(), r.data());
    SetBlobStatus(out->mutable_status(), st);
  }
  return Answer(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* CasServiceImpl::BatchReadBlobs(grpc::CallbackServerContext* ctx,
                                                         const v1::BatchReadBlobsRequest* req,
                                                         v1::BatchReadBlobsResponse* resp) {
  if (auto st = Admit(gate_, ctx, "/ttc.v1.Cas/BatchReadBlobs", kRoleSubmit | kRoleAgent); !st.ok()) return Answer(ctx, st);
  int64_t total = 0;
  for (int i = 0; i < req->digests_size(); ++i) {
    if (auto st = CheckDigest(req->digests(i), absl::StrCat("digests[", i, "]")); !st.ok()) {
      counters_->CountError();
      return Answer(ctx, ToGrpc(st));
    }
    total += req->digests(i).size_bytes();
  }
  if (total > max_batch_bytes_) {
    counters_->CountError();
    return Answer(ctx, Invalid(absl::StrCat("digests: ", total, " bytes of blobs, over the batch limit of ",
                                            max_batch_bytes_, "; read large blobs with ReadBlob")));
  }
  for (const v1::Digest& d : req->digests()) {
    auto* out = resp->add_responses();
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
  return Answer(ctx, grpc::Status::OK);
}

namespace {

class BlobReader final : public grpc::ServerWriteReactor<v1::ReadBlobResponse> {
 public:
  BlobReader(cache::ArtifactStore* store, CompileService* counters, const v1::ReadBlobRequest& req,
             Gate::StreamSlot slot)
      : slot_(std::move(slot)) {
    absl::Status st = CheckDigest(req.digest(), "digest");
    if (st.ok() && (req.read_offset() < 0 || req.read_offset() > req.digest().size_bytes())) {
      st = absl::OutOfRangeError(absl::StrCat("read_offset: ", req.read_offset(), " is outside the blob's ",
                                              req.digest().size_bytes(), " bytes"));
    }
    if (st.ok()) {
      auto bytes = store->GetBlob(req.digest());
      if (bytes.ok()) {
        data_ = std::move(*bytes);
        pos_ = static_cast<size_t>(req.read_offset());
      } else {
        st = AsMissingIfCorrupt(bytes.status());
      }
    }
    if (!st.ok()) {
      if (!absl::IsNotFound(st)) counters->CountError();
      Finish(ToGrpc(st));
      return;
    }
    Next();
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
  BlobWriter(cache::ArtifactStore* store, CompileService* counters, v1::WriteBlobResponse* resp,
             int64_t max_blob_bytes, Gate::StreamSlot slot)
      : store_(store), counters_(counters), resp_(resp), max_blob_bytes_(max_blob_bytes), slot_(std::move(slot)) {
    StartRead(&msg_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending (or went away)
      if (!started_) return Fail(absl::InvalidArgumentError("digest: the stream carried no message"));
      absl::Status st = store_->PutBlob(digest_, data_);
      if (!st.ok()) return Fail(st);
      resp_->set_committed_size(static_cast<int64_t>(data_.size()));
      Finish(grpc::Status::OK);
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
  return new BlobReader(store_, counters_, *req, std::move(slot));
}

grpc::ServerReadReactor<v1::WriteBlobRequest>* CasServiceImpl::WriteBlob(grpc::CallbackServerContext* ctx,
                                                                         v1::WriteBlobResponse* resp) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(gate_, ctx, "/ttc.v1.Cas/WriteBlob", kRoleSubmit | kRoleAgent, &slot); !st.ok()) {
    return new RefusedStream<grpc::ServerReadReactor<v1::WriteBlobRequest>>(st);
  }
  return new BlobWriter(store_, counters_, resp, max_blob_bytes_, std::move(slot));
}

}  // namespace ttc::daemon
