// ttcd's configuration: defaults, the TOML config file (`--config FILE`) and command-line
// flags, in that order of precedence (a flag overrides the file, the file the default).
// The file uses the same key names as the flags, with underscores (docs/daemon.md):
//
//   listen = "127.0.0.1:7878"      # host:port; port 0 picks a free port
//   data_dir = "/var/lib/ttc"      # the store lives in DATA_DIR/store
//   workers = 2                    # compile threads (default: number of cores)
//   queue_size = 64                # compiles that may wait for a worker
//   cache_size = "10GiB"           # blob bytes kept before LRU eviction; 0 = unbounded;
//                                  # default: half the size of the data dir's filesystem
//   store_reserve = "512MiB"       # free space kept on the data dir's filesystem: below it,
//                                  # LRU eviction runs and new results are refused
//   max_message_bytes = 16777216   # largest request the daemon accepts
//   sync_writes = true             # fsync the job journal before acknowledging a job (power loss)
//   cache_sync_writes = false      # also fsync every cache write (results, blobs, verdicts);
//                                  # off: they survive kill -9 but a power loss may drop the
//                                  # latest (never corrupt or half-present; docs/cache_format.md)
//   drain_seconds = 30             # SIGTERM: how long in-flight work may take to finish
//   log_level = "info"             # trace, debug, info, warn, error
//   heartbeat_interval_ms = 10000  # agents heartbeat this often
//   missed_heartbeats = 3          # a silent agent is lost after this many intervals
//   max_attempts = 3               # leases per validation job before it fails for good
//   completed_jobs_kept = 20000    # completed jobs remembered (GetJob, watch); 0 = all
//   metrics_listen = "127.0.0.1:9464"  # Prometheus /metrics: HTTPS with tls_cert/tls_key, else
//                                      # plain HTTP on loopback only; "" = off
//   tls_cert = "/etc/ttc/tls/server.crt"  # PEM certificate chain served on `listen`
//   tls_key = "/etc/ttc/tls/server.key"   # PEM private key
//   tls_client_ca = ""             # PEM CA bundle: when set, clients must present a cert it signed
//   insecure = false               # plaintext instead of TLS: only with a loopback `listen`
//   tokens_file = "/etc/ttc/tokens.toml"  # bearer tokens (daemon/auth.h); required with TLS
//   max_streams_per_client = 64    # open streaming calls per client; 0 = unlimited
//   max_blob_bytes = "1GiB"        # largest blob the CAS accepts
//   max_batch_digests = 10000      # digests per CAS batch call (FindMissingBlobs, Batch*)
//   io_threads = 2                 # threads serving CAS transfers, off gRPC's own threads
//   io_queue = 256                 # CAS calls that may wait for an I/O thread
//   rate_limit = 0                 # requests/s per client (token bucket); 0 = unlimited
//   rate_burst = 0                 # bucket size; 0 = 2 * rate_limit
//   remote_storage = "redis://host:6379"  # shared cache tier (cache/tiered_store.h); "" = none;
//                                  # an array of addresses: Redis Cluster seed nodes
//   remote_storage_username = ""   # Redis AUTH (also redis://user:password@host:port)
//   remote_storage_password = ""
//   remote_storage_timeout_ms = 200  # each Redis connect and command
//   remote_storage_queue = "64MiB" # Redis writes pending; past it writes are dropped (counted)
//
// Unknown keys and values of the wrong type are errors naming the key and its line.
// Thread-safety: plain values; the functions are pure apart from reading the file.
#ifndef TTC_DAEMON_CONFIG_H_
#define TTC_DAEMON_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace ttc::daemon {

struct Config {
  std::string listen = "127.0.0.1:7878";
  std::string data_dir;              // "" = DefaultDataDir()
  int workers = 0;                   // 0 = std::thread::hardware_concurrency()
  int queue_size = 64;
  int64_t cache_size = -1;           // bytes; 0 = unbounded; -1 = half the data dir's filesystem
  int64_t store_reserve = 512 << 20;  // bytes kept free on the data dir's filesystem
  int64_t max_message_bytes = 16 << 20;
  bool sync_writes = true;         // the job journal: an acknowledged job survives power loss
  bool cache_sync_writes = false;  // the artifact store: recomputable, written through the WAL unsynced
  int drain_seconds = 30;
  std::string log_level = "info";
  int64_t heartbeat_interval_ms = 10'000;
  int missed_heartbeats = 3;
  int max_attempts = 3;
  int64_t completed_jobs_kept = 20'000;  // completed jobs remembered, newest first; 0 = all
  std::string metrics_listen;  // "" = no metrics endpoint
  // Security: TLS with `tls_cert`/`tls_key`, or plaintext with `insecure` on a loopback
  // address; one of the two is required (Server::Start says which is missing).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  bool insecure = false;
  std::string tokens_file;  // "" = no tokens: allowed only with `insecure`
  // Limits (RESOURCE_EXHAUSTED when exceeded).
  int max_streams_per_client = 64;
  int64_t max_blob_bytes = int64_t{1} << 30;
  int max_batch_digests = 10'000;
  // CAS batches and blob streams, and the key and cache lookup of compiles, run on this pool,
  // never on gRPC's callback threads, so a slow transfer or a large request cannot stop health
  // checks and new calls (a full queue: RESOURCE_EXHAUSTED).
  int io_threads = 2;
  int io_queue = 256;
  double rate_limit = 0;
  int rate_burst = 0;
  // The shared remote tier (docs/operations.md "Several replicas over Redis").
  std::string remote_storage;  // "" = none; redis://[[user]:password@]host:port[,host:port...]
  std::string remote_storage_username;
  std::string remote_storage_password;
  int remote_storage_timeout_ms = 200;
  int64_t remote_storage_queue = int64_t{64} << 20;
};

// $XDG_CACHE_HOME/ttc, or ~/.cache/ttc when XDG_CACHE_HOME is unset or empty (the embedded
// default, as in ccache and sccache). "" when neither XDG_CACHE_HOME nor HOME is set.
std::string DefaultDataDir();

// Parses a byte count: a non-negative integer, optionally with a unit: "512", "64KiB",
// "10 MiB", "2GiB", "1TiB", or decimal "5MB"/"5GB" (powers of 1000). INVALID_ARGUMENT
// naming the text otherwise.
absl::StatusOr<int64_t> ParseByteSize(const std::string& text);

// Reads `path` (TOML) over `base`: each key present replaces the default. Errors
// (INVALID_ARGUMENT): a TOML syntax error as `path:line:col: message`; an unknown key or a
// value of the wrong type or range as `path:line:col: key 'name': what is wrong`.
// NOT_FOUND when the file cannot be read.
absl::StatusOr<Config> LoadConfigFile(const std::string& path, Config base);

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_CONFIG_H_
