// Two ttcd replicas (in process, separate data dirs) sharing one real redis-server through
// `remote_storage` (cache/tiered_store.h): what one compiled or built serves the other,
// byte-identical; a Redis killed mid-burst costs no client anything; a corrupt value put into
// Redis is detected, never served, and replaced.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/build_cache_client.h"
#include "cache/digest.h"
#include "common/sha256.h"
#include "tests/cache/redis_server.h"
#include "tests/daemon/daemon_fixture.h"

namespace ttc::testing {
namespace {

struct Replica {
  std::unique_ptr<daemon::Server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Compiler::Stub> compiler;
};

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServer::Binary().empty()) GTEST_SKIP() << "redis-server is not installed (scripts/bootstrap.sh installs it)";
    ASSERT_TRUE(redis_.Start(dir_.Sub("redis"))) << ReadAll(dir_.Sub("redis") + "/redis.log");
    StartReplica(&a_, "a");
    StartReplica(&b_, "b");
  }
  void TearDown() override {
    for (Replica* r : {&a_, &b_}) {
      if (r->server) r->server->Shutdown(std::chrono::seconds(5));
      r->server.reset();
    }
  }
  void StartReplica(Replica* r, const std::string& name) {
    daemon::Config c;
    c.listen = "127.0.0.1:0";
    c.data_dir = dir_.Sub(name);
    c.workers = 2;
    c.sync_writes = false;
    c.insecure = true;
    c.remote_storage = redis_.url();
    c.remote_storage_timeout_ms = 200;
    auto s = daemon::Server::Start(c);
    ASSERT_TRUE(s.ok()) << s.status();
    r->server = std::move(*s);
    r->channel = remote::Connect(r->server->address());
    r->compiler = v1::Compiler::NewStub(r->channel);
  }
  static grpc::Status Compile(Replica& r, const v1::KernelRequest& req, v1::CompileResponse* resp) {
    v1::CompileRequest call;
    *call.mutable_request() = req;
    call.set_inline_files(true);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return r.compiler->Compile(&ctx, call, resp);
  }
  static v1::Stats Stats(Replica& r) {
    v1::Stats s;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    EXPECT_TRUE(r.compiler->GetStats(&ctx, v1::GetStatsRequest(), &s).ok());
    return s;
  }
  static std::map<std::string, std::string> Files(const v1::CompileResponse& resp) {
    std::map<std::string, std::string> out;
    for (const auto& f : resp.files()) out[f.path()] = f.data();
    return out;
  }
  std::string Raw(const std::string& key) {
    auto r = redis_.Command({"GET", key});
    if (r == nullptr || r->type != REDIS_REPLY_STRING) return "<none>";
    return std::string(r->str, r->len);
  }

  TempDir dir_;
  RedisServer redis_;
  Replica a_, b_;
};

TEST_F(ReplicasTest, AKernelCompiledThroughOneReplicaIsAHitThroughTheOtherByteIdentical) {
  const v1::KernelRequest req = LoadExample("gemm_256_bf16");
  v1::CompileResponse first, second;
  ASSERT_TRUE(Compile(a_, req, &first).ok());
  EXPECT_FALSE(first.cache_hit());
  ASSERT_TRUE(a_.server->remote_tier()->Flush(std::chrono::seconds(10)));

  ASSERT_TRUE(Compile(b_, req, &second).ok());
  EXPECT_TRUE(second.cache_hit()) << "replica b compiled what replica a had compiled";
  EXPECT_EQ(Files(second), Files(first));
  EXPECT_FALSE(Files(first).empty());
  EXPECT_EQ(second.result().SerializeAsString(), first.result().SerializeAsString());
  const v1::Stats b = Stats(b_);
  EXPECT_EQ(b.compiles(), 0);
  EXPECT_EQ(b.hits(), 1);
  ASSERT_TRUE(b.has_remote());
  EXPECT_GE(b.remote().hits(), 2);  // the result and its blobs
  EXPECT_TRUE(b.remote().connected());
  EXPECT_EQ(b.remote().address(), redis_.url().substr(8));
  // Now in b's own store: a hit with Redis gone.
  redis_.Kill();
  v1::CompileResponse third;
  ASSERT_TRUE(Compile(b_, req, &third).ok());
  EXPECT_TRUE(third.cache_hit());
  EXPECT_EQ(Files(third), Files(first));
}

TEST_F(ReplicasTest, ABuildUploadedByAnAgentOfOneReplicaServesAnAgentOfTheOther) {
  validate::BuildRecipe recipe;
  recipe.tier = "host_build";
  recipe.Add("source sha256", Sha256Hex("int main() {}"));
  recipe.Add("flag", "-O2");
  auto agent_a = agent::MakeRemoteBuildCache(remote::Connect(a_.server->address()));
  auto agent_b = agent::MakeRemoteBuildCache(remote::Connect(b_.server->address()));
  EXPECT_FALSE(agent_a->Get(recipe, /*take=*/true).has_value());  // a miss: agent a builds it
  agent_a->Put(recipe, {{"main", std::string("\x7f" "ELF host program", 17)}});
  ASSERT_TRUE(a_.server->remote_tier()->Flush(std::chrono::seconds(10)));

  auto got = agent_b->Get(recipe, /*take=*/false);
  ASSERT_TRUE(got.has_value()) << "agent b was not served agent a's build through the shared tier";
  EXPECT_EQ(got->at("main"), std::string("\x7f" "ELF host program", 17));
  EXPECT_EQ(got->at("recipe.txt"), recipe.Text());
}

TEST_F(ReplicasTest, RedisKilledMidBurstCostsNoClientAnything) {
  constexpr int kKernels = 24;
  std::atomic<int> failures{0};
  auto burst = [&](Replica* r, int from) {
    for (int i = from; i < from + kKernels; ++i) {
      v1::CompileResponse resp;
      grpc::Status st = Compile(*r, SimpleRequest({i + 1}, {32 * (i + 1), 32}), &resp);
      if (!st.ok() || !resp.result().success()) failures.fetch_add(1);
    }
  };
  std::thread ta(burst, &a_, 0), tb(burst, &b_, kKernels / 2);  // half the kernels overlap
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  redis_.Kill();
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);
  for (Replica* r : {&a_, &b_}) {
    ASSERT_TRUE(r->server->remote_tier()->Flush(std::chrono::seconds(10)));
    const v1::Stats s = Stats(*r);
    EXPECT_EQ(s.requests(), kKernels);
    EXPECT_EQ(s.hits() + s.misses(), kKernels);
    EXPECT_EQ(s.errors(), 0);
    // Every write either reached Redis or was dropped; none is pending.
    EXPECT_EQ(s.remote().queued_bytes(), 0);
    EXPECT_GT(s.remote().writes() + s.remote().dropped_writes(), 0);
  }
  // Redis back (empty): the replicas reconnect (each after its backoff) and share again. A new
  // kernel each try (a local hit or a local compile leaves nothing to share), until one
  // compiled by replica a is a hit through replica b.
  ASSERT_TRUE(redis_.Restart());
  v1::KernelRequest fresh;
  v1::CompileResponse on_a, on_b;
  int n = 100;
  ASSERT_TRUE(WaitFor([&] {
    ++n;
    fresh = SimpleRequest({n}, {32 * n, 32});
    if (!Compile(a_, fresh, &on_a).ok() || !a_.server->remote_tier()->Flush(std::chrono::seconds(5))) return false;
    if (Raw(cache::TieredStore::ActionKey(on_a.action_key().key())) == "<none>") return false;
    return Compile(b_, fresh, &on_b).ok() && on_b.cache_hit();
  }, std::chrono::seconds(15)));
  EXPECT_GE(Stats(a_).remote().reconnects(), 1);
}

TEST_F(ReplicasTest, ACorruptValueInRedisIsDetectedNeverServedAndReplaced) {
  const v1::KernelRequest req = LoadExample("eltwise_add_256_bf16");
  v1::CompileResponse first;
  ASSERT_TRUE(Compile(a_, req, &first).ok());
  ASSERT_TRUE(a_.server->remote_tier()->Flush(std::chrono::seconds(10)));
  const std::map<std::string, std::string> files = Files(first);
  ASSERT_TRUE(files.count("main.cpp"));
  const std::string key = cache::TieredStore::BlobKey(cache::DigestOf(files.at("main.cpp")));
  ASSERT_EQ(Raw(key), files.at("main.cpp"));
  std::string bad = files.at("main.cpp");
  bad[bad.size() / 2] ^= 0x01;
  ASSERT_NE(redis_.Command({"SET", key, bad}), nullptr);

  v1::CompileResponse second;
  ASSERT_TRUE(Compile(b_, req, &second).ok());
  EXPECT_FALSE(second.cache_hit()) << "a result whose blob is corrupt in Redis was served";
  EXPECT_EQ(Files(second), files);  // compiled again, byte-identical
  const v1::Stats s = Stats(b_);
  EXPECT_GE(s.remote().corrupt(), 1);
  EXPECT_EQ(s.compiles(), 1);
  ASSERT_TRUE(b_.server->remote_tier()->Flush(std::chrono::seconds(10)));
  EXPECT_EQ(Raw(key), files.at("main.cpp")) << "the corrupt value was not replaced";
}

}  // namespace
}  // namespace ttc::testing
