#include "agent/build_cache_client.h"

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "common/logfmt.h"
#include "remote/remote.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::agent {
namespace {

using std::chrono::system_clock;

class RemoteBuildCache final : public validate::BuildCache {
 public:
  RemoteBuildCache(const std::shared_ptr<grpc::Channel>& channel, BuildCacheOptions options)
      : builds_(v1::BuildCache::NewStub(channel)), cas_(v1::Cas::NewStub(channel)), options_(options) {}

  std::optional<std::map<std::string, std::string>> Get(const validate::BuildRecipe& recipe, bool take) override {
    const std::string key = recipe.Key();
    const auto give_up = system_clock::now() + options_.max_wait;
    if (take && !WaitForOwnBuild(key, give_up)) {
      spdlog::warn("msg=\"waited too long for a build of this agent: building locally\" tier={} key={}", recipe.tier,
                   key);
      return std::nullopt;
    }
    for (int unreadable = 0; unreadable < 2;) {
      v1::LookupBuildRequest req;
      req.set_key(key);
      req.set_tier(recipe.tier);
      req.set_build_if_missing(take);
      v1::LookupBuildResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(system_clock::now() + options_.call_timeout);
      grpc::Status st = builds_->LookupBuild(&ctx, req, &resp);
      if (st.error_code() == grpc::StatusCode::NOT_FOUND) return std::nullopt;
      if (!st.ok()) {
        spdlog::warn("msg=\"build cache unavailable: building locally\" tier={} key={} error={}", recipe.tier,
                     key, LogfmtValue(st.error_message()));
        return std::nullopt;
      }
      if (resp.build()) {
        spdlog::info("msg=\"build not in the fleet cache: building it\" tier={} key={}", recipe.tier, key);
        std::lock_guard<std::mutex> lock(mu_);
        building_.insert(key);
        return std::nullopt;
      }
      if (resp.retry_after_ms() > 0) {
        if (system_clock::now() >= give_up) {
          spdlog::warn("msg=\"waited too long for another agent's build: building locally\" tier={} key={}",
                       recipe.tier, key);
          return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(resp.retry_after_ms(), 5000)));
        continue;
      }
      std::vector<v1::Digest> digests;
      for (const v1::OutputFile& f : resp.result().output_files()) digests.push_back(f.digest());
      auto blobs = remote::FetchBlobs(cas_.get(), digests, system_clock::now() + options_.call_timeout);
      if (!blobs.ok()) {
        // Missing or corrupt bytes (ttcd removes a blob that fails its digest, so the next
        // lookup misses) or ttcd gone mid-download: reported, then built again.
        spdlog::warn("msg=\"build result unreadable: building it again\" tier={} key={} error={}", recipe.tier,
                     key, LogfmtValue(std::string(blobs.status().message())));
        if (absl::IsUnavailable(blobs.status()) || absl::IsDeadlineExceeded(blobs.status())) return std::nullopt;
        ++unreadable;
        continue;
      }
      std::map<std::string, std::string> files;
      for (const v1::OutputFile& f : resp.result().output_files()) {
        files[f.path()] = blobs->at(cache::DigestKey(f.digest()));  // verified by FetchBlobs
      }
      spdlog::info("msg=\"build served from ttcd\" tier={} key={}", recipe.tier, key);
      return files;
    }
    return std::nullopt;
  }

  void Put(const validate::BuildRecipe& recipe, const std::map<std::string, std::string>& outputs) override {
    v1::UpdateBuildRequest req;
    req.set_key(recipe.Key());
    req.set_tier(recipe.tier);
    req.set_recipe(recipe.Text());
    std::map<std::string, std::string> blobs;
    for (const auto& [path, bytes] : outputs) {
      v1::OutputFile* f = req.mutable_result()->add_output_files();
      f->set_path(path);
      *f->mutable_digest() = cache::DigestOf(bytes);
      blobs[cache::DigestKey(f->digest())] = bytes;
    }
    req.mutable_result()->set_success(true);
    auto up = remote::UploadBlobs(cas_.get(), blobs, system_clock::now() + options_.call_timeout);
    if (!up.ok()) {
      spdlog::warn("msg=\"build not shared: uploading its outputs failed\" tier={} key={} error={}", recipe.tier,
                   req.key(), LogfmtValue(std::string(up.status().message())));
      return Abandon(recipe);
    }
    Update(req, "shared");
    Done(req.key());
  }

  void Abandon(const validate::BuildRecipe& recipe) override {
    v1::UpdateBuildRequest req;
    req.set_key(recipe.Key());
    req.set_tier(recipe.tier);
    Update(req, "given up");
    Done(req.key());
  }

 private:
  // ttcd knows builders by token and connection, so two runs of one agent (two devices, one
  // program) would both be told to build: the second waits here for the first one's Put or
  // Abandon, then asks ttcd again. False when `give_up` passed first.
  bool WaitForOwnBuild(const std::string& key, system_clock::time_point give_up) {
    std::unique_lock<std::mutex> lock(mu_);
    return done_.wait_until(lock, give_up, [&] { return building_.count(key) == 0; });
  }
  void Done(const std::string& key) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (building_.erase(key) == 0) return;
    }
    done_.notify_all();
  }

  void Update(const v1::UpdateBuildRequest& req, const char* what) {
    v1::UpdateBuildResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(system_clock::now() + options_.call_timeout);
    grpc::Status st = builds_->UpdateBuild(&ctx, req, &resp);
    if (st.ok()) {
      spdlog::info("msg=\"build {} with the fleet\" tier={} key={}", what, req.tier(), req.key());
    } else {
      spdlog::warn("msg=\"build update refused\" tier={} key={} error={}", req.tier(), req.key(),
                   LogfmtValue(st.error_message()));
    }
  }

  std::unique_ptr<v1::BuildCache::Stub> builds_;
  std::unique_ptr<v1::Cas::Stub> cas_;
  BuildCacheOptions options_;
  std::mutex mu_;
  std::condition_variable done_;                           // a build of this process ended
  std::set<std::string> building_ ABSL_GUARDED_BY(mu_);  // keys this process was told to build
};

}  // namespace

std::unique_ptr<validate::BuildCache> MakeRemoteBuildCache(const std::shared_ptr<grpc::Channel>& channel,
                                                           BuildCacheOptions options) {
  return std::make_unique<RemoteBuildCache>(channel, options);
}

}  // namespace ttc::agent
