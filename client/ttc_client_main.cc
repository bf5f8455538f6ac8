// `ttc-client`: talk to a ttcd compile daemon.
//
//   ttc-client [GLOBAL] submit REQUEST [-o DIR] [--func NAME] [--target PRESET] [--json] [--explain-key]
//              [--no-cache]
//   ttc-client [GLOBAL] layout REQUEST [--func NAME] [--target PRESET] [--json]
//
// REQUEST is a TileLang script (.py, or - for stdin) or a request file (.textproto, .json, .binpb).
//   ttc-client [GLOBAL] get KEY -o DIR
//   ttc-client [GLOBAL] stats [--json]
//   ttc-client [GLOBAL] health
//   ttc-client [GLOBAL] explain-build kernel_build|host_build KEY
//   ttc-client [GLOBAL] submit REQUEST --validate [--arch ARCH] [--label k=v] [--seed N] [--revalidate] [--wait|--no-wait]
//              [--reconnect-seconds S]
//   ttc-client [GLOBAL] watch JOB [--reconnect-seconds S] | cancel JOB | devices | jobs [--state S]
//   ttc-client [GLOBAL] device-health HOST DEVICE GOOD|BAD|MAINTENANCE
//
// GLOBAL: [--server ADDR] [--timeout SECONDS] [--tls-ca FILE] [--tls-cert FILE --tls-key FILE] [--tls]
//         [--token-file FILE]
// The server address comes from --server, else $TTC_SERVER, else `server = "HOST:PORT"` in
// ~/.config/ttc/client.toml, else 127.0.0.1:7878. The connection is TLS unless the address is
// loopback (then --tls, --tls-ca or --tls-cert turn it on); the bearer token comes from
// --token-file, else $TTC_TOKEN, else $TTC_TOKEN_FILE, else token_file in client.toml
// (remote/remote.h: ResolveClientSettings, Connect).
// Exit status: 0 success; 1 the kernel has errors (diagnostics on stderr, as `ttc compile`
// prints them); 2 usage error, unreadable request, or unusable settings (client.toml, token or
// PEM files); 3 internal compiler error; 4 the daemon could not be reached or failed the call
// (the message says which address and why); 5 the daemon refused the caller: UNAUTHENTICATED
// (no token, or one it does not know) or PERMISSION_DENIED (the token lacks the call's role).
// With --validate --wait and for watch: 0 the job passed, 1 it failed validation, 4 it never
// reached a verdict (cancelled, attempts exhausted), or ttcd stayed away longer than
// --reconnect-seconds (a wait survives a restart of ttcd: see Watch), or --timeout passed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "client/job_text.h"
#include "driver/diagnostic_text.h"
#include "driver/program_writer.h"
#include "remote/remote.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "frontend/load.h"
#include "ttc/v1/service.grpc.pb.h"

namespace {

using ttc::client::JobFunctionName;
using ttc::client::JobLine;

constexpr int kExitOk = 0;
constexpr int kExitCompileError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;
constexpr int kExitServer = 4;
constexpr int kExitRefused = 5;

struct Globals {
  ttc::remote::ClientFlags flags;
  double timeout_seconds = 600;
  double reconnect_seconds = 120;  // watch, submit --wait: how long to retry after ttcd went away
  ttc::remote::ClientSettings settings;
  bool tls = false;  // the channel uses TLS
  std::shared_ptr<grpc::Channel> channel;
  std::chrono::system_clock::time_point deadline() const {
    return std::chrono::system_clock::now() +
           std::chrono::microseconds(static_cast<int64_t>(timeout_seconds * 1e6));
  }
};

// Connects lazily; false (with the message printed) when the settings are unusable.
bool Open(Globals& g) {
  auto settings = ttc::remote::ResolveClientSettings(g.flags, ttc::remote::DefaultClientConfigPath());
  if (!settings.ok()) {
    std::cerr << "ttc-client: error: " << settings.status().message() << "\n";
    return false;
  }
  g.settings = *settings;
  auto channel = ttc::remote::Connect(g.settings.server.address, g.settings.channel);
  if (!channel.ok()) {
    std::cerr << "ttc-client: error: " << channel.status().message() << "\n";
    return false;
  }
  g.channel = *channel;
  g.tls = ttc::remote::UsesTls(g.settings.server.address, g.settings.channel);
  return true;
}

// The message for a failed call: who was asked, what it said, and what to do about it. The
// exit status: kExitRefused when the daemon refused the caller, else kExitServer.
int RpcError(const Globals& g, const grpc::Status& st, const std::string& what) {
  const std::string& address = g.settings.server.address;
  std::cerr << "ttc-client: error: " << what << ": ";
  switch (st.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED: {
      const bool denied = st.error_code() == grpc::StatusCode::PERMISSION_DENIED;
      std::cerr << "the daemon at " << address << " refused the call: "
                << (denied ? "PERMISSION_DENIED" : "UNAUTHENTICATED") << ": " << st.error_message() << "; ";
      if (g.settings.token_source.empty()) {
        std::cerr << "no token was sent: pass --token-file FILE or set TTC_TOKEN\n";
      } else {
        std::cerr << "the token from " << g.settings.token_source
                  << (denied ? " lacks the role this call needs" : " is not one the daemon knows")
                  << "; check --token-file / TTC_TOKEN\n";
      }
      return kExitRefused;
    }
    case grpc::StatusCode::UNAVAILABLE:
      std::cerr << "no ttcd answered at " << address << (g.tls ? " over TLS" : "") << " (address from "
                << g.settings.server.source << "): " << st.error_message() << "\n";
      if (g.tls) {
        std::cerr << "ttc-client: if ttcd runs there, check the TLS handshake: --tls-ca must name the CA that "
                     "signed its certificate (without it the system's roots are used), and a daemon that "
                     "requires client certificates needs --tls-cert and --tls-key\n";
      } else {
        std::cerr << "ttc-client: start a daemon with `ttcd --listen " << address
                  << "`, or point --server or TTC_SERVER at a running one (one that serves TLS needs --tls)\n";
      }
      return kExitServer;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "no answer from " << address << " within " << g.timeout_seconds << " s (--timeout)\n";
      return kExitServer;
    default:
      std::cerr << absl::StatusCodeToString(static_cast<absl::StatusCode>(st.error_code())) << ": "
                << (st.error_message().empty() ? "(the daemon gave no message)" : st.error_message()) << " ["
                << address << "]\n";
      return kExitServer;
  }
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

std::string Millis(int64_t micros) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << static_cast<double>(micros) / 1000.0 << " ms";
  return s.str();
}

void PrintKey(const ttc::v1::ActionKeyParts& k) {
  std::cout << "request digest:     " << k.request_digest() << "\n"
            << "compiler build id:  " << k.compiler_build_id() << "\n"
            << "pipeline:           " << k.pipeline() << "\n"
            << "target fingerprint: " << k.target_fingerprint() << "\n";
}

// Prints the diagnostics as `ttc compile` does; the exit status they imply.
int ReportDiagnostics(const google::protobuf::RepeatedPtrField<ttc::v1::DiagnosticMessage>& diags, bool success,
                      const std::string& file) {
  bool internal = false;
  for (const auto& d : diags) {
    if (d.pass() == "frontend") continue;  // printed with the source line when the script was loaded
    std::cerr << ttc::FormatDiagnosticMessage(d, file) << "\n";
    internal |= d.internal();
  }
  if (internal) return kExitInternal;
  return success ? kExitOk : kExitCompileError;
}

// Loads a kernel here into `call` (a TileLang script is compiled to a request by the local
// frontend, whose warnings are printed on stderr like errors and sent along as
// frontend_diagnostics, which the daemon returns in its diagnostics).
absl::Status LoadRequest(const std::string& path, const std::string& func, const std::vector<std::string>& defines,
                         ttc::v1::CompileRequest* call) {
  ttc::frontend::LoadOptions opts;
  opts.func_name = func;
  opts.defines = defines;
  auto loaded = ttc::frontend::LoadKernel(path, opts);
  if (!loaded.ok()) return loaded.status();
  for (const std::string& w : loaded->warnings) std::cerr << w << "\n";
  *call->mutable_request() = std::move(loaded->request);
  for (ttc::v1::DiagnosticMessage& d : ttc::FrontendWarningMessages(loaded->warning_diagnostics)) {
    *call->add_frontend_diagnostics() = std::move(d);
  }
  return absl::OkStatus();
}

// As `ttc compile`: errors in a TileLang script are errors in the kernel (exit 1); unreadable
// or malformed request files are input errors (exit 2). The message is complete.
int LoadErrorExit(const std::string& path, const absl::Status& status) {
  std::cerr << status.message() << "\n";
  const bool script_error = ttc::frontend::IsTileLangScript(path) && absl::IsInvalidArgument(status);
  return script_error ? kExitCompileError : kExitUsage;
}

// Exit status of a completed job: 0 passed; 1 failed validation; 4 never reached a verdict.
int JobExit(const ttc::v1::Job& j) {
  switch (j.result().outcome()) {
    case ttc::v1::PASSED: return kExitOk;
    case ttc::v1::FAILED: return kExitCompileError;
    default: return kExitServer;
  }
}

// Whether a broken watch is worth reconnecting: ttcd went away (UNAVAILABLE: not reachable,
// draining, restarting) or ended the stream while shutting down (CANCELLED: this client never
// cancels its own watch).
bool DaemonWentAway(const grpc::Status& st) {
  return st.error_code() == grpc::StatusCode::UNAVAILABLE || st.error_code() == grpc::StatusCode::CANCELLED;
}

// Streams the job's changes until it completes; prints the final report. The exit status.
// When ttcd goes away (DaemonWentAway) it retries with exponential backoff (0.2 s doubling to
// 5 s; a wait ends early when the connection comes back) for up to g.reconnect_seconds per
// outage, and watches the same job again: ttcd
// journals its jobs and WatchJob sends a job's current state first, so a job that completed
// meanwhile is reported from its stored result. The whole wait is bounded by --timeout.
int Watch(Globals& g, const std::string& job_id, bool json) {
  using Clock = std::chrono::steady_clock;
  constexpr std::chrono::milliseconds kFirstRetry{200}, kMaxRetry{5000};
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::JobRef ref;
  ref.set_job_id(job_id);
  const auto deadline = g.deadline();
  const auto budget = std::chrono::milliseconds(static_cast<int64_t>(g.reconnect_seconds * 1e3));
  ttc::v1::Job last;
  std::string previous;
  int history_seen = 0;  // Job.history entries printed (the last one is the current stage's line)
  bool away = false;  // ttcd went away and no watch has answered since
  Clock::time_point lost_since;
  std::chrono::milliseconds retry = kFirstRetry;
  for (;;) {
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    auto reader = stub->WatchJob(&ctx, ref);
    ttc::v1::Job job;
    while (reader->Read(&job)) {
      if (away) {
        std::cerr << "ttc-client: reconnected to " << g.settings.server.address << "; watching " << job_id
                  << " again" << std::endl;
        away = false;
        retry = kFirstRetry;
      }
      for (const std::string& l : ttc::client::UnseenStageLines(job, &history_seen)) {
        if (!json) std::cout << l << std::endl;
      }
      const std::string line = JobLine(job);
      if (!json && line != previous) std::cout << line << std::endl;
      previous = line;
      last = job;
    }
    const grpc::Status st = reader->Finish();
    if (st.ok() || last.stage() == ttc::v1::COMPLETED) break;
    if (!DaemonWentAway(st)) return RpcError(g, st, "watch " + job_id);
    const auto now = Clock::now();
    if (!away) {
      away = true;
      lost_since = now;
      const char* code = st.error_code() == grpc::StatusCode::CANCELLED ? "CANCELLED" : "UNAVAILABLE";
      std::cerr << "ttc-client: lost the watch of " << job_id << " (" << code << ": " << st.error_message()
                << "); reconnecting to " << g.settings.server.address << " for up to " << g.reconnect_seconds
                << " s (--reconnect-seconds)" << std::endl;
    }
    const auto left = budget - std::chrono::duration_cast<std::chrono::milliseconds>(now - lost_since);
    if (left <= std::chrono::milliseconds(0)) {
      std::cerr << "ttc-client: gave up reconnecting after " << g.reconnect_seconds
                << " s; ttcd keeps the job: `ttc-client watch " << job_id << "` once it is back\n";
      return RpcError(g, st, "watch " + job_id);
    }
    // Back off; while the connection is down, the wait ends as soon as it is up again.
    const auto pause = std::min(retry, left);
    if (g.channel->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY) {
      std::this_thread::sleep_for(pause);  // ttcd answers but refuses the watch (draining)
    } else {
      g.channel->WaitForConnected(std::chrono::system_clock::now() + pause);
    }
    retry = std::min(retry * 2, kMaxRetry);
  }
  if (json) {
    std::cout << ToJson(last);
  } else if (!last.result().report_text().empty()) {
    std::cout << last.result().report_text();
    if (last.result().flaky()) {  // both reports: this run's above, the stored verdict's here
      std::cout << "stored verdict (" << last.revalidated().cached_job_id() << "):\n" << last.revalidated().report_text();
    }
  }
  return JobExit(last);
}

struct SubmitArgs {
  bool validate = false;
  bool revalidate = false;
  std::string arch;
  std::vector<std::string> labels;
  uint64_t seed = 0;
  int priority = 0;
  std::string backend = "emulator";
  bool wait = false;
  bool no_wait = false;
  std::string request;
  std::string func;
  std::vector<std::string> defines;
  std::string out_dir;
  std::string target;
  bool json = false;
  bool explain_key = false;
  bool no_cache = false;
};

int RunSubmit(Globals& g, const SubmitArgs& a) {
  ttc::v1::CompileRequest call;
  if (auto st = LoadRequest(a.request, a.func, a.defines, &call); !st.ok()) return LoadErrorExit(a.request, st);
  if (!Open(g)) return kExitUsage;
  call.set_target_override(a.target);
  call.set_inline_files(!a.out_dir.empty());
  call.set_skip_cache_lookup(a.no_cache);
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::CompileResponse resp;
  ttc::v1::SubmitResponse submitted;
  grpc::ClientContext ctx;
  ctx.set_deadline(g.deadline());
  const auto start = std::chrono::steady_clock::now();
  grpc::Status st;
  if (a.validate) {
    ttc::v1::SubmitRequest sub;
    *sub.mutable_compile() = call;
    sub.set_validate(true);
    sub.set_arch(a.arch);
    for (const std::string& kv : a.labels) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "ttc-client: error: --label " << kv << ": expected KEY=VALUE\n";
        return kExitUsage;
      }
      (*sub.mutable_labels())[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    sub.set_seed(a.seed);
    sub.set_priority(a.priority);
    sub.set_backend(a.backend);
    sub.set_revalidate(a.revalidate);
    st = stub->Submit(&ctx, sub, &submitted);
    resp = submitted.compile();
  } else {
    st = stub->Compile(&ctx, call, &resp);
  }
  const int64_t round_trip =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  if (!st.ok()) return RpcError(g, st, "submit " + a.request);
  const int status = ReportDiagnostics(resp.result().diagnostics(), resp.result().success(), a.request);
  if (a.json) {
    ttc::v1::CompileResponse shown = resp;
    shown.clear_files();  // the bytes go to -o DIR; the JSON lists their digests
    std::cout << ToJson(shown);
  } else {
    if (resp.cache_hit()) {
      std::cout << "cache hit: answered in " << Millis(round_trip) << " (the compile took "
                << Millis(resp.result().compile_micros()) << " when it ran)\n";
    } else {
      std::cout << "cache miss: compiled in " << Millis(resp.result().compile_micros()) << ", answered in "
                << Millis(round_trip) << "\n";
    }
    std::cout << "action key: " << resp.action_key().key() << "\n";
    if (a.explain_key) PrintKey(resp.action_key());
    for (const auto& f : resp.result().output_files()) {
      std::cout << "  " << std::left << std::setw(12) << f.path() << " sha256:" << f.digest().hash() << " "
                << f.digest().size_bytes() << " bytes\n";
    }
    if (!resp.result().success()) std::cout << "the kernel has errors (see above); this result is cached too\n";
  }
  if (status != kExitOk) return status;
  if (!a.out_dir.empty()) {
    std::map<std::string, std::string> files;
    for (auto& f : *resp.mutable_files()) files[f.path()] = std::move(*f.mutable_data());
    if (auto w = ttc::WriteProgramDir(a.out_dir, files); !w.ok()) {
      std::cerr << "ttc-client: error: " << w.message() << "\n";
      return kExitUsage;
    }
    if (!a.json) std::cout << "wrote " << files.size() << " files to " << a.out_dir << "\n";
  }
  if (!a.validate) return kExitOk;
  const std::string job_id = submitted.job().id();
  if (!a.json) std::cout << "validation job: " << job_id << "\n";
  const bool wait = a.wait || (!a.no_wait && isatty(1));
  if (!wait) {
    if (a.json) std::cout << ToJson(submitted.job());
    return kExitOk;
  }
  return Watch(g, job_id, a.json);
}

int RunJobs(Globals& g, const std::string& state, bool json) {
  if (!Open(g)) return kExitUsage;
  ttc::v1::ListJobsRequest req;
  if (!state.empty()) {
    ttc::v1::JobStage stage;
    if (!ttc::v1::JobStage_Parse(state, &stage)) {
      std::cerr << "ttc-client: error: --state " << state << ": one of QUEUED, EXECUTING, COMPLETED\n";
      return kExitUsage;
    }
    req.set_stage(stage);
  }
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::ListJobsResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(g.deadline());
  if (auto st = stub->ListJobs(&ctx, req, &resp); !st.ok()) return RpcError(g, st, "jobs");
  if (json) {
    std::cout << ToJson(resp);
    return kExitOk;
  }
  for (const auto& j : resp.jobs()) std::cout << j.id() << "  " << JobFunctionName(j) << "  " << JobLine(j) << "\n";
  return kExitOk;
}

int RunDevices(Globals& g, bool json) {
  if (!Open(g)) return kExitUsage;
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::ListDevicesResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(g.deadline());
  if (auto st = stub->ListDevices(&ctx, ttc::v1::ListDevicesRequest(), &resp); !st.ok()) {
    return RpcError(g, st, "devices");
  }
  if (json) {
    std::cout << ToJson(resp);
    return kExitOk;
  }
  std::cout << std::left << std::setw(20) << "HOST" << std::setw(8) << "DEVICE" << std::setw(14) << "ARCH"
            << std::setw(10) << "BACKEND" << std::setw(13) << "HEALTH" << std::setw(9) << "ONLINE" << "JOB\n";
  for (const auto& d : resp.devices()) {
    std::cout << std::left << std::setw(20) << d.host_id() << std::setw(8) << d.device_id() << std::setw(14)
              << d.arch() << std::setw(10) << d.backend() << std::setw(13) << ttc::v1::DeviceHealth_Name(d.health())
              << std::setw(9) << (d.host_online() ? "yes" : "no")
              << (!d.job_id().empty() ? d.job_id() : d.busy() ? "busy" : "-") << "\n";
  }
  return kExitOk;
}

int RunDeviceHealth(Globals& g, const std::string& host, const std::string& device, const std::string& health) {
  ttc::v1::DeviceHealth h;
  if (!ttc::v1::DeviceHealth_Parse(health, &h) || h == ttc::v1::HEALTH_UNSPECIFIED) {
    std::cerr << "ttc-client: error: health " << health << ": one of GOOD, BAD, MAINTENANCE\n";
    return kExitUsage;
  }
  if (!Open(g)) return kExitUsage;
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::SetDeviceHealthRequest req;
  req.set_host_id(host);
  req.set_device_id(device);
  req.set_health(h);
  ttc::v1::SetDeviceHealthResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(g.deadline());
  if (auto st = stub->SetDeviceHealth(&ctx, req, &resp); !st.ok()) return RpcError(g, st, "device-health");
  std::cout << host << "/" << device << ": " << health << "\n";
  return kExitOk;
}

int RunCancel(Globals& g, const std::string& job_id) {
  if (!Open(g)) return kExitUsage;
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::JobRef ref;
  ref.set_job_id(job_id);
  ttc::v1::Job job;
  grpc::ClientContext ctx;
  ctx.set_deadline(g.deadline());
  if (auto st = stub->CancelJob(&ctx, ref, &job); !st.ok()) return RpcError(g, st, "cancel " + job_id);
  std::cout << JobLine(job) << "\n";
  return kExitOk;
}

int RunLayout(Globals& g, const std::string& request, const std::string& func, const std::string& target,
              bool json) {
  ttc::v1::CompileRequest call;
  if (auto st = LoadRequest(request, func, {}, &call); !st.ok()) return LoadErrorExit(request, st);
  if (!Open(g)) return kExitUsage;
  call.set_target_override(target);
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::LayoutResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(g.deadline());
  if (auto st = stub->InferLayout(&ctx, call, &resp); !st.ok()) return RpcError(g, st, "layout " + request);
  const int status = ReportDiagnostics(resp.diagnostics(), resp.success(), request);
  if (json) {
    std::cout << ToJson(resp);
  } else {
    std::cerr << "ttc-client: layout " << (resp.cache_hit() ? "cache hit" : "computed") << " in "
              << Millis(resp.server_micros()) << ", action key " << resp.action_key().key() << "\n";
    std::cout << resp.attributes_json();
  }
  return status;
}

int RunGet(Globals& g, const std::string& key, const std::string& out_dir) {
  if (!Open(g)) return kExitUsage;
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::GetActionResultRequest req;
  req.set_action_key(key);
  ttc::v1::ActionResult result;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(g.deadline());
    grpc::Status st = stub->GetActionResult(&ctx, req, &result);
    if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
      std::cerr << "ttc-client: error: no result for action key " << key << " at " << g.settings.server.address
                << " (never compiled there, or evicted)\n";
      return kExitCompileError;
    }
    if (!st.ok()) return RpcError(g, st, "get " + key);
  }
  if (!result.success()) {
    std::cerr << "ttc-client: error: action " << key << " is a failed compile; its diagnostics:\n";
    ReportDiagnostics(result.diagnostics(), false, "<request>");
    return kExitCompileError;
  }
  std::vector<ttc::v1::Digest> digests;
  for (const auto& f : result.output_files()) digests.push_back(f.digest());
  auto cas = ttc::v1::Cas::NewStub(g.channel);
  auto blobs = ttc::remote::FetchBlobs(cas.get(), digests, g.deadline());
  if (!blobs.ok()) {
    if (absl::IsUnauthenticated(blobs.status()) || absl::IsPermissionDenied(blobs.status()) ||
        absl::IsUnavailable(blobs.status()) || absl::IsDeadlineExceeded(blobs.status())) {
      return RpcError(g, grpc::Status(static_cast<grpc::StatusCode>(blobs.status().code()),
                                      std::string(blobs.status().message())),
                      "fetching the files of " + key);
    }
    std::cerr << "ttc-client: error: fetching the files of " << key << ": " << blobs.status().message() << "\n";
    return kExitServer;
  }
  std::map<std::string, std::string> files;
  for (const auto& f : result.output_files()) files[f.path()] = blobs->at(ttc::cache::DigestKey(f.digest()));
  if (auto w = ttc::WriteProgramDir(out_dir, files); !w.ok()) {
    std::cerr << "ttc-client: error: " << w.message() << "\n";
    return kExitUsage;
  }
  std::cout << "wrote " << files.size() << " files to " << out_dir << "\n";
  return kExitOk;
}

std::string Bytes(int64_t n) {
  std::ostringstream s;
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  s << std::fixed << std::setprecision(u == 0 ? 0 : 1) << v << " " << units[u];
  return s.str();
}

int RunStats(Globals& g, bool json) {
  if (!Open(g)) return kExitUsage;
  auto stub = ttc::v1::Compiler::NewStub(g.channel);
  ttc::v1::Stats s;
  grpc::ClientContext ctx;
  ctx.set_deadline(g.deadline());
  if (auto st = stub->GetStats(&ctx, ttc::v1::GetStatsRequest(), &s); !st.ok()) return RpcError(g, st, "stats");
  if (json) {
    std::cout << ToJson(s);
    return kExitOk;
  }
  auto row = [](const std::string& name, const std::string& value) {
    std::cout << std::left << std::setw(28) << name << std::right << std::setw(16) << value << "\n";
  };
  const double rate = s.requests() > 0 ? 100.0 * static_cast<double>(s.hits()) / static_cast<double>(s.requests()) : 0;
  std::ostringstream pct;
  pct << std::fixed << std::setprecision(1) << rate << " %";
  std::cout << "ttcd at " << g.settings.server.address << " (compiler " << s.compiler_build_id() << ", up "
            << s.uptime_seconds() << " s)\n";
  row("Requests", std::to_string(s.requests()));
  row("  Cache hits", std::to_string(s.hits()));
  row("  Cache misses", std::to_string(s.misses()));
  row("  Hit rate", pct.str());
  row("  Layout requests", std::to_string(s.layout_requests()));
  row("Cached verdicts", std::to_string(s.verdict_hits()));
  row("  Verdicts run (no cache)", std::to_string(s.verdict_misses()));
  for (const auto& t : s.tiers()) {  // compile, kernel_build, host_build, verdict
    const int64_t n = t.hits() + t.misses();
    std::ostringstream r;
    r << t.hits() << " / " << n;
    if (n > 0) r << " (" << std::fixed << std::setprecision(1) << 100.0 * static_cast<double>(t.hits()) / n << " %)";
    row("Hits " + t.tier(), r.str());
  }
  row("Compiles", std::to_string(s.compiles()));
  row("  Kernels with errors", std::to_string(s.compile_errors()));
  row("Mean hit time", Millis(static_cast<int64_t>(s.mean_hit_micros())));
  row("Mean compile time", Millis(static_cast<int64_t>(s.mean_compile_micros())));
  row("Errors", std::to_string(s.errors()));
  row("  Queue full (rejected)", std::to_string(s.rejected()));
  row("  Cancelled / deadline", std::to_string(s.cancelled()));
  row("Queue depth / in flight", absl::StrCat(s.queue_depth(), " / ", s.in_flight()));
  row("Workers", std::to_string(s.workers()));
  row("Store size", Bytes(s.store_bytes()));
  row("  Max size", s.cache_size_limit() > 0 ? Bytes(s.cache_size_limit()) : "unbounded");
  row("  Blobs", std::to_string(s.store_blobs()));
  row("  Action results", std::to_string(s.store_action_results()));
  row("  Evictions", std::to_string(s.evictions()));
  row("  Corrupt entries removed", std::to_string(s.corruptions()));
  row("  Disk free / reserve", absl::StrCat(Bytes(s.store_free_bytes()), " / ", Bytes(s.store_reserve())));
  row("  Writes refused (disk)", std::to_string(s.refused_writes()));
  if (s.store_read_only()) row("  State", "READ-ONLY (disk full or a write failed; recovers when space returns)");
  for (const std::string& q : s.quarantined()) row("  Quarantined at start", q);
  if (!s.wal_damage().empty()) row("  Write-ahead log damaged", s.wal_damage());
  if (const auto& r = s.remote(); s.has_remote()) {
    row("Remote tier", absl::StrCat(r.address(), r.connected() ? " (connected)" : " (not connected)"));
    row("  Hits / misses / corrupt", absl::StrCat(r.hits(), " / ", r.misses(), " / ", r.corrupt()));
    row("  Writes / dropped / queued", absl::StrCat(r.writes(), " / ", r.dropped_writes(), " / ", Bytes(r.queued_bytes())));
    row("  Errors / reconnects", absl::StrCat(r.errors(), " / ", r.reconnects(), r.last_error().empty() ? "" : " (last: " + r.last_error() + ")"));
  }
  return kExitOk;
}

// explain-build: what a shared build's key covers (its recipe, stored with the result) and
// its outputs. Exit 0 when found, kExitCompileError when no build is stored under the key.
int RunExplainBuild(Globals& g, const std::string& tier, const std::string& key) {
  if (!Open(g)) return kExitUsage;
  auto stub = ttc::v1::BuildCache::NewStub(g.channel);
  ttc::v1::LookupBuildRequest req;
  req.set_tier(tier);
  req.set_key(key);
  ttc::v1::LookupBuildResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(g.deadline());
  grpc::Status st = stub->LookupBuild(&ctx, req, &resp);
  if (st.error_code() == grpc::StatusCode::NOT_FOUND) {
    std::cerr << "ttc-client: error: no " << tier << " stored under key " << key << " at "
              << g.settings.server.address << " (never built by an agent there, or evicted)\n";
    return kExitCompileError;
  }
  if (!st.ok()) return RpcError(g, st, "explain-build " + key);
  std::vector<ttc::v1::Digest> recipe;
  for (const auto& f : resp.result().output_files()) {
    if (f.path() == "recipe.txt") recipe.push_back(f.digest());
  }
  auto cas = ttc::v1::Cas::NewStub(g.channel);
  auto blobs = ttc::remote::FetchBlobs(cas.get(), recipe, g.deadline());
  std::cout << tier << " " << key << "\n";
  if (blobs.ok() && !recipe.empty()) {
    std::cout << "recipe (the key is SHA-256 over these, in order):\n";
    std::istringstream in(blobs->at(ttc::cache::DigestKey(recipe[0])));
    for (std::string line; std::getline(in, line);) std::cout << "  " << line << "\n";
  } else {
    std::cout << "recipe: unavailable (" << (recipe.empty() ? "not stored" : blobs.status().message()) << ")\n";
  }
  std::cout << "outputs:\n";
  for (const auto& f : resp.result().output_files()) {
    if (f.path() != "recipe.txt") std::cout << "  " << f.path() << "  " << f.digest().hash() << "/" << f.digest().size_bytes() << "\n";
  }
  return kExitOk;
}

int RunHealth(Globals& g) {
  if (!Open(g)) return kExitUsage;
  auto stub = grpc::health::v1::Health::NewStub(g.channel);
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::min(g.deadline(), std::chrono::system_clock::now() + std::chrono::seconds(10)));
  if (auto st = stub->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp); !st.ok()) {
    return RpcError(g, st, "health");
  }
  std::cout << g.settings.server.address << ": "
            << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()) << "\n";
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? kExitOk : kExitServer;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ttc-client: submit kernels to a ttcd compile daemon", "ttc-client"};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--server", g.flags.server, "Daemon address HOST:PORT [$TTC_SERVER, client.toml, 127.0.0.1:7878]");
  app.add_option("--timeout", g.timeout_seconds, "Deadline of each call in seconds [600]")
      ->check(CLI::PositiveNumber);
  app.add_option("--tls-ca", g.flags.tls_ca,
                 "PEM file of the CA that signed ttcd's certificate [client.toml, system roots]");
  app.add_option("--tls-cert", g.flags.tls_cert, "PEM client certificate, for a ttcd that requires one [client.toml]");
  app.add_option("--tls-key", g.flags.tls_key, "PEM private key of --tls-cert [client.toml]");
  app.add_flag("--tls", g.flags.tls, "Use TLS on a loopback address too (always used for other addresses)");
  app.add_option("--token-file", g.flags.token_file,
                 "File whose first line is the bearer token [$TTC_TOKEN, $TTC_TOKEN_FILE, client.toml]");

  SubmitArgs sa;
  auto* submit = app.add_subcommand("submit", "Compile a kernel request on the daemon (cached fleet-wide)");
  submit->add_option("REQUEST", sa.request, "TileLang script (.py, - for stdin) or request file (.textproto, .json, .binpb)")
      ->required();
  submit->add_option("--func", sa.func, "With several kernels in a script: the one to compile");
  submit->add_option("--define", sa.defines, "NAME=VALUE: a size or parameter of the script's kernel; repeatable");
  submit->add_option("-o,--output", sa.out_dir, "Write the TT-Metalium program into DIR");
  submit->add_option("--target", sa.target, "Target preset overriding the request's (wormhole_b0, blackhole, ...)");
  submit->add_flag("--json", sa.json, "Print the answer as JSON (ttc.v1.CompileResponse, without file bytes)");
  submit->add_flag("--explain-key", sa.explain_key, "Also print the parts the action key is computed over");
  submit->add_flag("--no-cache", sa.no_cache, "Compile even if the daemon has a cached result");

  submit->add_flag("--validate", sa.validate, "Also validate the program on a device (a job for ttc-agent)");
  submit->add_option("--arch", sa.arch, "With --validate: device arch [the target's]");
  submit->add_option("--label", sa.labels, "With --validate: required device label KEY=VALUE (repeatable)");
  submit->add_option("--seed", sa.seed, "With --validate: input generation seed [0]");
  submit->add_option("--priority", sa.priority, "With --validate: higher runs first [0]");
  submit->add_option("--backend", sa.backend, "With --validate: emulator or metalium [emulator]");
  submit->add_flag("--revalidate", sa.revalidate,
                   "With --validate: run it even if this program already passed (a cached verdict)");
  submit->add_flag("--wait", sa.wait, "With --validate: follow the job until it completes (default on a terminal)");
  submit->add_flag("--no-wait", sa.no_wait, "With --validate: print the job id and return");
  const std::string reconnect_help =
      "When ttcd goes away during the wait (restart, upgrade): keep reconnecting (0.2 s doubling to 5 s) for up "
      "to S seconds, then resume watching the job; 0 = exit 4 at once [120]";
  submit->add_option("--reconnect-seconds", g.reconnect_seconds, "With --wait: " + reconnect_help)
      ->check(CLI::NonNegativeNumber);

  std::string watch_job;
  bool watch_json = false;
  auto* watch = app.add_subcommand(
      "watch", "Follow a validation job until it completes (across restarts of ttcd: --reconnect-seconds)");
  watch->add_option("JOB", watch_job, "Job id")->required();
  watch->add_flag("--json", watch_json, "Print the final job as JSON (ttc.v1.Job)");
  watch->add_option("--reconnect-seconds", g.reconnect_seconds, reconnect_help)->check(CLI::NonNegativeNumber);
  std::string cancel_job;
  auto* cancel = app.add_subcommand("cancel", "Cancel a validation job");
  cancel->add_option("JOB", cancel_job, "Job id")->required();
  bool devices_json = false;
  auto* devices = app.add_subcommand("devices", "Hosts and devices: arch, health, current job");
  devices->add_flag("--json", devices_json, "Print as JSON");
  std::string dh_host, dh_device, dh_health;
  auto* device_health = app.add_subcommand(
      "device-health", "Set a device's health: MAINTENANCE takes it out of rotation, GOOD puts it back");
  device_health->add_option("HOST", dh_host, "Host id (ttc-client devices)")->required();
  device_health->add_option("DEVICE", dh_device, "Device id (dev0, ...)")->required();
  device_health->add_option("HEALTH", dh_health, "GOOD, BAD or MAINTENANCE")->required();
  std::string jobs_state;
  bool jobs_json = false;
  auto* jobs = app.add_subcommand("jobs", "Validation jobs");
  jobs->add_option("--state", jobs_state, "QUEUED, EXECUTING or COMPLETED");
  jobs->add_flag("--json", jobs_json, "Print as JSON");

  std::string layout_request, layout_func, layout_target;
  bool layout_json = false;
  auto* layout = app.add_subcommand("layout", "Infer layouts, CBs, partition and runtime args (metadata passes only)");
  layout->add_option("REQUEST", layout_request, "TileLang script (.py, -) or request file")->required();
  layout->add_option("--func", layout_func, "With several kernels in a script: the one to use");
  layout->add_option("--target", layout_target, "Target preset overriding the request's");
  layout->add_flag("--json", layout_json, "Print the whole answer as JSON (ttc.v1.LayoutResponse)");

  std::string key, get_out;
  auto* get = app.add_subcommand("get", "Fetch the program of an action key into a directory");
  get->add_option("KEY", key, "Action key (printed by submit)")->required();
  get->add_option("-o,--output", get_out, "Directory to write")->required();

  bool stats_json = false;
  auto* stats = app.add_subcommand("stats", "Daemon statistics: requests, hits, misses, latencies, store");
  stats->add_flag("--json", stats_json, "Print as JSON (ttc.v1.Stats)");

  std::string eb_tier, eb_key;
  auto* explain_build = app.add_subcommand(
      "explain-build", "What a shared kernel or host build's key covers (its recipe) and its outputs");
  explain_build->add_option("TIER", eb_tier, "kernel_build or host_build")->required();
  explain_build->add_option("KEY", eb_key, "The build's key (agents log it)")->required();

  auto* health = app.add_subcommand("health", "Ask the daemon's grpc.health.v1 service; exit 0 when SERVING");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (*submit) return RunSubmit(g, sa);
  if (*layout) return RunLayout(g, layout_request, layout_func, layout_target, layout_json);
  if (*get) return RunGet(g, key, get_out);
  if (*stats) return RunStats(g, stats_json);
  if (*health) return RunHealth(g);
  if (*explain_build) return RunExplainBuild(g, eb_tier, eb_key);
  if (*watch) return Open(g) ? Watch(g, watch_job, watch_json) : kExitUsage;
  if (*cancel) return RunCancel(g, cancel_job);
  if (*devices) return RunDevices(g, devices_json);
  if (*device_health) return RunDeviceHealth(g, dh_host, dh_device, dh_health);
  if (*jobs) return RunJobs(g, jobs_state, jobs_json);
  return kExitUsage;
}
