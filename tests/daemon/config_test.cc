// ttcd's config: byte sizes, the TOML file (defaults, overrides, errors with line:col), the
// default data dir, and the worker pool's bounded queue.
#include <cstdlib>
#include <fstream>
#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/config.h"
#include "daemon/worker_pool.h"
#include "tests/cache/temp_dir.h"

namespace ttc::daemon {
namespace {

using ::testing::HasSubstr;

TEST(ByteSize, AcceptsPlainNumbersAndUnits) {
  EXPECT_EQ(*ParseByteSize("0"), 0);
  EXPECT_EQ(*ParseByteSize("4096"), 4096);
  EXPECT_EQ(*ParseByteSize("64KiB"), 64 << 10);
  EXPECT_EQ(*ParseByteSize("10 MiB"), 10 << 20);
  EXPECT_EQ(*ParseByteSize("2GiB"), 2LL << 30);
  EXPECT_EQ(*ParseByteSize("5GB"), 5000000000LL);
  EXPECT_FALSE(ParseByteSize("").ok());
  EXPECT_FALSE(ParseByteSize("-1").ok());
  EXPECT_FALSE(ParseByteSize("10 parsecs").ok());
  EXPECT_FALSE(ParseByteSize("99999999999999TiB").ok());
  EXPECT_THAT(std::string(ParseByteSize("ten").status().message()), HasSubstr("'ten' is not a byte size"));
}

class ConfigFile : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    const std::string path = dir_.Sub("ttcd.toml");
    std::ofstream(path) << text;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(ConfigFile, KeysReplaceDefaults) {
  auto c = LoadConfigFile(Write("listen = \"0.0.0.0:9000\"\nworkers = 3\ncache_size = \"1GiB\"\n"
                                "max_message_bytes = 1048576\nsync_writes = false\nlog_level = \"debug\"\n"),
                          Config());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "0.0.0.0:9000");
  EXPECT_EQ(c->workers, 3);
  EXPECT_EQ(c->cache_size, 1LL << 30);
  EXPECT_EQ(c->max_message_bytes, 1 << 20);
  EXPECT_FALSE(c->sync_writes);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_EQ(c->queue_size, Config().queue_size);  // untouched
}

TEST_F(ConfigFile, JobsAreSyncedAndCacheWritesAreNotByDefault) {
  // docs/cache_format.md, "Durability, by what the data is".
  EXPECT_TRUE(Config().sync_writes);
  EXPECT_FALSE(Config().cache_sync_writes);
  auto c = LoadConfigFile(Write("cache_sync_writes = true\n"), Config());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->cache_sync_writes);
  EXPECT_TRUE(c->sync_writes);
  auto bad = LoadConfigFile(Write("cache_sync_writes = 1\n"), Config());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cache_sync_writes"), std::string::npos) << bad.status();
}

TEST_F(ConfigFile, CasLimitsAndTheIoPool) {
  auto c = LoadConfigFile(Write("max_batch_digests = 500\nio_threads = 4\nio_queue = 32\n"), Config());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->max_batch_digests, 500);
  EXPECT_EQ(c->io_threads, 4);
  EXPECT_EQ(c->io_queue, 32);
  auto zero = LoadConfigFile(Write("io_threads = 0\n"), Config());
  EXPECT_THAT(std::string(zero.status().message()), HasSubstr("key 'io_threads': must be in [1"));
}

TEST_F(ConfigFile, RemoteStorageIsOneRedisAddressOrAListOfClusterSeeds) {
  auto one = LoadConfigFile(Write("remote_storage = \"redis://cache.lab:6379\"\nremote_storage_timeout_ms = 50\n"
                                  "remote_storage_queue = \"8MiB\"\nremote_storage_password = \"pw\"\n"),
                            Config());
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->remote_storage, "redis://cache.lab:6379");
  EXPECT_EQ(one->remote_storage_timeout_ms, 50);
  EXPECT_EQ(one->remote_storage_queue, 8 << 20);
  EXPECT_EQ(one->remote_storage_password, "pw");
  auto seeds = LoadConfigFile(Write("remote_storage = [\"redis://r1:7000\", \"redis://r2:7001\", \"r3:7002\"]\n"), Config());
  ASSERT_TRUE(seeds.ok()) << seeds.status();
  EXPECT_EQ(seeds->remote_storage, "redis://r1:7000,r2:7001,r3:7002");

  auto scheme = LoadConfigFile(Write("workers = 1\nremote_storage = \"cache.lab:6379\"\n"), Config());
  EXPECT_THAT(std::string(scheme.status().message()), HasSubstr("ttcd.toml:2:"));
  EXPECT_THAT(std::string(scheme.status().message()), HasSubstr("key 'remote_storage': 'cache.lab:6379' is not a redis://"));
  auto port = LoadConfigFile(Write("remote_storage = [\"redis://r1:7000\", \"r2\"]\n"), Config());
  EXPECT_THAT(std::string(port.status().message()), HasSubstr("'r2' is not host:port"));
  auto tls = LoadConfigFile(Write("remote_storage = \"rediss://r1:6380\"\n"), Config());
  EXPECT_THAT(std::string(tls.status().message()), HasSubstr("no TLS"));
}

TEST_F(ConfigFile, UnknownKeysWrongTypesAndSyntaxErrorsSayWhere) {
  auto unknown = LoadConfigFile(Write("workers = 2\ncache_sise = 10\n"), Config());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("ttcd.toml:2:"));
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("key 'cache_sise': unknown key"));

  auto type = LoadConfigFile(Write("workers = \"four\"\n"), Config());
  EXPECT_THAT(std::string(type.status().message()), HasSubstr("key 'workers': expected an integer"));

  auto range = LoadConfigFile(Write("queue_size = 0\n"), Config());
  EXPECT_THAT(std::string(range.status().message()), HasSubstr("key 'queue_size': must be in [1"));

  auto size = LoadConfigFile(Write("cache_size = \"lots\"\n"), Config());
  EXPECT_THAT(std::string(size.status().message()), HasSubstr("key 'cache_size'"));

  auto level = LoadConfigFile(Write("log_level = \"chatty\"\n"), Config());
  EXPECT_THAT(std::string(level.status().message()), HasSubstr("unknown level 'chatty'"));

  auto syntax = LoadConfigFile(Write("listen = \n"), Config());
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(syntax.status().message()), HasSubstr("ttcd.toml:1:"));

  auto missing = LoadConfigFile(dir_.Sub("absent.toml"), Config());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(DefaultDataDir, FollowsXdgCacheHomeThenHome) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = xdg ? xdg : "";
  setenv("XDG_CACHE_HOME", "/srv/cache", 1);
  EXPECT_EQ(DefaultDataDir(), "/srv/cache/ttc");
  setenv("XDG_CACHE_HOME", "", 1);
  EXPECT_EQ(DefaultDataDir(), std::string(std::getenv("HOME")) + "/.cache/ttc");
  if (xdg) setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else unsetenv("XDG_CACHE_HOME");
}

TEST(WorkerPool, RefusesWhenTheQueueIsFullAndRunsEverythingAccepted) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> ran{0};
  WorkerPool pool(1, 2);
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    gate.wait();
    ++ran;
  }));
  started.get_future().wait();  // the worker holds task 1; the queue is empty
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));  // 2 waiting: full
  EXPECT_EQ(pool.queued(), 2);
  EXPECT_EQ(pool.running(), 1);
  release.set_value();
  pool.Shutdown();  // drains the queue
  EXPECT_EQ(ran, 3);
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));  // shut down
}

}  // namespace
}  // namespace ttc::daemon
