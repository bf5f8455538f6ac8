// Abusive calls against an in-process ttcd (issue: survive the disk and abusive requests):
// bytes that are not the method's message, batches that used to hold gRPC's callback threads,
// the batch limits and their advertisement, and cancellation between blobs. Each test asserts
// what a client sees and that the daemon keeps answering health within 1 s.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"
#include "tests/daemon/daemon_fixture.h"

namespace ttc::testing {
namespace {

using ::testing::HasSubstr;

class AbuseTest : public DaemonTest {
 protected:
  // Sends `bytes` as the whole request of `method` (e.g. "/ttc.v1.Compiler/Compile").
  grpc::Status SendRaw(const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(channel_);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer req(&slice, 1), resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(std::chrono::seconds(20)));
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status out;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &req, &resp, [&](grpc::Status st) {
      std::lock_guard<std::mutex> l(mu);
      out = std::move(st);
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> l(mu);
    cv.wait_for(l, std::chrono::seconds(30), [&] { return done; });
    EXPECT_TRUE(done) << method << " never answered";
    return out;
  }

  // Health of the whole server with a 1 s deadline.
  bool HealthyWithinASecond() {
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    return health_->Check(&ctx, req, &resp).ok();
  }
};

// Bytes that do not parse as the method's message (a truncated varint, a wrong wire type).
const char kGarbage[] = "\x0a\xff\xff\xff\xff\x0f\x12";

TEST_F(AbuseTest, GarbledUnaryRequestsAreInvalidArgumentWithAMessage) {
  StartServer();
  for (const char* method : {"/ttc.v1.Compiler/Compile", "/ttc.v1.Compiler/Submit", "/ttc.v1.Compiler/GetJob",
                             "/ttc.v1.Cas/FindMissingBlobs", "/ttc.v1.Cas/BatchUpdateBlobs"}) {
    grpc::Status st = SendRaw(method, std::string(kGarbage, sizeof(kGarbage) - 1));
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method << ": " << st.error_message();
    EXPECT_THAT(st.error_message(), HasSubstr("do not parse as a ttc.v1.")) << method;
    EXPECT_THAT(st.error_message(), HasSubstr("ttc.v1.")) << method;  // names the expected message type
  }
  // A method that does not exist is still UNIMPLEMENTED: a client may fall back on that.
  grpc::Status st = SendRaw("/ttc.v1.Compiler/NoSuchMethod", "");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_TRUE(HealthyWithinASecond());
}

TEST_F(AbuseTest, AGarbledStreamingRequestIsInvalidArgument) {
  StartServer();
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline(std::chrono::seconds(20)));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&ctx, "/ttc.v1.Cas/ReadBlob", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::Slice slice(std::string(kGarbage, sizeof(kGarbage) - 1));
  grpc::ByteBuffer req(&slice, 1);
  call->WriteLast(req, grpc::WriteOptions(), reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  grpc::Status st;
  call->Finish(&st, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("ttc.v1.ReadBlobRequest"));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

// `n` distinct tiny blobs ("blob-<seed>-<i>").
std::vector<std::string> TinyBlobs(int n, int seed) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(absl::StrCat("blob-", seed, "-", i));
  return out;
}

v1::BatchUpdateBlobsRequest UpdateOf(const std::vector<std::string>& blobs) {
  v1::BatchUpdateBlobsRequest req;
  for (const std::string& b : blobs) {
    auto* r = req.add_requests();
    *r->mutable_digest() = cache::DigestOf(b);
    r->set_data(b);
  }
  return req;
}

// The two wedging calls, several of each at once: batches of 10,000 tiny blobs
// (each used to be its own synced write) and of 10,000 digests, against a store holding
// large blobs. They used to occupy every gRPC callback thread for minutes.
TEST_F(AbuseTest, WedgingBatchesLeaveHealthAnsweringWithinASecond) {
  daemon::Config c = BaseConfig();
  c.sync_writes = true;
  StartServer(c);
  for (int i = 0; i < 4; ++i) {  // large blobs: 4 x 8 MiB through WriteBlob
    std::string big(8 << 20, static_cast<char>('a' + i));
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    v1::WriteBlobResponse resp;
    auto w = cas_->WriteBlob(&ctx, &resp);
    for (size_t off = 0; off < big.size(); off += 1 << 20) {
      v1::WriteBlobRequest m;
      if (off == 0) *m.mutable_digest() = cache::DigestOf(big);
      m.set_data(big.substr(off, 1 << 20));
      ASSERT_TRUE(w->Write(m));
    }
    w->WritesDone();
    ASSERT_TRUE(w->Finish().ok());
  }
  std::atomic<int> done{0}, ok{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      v1::BatchUpdateBlobsResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline(std::chrono::seconds(120)));
      if (cas_->BatchUpdateBlobs(&ctx, UpdateOf(TinyBlobs(10'000, t)), &resp).ok()) ++ok;
      ++done;
    });
    load.emplace_back([&, t] {
      v1::BatchReadBlobsRequest req;
      for (const std::string& b : TinyBlobs(10'000, 100 + t)) *req.add_digests() = cache::DigestOf(b);  // missing
      v1::BatchReadBlobsResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline(std::chrono::seconds(120)));
      if (cas_->BatchReadBlobs(&ctx, req, &resp).ok() && resp.responses_size() == 10'000) ++ok;
      ++done;
    });
  }
  int checks = 0, healthy = 0;
  while (done < static_cast<int>(load.size()) || checks < 5) {
    ++checks;
    if (HealthyWithinASecond()) ++healthy;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& t : load) t.join();
  EXPECT_EQ(healthy, checks) << "health missed its 1 s deadline during the batches";
  EXPECT_EQ(ok, 8);
  // Every tiny blob of the update batches is stored.
  v1::FindMissingBlobsRequest find;
  for (int t = 0; t < 4; ++t) {
    for (const std::string& b : TinyBlobs(2'500, t)) *find.add_blob_digests() = cache::DigestOf(b);
  }
  v1::FindMissingBlobsResponse missing;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  ASSERT_TRUE(cas_->FindMissingBlobs(&ctx, find, &missing).ok());
  EXPECT_EQ(missing.missing_blob_digests_size(), 0);
}

TEST_F(AbuseTest, BatchesPastTheDigestLimitAreInvalidArgumentNamingIt) {
  daemon::Config c = BaseConfig();
  c.max_batch_digests = 100;
  StartServer(c);
  v1::FindMissingBlobsRequest find;
  for (const std::string& b : TinyBlobs(101, 0)) *find.add_blob_digests() = cache::DigestOf(b);
  v1::FindMissingBlobsResponse missing;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status st = cas_->FindMissingBlobs(&ctx, find, &missing);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), HasSubstr("blob_digests: 101 entries"));
    EXPECT_THAT(st.error_message(), HasSubstr("max_batch_digests"));
  }
  {
    v1::BatchUpdateBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status st = cas_->BatchUpdateBlobs(&ctx, UpdateOf(TinyBlobs(101, 1)), &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(st.error_message(), HasSubstr("max_batch_digests"));
  }
  {  // at the limit: accepted, every blob stored
    v1::BatchUpdateBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    ASSERT_TRUE(cas_->BatchUpdateBlobs(&ctx, UpdateOf(TinyBlobs(100, 2)), &resp).ok());
    ASSERT_EQ(resp.responses_size(), 100);
    for (const auto& r : resp.responses()) EXPECT_EQ(r.status().code(), 0) << r.status().message();
  }
}

TEST_F(AbuseTest, CapabilitiesAdvertiseTheLimits) {
  daemon::Config c = BaseConfig();
  c.max_batch_digests = 1234;
  c.max_message_bytes = 8 << 20;
  c.max_blob_bytes = 64 << 20;
  StartServer(c);
  v1::CasCapabilities caps;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  ASSERT_TRUE(cas_->GetCapabilities(&ctx, v1::GetCapabilitiesRequest(), &caps).ok());
  EXPECT_THAT(caps.digest_functions(), ::testing::ElementsAre("SHA256"));
  EXPECT_EQ(caps.max_batch_digests(), 1234);
  EXPECT_EQ(caps.max_batch_total_size_bytes(), (8 << 20) * 3 / 4);
  EXPECT_EQ(caps.max_blob_bytes(), 64 << 20);
  EXPECT_EQ(caps.max_message_bytes(), 8 << 20);
  EXPECT_EQ(caps.read_chunk_bytes(), 64 << 10);
}

// Holds the daemon's only I/O thread from construction until Release() (or destruction):
// every call that needs the pool waits in its queue meanwhile.
class HeldIoPool {
 public:
  explicit HeldIoPool(daemon::Server* server) {
    hold_.Close();
    EXPECT_TRUE(server->io_pool()->TrySubmit([this] {
      running_ = true;
      hold_.Wait();
    }));
    EXPECT_TRUE(WaitFor([&] { return running_.load(); }));
  }
  ~HeldIoPool() { Release(); }
  void Release() { hold_.Open(); }

 private:
  Gate hold_;
  std::atomic<bool> running_{false};
};

TEST_F(AbuseTest, ABatchCancelledWhileQueuedNeverRuns) {
  daemon::Config c = BaseConfig();
  c.io_threads = 1;
  StartServer(c);
  HeldIoPool held(server_.get());
  const std::vector<std::string> blobs = TinyBlobs(50, 7);
  {
    v1::BatchUpdateBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(std::chrono::milliseconds(300)));
    EXPECT_EQ(cas_->BatchUpdateBlobs(&ctx, UpdateOf(blobs), &resp).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  EXPECT_TRUE(HealthyWithinASecond());  // the I/O pool is busy; gRPC's threads are not
  held.Release();
  ASSERT_TRUE(WaitFor([&] { return server_->io_pool()->queued() == 0 && server_->io_pool()->running() == 0; }));
  v1::FindMissingBlobsRequest find;
  for (const std::string& b : blobs) *find.add_blob_digests() = cache::DigestOf(b);
  v1::FindMissingBlobsResponse missing;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  ASSERT_TRUE(cas_->FindMissingBlobs(&ctx, find, &missing).ok());
  EXPECT_EQ(missing.missing_blob_digests_size(), 50) << "the cancelled batch was stored anyway";
}

// Compile's key and cache lookup run on the I/O pool too: with the pool held, a compile waits
// (and its client's deadline passes) while gRPC's threads keep answering health.
TEST_F(AbuseTest, CompilesAreLookedUpOffTheCallbackThreads) {
  daemon::Config c = BaseConfig();
  c.io_threads = 1;
  StartServer(c);
  HeldIoPool held(server_.get());
  v1::CompileRequest call;
  *call.mutable_request() = LoadExample("kernel_1d");
  {
    v1::CompileResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(std::chrono::milliseconds(300)));
    EXPECT_EQ(compiler_->Compile(&ctx, call, &resp).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  EXPECT_TRUE(HealthyWithinASecond());
  held.Release();
  v1::CompileResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status st = compiler_->Compile(&ctx, call, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(resp.result().success());
  // The compile whose client gave up while it waited was skipped, not run: this one compiled.
  EXPECT_FALSE(resp.cache_hit());
}

TEST_F(AbuseTest, AFullIoQueueIsResourceExhaustedNamingIt) {
  daemon::Config c = BaseConfig();
  c.io_threads = 1;
  c.io_queue = 1;
  StartServer(c);
  HeldIoPool held(server_.get());
  // One call waits in the queue...
  v1::BatchReadBlobsRequest read;
  *read.add_digests() = cache::DigestOf(std::string("x"));
  v1::BatchReadBlobsResponse queued_resp;
  grpc::ClientContext queued_ctx;
  queued_ctx.set_deadline(Deadline());
  grpc::Status queued_status;
  std::thread queued([&] { queued_status = cas_->BatchReadBlobs(&queued_ctx, read, &queued_resp); });
  ASSERT_TRUE(WaitFor([&] { return server_->io_pool()->queued() == 1; }));
  // ...the next one is refused at once, by name.
  v1::BatchReadBlobsResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status st = cas_->BatchReadBlobs(&ctx, read, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(st.error_message(), HasSubstr("io_queue"));
  held.Release();
  queued.join();
  EXPECT_TRUE(queued_status.ok()) << queued_status.error_message();
  ASSERT_EQ(queued_resp.responses_size(), 1);
  EXPECT_EQ(queued_resp.responses(0).status().code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
}

}  // namespace
}  // namespace ttc::testing
