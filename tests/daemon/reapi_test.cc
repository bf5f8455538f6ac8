// The REAPI v2 cache services and ByteStream of ttcd (daemon/reapi_service.h) through their
// generated gRPC stubs against an in-process ttcd: capabilities, CAS batches, ByteStream
// uploads and downloads, action results and the blobs they reference, GetTree, and refusals.
// (tests/reapi/ drives the same services with a real Bazel.)
#include <string>
#include <vector>

#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "cache/digest.h"
#include "daemon/reapi_service.h"
#include "google/bytestream/bytestream.grpc.pb.h"
#include "tests/daemon/daemon_fixture.h"

namespace ttc::testing {
namespace {

namespace reapi = ::build::bazel::remote::execution::v2;
namespace bs = ::google::bytestream;

reapi::Digest DigestOf(const std::string& bytes) {
  const v1::Digest d = cache::DigestOf(bytes);
  reapi::Digest out;
  out.set_hash(d.hash());
  out.set_size_bytes(d.size_bytes());
  return out;
}

std::string Name(const reapi::Digest& d) { return d.hash() + "/" + std::to_string(d.size_bytes()); }

class ReapiTest : public DaemonTest {
 protected:
  void SetUp() override {
    StartServer();
    cas_api_ = reapi::ContentAddressableStorage::NewStub(channel_);
    ac_ = reapi::ActionCache::NewStub(channel_);
    caps_ = reapi::Capabilities::NewStub(channel_);
    bytestream_ = bs::ByteStream::NewStub(channel_);
  }
  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(Deadline());
    return ctx;
  }
  grpc::Status Upload(const std::vector<std::string>& blobs) {
    reapi::BatchUpdateBlobsRequest req;
    for (const std::string& b : blobs) {
      auto* r = req.add_requests();
      *r->mutable_digest() = DigestOf(b);
      r->set_data(b);
    }
    reapi::BatchUpdateBlobsResponse resp;
    grpc::Status st = cas_api_->BatchUpdateBlobs(Ctx().get(), req, &resp);
    for (const auto& r : resp.responses()) EXPECT_EQ(r.status().code(), 0) << r.status().message();
    return st;
  }
  grpc::Status Update(const reapi::Digest& action, const reapi::ActionResult& result) {
    reapi::UpdateActionResultRequest req;
    req.set_instance_name("main");
    *req.mutable_action_digest() = action;
    *req.mutable_action_result() = result;
    reapi::ActionResult echoed;
    return ac_->UpdateActionResult(Ctx().get(), req, &echoed);
  }
  grpc::Status Get(const reapi::Digest& action, reapi::ActionResult* out) {
    reapi::GetActionResultRequest req;
    req.set_instance_name("main");
    *req.mutable_action_digest() = action;
    return ac_->GetActionResult(Ctx().get(), req, out);
  }

  std::unique_ptr<reapi::ContentAddressableStorage::Stub> cas_api_;
  std::unique_ptr<reapi::ActionCache::Stub> ac_;
  std::unique_ptr<reapi::Capabilities::Stub> caps_;
  std::unique_ptr<bs::ByteStream::Stub> bytestream_;
};

TEST_F(ReapiTest, CapabilitiesAdvertiseSha256AndTheLimits) {
  reapi::ServerCapabilities caps;
  ASSERT_TRUE(caps_->GetCapabilities(Ctx().get(), reapi::GetCapabilitiesRequest(), &caps).ok());
  ASSERT_EQ(caps.cache_capabilities().digest_functions_size(), 1);
  EXPECT_EQ(caps.cache_capabilities().digest_functions(0), reapi::DigestFunction::SHA256);
  EXPECT_TRUE(caps.cache_capabilities().action_cache_update_capabilities().update_enabled());
  EXPECT_GT(caps.cache_capabilities().max_batch_total_size_bytes(), 0);
  EXPECT_EQ(caps.low_api_version().major(), 2);
  EXPECT_EQ(caps.high_api_version().major(), 2);
}

TEST_F(ReapiTest, AnActionResultIsServedOnlyWhileEveryBlobItNamesIsStored) {
  const std::string out = "genrule output\n", err = "a warning\n";
  const reapi::Digest action = DigestOf("an Action message");
  reapi::ActionResult result;
  auto* f = result.add_output_files();
  f->set_path("bazel-out/k8-fastbuild/bin/out.txt");
  *f->mutable_digest() = DigestOf(out);
  f->set_is_executable(true);
  *result.mutable_stderr_digest() = DigestOf(err);
  result.set_exit_code(0);

  // The blobs first (REAPI): without them the result is refused and nothing is stored.
  grpc::Status early = Update(action, result);
  EXPECT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << early.error_message();
  reapi::ActionResult got;
  EXPECT_EQ(Get(action, &got).error_code(), grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE(Upload({out, err}).ok());
  ASSERT_TRUE(Update(action, result).ok());
  ASSERT_TRUE(Get(action, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), result.SerializeAsString());

  reapi::FindMissingBlobsRequest find;
  *find.add_blob_digests() = DigestOf(out);
  *find.add_blob_digests() = DigestOf("never uploaded");
  reapi::FindMissingBlobsResponse missing;
  ASSERT_TRUE(cas_api_->FindMissingBlobs(Ctx().get(), find, &missing).ok());
  ASSERT_EQ(missing.missing_blob_digests_size(), 1);
  EXPECT_EQ(missing.missing_blob_digests(0).hash(), DigestOf("never uploaded").hash());

  reapi::BatchReadBlobsRequest read;
  *read.add_digests() = DigestOf(out);
  *read.add_digests() = DigestOf("never uploaded");
  reapi::BatchReadBlobsResponse blobs;
  ASSERT_TRUE(cas_api_->BatchReadBlobs(Ctx().get(), read, &blobs).ok());
  ASSERT_EQ(blobs.responses_size(), 2);
  EXPECT_EQ(blobs.responses(0).data(), out);
  EXPECT_EQ(blobs.responses(1).status().code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));

  // A ttc compile key never answers for it, nor it for one.
  v1::GetActionResultRequest ttc_get;
  ttc_get.set_action_key(action.hash());
  v1::ActionResult ttc_result;
  EXPECT_EQ(compiler_->GetActionResult(Ctx().get(), ttc_get, &ttc_result).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReapiTest, ByteStreamWritesAndReadsLargeBlobsInChunks) {
  std::string big(300 * 1024 + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  const reapi::Digest d = DigestOf(big);
  {
    bs::WriteResponse resp;
    auto ctx = Ctx();
    auto writer = bytestream_->Write(ctx.get(), &resp);
    for (size_t off = 0; off < big.size(); off += 100000) {
      bs::WriteRequest w;
      if (off == 0) w.set_resource_name("main/uploads/3f1c5d2e-0000-4000-8000-000000000001/blobs/" + Name(d));
      w.set_write_offset(static_cast<int64_t>(off));
      w.set_data(big.substr(off, 100000));
      w.set_finish_write(off + 100000 >= big.size());
      ASSERT_TRUE(writer->Write(w));
    }
    writer->WritesDone();
    grpc::Status st = writer->Finish();
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.committed_size(), static_cast<int64_t>(big.size()));
  }
  bs::ReadRequest r;
  r.set_resource_name("main/blobs/" + Name(d));
  auto ctx = Ctx();
  auto reader = bytestream_->Read(ctx.get(), r);
  std::string back;
  bs::ReadResponse chunk;
  int chunks = 0;
  while (reader->Read(&chunk)) {
    back += chunk.data();
    ++chunks;
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(back, big);
  EXPECT_GT(chunks, 1);

  // An offset and a limit; a wrong digest on upload is refused and stores nothing.
  r.set_read_offset(1000);
  r.set_read_limit(10);
  auto ctx2 = Ctx();
  auto part = bytestream_->Read(ctx2.get(), r);
  std::string slice;
  while (part->Read(&chunk)) slice += chunk.data();
  ASSERT_TRUE(part->Finish().ok());
  EXPECT_EQ(slice, big.substr(1000, 10));

  bs::WriteResponse resp;
  auto ctx3 = Ctx();
  auto liar = bytestream_->Write(ctx3.get(), &resp);
  bs::WriteRequest w;
  const reapi::Digest claimed = DigestOf("the claimed bytes");
  w.set_resource_name("uploads/u/blobs/" + Name(claimed));
  w.set_data("other bytes, same len");
  w.set_data(w.data().substr(0, static_cast<size_t>(claimed.size_bytes())));
  w.set_finish_write(true);
  liar->Write(w);
  liar->WritesDone();
  grpc::Status refused = liar->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.error_message();
  bs::QueryWriteStatusRequest q;
  q.set_resource_name("uploads/u/blobs/" + Name(claimed));
  bs::QueryWriteStatusResponse status;
  ASSERT_TRUE(bytestream_->QueryWriteStatus(Ctx().get(), q, &status).ok());
  EXPECT_FALSE(status.complete());

  bs::ReadRequest bad;
  bad.set_resource_name("main/compressed-blobs/zstd/" + Name(d));
  auto ctx4 = Ctx();
  auto compressed = bytestream_->Read(ctx4.get(), bad);
  EXPECT_FALSE(compressed->Read(&chunk));
  EXPECT_EQ(compressed->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(ReapiTest, GetTreeWalksADirectoryHierarchyBreadthFirstInPages) {
  reapi::Directory leaf;
  auto* file = leaf.add_files();
  file->set_name("a.txt");
  *file->mutable_digest() = DigestOf("a");
  const std::string leaf_bytes = leaf.SerializeAsString();
  reapi::Directory mid;
  auto* node = mid.add_directories();
  node->set_name("leaf");
  *node->mutable_digest() = DigestOf(leaf_bytes);
  const std::string mid_bytes = mid.SerializeAsString();
  reapi::Directory root;
  for (const char* name : {"x", "y"}) {  // the same subtree twice: sent once
    auto* n = root.add_directories();
    n->set_name(name);
    *n->mutable_digest() = DigestOf(mid_bytes);
  }
  const std::string root_bytes = root.SerializeAsString();
  ASSERT_TRUE(Upload({leaf_bytes, mid_bytes, root_bytes}).ok());

  reapi::GetTreeRequest req;
  *req.mutable_root_digest() = DigestOf(root_bytes);
  req.set_page_size(2);
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  auto ctx = Ctx();
  auto stream = cas_api_->GetTree(ctx.get(), req);
  reapi::GetTreeResponse page;
  while (stream->Read(&page)) {
    ++pages;
    for (const auto& d : page.directories()) seen.push_back(d.SerializeAsString());
    token = page.next_page_token();
  }
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(seen, (std::vector<std::string>{root_bytes, mid_bytes, leaf_bytes}));
  EXPECT_EQ(pages, 2);
  EXPECT_TRUE(token.empty());

  *req.mutable_root_digest() = DigestOf("no such directory");
  auto ctx2 = Ctx();
  auto missing = cas_api_->GetTree(ctx2.get(), req);
  while (missing->Read(&page)) {
  }
  EXPECT_EQ(missing->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReapiTest, BadDigestsAndDigestFunctionsNameTheField) {
  reapi::FindMissingBlobsRequest find;
  find.add_blob_digests()->set_hash("not-hex");
  reapi::FindMissingBlobsResponse missing;
  grpc::Status st = cas_api_->FindMissingBlobs(Ctx().get(), find, &missing);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("blob_digests[0]"), std::string::npos) << st.error_message();

  reapi::GetActionResultRequest get;
  *get.mutable_action_digest() = DigestOf("x");
  get.set_digest_function(reapi::DigestFunction::BLAKE3);
  reapi::ActionResult r;
  st = ac_->GetActionResult(Ctx().get(), get, &r);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("BLAKE3"), std::string::npos) << st.error_message();

  bs::ReadRequest read;
  read.set_resource_name("blobs/zz/12");
  auto ctx = Ctx();
  auto reader = bytestream_->Read(ctx.get(), read);
  bs::ReadResponse chunk;
  EXPECT_FALSE(reader->Read(&chunk));
  st = reader->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("resource_name"), std::string::npos) << st.error_message();
}

}  // namespace
}  // namespace ttc::testing
