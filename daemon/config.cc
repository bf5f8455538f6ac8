#include "daemon/config.h"

#include <cctype>
#include <cstdlib>
#include <limits>
#include <map>

#include <toml++/toml.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cache/redis_client.h"
#include "common/toml_file.h"

namespace ttc::daemon {

std::string DefaultDataDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/ttc";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/ttc";
  return "";
}

absl::StatusOr<int64_t> ParseByteSize(const std::string& text) {
  std::string t(absl::StripAsciiWhitespace(text));
  size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  const std::string digits = t.substr(0, i);
  const std::string unit(absl::StripAsciiWhitespace(t.substr(i)));
  static const std::map<std::string, int64_t> kUnits = {
      {"", 1},          {"B", 1},          {"KiB", 1LL << 10}, {"MiB", 1LL << 20}, {"GiB", 1LL << 30},
      {"TiB", 1LL << 40}, {"KB", 1000},    {"kB", 1000},       {"MB", 1000000},    {"GB", 1000000000},
      {"TB", 1000000000000LL}};
  uint64_t n = 0;
  auto u = kUnits.find(unit);
  if (digits.empty() || !absl::SimpleAtoi(digits, &n) || u == kUnits.end() ||
      n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / u->second)) {
    return absl::InvalidArgumentError(absl::StrCat("'", text,
                                                   "' is not a byte size (examples: 1048576, 64KiB, 10GiB, 5GB)"));
  }
  return static_cast<int64_t>(n) * u->second;
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path, Config base) {
  auto parsed = ParseTomlFile(path, "config file");
  if (!parsed.ok()) return parsed.status();
  toml::table table = std::move(*parsed);
  Config c = std::move(base);
  for (auto&& [key, node] : table) {
    const std::string name(key.str());
    const std::string where = TomlWhere(path, node.source());
    auto bad = [&](const std::string& what) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": key '", name, "': ", what));
    };
    auto get_string = [&](std::string* out) -> absl::Status {
      if (!node.is_string()) return bad("expected a string");
      *out = *node.value<std::string>();
      return absl::OkStatus();
    };
    auto get_int = [&](int64_t lo, int64_t hi, int64_t* out) -> absl::Status {
      if (!node.is_integer()) return bad("expected an integer");
      const int64_t v = *node.value<int64_t>();
      if (v < lo || v > hi) return bad(absl::StrCat("must be in [", lo, ", ", hi, "], got ", v));
      *out = v;
      return absl::OkStatus();
    };
    absl::Status st;
    int64_t v = 0;
    if (name == "listen") {
      st = get_string(&c.listen);
    } else if (name == "data_dir") {
      st = get_string(&c.data_dir);
    } else if (name == "workers") {
      if ((st = get_int(0, 1024, &v)).ok()) c.workers = static_cast<int>(v);
    } else if (name == "queue_size") {
      if ((st = get_int(1, 1 << 20, &v)).ok()) c.queue_size = static_cast<int>(v);
    } else if (name == "remote_storage") {
      // One address, or an array of Redis Cluster seed nodes (joined as redis://a,b).
      if (node.is_string()) {
        c.remote_storage = *node.value<std::string>();
      } else if (const toml::array* arr = node.as_array(); arr != nullptr && !arr->empty()) {
        std::vector<std::string> nodes;
        for (const toml::node& n : *arr) {
          if (!n.is_string()) {
            st = bad("expected a redis:// address or an array of them");
            break;
          }
          std::string one = n.as_string()->get();
          if (!nodes.empty() && absl::StartsWith(one, "redis://")) one = one.substr(8);  // later seeds: host:port
          nodes.push_back(one);
        }
        if (st.ok()) c.remote_storage = absl::StrJoin(nodes, ",");
      } else {
        st = bad("expected a redis:// address or an array of them");
      }
      if (st.ok()) {
        if (auto parsed = cache::ParseRedisUrl(c.remote_storage); !parsed.ok()) st = bad(std::string(parsed.status().message()));
      }
    } else if (name == "remote_storage_username") {
      st = get_string(&c.remote_storage_username);
    } else if (name == "remote_storage_password") {
      st = get_string(&c.remote_storage_password);
    } else if (name == "remote_storage_timeout_ms") {
      if ((st = get_int(1, 60'000, &v)).ok()) c.remote_storage_timeout_ms = static_cast<int>(v);
    } else if (name == "cache_size" || name == "max_message_bytes" || name == "max_blob_bytes" ||
               name == "store_reserve" || name == "remote_storage_queue") {
      int64_t bytes = 0;
      if (node.is_integer()) {
        st = get_int(0, std::numeric_limits<int64_t>::max(), &bytes);
      } else if (node.is_string()) {
        auto parsed = ParseByteSize(*node.value<std::string>());
        if (parsed.ok()) bytes = *parsed;
        else st = bad(std::string(parsed.status().message()));
      } else {
        st = bad("expected a byte count (integer or a string such as \"10GiB\")");
      }
      if (st.ok()) {
        (name == "cache_size"      ? c.cache_size
         : name == "store_reserve" ? c.store_reserve
         : name == "max_blob_bytes" ? c.max_blob_bytes
         : name == "remote_storage_queue" ? c.remote_storage_queue
                                    : c.max_message_bytes) = bytes;
      }
      if (st.ok() && name == "max_blob_bytes" && bytes < 1) st = bad("must be at least 1 byte");
      if (st.ok() && name == "max_message_bytes" && (bytes < 1024 || bytes > (1LL << 30))) {
        st = bad("must be between 1KiB and 1GiB");
      }
    } else if (name == "sync_writes" || name == "cache_sync_writes") {
      if (!node.is_boolean()) st = bad("expected true or false");
      else (name == "sync_writes" ? c.sync_writes : c.cache_sync_writes) = *node.value<bool>();
    } else if (name == "drain_seconds") {
      if ((st = get_int(0, 3600, &v)).ok()) c.drain_seconds = static_cast<int>(v);
    } else if (name == "metrics_listen") {
      st = get_string(&c.metrics_listen);
    } else if (name == "tls_cert") {
      st = get_string(&c.tls_cert);
    } else if (name == "tls_key") {
      st = get_string(&c.tls_key);
    } else if (name == "tls_client_ca") {
      st = get_string(&c.tls_client_ca);
    } else if (name == "tokens_file") {
      st = get_string(&c.tokens_file);
    } else if (name == "insecure") {
      if (!node.is_boolean()) st = bad("expected true or false");
      else c.insecure = *node.value<bool>();
    } else if (name == "max_streams_per_client") {
      if ((st = get_int(0, 1 << 20, &v)).ok()) c.max_streams_per_client = static_cast<int>(v);
    } else if (name == "max_batch_digests") {
      if ((st = get_int(1, 1 << 24, &v)).ok()) c.max_batch_digests = static_cast<int>(v);
    } else if (name == "io_threads") {
      if ((st = get_int(1, 256, &v)).ok()) c.io_threads = static_cast<int>(v);
    } else if (name == "io_queue") {
      if ((st = get_int(1, 1 << 20, &v)).ok()) c.io_queue = static_cast<int>(v);
    } else if (name == "rate_limit") {
      if (node.is_integer() || node.is_floating_point()) {
        const double r = *node.value<double>();
        if (r < 0 || r > 1e9) st = bad(absl::StrCat("must be in [0, 1e9] requests per second, got ", r));
        else c.rate_limit = r;
      } else {
        st = bad("expected a number (requests per second)");
      }
    } else if (name == "rate_burst") {
      if ((st = get_int(0, 1 << 30, &v)).ok()) c.rate_burst = static_cast<int>(v);
    } else if (name == "heartbeat_interval_ms") {
      st = get_int(10, 3'600'000, &c.heartbeat_interval_ms);
    } else if (name == "missed_heartbeats") {
      if ((st = get_int(1, 100, &v)).ok()) c.missed_heartbeats = static_cast<int>(v);
    } else if (name == "max_attempts") {
      if ((st = get_int(1, 100, &v)).ok()) c.max_attempts = static_cast<int>(v);
    } else if (name == "completed_jobs_kept") {
      st = get_int(0, int64_t{1} << 40, &c.completed_jobs_kept);
    } else if (name == "log_level") {
      st = get_string(&c.log_level);
      static const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
      if (st.ok() && std::find(std::begin(kLevels), std::end(kLevels), c.log_level) == std::end(kLevels)) {
        st = bad(absl::StrCat("unknown level '", c.log_level, "' (trace, debug, info, warn, error)"));
      }
    } else {
      st = bad("unknown key (known: listen, data_dir, workers, queue_size, cache_size, store_reserve, max_message_bytes, "
               "sync_writes, cache_sync_writes, drain_seconds, log_level, heartbeat_interval_ms, missed_heartbeats, max_attempts, "
               "completed_jobs_kept, metrics_listen, tls_cert, tls_key, tls_client_ca, insecure, tokens_file, max_streams_per_client, "
               "max_blob_bytes, max_batch_digests, io_threads, io_queue, rate_limit, rate_burst, remote_storage, "
               "remote_storage_username, remote_storage_password, remote_storage_timeout_ms, remote_storage_queue)");
    }
    if (!st.ok()) return st;
  }
  return c;
}

}  // namespace ttc::daemon
