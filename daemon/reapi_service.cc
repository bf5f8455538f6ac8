#include "daemon/reapi_service.h"

#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cache/digest.h"
#include "common/sha256.h"
#include "daemon/grpc_plumbing.h"
#include "daemon/status_mapping.h"

namespace ttc::daemon {
namespace {

namespace bs = ::google::bytestream;

constexpr char kResultPath[] = "reapi/action_result.pb";
constexpr int64_t kChunkBytes = 64 << 10;
constexpr int kMaxTreePage = 1000;

v1::Digest ToTtc(const reapi::Digest& d) {
  v1::Digest out;
  out.set_hash(d.hash());
  out.set_size_bytes(d.size_bytes());
  return out;
}

reapi::Digest ToReapi(const v1::Digest& d) {
  reapi::Digest out;
  out.set_hash(d.hash());
  out.set_size_bytes(d.size_bytes());
  return out;
}

absl::Status CheckDigest(const reapi::Digest& d, const std::string& field) {
  if (!cache::IsWellFormed(ToTtc(d))) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a SHA-256 digest (hash must be 64 lowercase hex ",
                                                   "digits, size_bytes >= 0), got '", d.hash(), "'/", d.size_bytes()));
  }
  return absl::OkStatus();
}

// SHA256 is the only digest function ttcd stores; UNKNOWN means "inferred from the hash".
absl::Status CheckDigestFunction(reapi::DigestFunction::Value f) {
  if (f == reapi::DigestFunction::UNKNOWN || f == reapi::DigestFunction::SHA256) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("digest_function: ", reapi::DigestFunction::Value_Name(f),
                                                 " is not supported; ttcd stores SHA256 digests only"));
}

void SetStatus(google::rpc::Status* out, const absl::Status& st) {
  out->set_code(static_cast<int32_t>(st.code()));
  out->set_message(std::string(st.message()));
}

grpc::Status Counted(CompileService* counters, const grpc::Status& st) {
  if (counters != nullptr) counters->CountError();
  return st;
}

grpc::Status CountedStatus(CompileService* counters, const absl::Status& st) { return Counted(counters, ToGrpc(st)); }

grpc::Status CheckCount(const ReapiContext& c, const char* field, int count) {
  if (count <= c.limits.max_batch_digests) return grpc::Status::OK;
  return Invalid(absl::StrCat(field, ": ", count, " entries, over the batch limit of ", c.limits.max_batch_digests,
                              " (max_batch_digests); split the call"));
}

// The digest a ByteStream resource name addresses: `[instance/...]blobs/{hash}/{size}` for a
// read, `[instance/...]uploads/{uuid}/blobs/{hash}/{size}[/metadata...]` for a write.
absl::StatusOr<reapi::Digest> ParseResourceName(const std::string& name, bool write) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == "compressed-blobs") {
      return absl::UnimplementedError(absl::StrCat("resource_name '", name, "': ttcd stores no compressed blobs"));
    }
    if (parts[i] != "blobs") continue;
    if (write && (i < 2 || parts[i - 2] != "uploads")) break;
    if (i + 2 >= parts.size()) break;
    reapi::Digest d;
    int64_t size = 0;
    if (!absl::SimpleAtoi(parts[i + 2], &size)) break;
    d.set_hash(parts[i + 1]);
    d.set_size_bytes(size);
    if (auto st = CheckDigest(d, "resource_name"); !st.ok()) return st;
    return d;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "resource_name '", name, "' is not ",
      write ? "{instance}/uploads/{uuid}/blobs/{hash}/{size}" : "{instance}/blobs/{hash}/{size}"));
}

// Every CAS blob `result` points at.
std::vector<reapi::Digest> ReferencedBlobs(const reapi::ActionResult& r) {
  std::vector<reapi::Digest> out;
  for (const auto& f : r.output_files()) out.push_back(f.digest());
  for (const auto& d : r.output_directories()) {
    if (d.has_tree_digest()) out.push_back(d.tree_digest());
  }
  if (r.has_stdout_digest()) out.push_back(r.stdout_digest());
  if (r.has_stderr_digest()) out.push_back(r.stderr_digest());
  return out;
}

}  // namespace

std::string ReapiActionCacheKey(const reapi::Digest& action_digest) {
  return Sha256Hex(absl::StrCat("reapi/v2/action-result ", action_digest.hash(), "/", action_digest.size_bytes()));
}

// --- Capabilities ---------------------------------------------------------------------------

grpc::ServerUnaryReactor* ReapiCapabilitiesService::GetCapabilities(grpc::CallbackServerContext* ctx,
                                                                    const reapi::GetCapabilitiesRequest* /*req*/,
                                                                    reapi::ServerCapabilities* resp) {
  Principal who;
  if (auto st = Admit(c_.gate, ctx, "/build.bazel.remote.execution.v2.Capabilities/GetCapabilities", kAnyRole, &who);
      !st.ok()) {
    return Answer(ctx, st);
  }
  auto* cache = resp->mutable_cache_capabilities();
  cache->add_digest_functions(reapi::DigestFunction::SHA256);
  cache->mutable_action_cache_update_capabilities()->set_update_enabled(
      c_.gate == nullptr || (who.roles & (kRoleAgent | kRoleAdmin)) != 0);
  cache->set_max_batch_total_size_bytes(c_.limits.max_batch_bytes);
  cache->set_max_cas_blob_size_bytes(c_.limits.max_blob_bytes);
  cache->set_symlink_absolute_path_strategy(reapi::SymlinkAbsolutePathStrategy::ALLOWED);
  for (auto* v : {resp->mutable_low_api_version(), resp->mutable_high_api_version()}) {
    v->set_major(2);
    v->set_minor(0);
  }
  return Answer(ctx, grpc::Status::OK);
}

// --- ActionCache ----------------------------------------------------------------------------

grpc::ServerUnaryReactor* ReapiActionCacheService::GetActionResult(grpc::CallbackServerContext* ctx,
                                                                   const reapi::GetActionResultRequest* req,
                                                                   reapi::ActionResult* resp) {
  if (auto st = Admit(c_.gate, ctx, "/build.bazel.remote.execution.v2.ActionCache/GetActionResult", kAnyRole);
      !st.ok()) {
    return Answer(ctx, st);
  }
  absl::Status bad = CheckDigest(req->action_digest(), "action_digest");
  if (bad.ok()) bad = CheckDigestFunction(req->digest_function());
  if (!bad.ok()) return Answer(ctx, CountedStatus(c_.counters, bad));
  return AnswerOnPool<reapi::ActionResult>(
      c_.io_pool, c_.counters, resp,
      [this, req](reapi::ActionResult* r, const std::function<bool()>&) -> grpc::Status {
        const std::string key = ReapiActionCacheKey(req->action_digest());
        auto stored = c_.store->GetActionResult(key);
        if (!stored.ok()) return ToGrpc(AsMissingIfCorrupt(stored.status()));
        for (const v1::OutputFile& f : stored->output_files()) {
          if (f.path() != kResultPath) continue;
          auto bytes = c_.store->GetBlob(f.digest());
          if (!bytes.ok()) return ToGrpc(AsMissingIfCorrupt(bytes.status()));
          if (!r->ParseFromString(*bytes)) {
            return grpc::Status(grpc::StatusCode::NOT_FOUND, "the stored action result does not parse");
          }
          return grpc::Status::OK;
        }
        return grpc::Status(grpc::StatusCode::NOT_FOUND, "no REAPI action result under this digest");
      },
      ctx);
}

grpc::ServerUnaryReactor* ReapiActionCacheService::UpdateActionResult(grpc::CallbackServerContext* ctx,
                                                                      const reapi::UpdateActionResultRequest* req,
                                                                      reapi::ActionResult* resp) {
  if (auto st = Admit(c_.gate, ctx, "/build.bazel.remote.execution.v2.ActionCache/UpdateActionResult",
                      kRoleAgent | kRoleAdmin);
      !st.ok()) {
    return Answer(ctx, st);
  }
  absl::Status bad = CheckDigest(req->action_digest(), "action_digest");
  if (bad.ok()) bad = CheckDigestFunction(req->digest_function());
  const std::vector<reapi::Digest> blobs = ReferencedBlobs(req->action_result());
  for (size_t i = 0; bad.ok() && i < blobs.size(); ++i) bad = CheckDigest(blobs[i], "action_result: a referenced digest");
  if (!bad.ok()) return Answer(ctx, CountedStatus(c_.counters, bad));
  return AnswerOnPool<reapi::ActionResult>(
      c_.io_pool, c_.counters, resp,
      [this, req, blobs](reapi::ActionResult* r, const std::function<bool()>&) -> grpc::Status {
        std::string bytes;
        req->action_result().SerializeToString(&bytes);
        const v1::Digest result_digest = cache::DigestOf(bytes);
        if (auto st = c_.store->PutBlob(result_digest, bytes); !st.ok()) return CountedStatus(c_.counters, st);
        v1::ActionResult entry;
        auto* self = entry.add_output_files();
        self->set_path(kResultPath);
        *self->mutable_digest() = result_digest;
        std::set<std::string> seen;
        for (const reapi::Digest& d : blobs) {
          const v1::Digest t = ToTtc(d);
          if (!seen.insert(cache::DigestKey(t)).second) continue;
          auto* f = entry.add_output_files();
          f->set_path(absl::StrCat("reapi/blobs/", cache::DigestKey(t)));
          *f->mutable_digest() = t;
        }
        entry.set_success(true);
        absl::Status st = c_.store->PutActionResult(ReapiActionCacheKey(req->action_digest()), entry);
        if (!st.ok()) return CountedStatus(c_.counters, st);  // FAILED_PRECONDITION names the missing blob
        *r = req->action_result();
        return grpc::Status::OK;
      },
      ctx);
}

// --- ContentAddressableStorage --------------------------------------------------------------

grpc::ServerUnaryReactor* ReapiCasService::FindMissingBlobs(grpc::CallbackServerContext* ctx,
                                                            const reapi::FindMissingBlobsRequest* req,
                                                            reapi::FindMissingBlobsResponse* resp) {
  if (auto st = Admit(c_.gate, ctx, "/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs",
                      kAnyRole);
      !st.ok()) {
    return Answer(ctx, st);
  }
  if (auto st = CheckCount(c_, "blob_digests", req->blob_digests_size()); !st.ok()) return Answer(ctx, Counted(c_.counters, st));
  absl::Status bad = CheckDigestFunction(req->digest_function());
  for (int i = 0; bad.ok() && i < req->blob_digests_size(); ++i) {
    bad = CheckDigest(req->blob_digests(i), absl::StrCat("blob_digests[", i, "]"));
  }
  if (!bad.ok()) return Answer(ctx, CountedStatus(c_.counters, bad));
  return AnswerOnPool<reapi::FindMissingBlobsResponse>(
      c_.io_pool, c_.counters, resp,
      [this, req](reapi::FindMissingBlobsResponse* r, const std::function<bool()>& cancelled) -> grpc::Status {
        std::vector<v1::Digest> digests;
        for (const auto& d : req->blob_digests()) digests.push_back(ToTtc(d));
        if (cancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client");
        for (const v1::Digest& d : c_.store->FindMissing(digests)) *r->add_missing_blob_digests() = ToReapi(d);
        return grpc::Status::OK;
      },
      ctx);
}

grpc::ServerUnaryReactor* ReapiCasService::BatchUpdateBlobs(grpc::CallbackServerContext* ctx,
                                                            const reapi::BatchUpdateBlobsRequest* req,
                                                            reapi::BatchUpdateBlobsResponse* resp) {
  if (auto st = Admit(c_.gate, ctx, "/build.bazel.remote.execution.v2.ContentAddressableStorage/BatchUpdateBlobs",
                      kAnyRole);
      !st.ok()) {
    return Answer(ctx, st);
  }
  if (auto st = CheckCount(c_, "requests", req->requests_size()); !st.ok()) return Answer(ctx, Counted(c_.counters, st));
  if (auto bad = CheckDigestFunction(req->digest_function()); !bad.ok()) {
    return Answer(ctx, CountedStatus(c_.counters, bad));
  }
  int64_t total = 0;
  for (const auto& q : req->requests()) total += static_cast<int64_t>(q.data().size());
  if (total > c_.limits.max_batch_bytes) {
    return Answer(ctx, Counted(c_.counters, Invalid(absl::StrCat("requests: ", total, " bytes, over max_batch_total_size_bytes (",
                                                                 c_.limits.max_batch_bytes, "); use ByteStream.Write"))));
  }
  return AnswerOnPool<reapi::BatchUpdateBlobsResponse>(
      c_.io_pool, c_.counters, resp,
      [this, req](reapi::BatchUpdateBlobsResponse* r, const std::function<bool()>&) -> grpc::Status {
        std::vector<std::pair<v1::Digest, std::string_view>> blobs;
        std::vector<absl::Status> status(req->requests_size());
        std::vector<int> index;
        for (int i = 0; i < req->requests_size(); ++i) {
          const auto& q = req->requests(i);
          status[i] = CheckDigest(q.digest(), absl::StrCat("requests[", i, "].digest"));
          if (status[i].ok() && q.compressor() != reapi::Compressor::IDENTITY) {
            status[i] = absl::InvalidArgumentError(absl::StrCat("requests[", i, "].compressor: ttcd takes no compressed blobs"));
          }
          if (!status[i].ok()) continue;
          blobs.emplace_back(ToTtc(q.digest()), q.data());
          index.push_back(i);
        }
        std::vector<absl::Status> stored = c_.store->PutBlobs(blobs);
        for (size_t k = 0; k < stored.size(); ++k) status[index[k]] = std::move(stored[k]);
        for (int i = 0; i < req->requests_size(); ++i) {
          auto* out = r->add_responses();
          *out->mutable_digest() = req->requests(i).digest();
          SetStatus(out->mutable_status(), status[i]);
        }
        return grpc::Status::OK;
      },
      ctx);
}

grpc::ServerUnaryReactor* ReapiCasService::BatchReadBlobs(grpc::CallbackServerContext* ctx,
                                                          const reapi::BatchReadBlobsRequest* req,
                                                          reapi::BatchReadBlobsResponse* resp) {
  if (auto st = Admit(c_.gate, ctx, "/build.bazel.remote.execution.v2.ContentAddressableStorage/BatchReadBlobs",
                      kAnyRole);
      !st.ok()) {
    return Answer(ctx, st);
  }
  if (auto st = CheckCount(c_, "digests", req->digests_size()); !st.ok()) return Answer(ctx, Counted(c_.counters, st));
  absl::Status bad = CheckDigestFunction(req->digest_function());
  int64_t total = 0;
  for (int i = 0; bad.ok() && i < req->digests_size(); ++i) {
    bad = CheckDigest(req->digests(i), absl::StrCat("digests[", i, "]"));
    total += req->digests(i).size_bytes();
  }
  if (bad.ok() && total > c_.limits.max_batch_bytes) {
    bad = absl::InvalidArgumentError(absl::StrCat("digests: ", total, " bytes, over max_batch_total_size_bytes (",
                                                  c_.limits.max_batch_bytes, "); use ByteStream.Read"));
  }
  if (!bad.ok()) return Answer(ctx, CountedStatus(c_.counters, bad));
  return AnswerOnPool<reapi::BatchReadBlobsResponse>(
      c_.io_pool, c_.counters, resp,
      [this, req](reapi::BatchReadBlobsResponse* r, const std::function<bool()>& cancelled) -> grpc::Status {
        for (const auto& d : req->digests()) {
          if (cancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client");
          auto* out = r->add_responses();
          *out->mutable_digest() = d;
          auto bytes = c_.store->GetBlob(ToTtc(d));
          if (bytes.ok()) {
            out->set_data(std::move(*bytes));
            SetStatus(out->mutable_status(), absl::OkStatus());
          } else {
            SetStatus(out->mutable_status(), AsMissingIfCorrupt(bytes.status()));
          }
        }
        return grpc::Status::OK;
      },
      ctx);
}

namespace {

// GetTree: the directories are read on the I/O pool, then sent page by page.
class TreeWriter final : public grpc::ServerWriteReactor<reapi::GetTreeResponse> {
 public:
  TreeWriter(const ReapiContext& c, const reapi::GetTreeRequest& req, Gate::StreamSlot slot) : slot_(std::move(slot)) {
    absl::Status st = CheckDigest(req.root_digest(), "root_digest");
    if (st.ok()) st = CheckDigestFunction(req.digest_function());
    int64_t offset = 0;
    if (st.ok() && !req.page_token().empty() && (!absl::SimpleAtoi(req.page_token(), &offset) || offset < 0)) {
      st = absl::InvalidArgumentError(absl::StrCat("page_token: '", req.page_token(), "' is not one ttcd gave"));
    }
    page_ = req.page_size() > 0 ? std::min(req.page_size(), kMaxTreePage) : kMaxTreePage;
    if (!st.ok()) {
      Finish(CountedStatus(c.counters, st));
      return;
    }
    auto walk = [this, c, root = req.root_digest(), offset] {
      // Breadth first; each directory once.
      std::deque<reapi::Digest> todo = {root};
      std::set<std::string> seen;
      while (!todo.empty()) {
        const reapi::Digest d = todo.front();
        todo.pop_front();
        if (!seen.insert(cache::DigestKey(ToTtc(d))).second) continue;
        auto bytes = c.store->GetBlob(ToTtc(d));
        reapi::Directory dir;
        if (!bytes.ok() || !dir.ParseFromString(*bytes)) {
          // The root missing is NOT_FOUND; a missing child is left out (REAPI: the server
          // returns what it has).
          if (todo.empty() && dirs_.empty()) {
            Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat("directory ", d.hash(), "/", d.size_bytes(), " is not in the CAS")));
            return;
          }
          continue;
        }
        for (const auto& child : dir.directories()) todo.push_back(child.digest());
        dirs_.push_back(std::move(dir));
      }
      pos_ = static_cast<size_t>(std::min<int64_t>(offset, static_cast<int64_t>(dirs_.size())));
      Next();
    };
    if (c.io_pool == nullptr) {
      walk();
    } else if (!c.io_pool->TrySubmit(walk)) {
      Finish(Counted(c.counters, IoQueueFull(*c.io_pool)));
    }
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the reader went away"));
    if (last_) return Finish(grpc::Status::OK);
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    msg_.Clear();
    const size_t end = std::min(dirs_.size(), pos_ + static_cast<size_t>(page_));
    for (size_t i = pos_; i < end; ++i) *msg_.add_directories() = dirs_[i];
    pos_ = end;
    last_ = pos_ >= dirs_.size();
    if (!last_) msg_.set_next_page_token(std::to_string(pos_));
    StartWrite(&msg_);
  }
  Gate::StreamSlot slot_;
  std::vector<reapi::Directory> dirs_;
  size_t pos_ = 0;
  int page_ = kMaxTreePage;
  bool last_ = false;
  reapi::GetTreeResponse msg_;
};

class ByteReader final : public grpc::ServerWriteReactor<bs::ReadResponse> {
 public:
  ByteReader(const ReapiContext& c, const bs::ReadRequest& req, Gate::StreamSlot slot) : slot_(std::move(slot)) {
    auto digest = ParseResourceName(req.resource_name(), /*write=*/false);
    absl::Status st = digest.status();
    if (st.ok() && (req.read_offset() < 0 || req.read_offset() > digest->size_bytes())) {
      st = absl::OutOfRangeError(absl::StrCat("read_offset: ", req.read_offset(), " is outside the blob's ",
                                              digest->size_bytes(), " bytes"));
    }
    if (st.ok() && req.read_limit() < 0) st = absl::InvalidArgumentError("read_limit: negative");
    if (!st.ok()) {
      Finish(CountedStatus(c.counters, st));
      return;
    }
    auto read = [this, c, d = *digest, offset = req.read_offset(), limit = req.read_limit()] {
      auto bytes = c.store->GetBlob(ToTtc(d));
      if (!bytes.ok()) return Finish(ToGrpc(AsMissingIfCorrupt(bytes.status())));
      data_ = std::move(*bytes);
      pos_ = static_cast<size_t>(offset);
      end_ = limit > 0 ? std::min(data_.size(), pos_ + static_cast<size_t>(limit)) : data_.size();
      Next();
    };
    if (c.io_pool == nullptr) {
      read();
    } else if (!c.io_pool->TrySubmit(read)) {
      Finish(Counted(c.counters, IoQueueFull(*c.io_pool)));
    }
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the reader went away"));
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (pos_ >= end_) return Finish(grpc::Status::OK);
    const size_t n = std::min(end_ - pos_, static_cast<size_t>(kChunkBytes));
    msg_.set_data(data_.substr(pos_, n));
    pos_ += n;
    StartWrite(&msg_);
  }
  Gate::StreamSlot slot_;
  std::string data_;
  size_t pos_ = 0, end_ = 0;
  bs::ReadResponse msg_;
};

class ByteWriter final : public grpc::ServerReadReactor<bs::WriteRequest> {
 public:
  ByteWriter(const ReapiContext& c, bs::WriteResponse* resp, Gate::StreamSlot slot)
      : c_(c), resp_(resp), slot_(std::move(slot)) {
    StartRead(&msg_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      if (!finished_) return Fail(absl::InvalidArgumentError("the stream ended before a request with finish_write"));
      return;
    }
    if (finished_) return Fail(absl::InvalidArgumentError("a request after finish_write"));
    if (!started_) {
      started_ = true;
      auto digest = ParseResourceName(msg_.resource_name(), /*write=*/true);
      if (!digest.ok()) return Fail(digest.status());
      digest_ = ToTtc(*digest);
      if (digest_.size_bytes() > c_.limits.max_blob_bytes) {
        return Fail(absl::ResourceExhaustedError(absl::StrCat("resource_name: a blob of ", digest_.size_bytes(),
                                                              " bytes is over max_blob_bytes (", c_.limits.max_blob_bytes, ")")));
      }
      data_.reserve(static_cast<size_t>(std::min<int64_t>(digest_.size_bytes(), 64 << 20)));
    }
    if (msg_.write_offset() != static_cast<int64_t>(data_.size())) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("write_offset: ", msg_.write_offset(), ", expected ",
                                                          data_.size(), " (ttcd keeps no partial uploads)")));
    }
    data_ += msg_.data();
    if (static_cast<int64_t>(data_.size()) > digest_.size_bytes()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat("data: more bytes than the resource name's size (",
                                                          digest_.size_bytes(), ")")));
    }
    if (!msg_.finish_write()) return StartRead(&msg_);
    finished_ = true;
    auto store = [this] {
      absl::Status st = c_.store->PutBlob(digest_, data_);
      if (!st.ok()) return Fail(st);
      resp_->set_committed_size(static_cast<int64_t>(data_.size()));
      Finish(grpc::Status::OK);
    };
    if (c_.io_pool == nullptr) {
      store();
    } else if (!c_.io_pool->TrySubmit(store)) {
      Finish(Counted(c_.counters, IoQueueFull(*c_.io_pool)));
    }
  }
  void OnDone() override { delete this; }

 private:
  void Fail(const absl::Status& st) {
    finished_ = true;
    Finish(CountedStatus(c_.counters, st));
  }
  ReapiContext c_;
  bs::WriteResponse* resp_;
  Gate::StreamSlot slot_;
  bs::WriteRequest msg_;
  bool started_ = false, finished_ = false;
  v1::Digest digest_;
  std::string data_;
};

}  // namespace

grpc::ServerWriteReactor<reapi::GetTreeResponse>* ReapiCasService::GetTree(grpc::CallbackServerContext* ctx,
                                                                           const reapi::GetTreeRequest* req) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(c_.gate, ctx, "/build.bazel.remote.execution.v2.ContentAddressableStorage/GetTree",
                            kAnyRole, &slot);
      !st.ok()) {
    return new RefusedStream<grpc::ServerWriteReactor<reapi::GetTreeResponse>>(st);
  }
  return new TreeWriter(c_, *req, std::move(slot));
}

// --- ByteStream -----------------------------------------------------------------------------

grpc::ServerWriteReactor<bs::ReadResponse>* ByteStreamService::Read(grpc::CallbackServerContext* ctx,
                                                                    const bs::ReadRequest* req) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(c_.gate, ctx, "/google.bytestream.ByteStream/Read", kAnyRole, &slot); !st.ok()) {
    return new RefusedStream<grpc::ServerWriteReactor<bs::ReadResponse>>(st);
  }
  return new ByteReader(c_, *req, std::move(slot));
}

grpc::ServerReadReactor<bs::WriteRequest>* ByteStreamService::Write(grpc::CallbackServerContext* ctx,
                                                                    bs::WriteResponse* resp) {
  Gate::StreamSlot slot;
  if (auto st = AdmitStream(c_.gate, ctx, "/google.bytestream.ByteStream/Write", kAnyRole, &slot); !st.ok()) {
    return new RefusedStream<grpc::ServerReadReactor<bs::WriteRequest>>(st);
  }
  return new ByteWriter(c_, resp, std::move(slot));
}

grpc::ServerUnaryReactor* ByteStreamService::QueryWriteStatus(grpc::CallbackServerContext* ctx,
                                                              const bs::QueryWriteStatusRequest* req,
                                                              bs::QueryWriteStatusResponse* resp) {
  if (auto st = Admit(c_.gate, ctx, "/google.bytestream.ByteStream/QueryWriteStatus", kAnyRole); !st.ok()) {
    return Answer(ctx, st);
  }
  auto digest = ParseResourceName(req->resource_name(), /*write=*/true);
  if (!digest.ok()) return Answer(ctx, CountedStatus(c_.counters, digest.status()));
  return AnswerOnPool<bs::QueryWriteStatusResponse>(
      c_.io_pool, c_.counters, resp,
      [this, d = *digest](bs::QueryWriteStatusResponse* r, const std::function<bool()>&) -> grpc::Status {
        const bool stored = c_.store->FindMissing({ToTtc(d)}).empty();
        r->set_complete(stored);
        r->set_committed_size(stored ? d.size_bytes() : 0);
        return grpc::Status::OK;
      },
      ctx);
}

}  // namespace ttc::daemon
