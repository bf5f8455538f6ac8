// Abusive calls against an in-process ttcd (issue: survive the disk and abusive requests):
// bytes that are not the method's message, batches that used to hold gRPC's callback threads,
// the batch limits and their advertisement, and cancellation between blobs. Each test asserts
// what a client sees and that the daemon keeps answering health within 1 s.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>

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

}  // namespace
}  // namespace ttc::testing
