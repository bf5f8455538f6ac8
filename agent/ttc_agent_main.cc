// `ttc-agent`: runs device-validation jobs for a ttcd daemon on this host's devices.
//
//   ttc-agent [--config FILE] [--check-config] [--server ADDR] [--backend emulator|metalium]
//             [--arch ARCH] [--devices N] [--labels k=v,...] [--work-dir DIR] [--host-id ID]
//             [--drain-seconds S] [--health-check-every N] [--tls-ca FILE]
//             [--tls-cert FILE --tls-key FILE] [--tls] [--token-file FILE]
//
// Settings (agent/agent_config.h): each flag, else the environment ($TTC_SERVER; the token
// from $TTC_TOKEN or $TTC_TOKEN_FILE), else the key of the same name in --config FILE
// (agent.toml; deploy/agent.toml is the commented example), else the default. The connection
// is TLS unless the server is loopback (remote/remote.h). --check-config loads and checks
// everything the agent needs before it connects (the file, the token and PEM files, the
// backend), prints the effective settings as agent.toml text and exits.
//
// It opens one DeviceFleet stream, registers its devices, heartbeats at the interval the
// daemon asks for, takes leases (one job per device at a time), fetches the program's blobs
// it does not have yet from the CAS (kept under WORK_DIR/cas by digest), runs the validation
// on the backend, uploads the report to the CAS and reports the result. A broken stream is
// reconnected (with backoff), re-registering the leases it still works on. SIGTERM/SIGINT:
// takes no new work, lets running jobs finish for up to --drain-seconds, hands the rest back,
// exits 0. Health checks (a known-good kernel validated on each device) run after the first
// registration and every --health-check-every jobs; a failing device leaves rotation (BAD)
// until a check passes again. Logs are logfmt lines on stderr.
// Exit status: 0 clean shutdown (or --check-config found no problem); 2 usage or config error,
// a backend that cannot run here, or the daemon refused the agent (UNAUTHENTICATED: no or
// an unknown token; PERMISSION_DENIED: the token lacks the agent role) - retrying would not
// help, the token has to change (the systemd unit restarts the agent later).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "agent/agent_config.h"
#include "validate/backend.h"
#include "cache/artifact_store.h"
#include "driver/action.h"
#include "frontend/load.h"
#include "cache/digest.h"
#include "remote/remote.h"
#include "validate/validate.h"
#include "ttc/v1/service.grpc.pb.h"

namespace {

std::atomic<bool> g_stop{false};

using Options = ttc::agent::AgentConfig;

// The health check (LAVA): a known-good kernel - TileLang's element-wise add, 64x64 bf16 -
// compiled here and validated on the device. A device that cannot pass it leaves rotation.
constexpr char kHealthCheckKernel[] = R"(import tilelang.language as T

@T.prim_func
def health_check(A: T.Buffer((64, 64), "bfloat16"), B: T.Buffer((64, 64), "bfloat16"),
                 C: T.Buffer((64, 64), "bfloat16")):
    with T.Kernel(2, 2) as (bx, by):
        A_tile = T.alloc_fragment((32, 32), "bfloat16")
        B_tile = T.alloc_fragment((32, 32), "bfloat16")
        C_tile = T.alloc_fragment((32, 32), "bfloat16")
        T.copy(A[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32], A_tile)
        T.copy(B[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32], B_tile)
        for i, j in T.grid(32, 32):
            C_tile[i, j] = A_tile[i, j] + B_tile[i, j]
        T.copy(C_tile, C[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32])
)";

class Agent {
 public:
  // `channel`: remote::Connect's (keepalive pings notice a half-open network while the agent
  // only listens). `labels`: o.labels parsed.
  Agent(Options o, std::map<std::string, std::string> labels, std::shared_ptr<grpc::Channel> channel,
        std::unique_ptr<ttc::validate::Backend> backend)
      : o_(std::move(o)), backend_(std::move(backend)), channel_(std::move(channel)),
        fleet_(ttc::v1::DeviceFleet::NewStub(channel_)), cas_(ttc::v1::Cas::NewStub(channel_)),
        labels_(std::move(labels)) {
    std::filesystem::create_directories(o_.work_dir + "/cas");
  }

  // From the signal watcher: stop taking work and end the current session.
  void Stop() {
    g_stop = true;
    {
      std::lock_guard<std::mutex> l(ctx_mu_);
      if (ctx_) ctx_->TryCancel();
    }
    cv_.notify_all();
  }

  // Runs until SIGTERM/SIGINT, or until the daemon refuses the agent; returns the exit status.
  int Run() {
    int backoff_ms = 100;
    // (Stop() ends a session; a reconnect sleep wakes on g_stop through cv_.)
    while (!g_stop) {
      const bool registered = Session();
      if (!refused_.ok()) {
        spdlog::error("msg=\"the daemon refused the agent; not retrying: the token has to change (--token-file, "
                      "TTC_TOKEN, token_file in the config)\" server={} status={} error=\"{}\" token_from=\"{}\"",
                      o_.server,
                      refused_.error_code() == grpc::StatusCode::UNAUTHENTICATED ? "UNAUTHENTICATED"
                                                                                  : "PERMISSION_DENIED",
                      refused_.error_message(), o_.token_source.empty() ? "none" : o_.token_source);
        // Jobs still running cannot report any more; exit now rather than tear down the
        // agent under their threads.
        spdlog::default_logger()->flush();
        std::fflush(nullptr);
        std::_Exit(2);
      }
      if (g_stop) break;
      backoff_ms = registered ? 100 : std::min(backoff_ms * 2, 5000);
      spdlog::warn("msg=\"stream lost, reconnecting\" server={} in_ms={}", o_.server, backoff_ms);
      SleepUnlessStopping(backoff_ms);
    }
    Drain();
    return 0;
  }

 private:
  struct Work {
    ttc::v1::Job job;
    bool revoked = false;
    bool done = false;
    ttc::v1::AgentMessage report;  // finished or crashed, once done
    std::thread thread;
  };

  void SleepUnlessStopping(int ms) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::milliseconds(ms), [] { return g_stop.load(); });
  }

  // Sends on the current stream; false when there is none or it broke.
  bool Send(const ttc::v1::AgentMessage& m) {
    std::lock_guard<std::mutex> l(write_mu_);
    return stream_ && stream_->Write(m);
  }

  // One connection: register, then read until the stream ends. True if it registered.
  bool Session() {
    grpc::ClientContext ctx;
    {
      std::lock_guard<std::mutex> l(ctx_mu_);
      if (g_stop) return false;
      ctx_ = &ctx;
    }
    struct Unset {
      Agent* a;
      ~Unset() {
        std::lock_guard<std::mutex> l(a->ctx_mu_);
        a->ctx_ = nullptr;
      }
    } unset{this};
    auto stream = fleet_->Connect(&ctx);
    ttc::v1::AgentMessage hello;
    auto* reg = hello.mutable_register_();
    reg->set_host_id(o_.host_id);
    reg->set_backend(backend_->name());
    for (int i = 0; i < o_.devices; ++i) {
      auto* d = reg->add_devices();
      d->set_device_id(absl::StrCat("dev", i));
      d->set_arch(o_.arch);
      d->mutable_labels()->insert(labels_.begin(), labels_.end());
      d->set_health(ttc::v1::GOOD);
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      for (const auto& [lease, w] : work_) reg->add_running_leases(lease);
    }
    bool sent;
    {
      std::lock_guard<std::mutex> l(write_mu_);
      stream_ = stream.get();
      sent = stream_->Write(hello);
    }
    std::atomic<bool> session_over{false};
    std::thread heartbeat;
    bool registered = false;
    ttc::v1::ServerMessage m;
    while (sent && stream->Read(&m)) {
      if (m.has_registered()) {
        registered = true;
        const int64_t interval = std::max<int64_t>(10, m.registered().heartbeat_interval_ms());
        spdlog::info("msg=\"registered\" server={} host={} devices={} heartbeat_ms={}", o_.server, o_.host_id,
                     o_.devices, interval);
        std::set<std::string> dropped(m.registered().dropped_leases().begin(), m.registered().dropped_leases().end());
        {
          std::lock_guard<std::mutex> l(mu_);
          for (auto& [lease, w] : work_) {
            if (dropped.count(lease)) w->revoked = true;
          }
        }
        if (!heartbeat.joinable()) {
          heartbeat = std::thread([this, interval, &session_over] {
            ttc::v1::AgentMessage hb;
            hb.mutable_heartbeat();
            while (!session_over) {
              if (!Send(hb)) break;
              std::unique_lock<std::mutex> l(mu_);
              cv_.wait_for(l, std::chrono::milliseconds(interval), [&] { return session_over.load(); });
            }
          });
        }
        FlushReports();
        if (!checked_) {
          checked_ = true;
          for (int i = 0; i < o_.devices; ++i) HealthCheck(absl::StrCat("dev", i));
        }
      } else if (m.has_lease()) {
        StartJob(m.lease());
      } else if (m.has_revoke()) {
        std::lock_guard<std::mutex> l(mu_);
        if (auto it = work_.find(m.revoke().lease_id()); it != work_.end()) it->second->revoked = true;
        spdlog::info("msg=\"lease revoked\" lease={} reason=\"{}\"", m.revoke().lease_id(), m.revoke().reason());
      }
    }
    {
      std::lock_guard<std::mutex> l(write_mu_);
      stream_ = nullptr;
    }
    session_over = true;
    cv_.notify_all();
    if (heartbeat.joinable()) heartbeat.join();
    grpc::Status st = stream->Finish();
    if (st.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
        st.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
      refused_ = st;
    } else if (!g_stop) {
      spdlog::warn("msg=\"stream ended\" status={} error=\"{}\"", st.error_code(), st.error_message());
    }
    return registered;
  }

  // Runs the health check on `device` and reports it. The verdict is sent on the stream.
  void HealthCheck(const std::string& device) {
    ttc::v1::AgentMessage m;
    auto* hc = m.mutable_health_check();
    hc->set_device_id(device);
    auto req = ttc::frontend::ParseTileLangScript(kHealthCheckKernel, "<health check>", {});
    absl::Status failure;
    if (!req.ok()) {
      failure = req.status();
    } else {
      req->mutable_target()->set_preset(o_.arch);
      auto action = ttc::RunAction(*req, "", ttc::ActionKind::kCompile);
      if (!action.ok() || !action->result.success()) {
        failure = absl::InternalError("the health-check kernel does not compile for " + o_.arch);
      } else {
        ttc::v1::Job job;
        *job.mutable_spec()->mutable_request() = *req;
        job.mutable_spec()->set_seed(1);
        auto report = backend_->Run(job, action->files);
        if (!report.ok()) failure = report.status();
        else if (!report->pass) failure = absl::InternalError("the health-check kernel did not validate: " + report->error);
      }
    }
    hc->set_passed(failure.ok());
    hc->set_detail(failure.ok() ? "PASS" : std::string(failure.message()));
    if (failure.ok()) {
      spdlog::info("msg=\"health check passed\" device={}", device);
    } else {
      spdlog::warn("msg=\"health check failed\" device={} detail=\"{}\"", device, std::string(failure.message()));
    }
    Send(m);
  }

  void StartJob(const ttc::v1::Job& job) {
    std::lock_guard<std::mutex> l(mu_);
    const std::string lease = job.lease().lease_id();
    if (g_stop || work_.count(lease)) return;  // draining (handed back at exit) or a duplicate
    auto w = std::make_unique<Work>();
    w->job = job;
    Work* raw = w.get();
    work_[lease] = std::move(w);
    raw->thread = std::thread([this, raw] { Execute(raw); });
  }

  void Progress(const std::string& lease, const std::string& text) {
    ttc::v1::AgentMessage m;
    m.mutable_progress()->set_lease_id(lease);
    m.mutable_progress()->set_message(text);
    Send(m);
  }

  // The program's files: from WORK_DIR/cas when present (verified), the rest from the CAS.
  absl::StatusOr<std::map<std::string, std::string>> FetchProgram(const ttc::v1::Job& job) {
    std::map<std::string, std::string> files;
    std::vector<ttc::v1::Digest> missing;
    for (const auto& f : job.program()) {
      std::ifstream in(o_.work_dir + "/cas/" + f.digest().hash(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      if (in.good() || in.eof()) {
        if (ttc::cache::VerifyBlob(f.digest(), bytes).ok()) {
          files[f.path()] = std::move(bytes);
          continue;
        }
      }
      missing.push_back(f.digest());
    }
    if (!missing.empty()) {
      auto blobs = ttc::remote::FetchBlobs(cas_.get(), missing,
                                           std::chrono::system_clock::now() + std::chrono::seconds(60));
      if (!blobs.ok()) return blobs.status();
      for (const auto& f : job.program()) {
        auto it = blobs->find(ttc::cache::DigestKey(f.digest()));
        if (it == blobs->end()) continue;
        const std::string path = o_.work_dir + "/cas/" + f.digest().hash();
        std::ofstream(path + ".tmp", std::ios::binary) << it->second;
        std::filesystem::rename(path + ".tmp", path);
        files[f.path()] = it->second;
      }
    }
    return files;
  }

  void Execute(Work* w) {
    const ttc::v1::Job& job = w->job;
    const std::string lease = job.lease().lease_id();
    spdlog::info("msg=\"job started\" job={} lease={} device={}", job.id(), lease, job.lease().device_id());
    ttc::v1::AgentMessage out;
    ttc::v1::JobResult* result = out.mutable_finished()->mutable_result();
    out.mutable_finished()->set_lease_id(lease);
    Progress(lease, "fetching the program from the CAS");
    auto files = FetchProgram(job);
    if (!files.ok()) {
      out.Clear();
      out.mutable_crashed()->set_lease_id(lease);
      out.mutable_crashed()->set_reason(absl::StrCat("cannot fetch the program: ", files.status().message()));
    } else {
      Progress(lease, absl::StrCat("building and running on the ", backend_->name()));
      auto report = backend_->Run(job, *files);
      if (!report.ok()) {
        result->set_outcome(ttc::v1::ERROR);
        result->set_summary(std::string(report.status().message()));
      } else {
        result->set_outcome(report->pass ? ttc::v1::PASSED : ttc::v1::FAILED);
        result->set_report_text(ttc::FormatReport(*report));
        result->set_summary(report->pass ? "PASS" : (report->error.empty() ? "FAIL: an output mismatched"
                                                                           : "FAIL: " + report->error));
        const std::string json = ttc::ReportJson(*report);
        *result->mutable_report_digest() = ttc::cache::DigestOf(json);
        auto up = ttc::remote::UploadBlobs(cas_.get(), {{ttc::cache::DigestKey(result->report_digest()), json}},
                                           std::chrono::system_clock::now() + std::chrono::seconds(60));
        if (!up.ok()) spdlog::warn("msg=\"report upload failed\" lease={} error=\"{}\"", lease, std::string(up.status().message()));
      }
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      w->report = out;
      w->done = true;
    }
    spdlog::info("msg=\"job done\" job={} lease={} outcome={}", job.id(), lease,
                 out.has_finished() ? ttc::v1::JobOutcome_Name(result->outcome()) : "CRASHED");
    const std::string device = job.lease().device_id();  // `w` is freed once its report is sent
    FlushReports();
    if (o_.health_check_every > 0 && ++jobs_done_ % o_.health_check_every == 0) HealthCheck(device);
  }

  // Sends the results of finished jobs; keeps them for the next session if the stream broke.
  void FlushReports() {
    std::vector<std::unique_ptr<Work>> finished;
    {
      std::lock_guard<std::mutex> l(mu_);
      for (auto it = work_.begin(); it != work_.end();) {
        Work* w = it->second.get();
        if (w->done && (w->revoked || Send(w->report))) {
          finished.push_back(std::move(it->second));
          it = work_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& w : finished) {
      if (w->thread.joinable()) {
        if (w->thread.get_id() == std::this_thread::get_id()) w->thread.detach();
        else w->thread.join();
      }
    }
    cv_.notify_all();
  }

  // SIGTERM: wait for running jobs (bounded), hand back what is left, close the stream.
  void Drain() {
    std::unique_lock<std::mutex> l(mu_);
    spdlog::info("msg=\"draining\" running={} drain_s={}", work_.size(), o_.drain_seconds);
    cv_.wait_for(l, std::chrono::seconds(o_.drain_seconds), [&] {
      for (auto& [lease, w] : work_) {
        if (!w->done) return false;
      }
      return true;
    });
    l.unlock();
    // The stream is closed by now (Session returned); report and say goodbye on a new one.
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto stream = fleet_->Connect(&ctx);
    ttc::v1::AgentMessage hello;
    auto* reg = hello.mutable_register_();
    reg->set_host_id(o_.host_id);
    reg->set_backend(backend_->name());  // no devices: it takes no new leases while it says goodbye
    l.lock();
    for (const auto& [lease, w] : work_) reg->add_running_leases(lease);
    l.unlock();
    if (stream->Write(hello)) {
      l.lock();
      for (auto& [lease, w] : work_) {
        if (w->done && !w->revoked) stream->Write(w->report);
      }
      l.unlock();
      ttc::v1::AgentMessage bye;
      bye.mutable_goodbye()->set_hand_back_leases(true);
      stream->Write(bye);
    }
    stream->WritesDone();
    ttc::v1::ServerMessage ignored;
    while (stream->Read(&ignored)) {
    }
    stream->Finish();
    l.lock();
    for (auto& [lease, w] : work_) {
      if (w->thread.joinable()) w->thread.detach();  // still running past the drain time
    }
    spdlog::info("msg=\"stopped\" host={}", o_.host_id);
  }

  Options o_;
  std::unique_ptr<ttc::validate::Backend> backend_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ttc::v1::DeviceFleet::Stub> fleet_;
  std::unique_ptr<ttc::v1::Cas::Stub> cas_;
  std::map<std::string, std::string> labels_;

  std::mutex mu_;  // work_, and the condition below
  std::condition_variable cv_;
  std::map<std::string, std::unique_ptr<Work>> work_;  // lease id -> job

  grpc::Status refused_;              // the daemon's UNAUTHENTICATED or PERMISSION_DENIED, once
  bool checked_ = false;              // health checks ran after the first registration
  std::atomic<int64_t> jobs_done_{0};

  std::mutex ctx_mu_;  // the current session's context, for Stop()
  grpc::ClientContext* ctx_ = nullptr;

  std::mutex write_mu_;  // one writer at a time on the stream
  grpc::ClientReaderWriter<ttc::v1::AgentMessage, ttc::v1::ServerMessage>* stream_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ttc-agent: runs ttcd's device-validation jobs on this host", "ttc-agent"};
  Options flags;
  std::string config_path;
  bool check_config = false;
  app.add_option("--config", config_path,
                 "agent.toml with the settings below (keys: the flag names with '_'); flags override it");
  app.add_flag("--check-config", check_config,
               "Load and check the settings, the token and PEM files and the backend; print the settings; exit");
  // Each setting's flag is --KEY of agent/agent_config.h with '-' for '_'.
  app.add_option("--server", flags.server, "ttcd address HOST:PORT [$TTC_SERVER, config, 127.0.0.1:7878]");
  app.add_option("--backend", flags.backend, "emulator or metalium [emulator]");
  app.add_option("--arch", flags.arch, "Device arch: wormhole_b0, blackhole, grayskull [wormhole_b0]");
  app.add_option("--devices", flags.devices, "Devices (concurrent jobs), 1..64 [1]");
  app.add_option("--labels", flags.labels, "Device labels k=v,... (jobs can require them)");
  app.add_option("--work-dir", flags.work_dir, "Blob cache and scratch [$XDG_CACHE_HOME/ttc/agent]");
  app.add_option("--host-id", flags.host_id, "This host's id, stable across restarts [hostname]");
  app.add_option("--drain-seconds", flags.drain_seconds, "SIGTERM: time running jobs may take, 0..3600 [60]");
  app.add_option("--health-check-every", flags.health_check_every,
                 "Run the device health check after every N jobs (and at start); 0 = only at start [20]");
  app.add_option("--tls-ca", flags.tls_ca, "PEM file of the CA that signed ttcd's certificate [system roots]");
  app.add_option("--tls-cert", flags.tls_cert, "PEM client certificate, for a ttcd that requires one");
  app.add_option("--tls-key", flags.tls_key, "PEM private key of --tls-cert");
  app.add_flag("--tls", flags.tls, "Use TLS on a loopback address too (always used for other addresses)");
  app.add_option("--token-file", flags.token_file,
                 "File whose first line is the agent's bearer token [$TTC_TOKEN, $TTC_TOKEN_FILE, config]");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  std::set<std::string> given;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() == 0 || opt->get_lnames().empty()) continue;
    const std::string name = absl::StrReplaceAll(opt->get_lnames()[0], {{"-", "_"}});
    if (name != "config" && name != "check_config") given.insert(name);
  }

  // SIGTERM/SIGINT: blocked here, before gRPC starts threads that would inherit the default
  // action; a watcher thread takes them and wakes the agent.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto o = ttc::agent::ResolveAgentConfig(flags, given, config_path);
  if (!o.ok()) {
    std::cerr << "ttc-agent: error: " << o.status().message() << "\n";
    return 2;
  }
  auto labels = ttc::agent::ParseLabels(o->labels);  // checked by ResolveAgentConfig
  auto backend = ttc::validate::MakeBackend(o->backend);
  if (!backend.ok()) {
    std::cerr << "ttc-agent: error: " << backend.status().message() << "\n";
    return 2;
  }
  auto channel = ttc::remote::Connect(o->server, {o->tls_ca, o->tls_cert, o->tls_key, o->tls, o->token});
  if (!channel.ok()) {
    std::cerr << "ttc-agent: error: " << channel.status().message() << "\n";
    return 2;
  }
  if (check_config) {
    std::cout << ttc::agent::FormatAgentConfig(*o);
    return 0;
  }

  auto logger = spdlog::stderr_logger_mt("ttc-agent");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::info);

  Agent agent(*o, *std::move(labels), *std::move(channel), std::move(*backend));
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("msg=\"signal\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    agent.Stop();
  });
  watcher.detach();
  return agent.Run();
}
