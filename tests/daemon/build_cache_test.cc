// The fleet's build cache (daemon/build_cache_service.h, agent/build_cache_client.h) against a
// real ttcd (gRPC, RocksDB): single flight across agents, giving a build up, what may not be
// stored, corrupt and unreachable stores (the agent builds locally, never fails).
#include <signal.h>

#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "agent/build_cache_client.h"
#include "cache/digest.h"
#include "common/sha256.h"
#include "daemon/build_cache_service.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/daemon/process_util.h"

namespace ttc::testing {
namespace {

// A channel of its own (its own connection, so ttcd sees another peer: another agent).
std::shared_ptr<grpc::Channel> OwnChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

validate::BuildRecipe Recipe(const std::string& source) {
  validate::BuildRecipe r;
  r.tier = "kernel_build";
  r.Add("source sha256", Sha256Hex(source));
  r.Add("flag", "-O2");
  return r;
}

class BuildCacheTest : public DaemonTest {
 protected:
  v1::LookupBuildResponse Lookup(v1::BuildCache::Stub* stub, const std::string& key, bool take,
                                 grpc::Status* status = nullptr) {
    v1::LookupBuildRequest req;
    req.set_tier("kernel_build");
    req.set_key(key);
    req.set_build_if_missing(take);
    v1::LookupBuildResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status st = stub->LookupBuild(&ctx, req, &resp);
    if (status) *status = st;
    else EXPECT_TRUE(st.ok()) << st.error_message();
    return resp;
  }
  grpc::Status Update(v1::BuildCache::Stub* stub, const v1::UpdateBuildRequest& req) {
    v1::UpdateBuildResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    return stub->UpdateBuild(&ctx, req, &resp);
  }
  int64_t TierHits(const std::string& tier, bool hits) {
    const v1::Stats stats = Stats();
    for (const auto& t : stats.tiers()) {
      if (t.tier() == tier) return hits ? t.hits() : t.misses();
    }
    ADD_FAILURE() << "no tier " << tier << " in stats";
    return -1;
  }
};

TEST_F(BuildCacheTest, AMissIsBuiltByOneAgentWhileTheOthersWaitForItsResult) {
  StartServer();
  auto a = v1::BuildCache::NewStub(OwnChannel(server_->address()));
  auto b = v1::BuildCache::NewStub(OwnChannel(server_->address()));
  const validate::BuildRecipe recipe = Recipe("kernel one");
  const std::string key = recipe.Key();
  EXPECT_TRUE(Lookup(a.get(), key, true).build());
  v1::LookupBuildResponse waiting = Lookup(b.get(), key, true);
  EXPECT_FALSE(waiting.build()) << "a second agent took a build already in flight";
  EXPECT_GT(waiting.retry_after_ms(), 0);
  EXPECT_FALSE(waiting.has_result());

  // Agent a finishes: its output goes to the CAS, then the result.
  auto client = agent::MakeRemoteBuildCache(OwnChannel(server_->address()));
  client->Put(recipe, {{"kernel.so", "object bytes"}});
  v1::LookupBuildResponse hit = Lookup(b.get(), key, true);
  ASSERT_TRUE(hit.has_result());
  std::set<std::string> paths;
  for (const auto& f : hit.result().output_files()) paths.insert(f.path());
  EXPECT_EQ(paths, (std::set<std::string>{"kernel.so", "recipe.txt"}));
  auto got = client->Get(recipe, /*take=*/true);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->at("kernel.so"), "object bytes");
  EXPECT_EQ(got->at("recipe.txt"), recipe.Text());
  EXPECT_EQ(TierHits("kernel_build", true), 2);
  EXPECT_EQ(TierHits("kernel_build", false), 1);
  EXPECT_EQ(TierHits("host_build", true), 0);
}

// One agent validating the same program on two devices at once: ttcd knows the agent by its
// token and connection, so the client keeps single flight within the process: the second
// run waits for the first one's build and is served it.
TEST_F(BuildCacheTest, TwoRunsInOneAgentBuildOnce) {
  StartServer();
  auto client = agent::MakeRemoteBuildCache(OwnChannel(server_->address()));
  const validate::BuildRecipe recipe = Recipe("kernel of two devices");
  EXPECT_FALSE(client->Get(recipe, /*take=*/true).has_value());  // taken: this run builds it
  std::promise<std::optional<std::map<std::string, std::string>>> second;
  std::thread other([&] { second.set_value(client->Get(recipe, /*take=*/true)); });
  auto answer = second.get_future();
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "the second run was not held while the first one builds";
  client->Put(recipe, {{"kernel.so", "built once"}});
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  other.join();
  auto got = answer.get();
  ASSERT_TRUE(got.has_value()) << "the second run was not served the first one's build";
  EXPECT_EQ(got->at("kernel.so"), "built once");
  EXPECT_EQ(TierHits("kernel_build", false), 1);  // one miss: one build
}

// An agent killed while it builds never answers: when its fleet stream ends, ttcd releases
// the builds it took (same token and connection), and the next agent to ask builds them at
// once instead of waiting out the build time.
TEST_F(BuildCacheTest, AnAgentWhoseStreamEndsLosesTheBuildsItTook) {
  StartServer();
  auto channel = OwnChannel(server_->address());
  auto fleet = v1::DeviceFleet::NewStub(channel);
  auto mine = v1::BuildCache::NewStub(channel);
  auto other = v1::BuildCache::NewStub(OwnChannel(server_->address()));
  grpc::ClientContext agent_ctx;
  agent_ctx.set_deadline(Deadline());
  auto stream = fleet->Connect(&agent_ctx);
  v1::AgentMessage hello;
  hello.mutable_register_()->set_host_id("dying");
  ASSERT_TRUE(stream->Write(hello));
  v1::ServerMessage msg;
  ASSERT_TRUE(stream->Read(&msg));
  ASSERT_TRUE(msg.has_registered());
  const std::string key = Recipe("the dying agent's kernel").Key();
  EXPECT_TRUE(Lookup(mine.get(), key, true).build());
  EXPECT_GT(Lookup(other.get(), key, true).retry_after_ms(), 0);
  agent_ctx.TryCancel();  // the agent is gone
  while (stream->Read(&msg)) {
  }
  stream->Finish();
  bool taken = false;
  for (int i = 0; i < 100 && !taken; ++i) {
    taken = Lookup(other.get(), key, true).build();
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(taken) << "the build stayed with the gone agent";
}

TEST_F(BuildCacheTest, AGivenUpBuildGoesToTheNextAgentAndAnExpiredOneToo) {
  StartServer();
  auto a = v1::BuildCache::NewStub(OwnChannel(server_->address()));
  auto b = v1::BuildCache::NewStub(OwnChannel(server_->address()));
  const std::string key = Recipe("kernel two").Key();
  ASSERT_TRUE(Lookup(a.get(), key, true).build());
  v1::UpdateBuildRequest give_up;
  give_up.set_tier("kernel_build");
  give_up.set_key(key);
  // Giving up is its builder's: another agent's give-up leaves the build in flight.
  ASSERT_TRUE(Update(b.get(), give_up).ok());
  EXPECT_FALSE(Lookup(b.get(), key, true).build());
  ASSERT_TRUE(Update(a.get(), give_up).ok());
  EXPECT_TRUE(Lookup(b.get(), key, true).build());

  // A builder that never answers loses the build once its time is out.
  cache::MemoryStore store;
  daemon::CompileService counters(&store, {});
  daemon::BuildCacheServiceImpl::Options o;
  o.build_timeout = std::chrono::milliseconds(50);
  daemon::BuildCacheServiceImpl service(&store, &counters, o);
  ASSERT_TRUE(service.Lookup("host_build", key, true, "agent-a")->build());
  EXPECT_GT(service.Lookup("host_build", key, true, "agent-b")->retry_after_ms(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  EXPECT_TRUE(service.Lookup("host_build", key, true, "agent-b")->build());
  // A build whose agent never comes back is forgotten once its time is out.
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  ASSERT_TRUE(service.Lookup("host_build", std::string(64, 'e'), true, "agent-c")->build());
  EXPECT_EQ(service.building(), 1u);
}

TEST_F(BuildCacheTest, BadRequestsNameTheFieldAndStoreNothing) {
  StartServer();
  auto stub = v1::BuildCache::NewStub(channel_);
  grpc::Status st;
  Lookup(stub.get(), "short", false, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), ::testing::HasSubstr("key: 'short'"));

  v1::UpdateBuildRequest req;
  req.set_tier("object_build");
  req.set_key(std::string(64, 'b'));
  EXPECT_THAT(Update(stub.get(), req).error_message(), ::testing::HasSubstr("tier: 'object_build'"));
  req.set_tier("kernel_build");
  v1::OutputFile* f = req.mutable_result()->add_output_files();
  f->set_path("../escape.so");
  *f->mutable_digest() = cache::DigestOf("x");
  st = Update(stub.get(), req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), ::testing::HasSubstr("result.output_files[0].path"));
  // An output whose blob was never uploaded: nothing is stored.
  f->set_path("kernel.so");
  st = Update(stub.get(), req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << st.error_message();
  Lookup(stub.get(), req.key(), false, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(BuildCacheTest, ABuildResultNeverLandsOnACompileActionKey) {
  StartServer();
  v1::CompileResponse compiled;
  ASSERT_TRUE(Compile(LoadExample("eltwise_add_256_bf16"), &compiled).ok());
  const std::string action_key = compiled.action_key().key();
  // An agent uploads a "build" under the compile's action key.
  auto stub = v1::BuildCache::NewStub(channel_);
  v1::UpdateBuildRequest req;
  req.set_tier("host_build");
  req.set_key(action_key);
  v1::OutputFile* f = req.mutable_result()->add_output_files();
  f->set_path("main.cpp");
  *f->mutable_digest() = cache::DigestOf("poison");
  ASSERT_TRUE(remote::UploadBlobs(cas_.get(), {{cache::DigestKey(f->digest()), "poison"}}, Deadline()).ok());
  ASSERT_TRUE(Update(stub.get(), req).ok());
  // The compile's result is untouched: the build went under its own store key.
  v1::GetActionResultRequest get;
  get.set_action_key(action_key);
  v1::ActionResult stored;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  ASSERT_TRUE(compiler_->GetActionResult(&ctx, get, &stored).ok());
  for (const auto& out : stored.output_files()) EXPECT_NE(out.digest().hash(), f->digest().hash()) << out.path();
  EXPECT_NE(daemon::BuildStoreKey("host_build", action_key), action_key);
}

TEST_F(BuildCacheTest, ACorruptStoredBinaryIsReportedRemovedAndBuiltAgain) {
  daemon::Config c = BaseConfig();
  StartServer(c);
  const validate::BuildRecipe recipe = Recipe("kernel three");
  const std::string object(64 << 10, 'k');
  auto client = agent::MakeRemoteBuildCache(channel_);
  client->Put(recipe, {{"kernel.so", object}});
  ASSERT_TRUE(client->Get(recipe, true).has_value());
  StopServer();
  ASSERT_NO_FATAL_FAILURE(FlipBlobInStore(c.data_dir, cache::DigestOf(object)));  // behind ttcd's back
  StartServer(c);
  client = agent::MakeRemoteBuildCache(channel_);
  // The agent never gets the bad bytes: a miss it builds (it takes the build).
  EXPECT_FALSE(client->Get(recipe, true).has_value());
  EXPECT_GE(Stats().corruptions(), 1);
  client->Put(recipe, {{"kernel.so", object}});
  auto again = client->Get(recipe, true);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->at("kernel.so"), object);
}

TEST_F(BuildCacheTest, AnUnreachableOrKilledTtcdIsAMissNeverAFailure) {
  // ttcd as a process, killed with kill -9 while an agent downloads a 48 MiB build from it.
  TempDir dir;
  Child ttcd({TTCD_PATH, "--insecure", "--listen", "127.0.0.1:0", "--data-dir", dir.Sub("data"), "--port-file",
              dir.Sub("port")},
             dir.Sub("ttcd.log"));
  ASSERT_TRUE(WaitFor([&] { return !ReadAll(dir.Sub("port")).empty(); })) << ReadAll(dir.Sub("ttcd.log"));
  const std::string address = "127.0.0.1:" + ReadAll(dir.Sub("port")).substr(0, ReadAll(dir.Sub("port")).find('\n'));
  agent::BuildCacheOptions o;
  o.call_timeout = std::chrono::seconds(10);
  auto client = agent::MakeRemoteBuildCache(OwnChannel(address), o);
  const validate::BuildRecipe recipe = Recipe("a big host program");
  std::string big(48 << 20, '\0');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i / 4096);
  client->Put(recipe, {{"main.emu", big}});
  auto reader = agent::MakeRemoteBuildCache(OwnChannel(address), o);
  std::optional<std::map<std::string, std::string>> got = std::map<std::string, std::string>{};
  const auto t0 = std::chrono::steady_clock::now();
  std::thread download([&] { got = reader->Get(recipe, true); });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ttcd.Signal(SIGKILL);
  download.join();
  // Killed before or during the transfer: a miss (built locally), never partial bytes.
  if (got.has_value()) {
    EXPECT_EQ(got->at("main.emu"), big) << "partial bytes handed out";
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(25));
  // And with nothing listening at all.
  EXPECT_FALSE(reader->Get(recipe, true).has_value());
}

}  // namespace
}  // namespace ttc::testing
