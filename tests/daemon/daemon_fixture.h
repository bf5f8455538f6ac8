// In-process ttcd for tests: a Server on 127.0.0.1:0 over a temporary data dir, with stubs
// for its services, and a gate tests can close to hold compiles on the worker.
#ifndef TTC_TESTS_DAEMON_DAEMON_FIXTURE_H_
#define TTC_TESTS_DAEMON_DAEMON_FIXTURE_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <rocksdb/db.h>
#include <gtest/gtest.h>

#include "cache/digest.h"
#include "remote/remote.h"
#include "daemon/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/cache/temp_dir.h"
#include "tests/testing.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::testing {

// Holds compiles while closed. Every wait is bounded (kGateLimit) so a broken test cannot
// hang the suite.
class Gate {
 public:
  static constexpr std::chrono::seconds kGateLimit{30};
  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = false;
  }
  void Open() {
    {
      std::lock_guard<std::mutex> l(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, kGateLimit, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
};

// Polls `cond` every 5 ms for at most `limit`; true when it became true.
inline bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

// Flips one byte in the middle of blob `digest` in the stopped ttcd's store under `data_dir`,
// behind its back (its digest no longer matches). Use with ASSERT_NO_FATAL_FAILURE.
inline void FlipBlobInStore(const std::string& data_dir, const v1::Digest& digest) {
  rocksdb::DBOptions o;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                           {"cas", {}}, {"ac", {}}, {"access", {}}, {"jobs", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, data_dir + "/store", families, &handles, &db).ok());
  std::string value;
  const bool found = db->Get({}, handles[1], cache::DigestKey(digest), &value).ok();
  if (found) {
    value[value.size() / 2] ^= 0x20;
    EXPECT_TRUE(db->Put({}, handles[1], cache::DigestKey(digest), value).ok());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  ASSERT_TRUE(found) << "no blob " << digest.hash() << " in " << data_dir;
}

class DaemonTest : public ::testing::Test {
 protected:
  daemon::Config BaseConfig() {
    daemon::Config c;
    c.listen = "127.0.0.1:0";
    c.data_dir = dir_.Sub("data");
    c.workers = 2;
    c.sync_writes = false;  // tests that need durability turn it back on
    c.insecure = true;      // plaintext on loopback; tests/daemon/security_test.cc covers TLS
    return c;
  }
  void StartServer(daemon::Config c) {
    auto s = daemon::Server::Start(c, [this] { gate_.Wait(); });
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    channel_ = remote::Connect(server_->address());
    compiler_ = v1::Compiler::NewStub(channel_);
    cas_ = v1::Cas::NewStub(channel_);
    health_ = grpc::health::v1::Health::NewStub(channel_);
  }
  void StartServer() { StartServer(BaseConfig()); }
  void StopServer() {
    gate_.Open();
    if (server_) server_->Shutdown(std::chrono::seconds(5));
    server_.reset();
  }
  void TearDown() override { StopServer(); }

  static std::chrono::system_clock::time_point Deadline(std::chrono::milliseconds d = std::chrono::seconds(60)) {
    return std::chrono::system_clock::now() + d;
  }

  // Compile of `req` (a whole KernelRequest) with a 60 s deadline.
  grpc::Status Compile(const v1::KernelRequest& req, v1::CompileResponse* resp, bool inline_files = false,
                       const std::string& target = "") {
    v1::CompileRequest call;
    *call.mutable_request() = req;
    call.set_inline_files(inline_files);
    call.set_target_override(target);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    return compiler_->Compile(&ctx, call, resp);
  }

  v1::Stats Stats() {
    v1::Stats s;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    EXPECT_TRUE(compiler_->GetStats(&ctx, v1::GetStatsRequest(), &s).ok());
    return s;
  }

  TempDir dir_;
  Gate gate_;
  std::unique_ptr<daemon::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Compiler::Stub> compiler_;
  std::unique_ptr<v1::Cas::Stub> cas_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace ttc::testing

#endif  // TTC_TESTS_DAEMON_DAEMON_FIXTURE_H_
