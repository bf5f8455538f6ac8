// A small, bounded Redis client for the shared cache tier (cache/tiered_store.h), on hiredis
// (Debian's libhiredis-dev: the RESP protocol, connections and replies are hiredis's). What is
// ours: a pool of blocking connections with a deadline on every connect and command,
// reconnection with exponential backoff, AUTH, and Redis Cluster redirections (MOVED/ASK, with
// the cluster's key-slot rule: CRC16/XMODEM of the key's hash tag, modulo 16384, as in the
// Redis Cluster specification) so a list of seed nodes serves a cluster.
//
// Errors: UNAVAILABLE for a connection that failed, timed out or is in its backoff (the caller
// falls back to its local store: nothing waits past `timeout_ms`), NOT_FOUND for a missing
// key, DATA_LOSS for a reply of the wrong shape (a key holding a list, garbage from a proxy),
// PERMISSION_DENIED when AUTH is refused.
// Thread-safety: every method may be called from any thread; up to `connections` commands run
// at once, others wait for a free connection (bounded by `timeout_ms`).
#ifndef TTC_CACHE_REDIS_CLIENT_H_
#define TTC_CACHE_REDIS_CLIENT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"

struct redisContext;

namespace ttc::cache {

struct RedisOptions {
  // "host:port" of a standalone server, or several Redis Cluster seed nodes.
  std::vector<std::string> nodes;
  std::string username;  // AUTH username (Redis 6 ACLs); empty: `AUTH password`
  std::string password;  // empty: no AUTH
  int timeout_ms = 200;           // each connect and each command, in milliseconds
  int min_backoff_ms = 100;       // after a failure a node is not tried again for this long,
  int max_backoff_ms = 5000;      // doubling on each further failure up to this
  int connections = 4;            // per node
};

// `redis://[[username]:password@]host:port[,host:port...]` (several nodes: Cluster seeds).
// INVALID_ARGUMENT naming what is wrong otherwise. `rediss://` (TLS) is refused: Debian's
// hiredis 0.14 has no TLS (docs/operations.md).
absl::StatusOr<RedisOptions> ParseRedisUrl(std::string_view url);

// The Redis Cluster hash slot of `key` (0..16383): CRC16/XMODEM of the key, or of the part
// between the first `{` and the next `}` when that part is non-empty.
int RedisKeySlot(std::string_view key);

class RedisClient {
 public:
  struct Stats {
    int64_t commands = 0;      // commands that got a reply
    int64_t errors = 0;        // commands that failed (connection, timeout, bad reply, backoff)
    int64_t reconnects = 0;    // connections opened after a failure
    int64_t redirects = 0;     // MOVED/ASK answers followed
    bool connected = false;    // the last command got a reply
    std::string last_error;
  };

  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // GET key.
  absl::StatusOr<std::string> Get(std::string_view key);
  // SET key value.
  absl::Status Set(std::string_view key, std::string_view value);
  // DEL key (absent keys are fine).
  absl::Status Delete(std::string_view key);

  Stats stats() const;

 private:
  struct Node;
  struct Reply;
  // Runs one command on the node serving `key`, following up to 3 redirections.
  absl::StatusOr<Reply> Run(std::string_view key, const std::vector<std::string_view>& argv);
  Node* NodeFor(const std::string& address) ABSL_LOCKS_EXCLUDED(mu_);
  std::string AddressForSlot(int slot) ABSL_LOCKS_EXCLUDED(mu_);
  void Fail(const std::string& error);

  const RedisOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Node>> nodes_ ABSL_GUARDED_BY(mu_);   // by "host:port"
  std::map<int, std::string> slot_owner_ ABSL_GUARDED_BY(mu_);                // learnt from MOVED
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> commands_{0}, errors_{0}, reconnects_{0}, redirects_{0};
  std::atomic<bool> connected_{false};
};

}  // namespace ttc::cache

#endif  // TTC_CACHE_REDIS_CLIENT_H_
