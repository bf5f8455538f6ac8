// The Redis tier (cache/tiered_store.h, cache/redis_client.h) against a real redis-server
// started by each test on a free loopback port: two stores sharing one Redis, verification of
// everything read back, and a Redis that is down, paused or answers garbage.
#include "cache/tiered_store.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cache/digest.h"
#include "tests/cache/redis_server.h"
#include "tests/cache/temp_dir.h"

namespace ttc::cache {
namespace {

using testing::RedisServer;

// Polls `cond` every 20 ms for at most `limit`.
bool WaitUntil(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

TEST(RedisUrl, ParsesNodesAndCredentials) {
  auto one = ParseRedisUrl("redis://127.0.0.1:6379");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->nodes, std::vector<std::string>{"127.0.0.1:6379"});
  EXPECT_TRUE(one->password.empty());
  auto auth = ParseRedisUrl("redis://ci:s3cret@cache.lab:7000,cache2.lab:7001");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->username, "ci");
  EXPECT_EQ(auth->password, "s3cret");
  EXPECT_EQ(auth->nodes, (std::vector<std::string>{"cache.lab:7000", "cache2.lab:7001"}));
  auto password_only = ParseRedisUrl("redis://:pw@h:1");
  ASSERT_TRUE(password_only.ok());
  EXPECT_EQ(password_only->username, "");
  EXPECT_EQ(password_only->password, "pw");

  for (const char* bad : {"http://h:1", "redis://h", "redis://h:0", "redis://h:70000", "redis://", "redis://h:1,"}) {
    auto r = ParseRedisUrl(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << bad;
  }
  auto tls = ParseRedisUrl("rediss://h:6380");
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.status().message().find("TLS"), std::string::npos) << tls.status();
}

TEST(RedisUrl, KeySlotsFollowTheClusterSpecification) {
  // The specification's test vector: CRC16/XMODEM("123456789") = 0x31C3.
  EXPECT_EQ(RedisKeySlot("123456789"), 0x31C3);
  // Hash tags: only the part in the first {...} counts; an empty tag means the whole key.
  EXPECT_EQ(RedisKeySlot("{user1000}.following"), RedisKeySlot("{user1000}.followers"));
  EXPECT_EQ(RedisKeySlot("{user1000}.following"), RedisKeySlot("user1000"));
  EXPECT_EQ(RedisKeySlot("foo{}{bar}"), RedisKeySlot(std::string_view("foo{}{bar}")));
  EXPECT_NE(RedisKeySlot("foo{}{bar}"), RedisKeySlot("bar"));
  for (const char* k : {"", "a", "ttc:1:ac:00", "ttc:1:cas:ff/12"}) {
    EXPECT_GE(RedisKeySlot(k), 0);
    EXPECT_LT(RedisKeySlot(k), 16384);
  }
}

class TieredStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServer::Binary().empty()) GTEST_SKIP() << "redis-server is not installed (scripts/bootstrap.sh installs it)";
    ASSERT_TRUE(redis_.Start(dir_.Sub("redis"))) << testing::ReadAll(dir_.Sub("redis") + "/redis.log");
  }

  std::unique_ptr<TieredStore> Tier(ArtifactStore* local, int timeout_ms = 200, int64_t queue = int64_t{64} << 20) {
    auto options = ParseRedisUrl(redis_.url());
    EXPECT_TRUE(options.ok());
    options->timeout_ms = timeout_ms;
    options->min_backoff_ms = 50;
    options->max_backoff_ms = 200;
    return std::make_unique<TieredStore>(local, std::make_unique<RedisClient>(*options), queue);
  }

  // An action result with two output files, and the files.
  static std::pair<v1::ActionResult, std::map<std::string, std::string>> Result(const std::string& salt) {
    std::map<std::string, std::string> files = {{"kernels/reader.cpp", "// reader " + salt},
                                                {"main.cpp", "int main() { return 0; } // " + salt}};
    v1::ActionResult r;
    for (const auto& [path, bytes] : files) {
      v1::OutputFile* f = r.add_output_files();
      f->set_path(path);
      *f->mutable_digest() = DigestOf(bytes);
    }
    r.set_success(true);
    r.set_compiler_build_id("test");
    return {r, files};
  }

  std::string Raw(const std::string& key) {
    auto r = redis_.Command({"GET", key});
    if (r == nullptr || r->type != REDIS_REPLY_STRING) return "<none>";
    return std::string(r->str, r->len);
  }

  testing::TempDir dir_;
  RedisServer redis_;
};

TEST_F(TieredStoreTest, AResultWrittenThroughOneReplicaIsAVerifiedHitThroughAnother) {
  MemoryStore local_a, local_b;
  auto a = Tier(&local_a);
  auto b = Tier(&local_b);
  const std::string key(64, 'a');
  auto [result, files] = Result("shared");
  ASSERT_TRUE(a->PutActionResultWithBlobs(key, result, files).ok());
  ASSERT_TRUE(a->Flush(std::chrono::seconds(10)));
  EXPECT_EQ(a->remote_stats().writes, 3);  // two blobs and the result

  // The layout of docs/cache_format.md: the blob's bytes, the result bound to its key.
  const v1::Digest main_digest = DigestOf(files["main.cpp"]);
  EXPECT_EQ(Raw(absl::StrCat("ttc:1:cas:", main_digest.hash(), "/", main_digest.size_bytes())), files["main.cpp"]);
  v1::ActionResult stored;
  ASSERT_TRUE(stored.ParseFromString(Raw("ttc:1:ac:" + key)));
  EXPECT_EQ(stored.action_key(), key);

  EXPECT_TRUE(absl::IsNotFound(local_b.GetActionResult(key).status()));
  auto got = b->GetActionResult(key);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->SerializeAsString(), result.SerializeAsString());
  for (const auto& [path, bytes] : files) {
    auto blob = b->GetBlob(DigestOf(bytes));
    ASSERT_TRUE(blob.ok()) << path;
    EXPECT_EQ(*blob, bytes);
  }
  // Copied into B's local store: served from there with Redis gone.
  redis_.Kill();
  EXPECT_TRUE(local_b.GetActionResult(key).ok());
  EXPECT_EQ(*local_b.GetBlob(main_digest), files["main.cpp"]);
  const auto stats = b->remote_stats();
  EXPECT_EQ(stats.hits, 3);  // the result and its two blobs
  EXPECT_EQ(stats.corrupt, 0);
}

TEST_F(TieredStoreTest, ACorruptBlobInRedisIsNeverServedAndIsReplaced) {
  MemoryStore local_a, local_b;
  auto a = Tier(&local_a);
  auto b = Tier(&local_b);
  const std::string key(64, 'b');
  auto [result, files] = Result("corrupt");
  ASSERT_TRUE(a->PutActionResultWithBlobs(key, result, files).ok());
  ASSERT_TRUE(a->Flush(std::chrono::seconds(10)));
  const v1::Digest d = DigestOf(files["main.cpp"]);
  const std::string blob_key = TieredStore::BlobKey(d);
  std::string flipped = files["main.cpp"];
  flipped[3] ^= 0x20;
  ASSERT_NE(redis_.Command({"SET", blob_key, flipped}), nullptr);

  // The result names a blob that fails verification: a miss, not the result.
  EXPECT_TRUE(absl::IsNotFound(b->GetActionResult(key).status()));
  EXPECT_TRUE(absl::IsNotFound(b->GetBlob(d).status()));
  EXPECT_TRUE(absl::IsNotFound(local_b.GetBlob(d).status()));  // nothing wrong copied
  EXPECT_GE(b->remote_stats().corrupt, 1);
  ASSERT_TRUE(b->Flush(std::chrono::seconds(10)));
  EXPECT_EQ(Raw(blob_key), "<none>");  // deleted

  // B compiles it itself: its write replaces the value, and a third replica gets a good hit.
  ASSERT_TRUE(b->PutActionResultWithBlobs(key, result, files).ok());
  ASSERT_TRUE(b->Flush(std::chrono::seconds(10)));
  EXPECT_EQ(Raw(blob_key), files["main.cpp"]);
  MemoryStore local_c;
  auto c = Tier(&local_c);
  EXPECT_TRUE(c->GetActionResult(key).ok());
}

TEST_F(TieredStoreTest, GarbageAndMisboundResultsInRedisAreMissesNotHits) {
  MemoryStore local_a, local_b;
  auto a = Tier(&local_a);
  auto b = Tier(&local_b);
  const std::string key1(64, 'c'), key2(64, 'd'), key3(64, 'e');
  auto [result, files] = Result("misbound");
  ASSERT_TRUE(a->PutActionResultWithBlobs(key1, result, files).ok());
  ASSERT_TRUE(a->Flush(std::chrono::seconds(10)));
  // key1's result copied under key2 (bound to key1), bytes that are no protobuf under key3, and
  // a list (wrong type) under a blob key.
  ASSERT_NE(redis_.Command({"SET", "ttc:1:ac:" + key2, Raw("ttc:1:ac:" + key1)}), nullptr);
  ASSERT_NE(redis_.Command({"SET", "ttc:1:ac:" + key3, std::string("\xff\xff\xff garbage", 12)}), nullptr);
  const v1::Digest listed = DigestOf("a blob nobody stored");
  ASSERT_NE(redis_.Command({"RPUSH", TieredStore::BlobKey(listed), "x"}), nullptr);

  EXPECT_TRUE(absl::IsNotFound(b->GetActionResult(key2).status()));
  EXPECT_TRUE(absl::IsNotFound(b->GetActionResult(key3).status()));
  EXPECT_TRUE(absl::IsNotFound(b->GetBlob(listed).status()));
  EXPECT_EQ(b->remote_stats().corrupt, 3);
  EXPECT_TRUE(b->GetActionResult(key1).ok());  // the real one still serves
  ASSERT_TRUE(b->Flush(std::chrono::seconds(10)));
  EXPECT_EQ(Raw("ttc:1:ac:" + key2), "<none>");
  EXPECT_EQ(Raw("ttc:1:ac:" + key3), "<none>");
}

TEST_F(TieredStoreTest, ADeadOrPausedRedisNeverFailsTheLocalStoreAndIsReconnected) {
  MemoryStore local_a, local_b;
  auto a = Tier(&local_a, /*timeout_ms=*/100);
  auto b = Tier(&local_b, /*timeout_ms=*/100);
  const v1::Digest before = DigestOf("written while Redis was up");
  ASSERT_TRUE(a->PutBlob(before, "written while Redis was up").ok());
  ASSERT_TRUE(a->Flush(std::chrono::seconds(10)));

  redis_.Kill();
  for (int i = 0; i < 20; ++i) {
    const std::string bytes = "written while Redis was down " + std::to_string(i);
    ASSERT_TRUE(a->PutBlob(DigestOf(bytes), bytes).ok());  // the local status only
    EXPECT_EQ(*a->GetBlob(DigestOf(bytes)), bytes);
  }
  EXPECT_TRUE(absl::IsNotFound(b->GetBlob(before).status()));  // a miss, not an error
  ASSERT_TRUE(a->Flush(std::chrono::seconds(10)));
  auto down = a->remote_stats();
  EXPECT_EQ(down.dropped_writes, 20);
  EXPECT_GE(down.client.errors, 1);
  EXPECT_FALSE(down.client.connected);
  EXPECT_NE(down.client.last_error.find("redis 127.0.0.1:"), std::string::npos) << down.client.last_error;

  // Back (empty: nothing was persisted): reconnected after the backoff, writes flow again.
  ASSERT_TRUE(redis_.Restart());
  const std::string after = "written after Redis came back";
  EXPECT_TRUE(WaitUntil([&] {
    if (!a->PutBlob(DigestOf(after), after).ok() || !a->Flush(std::chrono::seconds(5))) return false;
    return b->GetBlob(DigestOf(after)).ok();
  }, std::chrono::seconds(10)));
  EXPECT_GE(a->remote_stats().client.reconnects, 1);
  EXPECT_TRUE(a->remote_stats().client.connected);

  // Paused (SIGSTOP): reads give up after the timeout, writes are queued and sent later.
  redis_.Pause();
  const std::string paused = "written while Redis was paused";
  ASSERT_TRUE(a->PutBlob(DigestOf(paused), paused).ok());
  EXPECT_TRUE(absl::IsNotFound(b->GetBlob(DigestOf("never stored anywhere")).status()));
  EXPECT_GE(b->remote_stats().client.errors, 1);
  redis_.Resume();
  EXPECT_TRUE(WaitUntil([&] { return b->GetBlob(DigestOf(after)).ok(); }, std::chrono::seconds(10)));
}

TEST_F(TieredStoreTest, AFullWriteQueueDropsWritesAndCountsThem) {
  MemoryStore local;
  auto tier = Tier(&local, 200, /*queue=*/1024);
  redis_.Pause();  // the writer blocks on its first command
  int dropped_expected = 0;
  for (int i = 0; i < 10; ++i) {
    const std::string bytes(400, static_cast<char>('a' + i));
    ASSERT_TRUE(tier->PutBlob(DigestOf(bytes), bytes).ok());
  }
  dropped_expected = static_cast<int>(tier->remote_stats().dropped_writes);
  EXPECT_GE(dropped_expected, 7);  // at most 1024 bytes wait, plus the one being sent
  redis_.Resume();
  ASSERT_TRUE(tier->Flush(std::chrono::seconds(10)));
  const auto s = tier->remote_stats();
  EXPECT_EQ(s.writes + s.dropped_writes, 10);
  EXPECT_EQ(s.queued_bytes, 0);
}

TEST_F(TieredStoreTest, AuthIsSentAndARefusedPasswordIsAnError) {
  redis_.Kill();
  RedisServer secured;
  ASSERT_TRUE(secured.Start(dir_.Sub("redis-auth"), 0, {"--requirepass", "hunter2"}));
  auto ok = ParseRedisUrl(":hunter2@127.0.0.1:" + std::to_string(secured.port()));
  ASSERT_FALSE(ok.ok());  // no scheme
  auto good = ParseRedisUrl("redis://:hunter2@127.0.0.1:" + std::to_string(secured.port()));
  ASSERT_TRUE(good.ok());
  RedisClient client(*good);
  ASSERT_TRUE(client.Set("k", "v").ok());
  EXPECT_EQ(*client.Get("k"), "v");
  auto wrong = *good;
  wrong.password = "wrong";
  RedisClient refused(wrong);
  auto st = refused.Get("k").status();
  EXPECT_TRUE(absl::IsPermissionDenied(st)) << st;
  EXPECT_NE(st.message().find("AUTH refused"), std::string::npos) << st;
}

// Three redis-server processes in cluster mode (16384 slots split by redis-cli --cluster
// create): a store that knows one seed follows MOVED answers to every node, and a store given
// another seed reads everything back.
TEST_F(TieredStoreTest, ARedisClusterIsReachedThroughOneSeedByFollowingRedirections) {
  const char* cli = "/usr/bin/redis-cli";
  if (!std::filesystem::exists(cli)) GTEST_SKIP() << "redis-cli is not installed (package redis-tools)";
  redis_.Kill();
  RedisServer nodes[3];
  std::string addresses;
  for (int i = 0; i < 3; ++i) {
    const std::string dir = dir_.Sub("cluster" + std::to_string(i));
    ASSERT_TRUE(nodes[i].Start(dir, 0, {"--cluster-enabled", "yes", "--cluster-config-file", dir + "/nodes.conf"}));
    addresses += " 127.0.0.1:" + std::to_string(nodes[i].port());
  }
  auto [code, out] = testing::Shell(std::string("timeout 60 ") + cli + " --cluster create" + addresses +
                                    " --cluster-replicas 0 --cluster-yes");
  ASSERT_EQ(code, 0) << out;
  ASSERT_TRUE(WaitUntil([&] {
    for (auto& n : nodes) {
      auto r = n.Command({"CLUSTER", "INFO"});
      if (r == nullptr || r->type != REDIS_REPLY_STRING || std::string(r->str, r->len).find("cluster_state:ok") == std::string::npos) {
        return false;
      }
    }
    return true;
  }, std::chrono::seconds(20)));

  MemoryStore local_a, local_b;
  auto a_options = ParseRedisUrl("redis://127.0.0.1:" + std::to_string(nodes[0].port()));
  auto b_options = ParseRedisUrl("redis://127.0.0.1:" + std::to_string(nodes[2].port()));
  ASSERT_TRUE(a_options.ok() && b_options.ok());
  TieredStore a(&local_a, std::make_unique<RedisClient>(*a_options), int64_t{64} << 20);
  TieredStore b(&local_b, std::make_unique<RedisClient>(*b_options), int64_t{64} << 20);
  std::vector<std::string> blobs;
  for (int i = 0; i < 60; ++i) blobs.push_back("cluster blob " + std::to_string(i));
  for (const std::string& blob : blobs) ASSERT_TRUE(a.PutBlob(DigestOf(blob), blob).ok());
  ASSERT_TRUE(a.Flush(std::chrono::seconds(20)));
  EXPECT_EQ(a.remote_stats().writes, 60);
  EXPECT_EQ(a.remote_stats().dropped_writes, 0);
  for (const std::string& blob : blobs) {
    auto got = b.GetBlob(DigestOf(blob));
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, blob);
  }
  // 60 keys over three nodes: both stores were redirected, and remember where slots live.
  EXPECT_GT(a.remote_stats().client.redirects, 0);
  EXPECT_GT(b.remote_stats().client.redirects, 0);
  EXPECT_LT(b.remote_stats().client.redirects, 60);
  int on_nodes = 0;
  for (auto& n : nodes) {
    auto r = n.Command({"DBSIZE"});
    ASSERT_NE(r, nullptr);
    on_nodes += r->integer > 0 ? 1 : 0;
  }
  EXPECT_EQ(on_nodes, 3);
}

}  // namespace
}  // namespace ttc::cache
