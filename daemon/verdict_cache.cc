#include "daemon/verdict_cache.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "common/key_text.h"
#include "ir/request_wire.h"

namespace ttc::daemon {
namespace {

constexpr char kVerdictFile[] = "verdict.pb";

}  // namespace

std::string VerdictKey(const std::string& action_key, const v1::JobSpec& spec) {
  std::string text;
  AppendKeyField(&text, "ttc-verdict-v1");
  AppendKeyField(&text, action_key);
  AppendKeyField(&text, spec.backend().empty() ? "emulator" : spec.backend());
  AppendKeyField(&text, spec.arch());
  AppendKeyField(&text, std::to_string(spec.seed()));
  return cache::DigestOf(text).hash();
}

absl::Status StoreVerdict(cache::ArtifactStore* store, const v1::Job& job) {
  if (job.stage() != v1::COMPLETED || job.result().outcome() != v1::PASSED || job.result().cached() ||
      job.action_key().empty()) {
    return absl::OkStatus();
  }
  // The verdict without the kernel request: the key covers it, and a lookup reads, verifies
  // and parses these bytes on every resubmit.
  v1::Job verdict = job;
  verdict.mutable_spec()->clear_request();
  const std::string bytes = verdict.SerializeAsString();
  v1::ActionResult result;
  result.set_success(true);
  v1::OutputFile* f = result.add_output_files();
  f->set_path(kVerdictFile);
  *f->mutable_digest() = cache::DigestOf(bytes);
  return store->PutActionResultWithBlobs(VerdictKey(job.action_key(), job.spec()), result,
                                         {{kVerdictFile, bytes}});
}

namespace {

// The verdict blob's digest stored under `key`: NOT_FOUND when there is none.
absl::StatusOr<v1::Digest> VerdictDigest(cache::ArtifactStore* store, const std::string& key) {
  auto result = store->GetActionResult(key);
  if (!result.ok()) return absl::NotFoundError(absl::StrCat("no verdict under ", key));
  if (result->output_files_size() != 1 || result->output_files(0).path() != kVerdictFile) {
    return absl::NotFoundError(absl::StrCat("the result under ", key, " is not a verdict"));
  }
  return result->output_files(0).digest();
}

// The verdict in blob `digest`, read and verified.
absl::StatusOr<v1::Job> ReadVerdict(cache::ArtifactStore* store, const std::string& key, const v1::Digest& digest) {
  auto bytes = store->GetBlob(digest);  // verified against its digest
  v1::Job job;
  if (!bytes.ok() || !ir::ParseWireMessage(*bytes, &job).ok() || job.stage() != v1::COMPLETED ||
      job.result().outcome() != v1::PASSED) {
    return absl::NotFoundError(absl::StrCat("the verdict under ", key, " does not read back"));
  }
  return job;
}

}  // namespace

absl::StatusOr<v1::Job> LookupVerdict(cache::ArtifactStore* store, const std::string& key) {
  auto digest = VerdictDigest(store, key);
  if (!digest.ok()) return digest.status();
  return ReadVerdict(store, key, *digest);
}

absl::StatusOr<v1::Job> VerdictCache::Lookup(const std::string& key) {
  auto digest = VerdictDigest(store_, key);
  if (!digest.ok()) return digest.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = parsed_.find(digest->hash()); it != parsed_.end()) return it->second;
  }
  auto job = ReadVerdict(store_, key, *digest);
  if (!job.ok()) return job.status();
  std::lock_guard<std::mutex> lock(mu_);
  if (parsed_.size() >= kMaxParsed) parsed_.clear();
  parsed_[digest->hash()] = *job;
  return job;
}

}  // namespace ttc::daemon
