#include "cache/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ttc::cache {

namespace {

using Clock = std::chrono::steady_clock;

timeval ToTimeval(int ms) {
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

absl::Status CheckAddress(absl::string_view node) {
  const size_t colon = node.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || colon == 0 || !absl::SimpleAtoi(node.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("'", node, "' is not host:port"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RedisOptions> ParseRedisUrl(std::string_view url_text) {
  absl::string_view url(url_text.data(), url_text.size());
  RedisOptions o;
  if (absl::StartsWith(url, "rediss://")) {
    return absl::InvalidArgumentError(
        "rediss:// (Redis over TLS) is not supported: Debian's hiredis 0.14 has no TLS; reach Redis over a "
        "private network or a TLS tunnel (docs/operations.md)");
  }
  if (!absl::ConsumePrefix(&url, "redis://")) {
    return absl::InvalidArgumentError(absl::StrCat("'", url, "' is not a redis:// address (redis://[[user]:password@]host:port[,host:port...])"));
  }
  if (const size_t at = url.rfind('@'); at != absl::string_view::npos) {
    absl::string_view auth = url.substr(0, at);
    url = url.substr(at + 1);
    const size_t colon = auth.find(':');
    if (colon == absl::string_view::npos) {
      o.password = std::string(auth);
    } else {
      o.username = std::string(auth.substr(0, colon));
      o.password = std::string(auth.substr(colon + 1));
    }
  }
  for (absl::string_view node : absl::StrSplit(url, ',')) {
    while (!node.empty() && node.back() == '/') node.remove_suffix(1);
    if (auto st = CheckAddress(node); !st.ok()) return st;
    o.nodes.emplace_back(node);
  }
  if (o.nodes.empty()) return absl::InvalidArgumentError("a redis:// address names no host:port");
  return o;
}

int RedisKeySlot(std::string_view key) {
  if (const size_t open = key.find('{'); open != std::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  // CRC16/XMODEM: polynomial 0x1021, initial value 0, no reflection.
  uint16_t crc = 0;
  for (unsigned char c : key) {
    crc ^= static_cast<uint16_t>(c) << 8;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
  }
  return crc % 16384;
}

struct RedisClient::Reply {
  int type = 0;
  std::string str;
  long long integer = 0;
};

// One server: its idle connections, how many are open, and its backoff after a failure.
struct RedisClient::Node {
  std::string host;
  int port = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<redisContext*> idle;
  int open = 0;
  bool failed_before = false;
  Clock::time_point retry_at{};
  int backoff_ms = 0;
  std::string last_failure;

  ~Node() {
    for (redisContext* c : idle) redisFree(c);
  }
};

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {}

RedisClient::~RedisClient() = default;

RedisClient::Node* RedisClient::NodeFor(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& node = nodes_[address];
  if (!node) {
    node = std::make_unique<Node>();
    const size_t colon = address.rfind(':');
    node->host = address.substr(0, colon);
    node->port = std::atoi(address.c_str() + colon + 1);
  }
  return node.get();
}

std::string RedisClient::AddressForSlot(int slot) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = slot_owner_.find(slot); it != slot_owner_.end()) return it->second;
  // No owner learnt yet: the first seed that is not in its backoff (a cluster node redirects).
  const auto now = Clock::now();
  for (const std::string& seed : options_.nodes) {
    auto it = nodes_.find(seed);
    if (it == nodes_.end()) return seed;
    std::lock_guard<std::mutex> node_lock(it->second->mu);
    if (now >= it->second->retry_at) return seed;
  }
  return options_.nodes.front();
}

void RedisClient::Fail(const std::string& error) {
  errors_.fetch_add(1);
  connected_.store(false);
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = error;
}

absl::StatusOr<RedisClient::Reply> RedisClient::Run(std::string_view key, const std::vector<std::string_view>& argv) {
  if (options_.nodes.empty()) return absl::FailedPreconditionError("no Redis node configured");
  const int slot = RedisKeySlot(key);
  std::string address = AddressForSlot(slot);
  bool asking = false;
  for (int hop = 0; hop < 4; ++hop) {
    Node* node = NodeFor(address);
    const std::string where = absl::StrCat("redis ", address);
    // A connection: an idle one, a new one (up to `connections`), or wait for one.
    redisContext* ctx = nullptr;
    {
      std::unique_lock<std::mutex> lock(node->mu);
      const auto deadline = Clock::now() + std::chrono::milliseconds(options_.timeout_ms);
      while (true) {
        if (Clock::now() < node->retry_at) {
          Fail(absl::StrCat(where, ": ", node->last_failure));
          return absl::UnavailableError(absl::StrCat(where, ": not retried for a while after: ", node->last_failure));
        }
        if (!node->idle.empty()) {
          ctx = node->idle.back();
          node->idle.pop_back();
          break;
        }
        if (node->open < options_.connections) {
          ++node->open;
          break;
        }
        if (node->cv.wait_until(lock, deadline) == std::cv_status::timeout) {
          Fail(absl::StrCat(where, ": every connection busy"));
          return absl::UnavailableError(absl::StrCat(where, ": every connection stayed busy for ", options_.timeout_ms, " ms"));
        }
      }
    }
    // Gives the connection back (or closes it after an error and starts the node's backoff).
    auto release = [&](bool healthy, const std::string& failure) {
      std::lock_guard<std::mutex> lock(node->mu);
      if (healthy) {
        node->idle.push_back(ctx);
      } else {
        if (ctx != nullptr) redisFree(ctx);
        --node->open;
        node->failed_before = true;
        node->backoff_ms = node->backoff_ms == 0 ? options_.min_backoff_ms : std::min(node->backoff_ms * 2, options_.max_backoff_ms);
        node->retry_at = Clock::now() + std::chrono::milliseconds(node->backoff_ms);
        node->last_failure = failure;
      }
      node->cv.notify_one();
    };
    if (ctx == nullptr) {
      ctx = redisConnectWithTimeout(node->host.c_str(), node->port, ToTimeval(options_.timeout_ms));
      if (ctx == nullptr || ctx->err != 0) {
        const std::string failure = ctx == nullptr ? "cannot connect" : absl::StrCat("cannot connect: ", ctx->errstr);
        release(false, failure);
        Fail(absl::StrCat(where, ": ", failure));
        return absl::UnavailableError(absl::StrCat(where, ": ", failure));
      }
      redisSetTimeout(ctx, ToTimeval(options_.timeout_ms));
      if (!options_.password.empty()) {
        std::vector<const char*> a = {"AUTH"};
        std::vector<size_t> l = {4};
        if (!options_.username.empty()) {
          a.push_back(options_.username.data());
          l.push_back(options_.username.size());
        }
        a.push_back(options_.password.data());
        l.push_back(options_.password.size());
        auto* r = static_cast<redisReply*>(redisCommandArgv(ctx, static_cast<int>(a.size()), a.data(), l.data()));
        const bool ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
        const std::string failure = r == nullptr ? absl::StrCat("AUTH: ", ctx->errstr)
                                    : ok         ? ""
                                                 : absl::StrCat("AUTH refused: ", std::string(r->str ? r->str : "", r->len));
        if (r != nullptr) freeReplyObject(r);
        if (!ok) {
          release(false, failure);
          Fail(absl::StrCat(where, ": ", failure));
          return r == nullptr ? absl::UnavailableError(absl::StrCat(where, ": ", failure))
                              : absl::PermissionDeniedError(absl::StrCat(where, ": ", failure));
        }
      }
      {
        std::lock_guard<std::mutex> lock(node->mu);
        if (node->failed_before) reconnects_.fetch_add(1);
        node->backoff_ms = 0;
      }
    }
    if (asking) {
      auto* r = static_cast<redisReply*>(redisCommand(ctx, "ASKING"));
      if (r != nullptr) freeReplyObject(r);
    }
    std::vector<const char*> a;
    std::vector<size_t> l;
    for (std::string_view s : argv) {
      a.push_back(s.data());
      l.push_back(s.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx, static_cast<int>(a.size()), a.data(), l.data()));
    if (r == nullptr) {
      // I/O error or timeout: the connection may hold a late reply, so it is closed.
      const std::string failure = ctx->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)
                                      ? absl::StrCat("no reply within ", options_.timeout_ms, " ms")
                                      : std::string(ctx->errstr);
      release(false, failure);
      Fail(absl::StrCat(where, ": ", failure));
      return absl::UnavailableError(absl::StrCat(where, ": ", failure));
    }
    Reply reply;
    reply.type = r->type;
    if (r->str != nullptr) reply.str.assign(r->str, r->len);
    reply.integer = r->integer;
    freeReplyObject(r);
    release(true, "");
    if (reply.type == REDIS_REPLY_ERROR && (absl::StartsWith(reply.str, "MOVED ") || absl::StartsWith(reply.str, "ASK "))) {
      // "MOVED <slot> <host>:<port>": the slot lives elsewhere (from now on); ASK: for this command only.
      std::vector<std::string> parts = absl::StrSplit(reply.str, ' ');
      if (parts.size() != 3 || !CheckAddress(parts[2]).ok()) {
        Fail(absl::StrCat(where, ": bad redirection '", reply.str, "'"));
        return absl::DataLossError(absl::StrCat(where, ": bad redirection '", reply.str, "'"));
      }
      redirects_.fetch_add(1);
      asking = parts[0] == "ASK";
      if (!asking) {
        std::lock_guard<std::mutex> lock(mu_);
        slot_owner_[slot] = parts[2];
      }
      address = parts[2];
      continue;
    }
    commands_.fetch_add(1);
    connected_.store(true);
    return reply;
  }
  Fail(absl::StrCat("redis: more than 3 redirections for one key"));
  return absl::UnavailableError("redis: more than 3 redirections for one key");
}

absl::StatusOr<std::string> RedisClient::Get(std::string_view key) {
  auto reply = Run(key, {"GET", key});
  if (!reply.ok()) return reply.status();
  if (reply->type == REDIS_REPLY_NIL) return absl::NotFoundError(absl::StrCat("redis: no key ", std::string(key)));
  if (reply->type != REDIS_REPLY_STRING) {
    Fail(absl::StrCat("redis: GET ", std::string(key), " answered ", reply->type == REDIS_REPLY_ERROR ? reply->str : "a non-string"));
    return absl::DataLossError(absl::StrCat("redis: GET ", std::string(key), " answered ",
                                            reply->type == REDIS_REPLY_ERROR ? reply->str : "a value that is not a string"));
  }
  return std::move(reply->str);
}

absl::Status RedisClient::Set(std::string_view key, std::string_view value) {
  auto reply = Run(key, {"SET", std::string(key), value});
  if (!reply.ok()) return reply.status();
  if (reply->type != REDIS_REPLY_STATUS) {
    Fail(absl::StrCat("redis: SET ", std::string(key), " answered ", reply->str));
    return absl::UnavailableError(absl::StrCat("redis: SET ", std::string(key), " answered ", reply->str));
  }
  return absl::OkStatus();
}

absl::Status RedisClient::Delete(std::string_view key) {
  auto reply = Run(key, {"DEL", key});
  if (!reply.ok()) return reply.status();
  if (reply->type != REDIS_REPLY_INTEGER) {
    Fail(absl::StrCat("redis: DEL ", std::string(key), " answered ", reply->str));
    return absl::UnavailableError(absl::StrCat("redis: DEL ", std::string(key), " answered ", reply->str));
  }
  return absl::OkStatus();
}

RedisClient::Stats RedisClient::stats() const {
  Stats s;
  s.commands = commands_.load();
  s.errors = errors_.load();
  s.reconnects = reconnects_.load();
  s.redirects = redirects_.load();
  s.connected = connected_.load();
  std::lock_guard<std::mutex> lock(mu_);
  s.last_error = last_error_;
  return s;
}

}  // namespace ttc::cache
