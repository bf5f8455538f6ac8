// `ttc-agent`: runs device-validation jobs for a ttcd daemon on this host's devices.
//
//   ttc-agent [--config FILE] [--check-config] [--server ADDR] [--backend emulator|metalium]
//             [--arch ARCH] [--devices N] [--labels k=v,...] [--work-dir DIR] [--host-id ID]
//             [--drain-seconds S] [--health-check-every N] [--job-memory-mib N]
//             [--job-cpu-seconds S] [--job-output-mib N] [--tls-ca FILE]
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
// on the backend in a job process of its own under the job limits (agent/job_process.h: a
// job that crashes or exceeds a limit is reported as crashed by the job; the agent carries
// on), uploads the report to the CAS and reports the result. A broken stream is
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

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_replace.h"
#include "agent/agent.h"
#include "agent/agent_config.h"
#include "agent/build_cache_client.h"
#include "agent/job_process.h"
#include "remote/remote.h"
#include "validate/backend.h"

using Options = ttc::agent::AgentConfig;

namespace {

// `--run-job DIR`: the job process. Runs the backend (with the fleet's build cache unless
// local_builds) on the job in DIR; the exit status tells the agent how it ended.
int RunJob(const Options& o, const std::string& dir) {
  ttc::agent::InstallJobTerminateHandler();
  // Its log lines go to DIR/log.txt, which the agent copies into its own log afterwards
  // (stderr, where a job's tools write too, is kept apart: only for a crash's reason).
  auto logger = spdlog::basic_logger_mt("ttc-agent-job", dir + "/" + ttc::agent::kJobLogFile);
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  spdlog::set_default_logger(logger);
  std::unique_ptr<ttc::validate::BuildCache> builds;
  if (!o.local_builds) {
    auto channel = ttc::remote::Connect(o.server, {o.tls_ca, o.tls_cert, o.tls_key, o.tls, o.token});
    if (channel.ok()) builds = ttc::agent::MakeRemoteBuildCache(*channel);
  }
  auto backend = ttc::validate::MakeBackend(o.backend, builds.get());
  if (!backend.ok()) {
    std::cerr << "ttc-agent job: " << backend.status().message() << "\n";
    return ttc::agent::kExitBadJobDir;
  }
  return ttc::agent::RunJobInThisProcess(**backend, dir);
}

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
  app.add_flag("--local-builds", flags.local_builds,
               "Build host programs and kernels here only, never shared through ttcd's build cache");
  app.add_option("--job-memory-mib", flags.job_memory_mib, "Each job process's address-space limit, MiB [8192]");
  app.add_option("--job-cpu-seconds", flags.job_cpu_seconds, "Each job process's CPU-time limit, seconds [3600]");
  app.add_option("--job-output-mib", flags.job_output_mib, "The largest file a job process may write, MiB [1024]");
  std::string run_job;
  app.add_option("--run-job", run_job)->group("");  // internal: the job process (agent/job_process.h)
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
    if (name != "config" && name != "check_config" && name != "run_job") given.insert(name);
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
  // The emulator's kernel objects and host programs are this agent's own (work_dir/emu), so
  // what it did not build itself comes from the fleet's build cache, verified.
  if (const char* d = std::getenv("TTC_EMU_CACHE_DIR"); d == nullptr || *d == '\0') {
    setenv("TTC_EMU_CACHE_DIR", (o->work_dir + "/emu").c_str(), 1);
  }
  if (!run_job.empty()) return RunJob(*o, run_job);
  if (auto probe = ttc::validate::MakeBackend(o->backend); !probe.ok()) {
    std::cerr << "ttc-agent: error: " << probe.status().message() << "\n";
    return 2;
  }
  auto channel = ttc::remote::Connect(o->server, {o->tls_ca, o->tls_cert, o->tls_key, o->tls, o->token});
  if (!channel.ok()) {
    std::cerr << "ttc-agent: error: " << channel.status().message() << "\n";
    return 2;
  }
  std::unique_ptr<ttc::validate::BuildCache> builds;
  if (!o->local_builds) builds = ttc::agent::MakeRemoteBuildCache(*channel);
  if (check_config) {
    std::cout << ttc::agent::FormatAgentConfig(*o);
    return 0;
  }
  // Every validation runs in a job process of its own: this executable with the same
  // arguments plus --run-job DIR, under the job limits.
  ttc::agent::JobLimits limits;
  limits.memory_mib = o->job_memory_mib;
  limits.cpu_seconds = o->job_cpu_seconds;
  limits.output_mib = o->job_output_mib;
  std::unique_ptr<ttc::validate::Backend> backend = ttc::agent::MakeProcessBackend(
      o->backend, "/proc/self/exe", std::vector<std::string>(argv, argv + argc), o->work_dir + "/jobs", limits);

  auto logger = spdlog::stderr_logger_mt("ttc-agent");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::info);

  ttc::agent::Agent agent(*o, *std::move(labels), ttc::agent::MakeGrpcFleetChannel(*channel), std::move(backend),
                          ttc::agent::MakeCasBlobCache(o->work_dir, *channel), ttc::agent::SystemClock());
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("msg=\"signal\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    agent.Stop();
  });
  watcher.detach();
  if (agent.Run() == ttc::agent::Agent::Outcome::kRefused) {
    // Jobs still running cannot report any more; exit now rather than tear down the agent
    // under their threads.
    spdlog::default_logger()->flush();
    std::fflush(nullptr);
    std::_Exit(2);
  }
  return 0;
}
