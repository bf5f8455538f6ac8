#include "daemon/web_view.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/fleet_views.h"

namespace ttc::daemon {
namespace {

constexpr size_t kHistorySamples = 900;
constexpr size_t kMaxJobsListed = 500;

std::string ToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse Error(int status, const std::string& message) {
  return Json(status, nlohmann::json{{"error", message}}.dump());
}

const char* ContentType(const std::string& path) {
  if (absl::EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(path, ".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

bool IsHexKey(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The job as the web view shows it: without the kernel's wire bytes (the page never shows
// them; a big kernel would bloat every poll).
v1::Job ForPage(v1::Job job) {
  job.mutable_spec()->clear_request_wire();
  job.mutable_spec()->clear_request();
  return job;
}

bool RanOn(const v1::Job& j, const std::string& host) {
  if (j.lease().host_id() == host || j.result().host_id() == host) return true;
  return std::find(j.hosts_tried().begin(), j.hosts_tried().end(), host) != j.hosts_tried().end();
}

nlohmann::json SampleJson(int64_t at_ms, const v1::Stats& s) {
  nlohmann::json tiers = nlohmann::json::array();
  for (const v1::TierStats& t : s.tiers()) tiers.push_back({{"tier", t.tier()}, {"hits", t.hits()}, {"misses", t.misses()}});
  nlohmann::json j = {{"at_ms", at_ms},           {"requests", s.requests()},       {"hits", s.hits()},
                      {"misses", s.misses()},     {"store_bytes", s.store_bytes()}, {"store_blobs", s.store_blobs()},
                      {"evictions", s.evictions()}, {"tiers", tiers}};
  if (s.has_remote()) j["remote"] = {{"hits", s.remote().hits()}, {"misses", s.remote().misses()}};
  return j;
}

}  // namespace

WebView::WebView(CompileService* service, JobScheduler* scheduler, cache::ArtifactStore* store, Gate* gate,
                 std::chrono::milliseconds sample_interval)
    : service_(service), scheduler_(scheduler), store_(store), gate_(gate), interval_(sample_interval) {
  sampler_ = std::thread([this] { SampleLoop(); });
}

WebView::~WebView() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  sampler_.join();
}

void WebView::SampleLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    Sample s{absl::ToUnixMillis(absl::Now()), service_->GetStats()};
    lock.lock();
    history_.push_back(std::move(s));
    while (history_.size() > kHistorySamples) history_.pop_front();
    wake_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

HttpResponse WebView::Handle(const HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r = Error(405, "the web view is read-only: GET only");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (req.path == "/" || req.path == "/ui") {
    HttpResponse r;
    r.status = 302;
    r.content_type = "text/plain";
    r.body = "see /ui/\n";
    r.headers.emplace_back("Location", "/ui/");
    return r;
  }
  if (absl::StartsWith(req.path, "/ui/")) {
    std::string file = req.path.substr(4);
    if (file.empty()) file = "index.html";
    const WebAsset* a = FindWebAsset(file);
    if (a == nullptr) return Error(404, absl::StrCat("no file ", req.path));
    HttpResponse r;
    r.content_type = ContentType(file);
    r.body.assign(reinterpret_cast<const char*>(a->data), a->size);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  if (!absl::StartsWith(req.path, "/api/")) return Error(404, absl::StrCat("no page ", req.path, "; see /ui/"));
  std::string token = req.cookie_token;
  if (absl::StartsWithIgnoreCase(req.authorization, "Bearer ")) {
    token = std::string(absl::StripAsciiWhitespace(req.authorization.substr(7)));
  }
  auto who = gate_->AdmitHttp(token, req.peer, kRoleSubmit | kRoleAdmin);
  if (!who.ok()) return Error(absl::IsPermissionDenied(who.status()) ? 403 : 401, std::string(who.status().message()));
  return Api(req, *who);
}

HttpResponse WebView::Api(const HttpRequest& req, const Principal& who) {
  const std::string route = req.path.substr(5);
  if (route == "whoami") {
    return Json(200, nlohmann::json{{"name", who.name}, {"roles", RoleNames(who.roles)},
                                    {"auth", who.authenticated}}.dump());
  }
  if (route == "fleet") {
    if (scheduler_ == nullptr) return Json(200, "{\"devices\":[]}");
    return Json(200, ToJson(DevicesShownTo(*scheduler_, who)));
  }
  if (route == "jobs") return Jobs(req, who);
  if (absl::StartsWith(route, "jobs/")) return JobPage(route.substr(5), who);
  if (route == "cache") {
    if ((who.roles & kRoleAdmin) == 0) {
      return Error(403, absl::StrCat("token '", who.name, "' has roles [", RoleNames(who.roles),
                                     "]; the cache's figures need admin"));
    }
    return Cache();
  }
  if (absl::StartsWith(route, "programs/")) return Program(route.substr(9));
  return Error(404, absl::StrCat("no API ", req.path));
}

HttpResponse WebView::Jobs(const HttpRequest& req, const Principal& who) {
  v1::JobStage stage = v1::JOB_STAGE_UNSPECIFIED;
  if (auto it = req.query.find("stage"); it != req.query.end() && !it->second.empty()) {
    if (!v1::JobStage_Parse(it->second, &stage) || stage == v1::JOB_STAGE_UNSPECIFIED) {
      return Error(400, absl::StrCat("stage: '", it->second, "' is not one of CACHE_CHECK, QUEUED, EXECUTING, COMPLETED"));
    }
  }
  auto arg = [&](const char* name) {
    auto it = req.query.find(name);
    return it == req.query.end() ? std::string() : it->second;
  };
  const std::string host = arg("host"), submitter = arg("submitter");
  v1::ListJobsResponse all = scheduler_ ? JobsShownTo(*scheduler_, who, stage) : v1::ListJobsResponse();
  std::vector<const v1::Job*> picked;
  for (const v1::Job& j : all.jobs()) {
    if (!host.empty() && !RanOn(j, host)) continue;
    if (!submitter.empty() && j.spec().owner() != submitter) continue;
    picked.push_back(&j);
  }
  std::sort(picked.begin(), picked.end(), [](const v1::Job* a, const v1::Job* b) {
    return a->created_ms() != b->created_ms() ? a->created_ms() > b->created_ms() : a->id() > b->id();
  });
  v1::ListJobsResponse out;
  for (size_t i = 0; i < picked.size() && i < kMaxJobsListed; ++i) *out.add_jobs() = ForPage(*picked[i]);
  return Json(200, ToJson(out));
}

HttpResponse WebView::JobPage(const std::string& id, const Principal& who) {
  auto job = scheduler_ ? scheduler_->GetJob(id) : absl::NotFoundError("no fleet");
  if (!job.ok() || !MaySeeJob(who, job->spec().owner(), job->spec().owner_group())) {
    return Error(404, absl::StrCat("no job ", id));
  }
  return Json(200, ToJson(ForPage(ShownToClients(std::move(*job)))));
}

HttpResponse WebView::Cache() {
  nlohmann::json history = nlohmann::json::array();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Sample& s : history_) history.push_back(SampleJson(s.at_ms, s.stats));
  }
  nlohmann::json out = {{"stats", nlohmann::json::parse(ToJson(service_->GetStats()))},
                        {"history", std::move(history)},
                        {"sample_interval_ms", interval_.count()}};
  return Json(200, out.dump());
}

HttpResponse WebView::Program(const std::string& key) {
  if (!IsHexKey(key)) return Error(400, absl::StrCat("'", key, "' is not an action key (64 lowercase hex digits)"));
  auto result = store_->GetActionResult(key);
  if (!result.ok()) {
    return Error(404, absl::StrCat("no stored program under action key ", key, " (", result.status().message(), ")"));
  }
  nlohmann::json files = nlohmann::json::array();
  nlohmann::json plan = nullptr;
  for (const v1::OutputFile& f : result->output_files()) {
    auto bytes = store_->GetBlob(f.digest());
    if (!bytes.ok()) return Error(404, absl::StrCat("the program's ", f.path(), " is gone from the store"));
    if (f.path() == "plan.json") plan = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
    files.push_back({{"path", f.path()}, {"size", bytes->size()}, {"text", std::move(*bytes)}});
  }
  nlohmann::json key_parts = {{"key", key},
                              {"request_digest", result->request_digest()},
                              {"compiler_build_id", result->compiler_build_id()},
                              {"pipeline", result->pipeline()},
                              {"target_fingerprint", result->target_fingerprint()}};
  nlohmann::json out = {{"action_key", key},
                        {"key_parts", std::move(key_parts)},
                        {"result", nlohmann::json::parse(ToJson(*result))},
                        {"files", std::move(files)},
                        {"plan", plan.is_discarded() ? nlohmann::json(nullptr) : std::move(plan)}};
  // Replace invalid UTF-8 rather than throw: the files are ours, but the store is not trusted.
  return Json(200, out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace ttc::daemon
