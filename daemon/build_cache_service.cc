#include "daemon/build_cache_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "common/key_text.h"
#include "daemon/grpc_plumbing.h"
#include "daemon/status_mapping.h"

namespace ttc::daemon {
namespace {

bool IsHexKey(const std::string& key) {
  return key.size() == 64 &&
         std::all_of(key.begin(), key.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string Builder(const Principal& who, const grpc::CallbackServerContext* ctx) {
  return BuilderName(who.name, ctx->peer());
}

constexpr char kLookupMethod[] = "/ttc.v1.BuildCache/LookupBuild";
constexpr char kUpdateMethod[] = "/ttc.v1.BuildCache/UpdateBuild";

}  // namespace

std::string BuilderName(const std::string& token_name, const std::string& peer) {
  return absl::StrCat(token_name, "@", peer);
}

int BuildCacheServiceImpl::ReleaseBuildsOf(const std::string& builder) {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<int>(std::erase_if(building_, [&](const auto& entry) { return entry.second.builder == builder; }));
}

std::string BuildStoreKey(const std::string& tier, const std::string& recipe_key) {
  std::string text;
  AppendKeyField(&text, "ttc-build-v1");
  AppendKeyField(&text, tier);
  AppendKeyField(&text, recipe_key);
  return cache::DigestOf(text).hash();
}

absl::Status CheckBuildRef(const std::string& tier, const std::string& key) {
  if (tier != "kernel_build" && tier != "host_build") {
    return absl::InvalidArgumentError(
        absl::StrCat("tier: '", tier, "' is not one of kernel_build, host_build"));
  }
  if (!IsHexKey(key)) {
    return absl::InvalidArgumentError(absl::StrCat("key: '", key, "' is not 64 lowercase hex digits (SHA-256)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::LookupBuildResponse> BuildCacheServiceImpl::Lookup(const std::string& tier, const std::string& key,
                                                                      bool build_if_missing,
                                                                      const std::string& builder) {
  const std::string store_key = BuildStoreKey(tier, key);
  v1::LookupBuildResponse resp;
  auto stored = store_->GetActionResult(store_key);
  if (stored.ok()) {
    counters_->CountBuildLookup(tier == "kernel_build", true);
    *resp.mutable_result() = std::move(*stored);
    return resp;
  }
  if (!absl::IsNotFound(stored.status()) && !absl::IsDataLoss(stored.status())) return stored.status();
  if (!build_if_missing) {
    counters_->CountBuildLookup(tier == "kernel_build", false);
    return absl::NotFoundError(absl::StrCat("no ", tier, " result under key ", key));
  }
  std::lock_guard<std::mutex> l(mu_);
  const auto now = std::chrono::steady_clock::now();
  auto it = building_.find(store_key);
  if (it != building_.end() && it->second.builder != builder && it->second.deadline > now) {
    resp.set_retry_after_ms(options_.retry_after_ms);  // not counted: the wait ends in a hit or a build
    return resp;
  }
  // Builds whose time ran out without an answer (their agent died) are forgotten here, so the
  // table holds only builds in flight.
  std::erase_if(building_, [&](const auto& entry) { return entry.second.deadline <= now; });
  building_[store_key] = Building{builder, now + options_.build_timeout};
  counters_->CountBuildLookup(tier == "kernel_build", false);
  resp.set_build(true);
  return resp;
}

absl::Status BuildCacheServiceImpl::Update(const v1::UpdateBuildRequest& req, const std::string& builder) {
  const std::string store_key = BuildStoreKey(req.tier(), req.key());
  absl::Status st = absl::OkStatus();
  if (req.has_result()) {
    v1::ActionResult result = req.result();
    result.clear_action_key();
    v1::OutputFile* recipe = result.add_output_files();
    recipe->set_path(kRecipeFile);
    *recipe->mutable_digest() = cache::DigestOf(req.recipe());
    std::sort(result.mutable_output_files()->begin(), result.mutable_output_files()->end(),
              [](const v1::OutputFile& a, const v1::OutputFile& b) { return a.path() < b.path(); });
    // The recipe's blob is written here; the outputs must already be in the CAS.
    if (st = store_->PutBlob(recipe->digest(), req.recipe()); st.ok()) st = store_->PutActionResult(store_key, result);
  }
  std::lock_guard<std::mutex> l(mu_);
  auto it = building_.find(store_key);
  // A result from anyone ends the build; giving up ends it only for its builder.
  if (it != building_.end() && (req.has_result() ? st.ok() : it->second.builder == builder)) building_.erase(it);
  return st;
}

size_t BuildCacheServiceImpl::building() {
  std::lock_guard<std::mutex> l(mu_);
  return building_.size();
}

grpc::ServerUnaryReactor* BuildCacheServiceImpl::LookupBuild(grpc::CallbackServerContext* ctx,
                                                             const v1::LookupBuildRequest* req,
                                                             v1::LookupBuildResponse* resp) {
  Principal who;
  if (auto st = Admit(gate_, ctx, kLookupMethod, kRoleSubmit | kRoleAgent, &who); !st.ok()) return Answer(ctx, st);
  if (auto st = CheckBuildRef(req->tier(), req->key()); !st.ok()) {
    counters_->CountError();
    return Answer(ctx, ToGrpc(st));
  }
  if (req->build_if_missing() && (who.roles & kRoleAgent) == 0) {
    counters_->CountError();
    return Answer(ctx, grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                    absl::StrCat(kLookupMethod, ": build_if_missing needs the agent role; token '",
                                                 who.name, "' holds ", RoleNames(who.roles))));
  }
  const std::string builder = Builder(who, ctx);
  return AnswerOnPool<v1::LookupBuildResponse>(
      io_pool_, counters_, resp, [this, req, builder](v1::LookupBuildResponse* r, const std::function<bool()>&) {
        auto got = Lookup(req->tier(), req->key(), req->build_if_missing(), builder);
        if (!got.ok()) return ToGrpc(got.status());
        *r = std::move(*got);
        return grpc::Status::OK;
      }, ctx);
}

grpc::ServerUnaryReactor* BuildCacheServiceImpl::UpdateBuild(grpc::CallbackServerContext* ctx,
                                                             const v1::UpdateBuildRequest* req,
                                                             v1::UpdateBuildResponse* resp) {
  Principal who;
  if (auto st = Admit(gate_, ctx, kUpdateMethod, kRoleAgent, &who); !st.ok()) return Answer(ctx, st);
  absl::Status bad = CheckBuildRef(req->tier(), req->key());
  for (int i = 0; bad.ok() && i < req->result().output_files_size(); ++i) {
    const v1::OutputFile& f = req->result().output_files(i);
    const std::string field = absl::StrCat("result.output_files[", i, "]");
    if (f.path().empty() || f.path()[0] == '/' || f.path().find("..") != std::string::npos || f.path() == kRecipeFile) {
      bad = absl::InvalidArgumentError(absl::StrCat(field, ".path: '", f.path(),
                                                    "' must be a relative path without '..', other than ", kRecipeFile));
    } else if (!cache::IsWellFormed(f.digest())) {
      bad = absl::InvalidArgumentError(absl::StrCat(field, ".digest: not a SHA-256 digest"));
    }
  }
  if (bad.ok() && req->has_result() && req->result().output_files_size() == 0) {
    bad = absl::InvalidArgumentError("result.output_files: a build result needs at least one output");
  }
  if (!bad.ok()) {
    counters_->CountError();
    return Answer(ctx, ToGrpc(bad));
  }
  const std::string builder = Builder(who, ctx);
  return AnswerOnPool<v1::UpdateBuildResponse>(
      io_pool_, counters_, resp, [this, req, builder](v1::UpdateBuildResponse*, const std::function<bool()>&) {
        return ToGrpc(Update(*req, builder));
      }, ctx);
}

}  // namespace ttc::daemon
