#include "cache/artifact_store.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cache/digest.h"

namespace ttc::cache {

absl::Status VerifyBlob(const v1::Digest& digest, std::string_view data) {
  if (!IsWellFormed(digest)) {
    return absl::InvalidArgumentError(absl::StrCat("malformed digest '", digest.hash(), "/", digest.size_bytes(),
                                                   "': expected 64 lowercase hex characters and a size"));
  }
  const v1::Digest actual = DigestOf(data);
  if (actual.hash() != digest.hash() || actual.size_bytes() != digest.size_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("digest mismatch: the data is ", DigestKey(actual), ", not ",
                                                   DigestKey(digest)));
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::PutBlob(const v1::Digest& digest, std::string_view data) {
  if (auto st = VerifyBlob(digest, data); !st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  cas_[DigestKey(digest)] = std::string(data);
  return absl::OkStatus();
}

absl::StatusOr<std::string> MemoryStore::GetBlob(const v1::Digest& digest) {
  if (digest.hash() == EmptyDigest().hash() && digest.size_bytes() == 0) return std::string();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cas_.find(DigestKey(digest));
  if (it == cas_.end()) return absl::NotFoundError(absl::StrCat("blob ", DigestKey(digest), " is not stored"));
  return it->second;
}

std::vector<v1::Digest> MemoryStore::FindMissing(const std::vector<v1::Digest>& digests) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::Digest> out;
  for (const v1::Digest& d : digests) {
    const bool empty = d.hash() == EmptyDigest().hash() && d.size_bytes() == 0;
    if (!empty && !cas_.count(DigestKey(d))) out.push_back(d);
  }
  return out;
}

absl::Status MemoryStore::PutActionResult(std::string_view key, const v1::ActionResult& result) {
  std::vector<v1::Digest> blobs;
  for (const v1::OutputFile& f : result.output_files()) blobs.push_back(f.digest());
  if (auto missing = FindMissing(blobs); !missing.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("action result references missing blob ", DigestKey(missing[0])));
  }
  std::lock_guard<std::mutex> lock(mu_);
  ac_[std::string(key)] = result.SerializeAsString();
  return absl::OkStatus();
}

absl::StatusOr<v1::ActionResult> MemoryStore::GetActionResult(std::string_view key) {
  v1::ActionResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ac_.find(std::string(key));
    if (it == ac_.end()) return absl::NotFoundError(absl::StrCat("no action result for ", std::string(key)));
    result.ParseFromString(it->second);
  }
  std::vector<v1::Digest> blobs;
  for (const v1::OutputFile& f : result.output_files()) blobs.push_back(f.digest());
  if (!FindMissing(blobs).empty()) return absl::NotFoundError(absl::StrCat("action result ", std::string(key), " has missing blobs"));
  return result;
}

std::vector<absl::Status> ArtifactStore::PutBlobs(
    const std::vector<std::pair<v1::Digest, std::string_view>>& blobs) {
  std::vector<absl::Status> out;
  out.reserve(blobs.size());
  for (const auto& [digest, data] : blobs) out.push_back(PutBlob(digest, data));
  return out;
}

absl::Status ArtifactStore::PutActionResultWithBlobs(std::string_view key, const v1::ActionResult& result,
                                                     const std::map<std::string, std::string>& files) {
  for (const v1::OutputFile& f : result.output_files()) {
    auto it = files.find(f.path());
    if (it == files.end()) return absl::InvalidArgumentError(absl::StrCat("output file ", f.path(), " has no bytes"));
    if (auto st = VerifyBlob(f.digest(), it->second); !st.ok()) return st;
  }
  for (const v1::OutputFile& f : result.output_files()) {
    if (auto st = PutBlob(f.digest(), files.at(f.path())); !st.ok()) return st;
  }
  return PutActionResult(key, result);
}

}  // namespace ttc::cache
