#include "client/remote.h"

#include <cstdlib>
#include <filesystem>
#include <set>

#include <toml++/toml.h>

#include "absl/strings/str_cat.h"
#include "cache/artifact_store.h"
#include "cache/digest.h"

namespace ttc::remote {

absl::StatusOr<ServerAddress> ResolveServer(const std::string& flag) {
  if (!flag.empty()) return ServerAddress{flag, "--server"};
  if (const char* env = std::getenv("TTC_SERVER"); env && *env) return ServerAddress{env, "TTC_SERVER"};
  std::string config;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    config = std::string(xdg) + "/ttc/client.toml";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    config = std::string(home) + "/.config/ttc/client.toml";
  }
  if (!config.empty() && std::filesystem::exists(config)) {
    try {
      toml::table t = toml::parse_file(config);
      for (auto&& [key, node] : t) {
        if (key.str() != "server") {
          return absl::InvalidArgumentError(absl::StrCat(config, ":", node.source().begin.line, ":",
                                                         node.source().begin.column, ": key '",
                                                         std::string(key.str()), "': unknown key (known: server)"));
        }
      }
      if (auto server = t["server"].value<std::string>(); server && !server->empty()) {
        return ServerAddress{*server, config};
      }
    } catch (const toml::parse_error& e) {
      return absl::InvalidArgumentError(absl::StrCat(config, ":", e.source().begin.line, ":", e.source().begin.column,
                                                     ": ", std::string(e.description())));
    }
  }
  return ServerAddress{kDefaultServer, "default"};
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

absl::Status FromGrpc(const grpc::Status& st) {
  if (st.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
}

absl::StatusOr<std::map<std::string, std::string>> FetchBlobs(v1::Cas::Stub* cas,
                                                              const std::vector<v1::Digest>& digests,
                                                              std::chrono::system_clock::time_point deadline) {
  std::map<std::string, std::string> out;
  std::set<std::string> seen;
  std::vector<std::vector<v1::Digest>> batches(1);
  std::vector<v1::Digest> big;
  int64_t batch_bytes = 0;
  for (const v1::Digest& d : digests) {
    if (!seen.insert(cache::DigestKey(d)).second) continue;
    if (d.size_bytes() > kBatchBytes) {
      big.push_back(d);
      continue;
    }
    if (batch_bytes + d.size_bytes() > kBatchBytes) {
      batches.emplace_back();
      batch_bytes = 0;
    }
    batches.back().push_back(d);
    batch_bytes += d.size_bytes();
  }
  auto accept = [&](const v1::Digest& d, std::string bytes) -> absl::Status {
    if (auto st = cache::VerifyBlob(d, bytes); !st.ok()) {
      return absl::DataLossError(absl::StrCat("blob ", cache::DigestKey(d), " arrived corrupt: ",
                                              std::string(st.message())));
    }
    out[cache::DigestKey(d)] = std::move(bytes);
    return absl::OkStatus();
  };
  for (const auto& batch : batches) {
    if (batch.empty()) continue;
    v1::BatchReadBlobsRequest req;
    for (const v1::Digest& d : batch) *req.add_digests() = d;
    v1::BatchReadBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    if (auto st = cas->BatchReadBlobs(&ctx, req, &resp); !st.ok()) return FromGrpc(st);
    for (auto& r : *resp.mutable_responses()) {
      if (r.status().code() != 0) {
        return absl::Status(static_cast<absl::StatusCode>(r.status().code()),
                            absl::StrCat("blob ", cache::DigestKey(r.digest()), ": ", r.status().message()));
      }
      if (auto st = accept(r.digest(), std::move(*r.mutable_data())); !st.ok()) return st;
    }
  }
  for (const v1::Digest& d : big) {
    v1::ReadBlobRequest req;
    *req.mutable_digest() = d;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    auto reader = cas->ReadBlob(&ctx, req);
    std::string bytes;
    v1::ReadBlobResponse chunk;
    while (reader->Read(&chunk)) bytes += chunk.data();
    if (auto st = reader->Finish(); !st.ok()) return FromGrpc(st);
    if (auto st = accept(d, std::move(bytes)); !st.ok()) return st;
  }
  return out;
}

absl::StatusOr<int64_t> UploadBlobs(v1::Cas::Stub* cas, const std::map<std::string, std::string>& blobs,
                                    std::chrono::system_clock::time_point deadline) {
  v1::FindMissingBlobsRequest find;
  for (const auto& [key, bytes] : blobs) *find.add_blob_digests() = cache::DigestOf(bytes);
  v1::FindMissingBlobsResponse missing;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    if (auto st = cas->FindMissingBlobs(&ctx, find, &missing); !st.ok()) return FromGrpc(st);
  }
  int64_t uploaded = 0;
  v1::BatchUpdateBlobsRequest batch;
  int64_t batch_bytes = 0;
  auto flush = [&]() -> absl::Status {
    if (batch.requests_size() == 0) return absl::OkStatus();
    v1::BatchUpdateBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    if (auto st = cas->BatchUpdateBlobs(&ctx, batch, &resp); !st.ok()) return FromGrpc(st);
    for (const auto& r : resp.responses()) {
      if (r.status().code() != 0) {
        return absl::Status(static_cast<absl::StatusCode>(r.status().code()),
                            absl::StrCat("blob ", cache::DigestKey(r.digest()), ": ", r.status().message()));
      }
    }
    uploaded += batch.requests_size();
    batch.Clear();
    batch_bytes = 0;
    return absl::OkStatus();
  };
  for (const v1::Digest& d : missing.missing_blob_digests()) {
    const std::string& bytes = blobs.at(cache::DigestKey(d));
    if (d.size_bytes() > kBatchBytes) {
      grpc::ClientContext ctx;
      ctx.set_deadline(deadline);
      v1::WriteBlobResponse resp;
      auto writer = cas->WriteBlob(&ctx, &resp);
      for (int64_t off = 0; off < d.size_bytes() || off == 0; off += 64 << 10) {
        v1::WriteBlobRequest chunk;
        if (off == 0) *chunk.mutable_digest() = d;
        chunk.set_data(bytes.substr(static_cast<size_t>(off), 64 << 10));
        if (!writer->Write(chunk)) break;
      }
      writer->WritesDone();
      if (auto st = writer->Finish(); !st.ok()) return FromGrpc(st);
      ++uploaded;
      continue;
    }
    if (batch_bytes + d.size_bytes() > kBatchBytes) {
      if (auto st = flush(); !st.ok()) return st;
    }
    auto* r = batch.add_requests();
    *r->mutable_digest() = d;
    r->set_data(bytes);
    batch_bytes += d.size_bytes();
  }
  if (auto st = flush(); !st.ok()) return st;
  return uploaded;
}

}  // namespace ttc::remote
