// `ttcd`: the ttc compile daemon.
//
//   ttcd [--listen HOST:PORT] [--data-dir DIR] [--config FILE] [--workers N] [--queue-size N]
//        [--cache-size BYTES] [--max-message-bytes BYTES] [--no-sync-writes] [--drain-seconds S]
//        [--log-level LEVEL] [--heartbeat-interval-ms MS] [--missed-heartbeats N] [--max-attempts N]
//        [--metrics-listen HOST:PORT] [--port-file FILE]
//   ttcd --version
//
// Flags override the config file's keys (daemon/config.h, docs/daemon.md). Logs go to stderr
// as logfmt lines (`ts level msg=... key=value`). SIGTERM or SIGINT drains: health turns
// NOT_SERVING, accepted work finishes (up to drain_seconds), the store is closed, exit 0.
// Exit status: 0 clean shutdown; 1 cannot start (store, address); 2 usage or config error.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "client/build_id.h"
#include "daemon/config.h"
#include "daemon/server.h"

namespace {

// Writes the port atomically (temp file + rename), so a watcher never reads a partial file.
bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ttcd: the ttc compile daemon (gRPC; artifacts in RocksDB)", "ttcd"};
  app.set_version_flag("--version", std::string("ttcd ") + ttc::CompilerBuildId());
  std::string config_file, listen, data_dir, cache_size, max_message, log_level, port_file, metrics_listen;
  std::optional<int> workers, queue_size, drain_seconds, missed_heartbeats, max_attempts;
  std::optional<int64_t> heartbeat_ms;
  bool no_sync = false;
  app.add_option("--config", config_file, "TOML config file (keys as the flags, with underscores)");
  app.add_option("--listen", listen, "Address to serve on, HOST:PORT (port 0: any free port) [127.0.0.1:7878]");
  app.add_option("--data-dir", data_dir, "Where the store lives [$XDG_CACHE_HOME/ttc or ~/.cache/ttc]");
  app.add_option("--workers", workers, "Compile threads [number of cores]")->check(CLI::Range(1, 1024));
  app.add_option("--queue-size", queue_size, "Compiles that may wait for a worker before RESOURCE_EXHAUSTED [64]")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--cache-size", cache_size, "Blob bytes kept before LRU eviction, e.g. 10GiB; 0 = unbounded [0]");
  app.add_option("--max-message-bytes", max_message, "Largest accepted request [16MiB]");
  app.add_flag("--no-sync-writes", no_sync, "Do not fsync the WAL per write (faster; a crash may lose recent results)");
  app.add_option("--drain-seconds", drain_seconds, "SIGTERM: time in-flight work may take [30]")
      ->check(CLI::Range(0, 3600));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error [info]");
  app.add_option("--heartbeat-interval-ms", heartbeat_ms, "Agents heartbeat this often [10000]")
      ->check(CLI::Range(int64_t{10}, int64_t{3600000}));
  app.add_option("--missed-heartbeats", missed_heartbeats, "An agent silent this many intervals is lost [3]")
      ->check(CLI::Range(1, 100));
  app.add_option("--max-attempts", max_attempts, "Leases per validation job before it fails [3]")
      ->check(CLI::Range(1, 100));
  app.add_option("--metrics-listen", metrics_listen, "Serve Prometheus /metrics on HOST:PORT [off]");
  app.add_option("--port-file", port_file, "Write the bound port to this file once serving (for scripts)");
  CLI11_PARSE(app, argc, argv);

  ttc::daemon::Config config;
  if (!config_file.empty()) {
    auto loaded = ttc::daemon::LoadConfigFile(config_file, config);
    if (!loaded.ok()) {
      std::cerr << "ttcd: error: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  if (!listen.empty()) config.listen = listen;
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (workers) config.workers = *workers;
  if (queue_size) config.queue_size = *queue_size;
  if (drain_seconds) config.drain_seconds = *drain_seconds;
  if (no_sync) config.sync_writes = false;
  if (!log_level.empty()) config.log_level = log_level;
  if (heartbeat_ms) config.heartbeat_interval_ms = *heartbeat_ms;
  if (!metrics_listen.empty()) config.metrics_listen = metrics_listen;
  if (missed_heartbeats) config.missed_heartbeats = *missed_heartbeats;
  if (max_attempts) config.max_attempts = *max_attempts;
  for (auto [text, field, name] : {std::tuple{&cache_size, &config.cache_size, "--cache-size"},
                                   std::tuple{&max_message, &config.max_message_bytes, "--max-message-bytes"}}) {
    if (text->empty()) continue;
    auto bytes = ttc::daemon::ParseByteSize(*text);
    if (!bytes.ok()) {
      std::cerr << "ttcd: error: " << name << ": " << bytes.status().message() << "\n";
      return 2;
    }
    *field = *bytes;
  }

  auto logger = spdlog::stderr_logger_mt("ttcd");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
  spdlog::set_default_logger(logger);
  const auto level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    std::cerr << "ttcd: error: --log-level: unknown level '" << config.log_level << "' (trace, debug, info, warn, error)\n";
    return 2;
  }
  spdlog::set_level(level);
  spdlog::flush_on(spdlog::level::info);

  // Block the shutdown signals in every thread; the main thread takes them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = ttc::daemon::Server::Start(config);
  if (!server.ok()) {
    spdlog::error("msg=\"cannot start\" error=\"{}\"", std::string(server.status().message()));
    std::cerr << "ttcd: error: " << server.status().message() << "\n";
    return 1;
  }
  std::cout << "ttcd: listening on " << (*server)->address() << std::endl;
  if (!port_file.empty() && !WritePortFile(port_file, (*server)->port())) {
    std::cerr << "ttcd: error: cannot write --port-file " << port_file << "\n";
    (*server)->Shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("msg=\"signal\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown(std::chrono::seconds(config.drain_seconds));
  return 0;
}
