// `ttcd`: the ttc compile daemon.
//
//   ttcd [--listen HOST:PORT] [--data-dir DIR] [--config FILE] [--workers N] [--queue-size N]
//        [--cache-size BYTES] [--max-message-bytes BYTES] [--no-sync-writes] [--drain-seconds S]
//        [--log-level LEVEL] [--heartbeat-interval-ms MS] [--missed-heartbeats N] [--max-attempts N]
//        [--metrics-listen HOST:PORT] [--port-file FILE]
//        [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM] | --insecure] [--tokens-file FILE]
//        [--max-streams-per-client N] [--max-blob-bytes BYTES] [--rate-limit RPS] [--rate-burst N]
//   ttcd token add --tokens-file FILE --name NAME --role ROLE [--role ROLE...] [--group GROUP]
//   ttcd store check|repair [--data-dir DIR]   (with ttcd stopped; docs/operations.md)
//   ttcd --version
//
// Flags override the config file's keys (daemon/config.h, docs/daemon.md). Logs go to stderr
// as logfmt lines (`ts level msg=... key=value`). SIGTERM or SIGINT drains: health turns
// NOT_SERVING, accepted work finishes (up to drain_seconds), the store is closed, exit 0.
// SIGHUP re-reads tokens_file (a malformed file is logged and the old tokens stay).
// `token add` creates a token: appends its name, roles and SHA-256 to the token file
// (mode 0600) and prints the token itself once on stdout (daemon/auth.h).
// Exit status: 0 clean shutdown; 1 cannot start (store, address); 2 usage or config error
// (including the security keys: TLS files, tokens file).
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cache/store_admin.h"
#include "driver/build_id.h"
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
  std::string config_file, listen, data_dir, cache_size, store_reserve, max_message, log_level, port_file, metrics_listen,
      remote_storage;
  std::optional<int> workers, queue_size, drain_seconds, missed_heartbeats, max_attempts;
  std::optional<int64_t> heartbeat_ms;
  bool no_sync = false;
  app.add_option("--config", config_file, "TOML config file (keys as the flags, with underscores)");
  app.add_option("--listen", listen, "Address to serve on, HOST:PORT (port 0: any free port) [127.0.0.1:7878]");
  app.add_option("--data-dir", data_dir, "Where the store lives [$XDG_CACHE_HOME/ttc or ~/.cache/ttc]");
  app.add_option("--workers", workers, "Compile threads [number of cores]")->check(CLI::Range(1, 1024));
  app.add_option("--queue-size", queue_size, "Compiles that may wait for a worker before RESOURCE_EXHAUSTED [64]")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--cache-size", cache_size,
                 "Blob bytes kept before LRU eviction, e.g. 10GiB; 0 = unbounded [half the data dir's filesystem]");
  app.add_option("--store-reserve", store_reserve,
                 "Free space kept on the data dir's filesystem: below it, LRU eviction runs and new results are "
                 "refused (RESOURCE_EXHAUSTED) until space returns [512MiB]");
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
  app.add_option("--remote-storage", remote_storage,
                 "Shared cache tier: redis://[[user]:password@]host:port[,host:port...] (Cluster seeds) [off]");
  app.add_option("--port-file", port_file, "Write the bound port to this file once serving (for scripts)");
  std::string tls_cert, tls_key, tls_client_ca, tokens_file, max_blob;
  bool insecure = false;
  std::optional<int> max_streams, rate_burst, max_batch_digests, io_threads, io_queue;
  std::optional<double> rate_limit;
  app.add_option("--tls-cert", tls_cert, "PEM certificate chain to serve TLS with");
  app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", tls_client_ca, "Require client certificates signed by this PEM CA bundle");
  app.add_flag("--insecure", insecure, "Serve plaintext (only on a loopback address; for development)");
  app.add_option("--tokens-file", tokens_file, "Bearer tokens (TOML, SHA-256 digests; see ttcd token add)");
  app.add_option("--max-streams-per-client", max_streams, "Streaming calls one client may hold open [64]; 0 = off")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--max-blob-bytes", max_blob, "Largest blob the CAS accepts [1GiB]");
  app.add_option("--max-batch-digests", max_batch_digests, "Digests per CAS batch call [10000]")
      ->check(CLI::Range(1, 1 << 24));
  app.add_option("--io-threads", io_threads, "Threads serving CAS transfers [2]")->check(CLI::Range(1, 256));
  app.add_option("--io-queue", io_queue, "CAS calls that may wait for an I/O thread before RESOURCE_EXHAUSTED [256]")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--rate-limit", rate_limit, "Requests per second per client [0 = unlimited]")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--rate-burst", rate_burst, "Requests a client may burst [2 x rate limit]")
      ->check(CLI::Range(0, 1 << 30));

  CLI::App* token_cmd = app.add_subcommand("token", "Manage bearer tokens");
  CLI::App* token_add = token_cmd->add_subcommand("add", "Create a token: append its digest to the token file, print it");
  token_cmd->require_subcommand(1);
  std::string new_name, new_file, new_group;
  std::vector<std::string> new_roles;
  token_add->add_option("--tokens-file", new_file, "Token file to append to (created with mode 0600)")->required();
  token_add->add_option("--name", new_name, "Who the token is for (unique in the file)")->required();
  token_add->add_option("--role", new_roles, "submit, agent or admin (repeatable)")->required();
  token_add->add_option("--group", new_group, "Token group: submit tokens of one group see each other's jobs");
  CLI::App* store_cmd = app.add_subcommand("store", "Check or repair a data dir's databases (ttcd stopped)");
  CLI::App* store_check = store_cmd->add_subcommand(
      "check", "Verify every block checksum and record of DATA_DIR/store and DATA_DIR/jobs; exit 1 when damaged");
  CLI::App* store_repair = store_cmd->add_subcommand(
      "repair", "Copy each database to DATA_DIR/quarantine, then salvage what is readable (RocksDB RepairDB)");
  store_cmd->require_subcommand(1);
  std::string store_dir;
  for (CLI::App* c : {store_check, store_repair}) {
    c->add_option("--data-dir", store_dir, "The data dir [$XDG_CACHE_HOME/ttc or ~/.cache/ttc]");
  }
  CLI11_PARSE(app, argc, argv);

  if (store_check->parsed() || store_repair->parsed()) {
    if (store_dir.empty()) store_dir = ttc::daemon::DefaultDataDir();
    auto report = store_check->parsed() ? ttc::cache::CheckDataDir(store_dir) : ttc::cache::RepairDataDir(store_dir);
    if (!report.ok()) {
      std::cerr << "ttcd: " << (absl::IsDataLoss(report.status()) ? "" : "error: ") << report.status().message()
                << "\n";
      return absl::IsDataLoss(report.status()) ? 1 : 2;
    }
    std::cout << *report;
    return 0;
  }

  if (token_add->parsed()) {
    uint32_t roles = 0;
    for (const std::string& r : new_roles) {
      auto role = ttc::daemon::ParseRole(r);
      if (!role.ok()) {
        std::cerr << "ttcd: error: --role: " << role.status().message() << "\n";
        return 2;
      }
      roles |= *role;
    }
    const std::string token = ttc::daemon::NewToken();
    if (auto st = ttc::daemon::AppendTokenEntry(new_file, new_name, roles, token, new_group); !st.ok()) {
      std::cerr << "ttcd: error: " << st.message() << "\n";
      return 2;
    }
    std::cerr << "ttcd: added token '" << new_name << "' (" << ttc::daemon::RoleNames(roles) << ") to " << new_file
              << "; it is printed once below, keep it secret (send SIGHUP to a running ttcd to load it)\n";
    std::cout << token << std::endl;
    return 0;
  }

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
  if (no_sync) config.sync_writes = config.cache_sync_writes = false;
  if (!log_level.empty()) config.log_level = log_level;
  if (heartbeat_ms) config.heartbeat_interval_ms = *heartbeat_ms;
  if (!metrics_listen.empty()) config.metrics_listen = metrics_listen;
  if (!remote_storage.empty()) config.remote_storage = remote_storage;
  if (missed_heartbeats) config.missed_heartbeats = *missed_heartbeats;
  if (max_attempts) config.max_attempts = *max_attempts;
  if (!tls_cert.empty()) config.tls_cert = tls_cert;
  if (!tls_key.empty()) config.tls_key = tls_key;
  if (!tls_client_ca.empty()) config.tls_client_ca = tls_client_ca;
  if (insecure) config.insecure = true;
  if (!tokens_file.empty()) config.tokens_file = tokens_file;
  if (max_streams) config.max_streams_per_client = *max_streams;
  if (rate_limit) config.rate_limit = *rate_limit;
  if (max_batch_digests) config.max_batch_digests = *max_batch_digests;
  if (io_threads) config.io_threads = *io_threads;
  if (io_queue) config.io_queue = *io_queue;
  if (rate_burst) config.rate_burst = *rate_burst;
  for (auto [text, field, name] : {std::tuple{&cache_size, &config.cache_size, "--cache-size"},
                                   std::tuple{&store_reserve, &config.store_reserve, "--store-reserve"},
                                   std::tuple{&max_message, &config.max_message_bytes, "--max-message-bytes"},
                                   std::tuple{&max_blob, &config.max_blob_bytes, "--max-blob-bytes"}}) {
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
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = ttc::daemon::Server::Start(config);
  if (!server.ok()) {
    spdlog::error("msg=\"cannot start\" error=\"{}\"", std::string(server.status().message()));
    std::cerr << "ttcd: error: " << server.status().message() << "\n";
    return absl::IsInvalidArgument(server.status()) ? 2 : 1;  // config error vs cannot start
  }
  std::cout << "ttcd: listening on " << (*server)->address() << std::endl;
  if (!port_file.empty() && !WritePortFile(port_file, (*server)->port())) {
    std::cerr << "ttcd: error: cannot write --port-file " << port_file << "\n";
    (*server)->Shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    if (auto st = (*server)->ReloadTokens(); !st.ok()) {
      spdlog::error("msg=\"token reload failed; the old tokens stay\" error=\"{}\"", std::string(st.message()));
    }
  }
  spdlog::info("msg=\"signal\" signal={}", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown(std::chrono::seconds(config.drain_seconds));
  return 0;
}
