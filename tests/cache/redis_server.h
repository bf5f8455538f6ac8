// A real redis-server (Debian's) for tests: started on a free loopback port with its files in a
// temporary directory, no persistence, and killed at the end. Start waits (bounded) until it
// answers PING. The raw client (Command) lets tests put values behind ttc's back.
#ifndef TTC_TESTS_CACHE_REDIS_SERVER_H_
#define TTC_TESTS_CACHE_REDIS_SERVER_H_

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/daemon/process_util.h"

namespace ttc::testing {

class RedisServer {
 public:
  // The redis-server binary, or "" when it is not installed.
  static std::string Binary() {
    for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
      if (std::filesystem::exists(p)) return p;
    }
    return "";
  }

  // A free loopback port; `cluster`: one whose cluster bus port (port + 10000) is free too.
  static int FreePort(bool cluster = false) {
    for (int tries = 0; tries < 200; ++tries) {
      const int port = BindFree(0);
      if (!cluster) return port;
      if (port + 10000 <= 65535 && BindFree(port + 10000) == port + 10000) return port;
    }
    return 0;
  }

  // Starts redis-server in `dir` (created) on a free port, or on `port` when non-zero.
  // Extra arguments, e.g. {"--requirepass", "secret"}. False when it did not answer in 10 s.
  bool Start(const std::string& dir, int port = 0, const std::vector<std::string>& extra = {}) {
    std::filesystem::create_directories(dir);
    dir_ = dir;
    const bool cluster = std::find(extra.begin(), extra.end(), "--cluster-enabled") != extra.end();
    port_ = port != 0 ? port : FreePort(cluster);
    std::vector<std::string> argv = {Binary(), "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                                     "--appendonly", "no", "--dir", dir, "--daemonize", "no"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    extra_ = extra;
    child_ = std::make_unique<Child>(argv, dir + "/redis.log");
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      if (child_->Wait(std::chrono::milliseconds(0)) >= 0) return false;  // exited (port taken?)
      if (Ping()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // SIGKILL and reap.
  void Kill() { child_.reset(); }
  // A new server on the same port (empty: nothing was persisted).
  bool Restart() {
    Kill();
    return Start(dir_, port_, extra_);
  }
  void Pause() { child_->Signal(SIGSTOP); }
  void Resume() { child_->Signal(SIGCONT); }
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  // Runs one command on a fresh connection; the reply (nullptr on a connection error) is
  // freed by the unique_ptr.
  using Reply = std::unique_ptr<redisReply, void (*)(redisReply*)>;
  Reply Command(const std::vector<std::string>& argv, const std::string& password = "") const {
    Reply none(nullptr, [](redisReply*) {});
    timeval tv{2, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (c == nullptr || c->err != 0) {
      if (c != nullptr) redisFree(c);
      return none;
    }
    redisSetTimeout(c, tv);
    if (!password.empty()) {
      auto* r = static_cast<redisReply*>(redisCommand(c, "AUTH %s", password.c_str()));
      if (r != nullptr) freeReplyObject(r);
    }
    std::vector<const char*> a;
    std::vector<size_t> l;
    for (const std::string& s : argv) {
      a.push_back(s.data());
      l.push_back(s.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(a.size()), a.data(), l.data()));
    redisFree(c);
    return Reply(r, [](redisReply* p) { freeReplyObject(p); });
  }

 private:
  // Binds `port` (0: any) on loopback and releases it: the port bound, or 0.
  static int BindFree(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    int bound = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      socklen_t len = sizeof(addr);
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
      bound = ntohs(addr.sin_port);
    }
    close(fd);
    return bound;
  }
  bool Ping() const {
    Reply r = Command({"PING"});
    // PONG, or NOAUTH from a server with a password: either way it is up.
    return r != nullptr && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR);
  }

  std::string dir_;
  int port_ = 0;
  std::vector<std::string> extra_;
  std::unique_ptr<Child> child_;
};

}  // namespace ttc::testing

#endif  // TTC_TESTS_CACHE_REDIS_SERVER_H_
