// ttcd's web view: a read-only browser front end served next to /metrics (Config::metrics_listen,
// HTTPS with the gRPC listener's certificate when ttcd serves TLS), for lab operators and CI
// owners who would rather look than read (docs/web.md).
//
//   GET /                       302 to /ui/
//   GET /ui/, /ui/FILE          the page and its scripts, embedded in ttcd at build time
//                               (web/: ours, plus Chart.js and highlight.js from npm); public
//   GET /api/whoami             {"name", "roles", "auth"}: who the token is
//   GET /api/fleet              ListDevicesResponse as JSON: hosts, devices, arch, backend,
//                               health, current job, last health check
//   GET /api/jobs?stage=S&host=H&submitter=T
//                               ListJobsResponse, newest first (at most 500), filtered by stage
//                               (QUEUED, EXECUTING, COMPLETED, CACHE_CHECK), by host (of any
//                               attempt) and by submitter (the token name that submitted it)
//   GET /api/jobs/ID            the Job: stages with their times, attempts, lease, log tail,
//                               result and validation report (404 when unknown or not visible)
//   GET /api/cache              {"stats": Stats, "history": [{"at_ms", "tiers": [...], ...}]}:
//                               counters now and sampled every `sample_interval` (the last 900)
//   GET /api/programs/KEY       a compiled program by action key: the ActionResult, its key
//                               parts (--explain-key), every file's text and plan.json parsed
//
// JSON is protobuf's JSON mapping with the .proto field names (int64 as strings, enums as
// names). Auth: with tokens configured, /api/ needs a token of the submit or admin role, as
// `Authorization: Bearer TOKEN` or the cookie `ttc_token`; /api/cache needs admin (as
// Compiler.GetStats). Jobs follow MaySeeJob (daemon/fleet_views.h). Errors are JSON
// {"error": "..."} with 400 (malformed key or filter), 401, 403, 404 or 405.
// Thread-safety: Handle may be called from any thread, concurrently.
#ifndef TTC_DAEMON_WEB_VIEW_H_
#define TTC_DAEMON_WEB_VIEW_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cache/artifact_store.h"
#include "daemon/auth.h"
#include "daemon/compile_service.h"
#include "daemon/job_scheduler.h"
#include "daemon/web_assets.h"

namespace ttc::daemon {

struct HttpRequest {
  std::string method;                        // "GET", "HEAD", ...
  std::string path;                          // without the query string
  std::map<std::string, std::string> query;  // decoded query arguments
  std::string authorization;                 // the Authorization header ("" = none)
  std::string cookie_token;                  // the ttc_token cookie ("" = none)
  std::string peer;                          // the client's address, for logs and auth-off names
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
};

class WebView {
 public:
  // `scheduler` may be null (no fleet: the fleet and jobs answer empty); the others must
  // outlive the WebView. Starts the sampler of the cache history (one thread).
  WebView(CompileService* service, JobScheduler* scheduler, cache::ArtifactStore* store, Gate* gate,
          std::chrono::milliseconds sample_interval = std::chrono::seconds(2));
  ~WebView();
  WebView(const WebView&) = delete;
  WebView& operator=(const WebView&) = delete;

  // Answers one request by the routes above: never throws, whatever the path, query or token.
  HttpResponse Handle(const HttpRequest& request);

 private:
  struct Sample {
    int64_t at_ms = 0;
    v1::Stats stats;
  };
  void SampleLoop();
  HttpResponse Api(const HttpRequest& request, const Principal& who);
  HttpResponse Jobs(const HttpRequest& request, const Principal& who);
  HttpResponse JobPage(const std::string& id, const Principal& who);
  HttpResponse Cache();
  HttpResponse Program(const std::string& key);

  CompileService* service_;
  JobScheduler* scheduler_;
  cache::ArtifactStore* store_;
  Gate* gate_;
  const std::chrono::milliseconds interval_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::deque<Sample> history_;  // guarded by mu_
  std::thread sampler_;
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_WEB_VIEW_H_
