// ttcd in-process on loopback: hits and misses, single flight, mixed load, deadlines, a full
// queue, cancellation, malformed input, the CAS service, restart, corruption and eviction.
#include <atomic>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include <grpcpp/generic/generic_stub.h>
#include <rocksdb/db.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "cache/digest.h"
#include "driver/action.h"
#include "tests/daemon/daemon_fixture.h"

namespace ttc::testing {
namespace {

using ::testing::HasSubstr;

const char* kExamples[] = {"gemm_256_bf16",  "gemm_1024_bf16_block128", "eltwise_add_256_bf16", "gemm_l1_sharded",
                           "matmul_100x100_fp32", "gemm_manual_loops", "kernel_1d", "kernel_3d"};

// A distinct request per `i` (the function name is part of the action key).
v1::KernelRequest Variant(int i) {
  v1::KernelRequest r = LoadExample("gemm_256_bf16");
  r.mutable_func()->set_name("gemm_v" + std::to_string(i));
  return r;
}

TEST_F(DaemonTest, MissThenHitServesTheSameFilesAsALocalCompile) {
  StartServer();
  const v1::KernelRequest req = LoadExample("gemm_256_bf16");
  v1::CompileResponse first, second;
  ASSERT_TRUE(Compile(req, &first, /*inline_files=*/true).ok());
  EXPECT_FALSE(first.cache_hit());
  EXPECT_TRUE(first.result().success());
  ASSERT_TRUE(Compile(req, &second, /*inline_files=*/true).ok());
  EXPECT_TRUE(second.cache_hit());
  EXPECT_EQ(first.action_key().key(), second.action_key().key());
  ASSERT_EQ(first.files_size(), 6);
  ASSERT_EQ(second.files_size(), first.files_size());

  auto local = RunAction(req, "", ActionKind::kCompile);
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_EQ(local->key.key, first.action_key().key());
  for (int i = 0; i < first.files_size(); ++i) {
    EXPECT_EQ(first.files(i).path(), second.files(i).path());
    EXPECT_EQ(first.files(i).data(), second.files(i).data());
    EXPECT_EQ(local->files.at(first.files(i).path()), first.files(i).data()) << first.files(i).path();
    EXPECT_EQ(cache::DigestOf(first.files(i).data()).hash(), first.result().output_files(i).digest().hash());
  }
  const v1::Stats s = Stats();
  EXPECT_EQ(s.requests(), 2);
  EXPECT_EQ(s.hits(), 1);
  EXPECT_EQ(s.misses(), 1);
  EXPECT_EQ(s.compiles(), 1);
  EXPECT_EQ(s.errors(), 0);
  EXPECT_EQ(s.store_action_results(), 1);
  EXPECT_EQ(s.store_blobs(), 6);
  EXPECT_GT(s.store_bytes(), 0);
}

TEST_F(DaemonTest, WithoutInlineFilesTheBytesComeFromTheCas) {
  StartServer();
  v1::CompileResponse resp;
  ASSERT_TRUE(Compile(LoadExample("eltwise_add_256_bf16"), &resp).ok());
  EXPECT_EQ(resp.files_size(), 0);
  std::vector<v1::Digest> digests;
  for (const auto& f : resp.result().output_files()) digests.push_back(f.digest());
  auto blobs = remote::FetchBlobs(cas_.get(), digests, Deadline());
  ASSERT_TRUE(blobs.ok()) << blobs.status();
  EXPECT_EQ(blobs->size(), digests.size());

  v1::GetActionResultRequest get;
  get.set_action_key(resp.action_key().key());
  v1::ActionResult stored;
  grpc::ClientContext ctx;
  ASSERT_TRUE(compiler_->GetActionResult(&ctx, get, &stored).ok());
  EXPECT_EQ(stored.SerializeAsString(), resp.result().SerializeAsString());
}

TEST_F(DaemonTest, HundredConcurrentIdenticalSubmitsCompileOnce) {
  StartServer();
  // Hold the first compile so that the others arrive while it runs and join it.
  gate_.Close();
  const v1::KernelRequest req = LoadExample("gemm_1024_bf16_block128");
  std::vector<std::future<std::pair<grpc::Status, v1::CompileResponse>>> calls;
  for (int i = 0; i < 100; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      v1::CompileResponse resp;
      grpc::Status st = Compile(req, &resp, /*inline_files=*/true);
      return std::make_pair(st, resp);
    }));
  }
  // Every call has joined the one compile in flight (held at the gate) before it may finish.
  ASSERT_TRUE(WaitFor([&] { return server_->service()->waiting() == 100; }));
  EXPECT_EQ(server_->service()->compiles(), 1);
  gate_.Open();
  std::set<std::string> keys, mains;
  for (auto& c : calls) {
    auto [st, resp] = c.get();
    ASSERT_TRUE(st.ok()) << st.error_message();
    keys.insert(resp.action_key().key());
    for (const auto& f : resp.files()) {
      if (f.path() == "main.cpp") mains.insert(f.data());
    }
  }
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_EQ(mains.size(), 1u);
  EXPECT_EQ(server_->service()->compiles(), 1);
  const v1::Stats s = Stats();
  EXPECT_EQ(s.requests(), 100);
  EXPECT_EQ(s.hits() + s.misses(), 100);
  EXPECT_EQ(s.errors(), 0);
}

TEST_F(DaemonTest, EightClientsTimesTwoHundredMixedRequestsWithoutErrors) {
  StartServer();
  std::atomic<int> failures{0}, done{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      auto channel = remote::Connect(server_->address());  // one connection per client
      auto compiler = v1::Compiler::NewStub(channel);
      auto cas = v1::Cas::NewStub(channel);
      for (int i = 0; i < 200; ++i) {
        const int kind = (c + i) % 5;
        grpc::ClientContext ctx;
        ctx.set_deadline(Deadline());
        grpc::Status st;
        if (kind <= 1) {
          v1::CompileRequest call;
          *call.mutable_request() = LoadExample(kExamples[(c * 7 + i) % 8]);
          call.set_inline_files(kind == 1);
          v1::CompileResponse resp;
          st = compiler->Compile(&ctx, call, &resp);
          if (st.ok() && !resp.result().success()) ++failures;
        } else if (kind == 2) {
          v1::CompileRequest call;
          *call.mutable_request() = LoadExample(kExamples[(c + i) % 8]);
          v1::LayoutResponse resp;
          st = compiler->InferLayout(&ctx, call, &resp);
          if (st.ok() && (!resp.success() || resp.attributes_json().empty())) ++failures;
        } else if (kind == 3) {
          v1::CompileRequest call;
          *call.mutable_request() = Variant(c * 1000 + i);  // a fresh miss
          v1::CompileResponse resp;
          st = compiler->Compile(&ctx, call, &resp);
        } else {
          v1::Stats resp;
          st = compiler->GetStats(&ctx, v1::GetStatsRequest(), &resp);
        }
        if (!st.ok()) {
          ++failures;
          ADD_FAILURE() << "client " << c << " request " << i << ": " << st.error_message();
        }
        ++done;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(done, 1600);
  EXPECT_EQ(failures, 0);
  const v1::Stats s = Stats();
  EXPECT_EQ(s.errors(), 0);
  EXPECT_EQ(s.rejected(), 0);
  EXPECT_GT(s.hits(), 0);
}

TEST_F(DaemonTest, ADeadlineShorterThanTheCompileIsDeadlineExceeded) {
  StartServer();
  gate_.Close();
  v1::CompileRequest call;
  *call.mutable_request() = Variant(1);
  v1::CompileResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline(std::chrono::milliseconds(200)));
  grpc::Status st = compiler_->Compile(&ctx, call, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << st.error_message();
  gate_.Open();
  // The compile that was running completes and is cached for the next caller.
  ASSERT_TRUE(WaitFor([&] { return Stats().store_action_results() == 1; }));
  v1::CompileResponse again;
  ASSERT_TRUE(Compile(Variant(1), &again).ok());
  EXPECT_TRUE(again.cache_hit());
}

TEST_F(DaemonTest, AFullQueueAnswersResourceExhausted) {
  daemon::Config c = BaseConfig();
  c.workers = 1;
  c.queue_size = 1;
  StartServer(c);
  gate_.Close();
  auto submit = [&](int i) {
    return std::async(std::launch::async, [&, i] {
      v1::CompileResponse resp;
      return Compile(Variant(i), &resp);
    });
  };
  auto running = submit(1);
  ASSERT_TRUE(WaitFor([&] { return Stats().in_flight() == 1; }));
  auto queued = submit(2);
  ASSERT_TRUE(WaitFor([&] { return Stats().queue_depth() == 1; }));
  v1::CompileResponse resp;
  grpc::Status st = Compile(Variant(3), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(st.error_message(), HasSubstr("queue is full"));
  gate_.Open();
  EXPECT_TRUE(running.get().ok());
  EXPECT_TRUE(queued.get().ok());
  EXPECT_EQ(Stats().rejected(), 1);
  // Identical requests join the running compile instead of taking a queue slot.
  EXPECT_TRUE(Compile(Variant(3), &resp).ok());
}

TEST_F(DaemonTest, ACompileWhoseClientsAllGaveUpIsSkipped) {
  daemon::Config c = BaseConfig();
  c.workers = 1;
  StartServer(c);
  gate_.Close();
  auto running = std::async(std::launch::async, [&] {
    v1::CompileResponse resp;
    return Compile(Variant(1), &resp);
  });
  ASSERT_TRUE(WaitFor([&] { return Stats().in_flight() == 1; }));
  {
    v1::CompileRequest call;
    *call.mutable_request() = Variant(2);
    v1::CompileResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(std::chrono::milliseconds(200)));
    EXPECT_EQ(compiler_->Compile(&ctx, call, &resp).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  ASSERT_TRUE(WaitFor([&] { return Stats().cancelled() >= 1; }));
  gate_.Open();
  EXPECT_TRUE(running.get().ok());
  ASSERT_TRUE(WaitFor([&] { return Stats().queue_depth() == 0 && Stats().in_flight() == 0; }));
  EXPECT_EQ(server_->service()->compiles(), 1);  // variant 2 never ran
}

TEST_F(DaemonTest, MalformedRequestsAreInvalidArgumentWithTheFieldPath) {
  daemon::Config c = BaseConfig();
  c.max_message_bytes = 64 << 10;
  StartServer(c);
  auto call = [&](const v1::CompileRequest& req) {
    v1::CompileResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    return compiler_->Compile(&ctx, req, &resp);
  };
  v1::CompileRequest empty;
  grpc::Status st = call(empty);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("request: missing"));

  v1::CompileRequest no_func;
  no_func.mutable_request()->mutable_target()->set_preset("wormhole_b0");
  st = call(no_func);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("request.func"));

  v1::CompileRequest bad_target;
  *bad_target.mutable_request() = LoadExample("gemm_256_bf16");
  bad_target.set_target_override("wormhole_c9");
  st = call(bad_target);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("request.target.preset"));

  v1::CompileRequest big;
  *big.mutable_request() = LoadExample("gemm_256_bf16");
  big.mutable_request()->mutable_func()->set_name(std::string(100 << 10, 'x'));
  st = call(big);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("max_message_bytes"));

  // The daemon is still healthy.
  grpc::health::v1::HealthCheckResponse health;
  grpc::ClientContext hctx;
  ASSERT_TRUE(health_->Check(&hctx, grpc::health::v1::HealthCheckRequest(), &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Stats().errors(), 4);
}

TEST_F(DaemonTest, GarbageBytesOnTheWireDoNotHurtTheDaemon) {
  StartServer();
  grpc::GenericStub generic(channel_);
  grpc::CompletionQueue cq;
  const std::string garbage = "\xff\xff\xff\xff\x0f not a protobuf message \x01\x02";
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1), reply;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline(std::chrono::seconds(10)));
  auto rpc = generic.PrepareUnaryCall(&ctx, "/ttc.v1.Compiler/Compile", request, &cq);
  rpc->StartCall();
  grpc::Status st;
  rpc->Finish(&reply, &st, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_FALSE(st.ok());
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  v1::CompileResponse resp;
  EXPECT_TRUE(Compile(LoadExample("kernel_1d"), &resp).ok());
}

TEST_F(DaemonTest, AKernelWithErrorsIsACachedResultWithDiagnostics) {
  StartServer();
  v1::KernelRequest req = LoadExample("gemm_256_bf16");
  (*req.mutable_layouts())["A"].set_memory("auto");  // rejected by the layout passes
  v1::CompileResponse first, second;
  ASSERT_TRUE(Compile(req, &first).ok());
  EXPECT_FALSE(first.result().success());
  ASSERT_GT(first.result().diagnostics_size(), 0);
  EXPECT_EQ(first.result().diagnostics(0).severity(), v1::DiagnosticMessage::ERROR);
  EXPECT_FALSE(first.result().diagnostics(0).location().empty());
  EXPECT_EQ(first.result().output_files_size(), 0);
  ASSERT_TRUE(Compile(req, &second).ok());
  EXPECT_TRUE(second.cache_hit());
  EXPECT_EQ(server_->service()->compiles(), 1);
  EXPECT_EQ(Stats().compile_errors(), 1);
}

// CompileRequest.frontend_diagnostics: the TileLang frontend's warnings come back first in the
// response's diagnostics, on a miss and on a hit, without changing the action key or the
// cached result; an error severity there is refused with its field path.
TEST_F(DaemonTest, FrontendWarningsComeBackInTheDiagnosticsAndAreNotCached) {
  StartServer();
  auto compile = [&](const v1::CompileRequest& call, v1::CompileResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    return compiler_->Compile(&ctx, call, resp);
  };
  v1::CompileRequest call;
  *call.mutable_request() = LoadExample("gemm_256_bf16");
  v1::DiagnosticMessage* w = call.add_frontend_diagnostics();
  w->set_severity(v1::DiagnosticMessage::WARNING);
  w->set_location("19:60");
  w->set_message("threads= sets GPU threads per block; the TT backend ignores it");
  w->set_pass("frontend");
  v1::CompileResponse first, second, plain;
  ASSERT_TRUE(compile(call, &first).ok());
  EXPECT_TRUE(first.result().success());
  ASSERT_GE(first.result().diagnostics_size(), 1);
  EXPECT_EQ(first.result().diagnostics(0).location(), "19:60");
  EXPECT_EQ(first.result().diagnostics(0).pass(), "frontend");
  ASSERT_TRUE(compile(call, &second).ok());
  EXPECT_TRUE(second.cache_hit());
  EXPECT_EQ(second.result().diagnostics(0).location(), "19:60");
  v1::CompileRequest without = call;
  without.clear_frontend_diagnostics();
  ASSERT_TRUE(compile(without, &plain).ok());
  EXPECT_TRUE(plain.cache_hit());
  EXPECT_EQ(plain.action_key().key(), first.action_key().key());
  EXPECT_EQ(plain.result().diagnostics_size(), first.result().diagnostics_size() - 1);
  for (const v1::DiagnosticMessage& d : plain.result().diagnostics()) EXPECT_NE(d.pass(), "frontend");

  v1::CompileRequest bad = call;
  bad.mutable_frontend_diagnostics(0)->set_severity(v1::DiagnosticMessage::ERROR);
  v1::CompileResponse refused;
  grpc::Status st = compile(bad, &refused);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("frontend_diagnostics[0].severity: ERROR is not allowed"));
}

TEST_F(DaemonTest, InferLayoutAnswersTheAttributesAndIsCachedUnderItsOwnKey) {
  StartServer();
  v1::CompileRequest call;
  *call.mutable_request() = LoadExample("gemm_l1_sharded");
  v1::LayoutResponse first, second;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(compiler_->InferLayout(&ctx, call, &first).ok());
  }
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(compiler_->InferLayout(&ctx, call, &second).ok());
  }
  EXPECT_TRUE(first.success());
  EXPECT_FALSE(first.cache_hit());
  EXPECT_TRUE(second.cache_hit());
  EXPECT_EQ(first.attributes_json(), second.attributes_json());
  EXPECT_THAT(first.attributes_json(), HasSubstr("\"tt.partition_mode\""));
  EXPECT_THAT(first.action_key().pipeline(), ::testing::EndsWith("layout_aware_work_partition_tt"));
  v1::CompileResponse compiled;
  ASSERT_TRUE(Compile(call.request(), &compiled).ok());
  EXPECT_NE(compiled.action_key().key(), first.action_key().key());
}

TEST_F(DaemonTest, CasVerifiesDigestsAndStreamsLargeBlobs) {
  StartServer();
  // Batch: one good blob, one whose digest does not match.
  v1::BatchUpdateBlobsRequest update;
  auto* good = update.add_requests();
  good->set_data("circular buffer");
  *good->mutable_digest() = cache::DigestOf("circular buffer");
  auto* bad = update.add_requests();
  bad->set_data("tile");
  *bad->mutable_digest() = cache::DigestOf("tiles");
  v1::BatchUpdateBlobsResponse updated;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(cas_->BatchUpdateBlobs(&ctx, update, &updated).ok());
  }
  ASSERT_EQ(updated.responses_size(), 2);
  EXPECT_EQ(updated.responses(0).status().code(), 0);
  EXPECT_EQ(updated.responses(1).status().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));

  v1::FindMissingBlobsRequest find;
  *find.add_blob_digests() = cache::DigestOf("circular buffer");
  *find.add_blob_digests() = cache::DigestOf("tiles");
  *find.add_blob_digests() = cache::EmptyDigest();
  v1::FindMissingBlobsResponse missing;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(cas_->FindMissingBlobs(&ctx, find, &missing).ok());
  }
  ASSERT_EQ(missing.missing_blob_digests_size(), 1);
  EXPECT_EQ(missing.missing_blob_digests(0).hash(), cache::DigestOf("tiles").hash());

  // A malformed digest names its field.
  v1::FindMissingBlobsRequest malformed;
  malformed.add_blob_digests()->set_hash("xyz");
  {
    grpc::ClientContext ctx;
    grpc::Status st = cas_->FindMissingBlobs(&ctx, malformed, &missing);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), HasSubstr("blob_digests[0]"));
  }

  // 10 MiB: over a batch, so it goes through WriteBlob / ReadBlob in chunks.
  std::string big(10 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::map<std::string, std::string> blobs = {{cache::DigestKey(cache::DigestOf(big)), big}};
  auto uploaded = remote::UploadBlobs(cas_.get(), blobs, Deadline());
  ASSERT_TRUE(uploaded.ok()) << uploaded.status();
  EXPECT_EQ(*uploaded, 1);
  auto fetched = remote::FetchBlobs(cas_.get(), {cache::DigestOf(big)}, Deadline());
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->begin()->second, big);
  EXPECT_EQ(*remote::UploadBlobs(cas_.get(), blobs, Deadline()), 0);  // already there

  // A streamed write whose bytes do not match its digest is refused and not stored.
  {
    grpc::ClientContext ctx;
    v1::WriteBlobResponse resp;
    auto writer = cas_->WriteBlob(&ctx, &resp);
    v1::WriteBlobRequest msg;
    *msg.mutable_digest() = cache::DigestOf("reader kernel");
    msg.set_data("writer kernel");
    writer->Write(msg);
    writer->WritesDone();
    grpc::Status st = writer->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  auto gone = remote::FetchBlobs(cas_.get(), {cache::DigestOf("reader kernel")}, Deadline());
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(DaemonTest, ARestartKeepsHits) {
  daemon::Config c = BaseConfig();
  c.sync_writes = true;
  StartServer(c);
  v1::CompileResponse first;
  ASSERT_TRUE(Compile(LoadExample("gemm_l1_sharded"), &first).ok());
  StopServer();
  StartServer(c);
  v1::CompileResponse again;
  ASSERT_TRUE(Compile(LoadExample("gemm_l1_sharded"), &again, /*inline_files=*/true).ok());
  EXPECT_TRUE(again.cache_hit());
  EXPECT_EQ(again.action_key().key(), first.action_key().key());
  EXPECT_EQ(server_->service()->compiles(), 0);
}

TEST_F(DaemonTest, ACorruptBlobIsNeverServedAndTheResultIsRecompiled) {
  daemon::Config c = BaseConfig();
  StartServer(c);
  v1::CompileResponse first;
  ASSERT_TRUE(Compile(LoadExample("gemm_256_bf16"), &first, /*inline_files=*/true).ok());
  StopServer();
  // Flip one byte of compute.cpp's blob behind the daemon's back.
  const v1::Digest* compute = nullptr;
  for (const auto& f : first.result().output_files()) {
    if (f.path() == "compute.cpp") compute = &f.digest();
  }
  ASSERT_NE(compute, nullptr);
  ASSERT_NO_FATAL_FAILURE(FlipBlobInStore(c.data_dir, *compute));
  StartServer(c);
  v1::CompileResponse again;
  ASSERT_TRUE(Compile(LoadExample("gemm_256_bf16"), &again, /*inline_files=*/true).ok());
  EXPECT_FALSE(again.cache_hit());  // the hit could not be served, so it was recompiled
  for (int i = 0; i < again.files_size(); ++i) EXPECT_EQ(again.files(i).data(), first.files(i).data());
  EXPECT_EQ(Stats().corruptions(), 1);
  v1::CompileResponse third;
  ASSERT_TRUE(Compile(LoadExample("gemm_256_bf16"), &third, /*inline_files=*/true).ok());
  EXPECT_TRUE(third.cache_hit());
}

TEST_F(DaemonTest, EvictionKeepsTheStoreUnderItsLimitAndNoResultPointsAtEvictedBlobs) {
  daemon::Config c = BaseConfig();
  c.cache_size = 40 << 10;
  StartServer(c);
  std::vector<std::string> keys;
  for (int i = 0; i < 12; ++i) {
    v1::CompileResponse resp;
    ASSERT_TRUE(Compile(Variant(i), &resp).ok());
    keys.push_back(resp.action_key().key());
  }
  ASSERT_TRUE(WaitFor([&] {
    const v1::Stats s = Stats();
    return s.evictions() > 0 && s.store_bytes() <= c.cache_size;
  })) << Stats().DebugString();
  int present = 0;
  for (const std::string& key : keys) {
    v1::GetActionResultRequest get;
    get.set_action_key(key);
    v1::ActionResult result;
    grpc::ClientContext ctx;
    grpc::Status st = compiler_->GetActionResult(&ctx, get, &result);
    if (st.error_code() == grpc::StatusCode::NOT_FOUND) continue;
    ASSERT_TRUE(st.ok()) << st.error_message();
    ++present;
    std::vector<v1::Digest> digests;
    for (const auto& f : result.output_files()) digests.push_back(f.digest());
    auto blobs = remote::FetchBlobs(cas_.get(), digests, Deadline());
    EXPECT_TRUE(blobs.ok()) << key << ": " << blobs.status();
  }
  EXPECT_LT(present, 12);
  // Evicted results are recompiled on demand.
  v1::CompileResponse resp;
  ASSERT_TRUE(Compile(Variant(0), &resp, /*inline_files=*/true).ok());
  EXPECT_EQ(resp.files_size(), 6);
}

TEST_F(DaemonTest, DrainingAnswersUnavailableAndHealthSaysNotServing) {
  StartServer();
  server_->service()->Drain();
  v1::CompileResponse resp;
  grpc::Status st = Compile(LoadExample("kernel_1d"), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
}

// A submitter cannot forge ttcd's log lines: a function name with a newline is written as one
// escaped logfmt value (common/logfmt.h).
TEST_F(DaemonTest, AFunctionNameWithANewlineCannotForgeALogLine) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  spdlog::default_logger()->sinks().push_back(sink);  // before any server thread logs
  StartServer();
  v1::KernelRequest req = LoadExample("kernel_1d");
  req.mutable_func()->set_name("k\n[info] msg=\"job report\" accepted=true");
  v1::CompileResponse resp;
  grpc::Status st = Compile(req, &resp);
  StopServer();
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
  const std::string text = log.str();
  EXPECT_EQ(text.find("\n[info] msg=\"job report\""), std::string::npos) << text;
  EXPECT_NE(text.find("func=\"k\\n[info] msg=\\\"job report\\\" accepted=true\""), std::string::npos)
      << "status " << st.error_code() << ": " << st.error_message() << "\n" << text;
}

TEST_F(DaemonTest, HealthIsNotServingWhileTheStoreIsUnusable) {
  StartServer();
  auto health = [&](const std::string& service, grpc::StatusCode expect = grpc::StatusCode::OK) {
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(service);
    grpc::health::v1::HealthCheckResponse r;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(std::chrono::seconds(10)));
    EXPECT_EQ(health_->Check(&ctx, req, &r).error_code(), expect) << "'" << service << "'";
    return r.status();
  };
  // Every served service answers by name (grpc_health_probe -service, Kubernetes gRPC probes).
  const std::vector<std::string> services = {"", "ttc.v1.Compiler", "ttc.v1.Cas", "ttc.v1.DeviceFleet",
                                             "ttc.v1.BuildCache"};
  EXPECT_TRUE(server_->store()->Probe().ok());  // the real probe: write and read back
  for (const auto& s : services) EXPECT_EQ(health(s), grpc::health::v1::HealthCheckResponse::SERVING) << s;
  health("ttc.v1.NoSuchService", grpc::StatusCode::NOT_FOUND);
  // A disk that stopped taking writes (simulated: the probe's answer is what RocksDB says then).
  server_->SetStoreProbe([] { return absl::UnavailableError("IO error: No space left on device"); });
  EXPECT_FALSE(server_->serving());
  for (const auto& s : services) EXPECT_EQ(health(s), grpc::health::v1::HealthCheckResponse::NOT_SERVING) << s;
  server_->SetStoreProbe(nullptr);  // back to the real probe: the store works again
  EXPECT_TRUE(server_->serving());
  for (const auto& s : services) EXPECT_EQ(health(s), grpc::health::v1::HealthCheckResponse::SERVING) << s;
  // Draining is NOT_SERVING for good, whatever the probe says.
  server_->Shutdown(std::chrono::milliseconds(0));
  EXPECT_FALSE(server_->serving());
}

}  // namespace
}  // namespace ttc::testing
