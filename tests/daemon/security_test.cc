// ttcd's security (daemon/auth.h, the security keys of daemon/config.h): the configs Start
// refuses; bearer tokens and roles on every RPC, over plaintext loopback and over TLS;
// server and client certificates (made with the openssl CLI at test time); the per-client
// limits (streams, request rate, blob size, message size); the token file.
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "cache/digest.h"
#include "daemon/auth.h"
#include "build/bazel/remote/execution/v2/remote_execution.grpc.pb.h"
#include "google/bytestream/bytestream.grpc.pb.h"
#include "tests/daemon/daemon_fixture.h"
#include "tests/daemon/process_util.h"

namespace ttc::testing {
namespace {

using ::testing::AnyOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using Code = grpc::StatusCode;
namespace reapi = ::build::bazel::remote::execution::v2;

constexpr std::chrono::seconds kCallLimit{10};
std::chrono::system_clock::time_point CallDeadline() { return std::chrono::system_clock::now() + kCallLimit; }

// The PKI of these tests: a CA, a server certificate for IP:127.0.0.1 and DNS:localhost and a
// client certificate it signed; an unrelated CA with a client certificate of its own. Made
// once per run in a temp dir removed at exit; `error` holds openssl's output if that failed.
struct Certs {
  std::string ca, server_cert, server_key, client_cert, client_key;
  std::string other_ca, other_client_cert, other_client_key;
  std::string error;
};

const Certs& TestCerts() {
  static TempDir dir;
  static const Certs certs = [] {
    Certs c;
    const std::string d = dir.path().string();
    std::ofstream(d + "/server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n";
    std::ofstream(d + "/client.ext") << "extendedKeyUsage=clientAuth\n";
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    auto ca = [&](const std::string& name) {
      return "openssl req -x509" + key + " -keyout " + name + ".key -out " + name + ".pem -days 2 -subj /CN=" + name +
             " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign && ";
    };
    auto leaf = [&](const std::string& name, const std::string& signer, const std::string& ext, int serial) {
      return "openssl req" + key + " -keyout " + name + ".key -out " + name + ".csr -subj /CN=" + name +
             " && openssl x509 -req -in " + name + ".csr -CA " + signer + ".pem -CAkey " + signer +
             ".key -set_serial " + std::to_string(serial) + " -days 2 -extfile " + ext + " -out " + name + ".pem && ";
    };
    auto [status, out] = Shell("cd " + d + " && " + ca("ca") + ca("other-ca") + leaf("server", "ca", "server.ext", 2) +
                               leaf("client", "ca", "client.ext", 3) +
                               leaf("other-client", "other-ca", "client.ext", 4) + "true");
    if (status != 0) c.error = out;
    c.ca = d + "/ca.pem";
    c.server_cert = d + "/server.pem";
    c.server_key = d + "/server.key";
    c.client_cert = d + "/client.pem";
    c.client_key = d + "/client.key";
    c.other_ca = d + "/other-ca.pem";
    c.other_client_cert = d + "/other-client.pem";
    c.other_client_key = d + "/other-client.key";
    return c;
  }();
  return certs;
}

// The tokens the daemon under test knows, by the role the tests ask for.
struct TestToken {
  const char* who;   // how the tables name it
  const char* name;  // its name in the token file
  const char* roles;
  const char* token;
  const char* group = "";  // its group in the token file ("" = none)
};
constexpr TestToken kTokens[] = {
    {"submit", "ci", "\"submit\"", "ttc_submit_token_of_ci"},
    {"submit2", "ci2", "\"submit\"", "ttc_submit_token_of_ci2"},
    {"pool1", "ci-pool-1", "\"submit\"", "ttc_submit_token_of_ci_pool_1", "ci-pool"},
    {"pool2", "ci-pool-2", "\"submit\"", "ttc_submit_token_of_ci_pool_2", "ci-pool"},
    {"agent", "rack1", "\"agent\"", "ttc_agent_token_of_rack1"},
    {"agent2", "rack2", "\"agent\"", "ttc_agent_token_of_rack2"},
    {"admin", "ops", "\"admin\"", "ttc_admin_token_of_ops"},
};

// "none" = no authorization header; "unknown" = a bearer token not in the file.
std::string TokenOf(const std::string& who) {
  if (who == "none") return "";
  if (who == "unknown") return "ttc_a_token_nobody_issued";
  for (const TestToken& t : kTokens) {
    if (who == t.who) return t.token;
  }
  ADD_FAILURE() << "no test token for " << who;
  return "";
}

// A deadline on every call, and the token as `authorization: Bearer <token>`.
void Authorize(grpc::ClientContext* ctx, const std::string& token,
               std::chrono::system_clock::time_point deadline = CallDeadline()) {
  ctx->set_deadline(deadline);
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
}

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : compiler(v1::Compiler::NewStub(channel)),
        cas(v1::Cas::NewStub(channel)),
        fleet(v1::DeviceFleet::NewStub(channel)),
        builds(v1::BuildCache::NewStub(channel)),
        health(grpc::health::v1::Health::NewStub(channel)),
        reapi_caps(reapi::Capabilities::NewStub(channel)),
        reapi_ac(reapi::ActionCache::NewStub(channel)),
        reapi_cas(reapi::ContentAddressableStorage::NewStub(channel)),
        bytestream(google::bytestream::ByteStream::NewStub(channel)) {}
  std::unique_ptr<v1::Compiler::Stub> compiler;
  std::unique_ptr<v1::Cas::Stub> cas;
  std::unique_ptr<v1::DeviceFleet::Stub> fleet;
  std::unique_ptr<v1::BuildCache::Stub> builds;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
  std::unique_ptr<reapi::Capabilities::Stub> reapi_caps;
  std::unique_ptr<reapi::ActionCache::Stub> reapi_ac;
  std::unique_ptr<reapi::ContentAddressableStorage::Stub> reapi_cas;
  std::unique_ptr<google::bytestream::ByteStream::Stub> bytestream;
};

// One call of each RPC, cheap and harmless when admitted (most are invalid or name missing
// things; the test only looks at whether the gate let them through). `job` is a queued job
// of the "submit" token. Streams: the status comes from Finish(); a server stream is
// cancelled after its first message, so an admitted watch does not run to its deadline.
using RpcCall = std::function<grpc::Status(Stubs&, grpc::ClientContext*, const std::string& job)>;

template <class Reader, class Msg>
grpc::Status FirstMessageThenFinish(grpc::ClientContext* ctx, Reader* reader, Msg* msg) {
  if (reader->Read(msg)) ctx->TryCancel();
  while (reader->Read(msg)) {
  }
  return reader->Finish();
}

const std::map<std::string, RpcCall>& Rpcs() {
  static const auto* rpcs = new std::map<std::string, RpcCall>{
      {"Compile",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::CompileResponse resp;
         return s.compiler->Compile(ctx, v1::CompileRequest(), &resp);
       }},
      {"InferLayout",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::LayoutResponse resp;
         return s.compiler->InferLayout(ctx, v1::CompileRequest(), &resp);
       }},
      {"GetActionResult",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::GetActionResultRequest req;
         req.set_action_key(std::string(64, '0'));
         v1::ActionResult resp;
         return s.compiler->GetActionResult(ctx, req, &resp);
       }},
      {"GetStats",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::Stats resp;
         return s.compiler->GetStats(ctx, v1::GetStatsRequest(), &resp);
       }},
      {"Submit",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::SubmitResponse resp;
         return s.compiler->Submit(ctx, v1::SubmitRequest(), &resp);
       }},
      {"WatchJob",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string& job) {
         v1::JobRef ref;
         ref.set_job_id(job);
         v1::Job msg;
         auto reader = s.compiler->WatchJob(ctx, ref);
         return FirstMessageThenFinish(ctx, reader.get(), &msg);
       }},
      {"CancelJob",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string& job) {
         v1::JobRef ref;
         ref.set_job_id(job);
         v1::Job resp;
         return s.compiler->CancelJob(ctx, ref, &resp);
       }},
      {"GetJob",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string& job) {
         v1::JobRef ref;
         ref.set_job_id(job);
         v1::Job resp;
         return s.compiler->GetJob(ctx, ref, &resp);
       }},
      {"ListJobs",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::ListJobsResponse resp;
         return s.compiler->ListJobs(ctx, v1::ListJobsRequest(), &resp);
       }},
      {"ListDevices",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::ListDevicesResponse resp;
         return s.compiler->ListDevices(ctx, v1::ListDevicesRequest(), &resp);
       }},
      {"SetDeviceHealth",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::SetDeviceHealthRequest req;
         req.set_host_id("no-such-host");
         req.set_device_id("dev0");
         req.set_health(v1::MAINTENANCE);
         v1::SetDeviceHealthResponse resp;
         return s.compiler->SetDeviceHealth(ctx, req, &resp);
       }},
      {"GetCapabilities",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::CasCapabilities resp;
         return s.cas->GetCapabilities(ctx, v1::GetCapabilitiesRequest(), &resp);
       }},
      {"FindMissingBlobs",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::FindMissingBlobsRequest req;
         *req.add_blob_digests() = cache::DigestOf("reader kernel");
         v1::FindMissingBlobsResponse resp;
         return s.cas->FindMissingBlobs(ctx, req, &resp);
       }},
      {"BatchUpdateBlobs",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::BatchUpdateBlobsRequest req;
         auto* r = req.add_requests();
         r->set_data("compute kernel");
         *r->mutable_digest() = cache::DigestOf("compute kernel");
         v1::BatchUpdateBlobsResponse resp;
         return s.cas->BatchUpdateBlobs(ctx, req, &resp);
       }},
      {"BatchReadBlobs",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::BatchReadBlobsRequest req;
         *req.add_digests() = cache::DigestOf("reader kernel");
         v1::BatchReadBlobsResponse resp;
         return s.cas->BatchReadBlobs(ctx, req, &resp);
       }},
      {"ReadBlob",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::ReadBlobRequest req;
         *req.mutable_digest() = cache::DigestOf("reader kernel");
         v1::ReadBlobResponse msg;
         auto reader = s.cas->ReadBlob(ctx, req);
         return FirstMessageThenFinish(ctx, reader.get(), &msg);
       }},
      {"WriteBlob",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::WriteBlobResponse resp;
         auto writer = s.cas->WriteBlob(ctx, &resp);
         v1::WriteBlobRequest msg;
         *msg.mutable_digest() = cache::DigestOf("writer kernel");
         msg.set_data("writer kernel");
         writer->Write(msg);
         writer->WritesDone();
         return writer->Finish();
       }},
      {"LookupBuild",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::LookupBuildRequest req;
         req.set_tier("kernel_build");
         req.set_key(std::string(64, 'a'));
         v1::LookupBuildResponse resp;
         grpc::Status st = s.builds->LookupBuild(ctx, req, &resp);
         return st.error_code() == grpc::StatusCode::NOT_FOUND ? grpc::Status::OK : st;  // admitted: a miss
       }},
      {"UpdateBuild",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         v1::UpdateBuildRequest req;  // no result: gives up a build nobody took (harmless)
         req.set_tier("kernel_build");
         req.set_key(std::string(64, 'a'));
         v1::UpdateBuildResponse resp;
         return s.builds->UpdateBuild(ctx, req, &resp);
       }},
      // REAPI v2 and ByteStream (daemon/reapi_service.h), named Service/Method: their method
      // names repeat ttc's own.
      {"Capabilities/GetCapabilities",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         reapi::ServerCapabilities resp;
         return s.reapi_caps->GetCapabilities(ctx, reapi::GetCapabilitiesRequest(), &resp);
       }},
      {"ActionCache/GetActionResult",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         reapi::GetActionResultRequest req;
         req.mutable_action_digest()->set_hash(std::string(64, '0'));
         reapi::ActionResult resp;
         grpc::Status st = s.reapi_ac->GetActionResult(ctx, req, &resp);
         return st.error_code() == grpc::StatusCode::NOT_FOUND ? grpc::Status::OK : st;  // admitted: a miss
       }},
      {"ActionCache/UpdateActionResult",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         reapi::UpdateActionResultRequest req;  // no outputs: an empty result (harmless)
         req.mutable_action_digest()->set_hash(std::string(64, '1'));
         reapi::ActionResult resp;
         return s.reapi_ac->UpdateActionResult(ctx, req, &resp);
       }},
      {"ContentAddressableStorage/FindMissingBlobs",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         reapi::FindMissingBlobsResponse resp;
         return s.reapi_cas->FindMissingBlobs(ctx, reapi::FindMissingBlobsRequest(), &resp);
       }},
      {"ContentAddressableStorage/BatchUpdateBlobs",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         reapi::BatchUpdateBlobsResponse resp;
         return s.reapi_cas->BatchUpdateBlobs(ctx, reapi::BatchUpdateBlobsRequest(), &resp);
       }},
      {"ContentAddressableStorage/BatchReadBlobs",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         reapi::BatchReadBlobsResponse resp;
         return s.reapi_cas->BatchReadBlobs(ctx, reapi::BatchReadBlobsRequest(), &resp);
       }},
      {"ContentAddressableStorage/GetTree",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         reapi::GetTreeRequest req;
         req.mutable_root_digest()->set_hash(std::string(64, '2'));
         reapi::GetTreeResponse msg;
         auto reader = s.reapi_cas->GetTree(ctx, req);
         grpc::Status st = FirstMessageThenFinish(ctx, reader.get(), &msg);
         return st.error_code() == grpc::StatusCode::NOT_FOUND ? grpc::Status::OK : st;
       }},
      {"ByteStream/Read",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         google::bytestream::ReadRequest req;
         req.set_resource_name("blobs/" + std::string(64, '3') + "/1");
         google::bytestream::ReadResponse msg;
         auto reader = s.bytestream->Read(ctx, req);
         grpc::Status st = FirstMessageThenFinish(ctx, reader.get(), &msg);
         return st.error_code() == grpc::StatusCode::NOT_FOUND ? grpc::Status::OK : st;
       }},
      {"ByteStream/Write",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         google::bytestream::WriteResponse resp;
         auto writer = s.bytestream->Write(ctx, &resp);
         google::bytestream::WriteRequest msg;
         const v1::Digest d = cache::DigestOf("bazel blob");
         msg.set_resource_name("uploads/u/blobs/" + d.hash() + "/" + std::to_string(d.size_bytes()));
         msg.set_data("bazel blob");
         msg.set_finish_write(true);
         writer->Write(msg);
         writer->WritesDone();
         return writer->Finish();
       }},
      {"ByteStream/QueryWriteStatus",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         google::bytestream::QueryWriteStatusRequest req;
         req.set_resource_name("uploads/u/blobs/" + std::string(64, '4') + "/1");
         google::bytestream::QueryWriteStatusResponse resp;
         return s.bytestream->QueryWriteStatus(ctx, req, &resp);
       }},
      {"Connect",
       [](Stubs& s, grpc::ClientContext* ctx, const std::string&) {
         auto stream = s.fleet->Connect(ctx);
         stream->WritesDone();  // an agent that leaves at once: OK when admitted
         v1::ServerMessage msg;
         while (stream->Read(&msg)) {
         }
         return stream->Finish();
       }},
  };
  return *rpcs;
}

// Who may call what (daemon/auth.h): one row per (RPC, role). Unauthenticated calls are
// checked for every RPC separately.
struct RoleCase {
  const char* rpc;
  const char* who;
  bool admitted;  // false: PERMISSION_DENIED
};
constexpr RoleCase kRoleTable[] = {
    {"Compile", "submit", true},          {"Compile", "agent", false},          {"Compile", "admin", false},
    {"InferLayout", "submit", true},      {"InferLayout", "agent", false},      {"InferLayout", "admin", false},
    {"GetActionResult", "submit", true},  {"GetActionResult", "agent", false},  {"GetActionResult", "admin", false},
    {"GetStats", "submit", false},        {"GetStats", "agent", false},         {"GetStats", "admin", true},
    {"Submit", "submit", true},           {"Submit", "agent", false},           {"Submit", "admin", false},
    {"WatchJob", "submit", true},         {"WatchJob", "agent", false},         {"WatchJob", "admin", true},
    {"GetJob", "submit", true},           {"GetJob", "agent", false},           {"GetJob", "admin", true},
    {"ListJobs", "submit", true},         {"ListJobs", "agent", false},         {"ListJobs", "admin", true},
    {"ListDevices", "submit", true},      {"ListDevices", "agent", false},      {"ListDevices", "admin", true},
    {"SetDeviceHealth", "submit", false}, {"SetDeviceHealth", "agent", false},  {"SetDeviceHealth", "admin", true},
    // Its own job for "submit" (another token's job: SubmitTokensCancelOnlyTheirOwnJobs).
    {"CancelJob", "agent", false},        {"CancelJob", "submit", true},        {"CancelJob", "admin", true},
    // Every role may read the CAS's limits.
    {"GetCapabilities", "submit", true},  {"GetCapabilities", "agent", true},   {"GetCapabilities", "admin", true},
    {"FindMissingBlobs", "submit", true}, {"FindMissingBlobs", "agent", true},  {"FindMissingBlobs", "admin", false},
    {"BatchUpdateBlobs", "submit", true}, {"BatchUpdateBlobs", "agent", true},  {"BatchUpdateBlobs", "admin", false},
    {"BatchReadBlobs", "submit", true},   {"BatchReadBlobs", "agent", true},    {"BatchReadBlobs", "admin", false},
    {"ReadBlob", "submit", true},         {"ReadBlob", "agent", true},          {"ReadBlob", "admin", false},
    {"WriteBlob", "submit", true},        {"WriteBlob", "agent", true},         {"WriteBlob", "admin", false},
    // Builds: clients read, only agents write (a poisoned binary needs an agent's token).
    {"LookupBuild", "submit", true},      {"LookupBuild", "agent", true},       {"LookupBuild", "admin", false},
    {"UpdateBuild", "submit", false},     {"UpdateBuild", "agent", true},       {"UpdateBuild", "admin", false},
    // A client can never lease.
    {"Connect", "submit", false},         {"Connect", "agent", true},           {"Connect", "admin", false},
    // REAPI: every role reads and uploads blobs; only agents and admins write action results
    // (a submitter must not plant results that other builds trust).
    {"Capabilities/GetCapabilities", "submit", true}, {"Capabilities/GetCapabilities", "agent", true},
    {"Capabilities/GetCapabilities", "admin", true},
    {"ActionCache/GetActionResult", "submit", true}, {"ActionCache/GetActionResult", "agent", true},
    {"ActionCache/GetActionResult", "admin", true},
    {"ActionCache/UpdateActionResult", "submit", false}, {"ActionCache/UpdateActionResult", "agent", true},
    {"ActionCache/UpdateActionResult", "admin", true},
    {"ContentAddressableStorage/FindMissingBlobs", "submit", true},
    {"ContentAddressableStorage/FindMissingBlobs", "agent", true},
    {"ContentAddressableStorage/FindMissingBlobs", "admin", true},
    {"ContentAddressableStorage/BatchUpdateBlobs", "submit", true},
    {"ContentAddressableStorage/BatchUpdateBlobs", "agent", true},
    {"ContentAddressableStorage/BatchUpdateBlobs", "admin", true},
    {"ContentAddressableStorage/BatchReadBlobs", "submit", true},
    {"ContentAddressableStorage/BatchReadBlobs", "agent", true},
    {"ContentAddressableStorage/BatchReadBlobs", "admin", true},
    {"ContentAddressableStorage/GetTree", "submit", true}, {"ContentAddressableStorage/GetTree", "agent", true},
    {"ContentAddressableStorage/GetTree", "admin", true},
    {"ByteStream/Read", "submit", true}, {"ByteStream/Read", "agent", true}, {"ByteStream/Read", "admin", true},
    {"ByteStream/Write", "submit", true}, {"ByteStream/Write", "agent", true}, {"ByteStream/Write", "admin", true},
    {"ByteStream/QueryWriteStatus", "submit", true}, {"ByteStream/QueryWriteStatus", "agent", true},
    {"ByteStream/QueryWriteStatus", "admin", true},
};

enum class Transport { kPlaintext, kTls };
void PrintTo(Transport t, std::ostream* os) { *os << (t == Transport::kTls ? "TLS" : "plaintext"); }

class SecurityTest : public DaemonTest {
 protected:
  // BaseConfig without its `insecure`: no transport chosen yet.
  daemon::Config BareConfig() {
    daemon::Config c = BaseConfig();
    c.insecure = false;
    return c;
  }
  // The token file of kTokens, digests computed here (not with HashToken).
  std::string WriteTokenFile() {
    const std::string path = dir_.Sub("tokens.toml");
    std::ofstream out(path);
    for (const TestToken& t : kTokens) {
      out << "[[token]]\nname = \"" << t.name << "\"\nroles = [" << t.roles << "]\nsha256 = \""
          << cache::DigestOf(t.token).hash() << "\"\n";
      if (*t.group != '\0') out << "group = \"" << t.group << "\"\n";
      out << "\n";
    }
    return path;
  }
  // Auth on: plaintext on loopback (insecure) or TLS with the test CA's server certificate.
  daemon::Config SecureConfig(Transport transport) {
    daemon::Config c = BareConfig();
    c.tokens_file = WriteTokenFile();
    if (transport == Transport::kTls) {
      c.tls_cert = TestCerts().server_cert;
      c.tls_key = TestCerts().server_key;
    } else {
      c.insecure = true;
    }
    return c;
  }
  void Start(const daemon::Config& c) {
    if (!c.tls_cert.empty()) {
      ASSERT_EQ(TestCerts().error, "") << "openssl could not make the test certificates";
    }
    auto s = daemon::Server::Start(c);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }

  static grpc::ChannelArguments Args() {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a fresh connection (and handshake) per channel
    return args;
  }
  std::shared_ptr<grpc::Channel> Plaintext() {
    return grpc::CreateCustomChannel(server_->address(), grpc::InsecureChannelCredentials(), Args());
  }
  // A TLS channel trusting `ca`, presenting the client certificate `cert`/`key` if given.
  std::shared_ptr<grpc::Channel> Tls(const std::string& ca, const std::string& cert = "", const std::string& key = "") {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = ReadAll(ca);
    if (!cert.empty()) {
      o.pem_cert_chain = ReadAll(cert);
      o.pem_private_key = ReadAll(key);
    }
    return grpc::CreateCustomChannel(server_->address(), grpc::SslCredentials(o), Args());
  }
  std::shared_ptr<grpc::Channel> Channel(Transport transport) {
    return transport == Transport::kTls ? Tls(TestCerts().ca) : Plaintext();
  }

  static grpc::Status ListDevices(Stubs& s, const std::string& token) {
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    v1::ListDevicesResponse resp;
    return s.compiler->ListDevices(&ctx, v1::ListDevicesRequest(), &resp);
  }
  static grpc::Status HealthCheck(Stubs& s) {
    grpc::ClientContext ctx;
    ctx.set_deadline(CallDeadline());
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status st = s.health->Check(&ctx, grpc::health::v1::HealthCheckRequest(), &resp);
    if (st.ok()) {
      EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    }
    return st;
  }
  // A validation job (queued: no agent runs here) submitted with `token`; "" on failure.
  static std::string SubmitJob(Stubs& s, const std::string& token) {
    v1::SubmitRequest req;
    *req.mutable_compile()->mutable_request() = LoadExample("kernel_1d");
    req.set_validate(true);
    grpc::ClientContext ctx;
    Authorize(&ctx, token, Deadline());  // compiles: the fixture's longer deadline
    v1::SubmitResponse resp;
    grpc::Status st = s.compiler->Submit(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.job().stage(), v1::QUEUED);
    return resp.job().id();
  }

  // A WatchJob stream held open (the job stays queued: no agent runs here).
  struct HeldWatch {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<v1::Job>> reader;
    v1::Job first;
    bool admitted = false;  // the job's first message arrived
    grpc::Status Close() {
      if (admitted) ctx.TryCancel();  // a refused stream keeps the status it ended with
      while (reader->Read(&first)) {
      }
      return reader->Finish();
    }
  };
  static std::unique_ptr<HeldWatch> Watch(Stubs& s, const std::string& token, const std::string& job) {
    auto w = std::make_unique<HeldWatch>();
    Authorize(&w->ctx, token, Deadline());  // held for the whole test, still bounded
    v1::JobRef ref;
    ref.set_job_id(job);
    w->reader = s.compiler->WatchJob(&w->ctx, ref);
    w->admitted = w->reader->Read(&w->first);
    return w;
  }
};

// ---------------------------------------------------------------------------------------
// Config: what Start refuses.

using SecurityConfig = SecurityTest;

TEST_F(SecurityConfig, StartRefusesConfigsWithoutTransportSecurityAndNamesTheKey) {
  ASSERT_EQ(TestCerts().error, "") << "openssl could not make the test certificates";
  const std::string missing = dir_.Sub("no-such-file.pem");
  struct Case {
    const char* what;
    std::function<void(daemon::Config&)> edit;
    std::vector<std::string> message_names;
  };
  const Case cases[] = {
      {"neither TLS nor insecure", [](daemon::Config&) {}, {"tls_cert", "insecure"}},
      {"insecure on a non-loopback listen",
       [](daemon::Config& c) {
         c.insecure = true;
         c.listen = "0.0.0.0:0";
       },
       {"insecure"}},
      {"TLS without tokens_file",
       [](daemon::Config& c) {
         c.tls_cert = TestCerts().server_cert;
         c.tls_key = TestCerts().server_key;
       },
       {"tokens_file"}},
      {"tls_cert without tls_key",
       [&](daemon::Config& c) {
         c.tls_cert = TestCerts().server_cert;
         c.tokens_file = WriteTokenFile();
       },
       {"tls_key"}},
      {"tls_key without tls_cert",
       [&](daemon::Config& c) {
         c.tls_key = TestCerts().server_key;
         c.tokens_file = WriteTokenFile();
       },
       {"tls_cert"}},
      {"unreadable tls_cert",
       [&](daemon::Config& c) {
         c.tls_cert = missing;
         c.tls_key = TestCerts().server_key;
         c.tokens_file = WriteTokenFile();
       },
       {missing}},
      {"unreadable tls_key",
       [&](daemon::Config& c) {
         c.tls_cert = TestCerts().server_cert;
         c.tls_key = missing;
         c.tokens_file = WriteTokenFile();
       },
       {missing}},
      {"unreadable tls_client_ca",
       [&](daemon::Config& c) {
         c.tls_cert = TestCerts().server_cert;
         c.tls_key = TestCerts().server_key;
         c.tls_client_ca = missing;
         c.tokens_file = WriteTokenFile();
       },
       {missing}},
  };
  for (const Case& c : cases) {
    daemon::Config config = BareConfig();
    c.edit(config);
    auto s = daemon::Server::Start(config);
    ASSERT_FALSE(s.ok()) << c.what << ": started";
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.what << ": " << s.status();
    for (const std::string& name : c.message_names) {
      EXPECT_THAT(std::string(s.status().message()), HasSubstr(name)) << c.what;
    }
  }
  // A tokens_file that cannot be read stops Start too, naming the file.
  daemon::Config unreadable_tokens = SecureConfig(Transport::kPlaintext);
  unreadable_tokens.tokens_file = dir_.Sub("no-such-tokens.toml");
  auto s = daemon::Server::Start(unreadable_tokens);
  ASSERT_FALSE(s.ok()) << "started with a tokens_file that does not exist";
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(unreadable_tokens.tokens_file));

  // Nothing of the refused starts is left holding the data dir.
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(Transport::kPlaintext)));
}

TEST_F(SecurityConfig, InsecureLoopbackWithoutTokensGivesEveryCallerEveryRole) {
  daemon::Config c = BaseConfig();
  c.insecure = true;
  ASSERT_NO_FATAL_FAILURE(Start(c));
  Stubs s(Plaintext());
  for (const auto& [rpc, call] : Rpcs()) {
    if (rpc == "WatchJob" || rpc == "CancelJob" || rpc == "GetJob") continue;  // need a job: below
    grpc::ClientContext ctx;
    Authorize(&ctx, "");
    grpc::Status st = call(s, &ctx, "");
    EXPECT_NE(st.error_code(), Code::UNAUTHENTICATED) << rpc << ": " << st.error_message();
    EXPECT_NE(st.error_code(), Code::PERMISSION_DENIED) << rpc << ": " << st.error_message();
  }
  const std::string job = SubmitJob(s, "");
  for (const char* rpc : {"WatchJob", "GetJob", "CancelJob"}) {
    grpc::ClientContext ctx;
    Authorize(&ctx, "");
    grpc::Status st = Rpcs().at(rpc)(s, &ctx, job);
    EXPECT_NE(st.error_code(), Code::UNAUTHENTICATED) << rpc << ": " << st.error_message();
    EXPECT_NE(st.error_code(), Code::PERMISSION_DENIED) << rpc << ": " << st.error_message();
  }
}

// ---------------------------------------------------------------------------------------
// Tokens and roles on every RPC, over both transports.

TEST(SecurityTables, CoverEveryRpcOfTheServices) {
  std::set<std::string> proto_rpcs;
  for (const char* name : {"ttc.v1.Compiler", "ttc.v1.Cas", "ttc.v1.DeviceFleet", "ttc.v1.BuildCache"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) proto_rpcs.insert(service->method(i)->name());
  }
  for (const char* name : {"build.bazel.remote.execution.v2.Capabilities", "build.bazel.remote.execution.v2.ActionCache",
                           "build.bazel.remote.execution.v2.ContentAddressableStorage", "google.bytestream.ByteStream"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) proto_rpcs.insert(service->name() + "/" + service->method(i)->name());
  }
  std::set<std::string> called;
  for (const auto& [rpc, call] : Rpcs()) called.insert(rpc);
  EXPECT_EQ(called, proto_rpcs);
  for (const std::string& rpc : proto_rpcs) {
    for (const char* who : {"submit", "agent", "admin"}) {
      int rows = 0;
      for (const RoleCase& c : kRoleTable) rows += (c.rpc == rpc && std::string(c.who) == who) ? 1 : 0;
      EXPECT_EQ(rows, 1) << rpc << " as " << who;
    }
  }
}

class SecurityAuth : public SecurityTest, public ::testing::WithParamInterface<Transport> {};

TEST_P(SecurityAuth, EveryRpcWantsAKnownTokenHoldingItsRole) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(GetParam())));
  Stubs s(Channel(GetParam()));
  const std::string job = SubmitJob(s, TokenOf("submit"));
  ASSERT_FALSE(job.empty());
  for (const auto& [rpc, call] : Rpcs()) {
    for (const char* who : {"none", "unknown"}) {
      grpc::ClientContext ctx;
      Authorize(&ctx, TokenOf(who));
      grpc::Status st = call(s, &ctx, job);
      EXPECT_EQ(st.error_code(), Code::UNAUTHENTICATED) << rpc << " with " << who << " token: " << st.error_message();
      EXPECT_THAT(st.error_message(), HasSubstr(rpc)) << rpc << " with " << who << " token";
    }
  }
  for (const RoleCase& c : kRoleTable) {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf(c.who));
    grpc::Status st = Rpcs().at(c.rpc)(s, &ctx, job);
    if (c.admitted) {
      EXPECT_NE(st.error_code(), Code::UNAUTHENTICATED) << c.rpc << " as " << c.who << ": " << st.error_message();
      EXPECT_NE(st.error_code(), Code::PERMISSION_DENIED) << c.rpc << " as " << c.who << ": " << st.error_message();
    } else {
      EXPECT_EQ(st.error_code(), Code::PERMISSION_DENIED) << c.rpc << " as " << c.who << ": " << st.error_message();
      EXPECT_THAT(st.error_message(), HasSubstr(c.rpc)) << c.rpc << " as " << c.who;
    }
  }
}

// A client token reads shared builds but can neither store one nor take one (taking would
// let it hold every agent off a build): a poisoned binary needs a stolen agent token.
TEST_P(SecurityAuth, AClientTokenNeverWritesOrTakesABuild) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(GetParam())));
  Stubs s(Channel(GetParam()));
  const std::string payload = "a kernel object";
  {
    v1::BatchUpdateBlobsRequest req;  // blobs are content-addressed: any role may add one
    auto* r = req.add_requests();
    r->set_data(payload);
    *r->mutable_digest() = cache::DigestOf(payload);
    v1::BatchUpdateBlobsResponse resp;
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf("submit"));
    ASSERT_TRUE(s.cas->BatchUpdateBlobs(&ctx, req, &resp).ok());
  }
  v1::UpdateBuildRequest put;
  put.set_tier("kernel_build");
  put.set_key(std::string(64, 'c'));
  v1::OutputFile* f = put.mutable_result()->add_output_files();
  f->set_path("kernel.so");
  *f->mutable_digest() = cache::DigestOf(payload);
  for (const char* who : {"submit", "agent"}) {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf(who));
    v1::UpdateBuildResponse resp;
    grpc::Status st = s.builds->UpdateBuild(&ctx, put, &resp);
    if (std::string(who) == "submit") {
      EXPECT_EQ(st.error_code(), Code::PERMISSION_DENIED) << st.error_message();
    } else {
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
  }
  v1::LookupBuildRequest take;
  take.set_tier("kernel_build");
  take.set_key(std::string(64, 'd'));
  take.set_build_if_missing(true);
  grpc::ClientContext ctx;
  Authorize(&ctx, TokenOf("submit"));
  v1::LookupBuildResponse resp;
  grpc::Status st = s.builds->LookupBuild(&ctx, take, &resp);
  EXPECT_EQ(st.error_code(), Code::PERMISSION_DENIED) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("build_if_missing needs the agent role"));
  // The agent's upload reads back for the client.
  v1::LookupBuildRequest read;
  read.set_tier("kernel_build");
  read.set_key(std::string(64, 'c'));
  grpc::ClientContext rctx;
  Authorize(&rctx, TokenOf("submit"));
  st = s.builds->LookupBuild(&rctx, read, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(resp.has_result());
}

TEST_P(SecurityAuth, HealthNeedsNoToken) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(GetParam())));
  Stubs s(Channel(GetParam()));
  grpc::Status st = HealthCheck(s);
  EXPECT_TRUE(st.ok()) << st.error_message();
}

TEST_P(SecurityAuth, AnAgentTokenRegistersOnlyTheHostItIsNamedAfter) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(GetParam())));
  Stubs s(Channel(GetParam()));
  auto register_as = [&](const std::string& host) {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf("agent"));  // named "rack1"
    auto stream = s.fleet->Connect(&ctx);
    v1::AgentMessage hello;
    hello.mutable_register_()->set_host_id(host);
    v1::AgentDevice* d = hello.mutable_register_()->add_devices();
    d->set_device_id("dev0");
    d->set_arch("wormhole_b0");
    stream->Write(hello);
    v1::ServerMessage reply;
    const bool registered = stream->Read(&reply) && reply.has_registered();
    stream->WritesDone();
    while (stream->Read(&reply)) {
    }
    grpc::Status st = stream->Finish();
    return std::make_pair(registered, st);
  };
  auto [other_registered, other] = register_as("rack2");
  EXPECT_FALSE(other_registered);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED) << other.error_message();
  EXPECT_THAT(other.error_message(), HasSubstr("token 'rack1' may only register host 'rack1', not 'rack2'"));
  auto [own_registered, own] = register_as("rack1");
  EXPECT_TRUE(own_registered);
  EXPECT_TRUE(own.ok()) << own.error_message();
}

TEST_P(SecurityAuth, SubmitTokensCancelOnlyTheirOwnJobs) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(GetParam())));
  Stubs s(Channel(GetParam()));
  const std::string mine = SubmitJob(s, TokenOf("submit"));
  const std::string theirs = SubmitJob(s, TokenOf("submit2"));
  ASSERT_FALSE(mine.empty());
  ASSERT_FALSE(theirs.empty());
  auto job = [&](const std::string& id) {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf("admin"));
    v1::JobRef ref;
    ref.set_job_id(id);
    v1::Job out;
    grpc::Status st = s.compiler->GetJob(&ctx, ref, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  };
  EXPECT_EQ(job(mine).spec().owner(), "ci");
  EXPECT_EQ(job(theirs).spec().owner(), "ci2");
  auto cancel = [&](const std::string& who, const std::string& id) {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf(who));
    v1::JobRef ref;
    ref.set_job_id(id);
    v1::Job out;
    return s.compiler->CancelJob(&ctx, ref, &out);
  };
  // Another token's job does not exist for it; a job it sees through its group is not its own.
  grpc::Status st = cancel("submit2", mine);
  EXPECT_EQ(st.error_code(), Code::NOT_FOUND) << st.error_message();
  EXPECT_EQ(job(mine).stage(), v1::QUEUED) << "a refused cancel changed the job";
  const std::string pooled = SubmitJob(s, TokenOf("pool1"));
  st = cancel("pool2", pooled);
  EXPECT_EQ(st.error_code(), Code::PERMISSION_DENIED) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("belongs to 'ci-pool-1'"));
  EXPECT_EQ(job(pooled).stage(), v1::QUEUED) << "a refused cancel changed the job";
  st = cancel("submit", mine);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(job(mine).result().outcome(), v1::CANCELLED);
  st = cancel("admin", theirs);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(job(theirs).result().outcome(), v1::CANCELLED);
}

// Job privacy (daemon/auth.h, MaySeeJob): a submit token sees its own jobs and those of its
// token group, admin all; any other job answers NOT_FOUND, word for word as an id that does
// not exist, on GetJob, WatchJob and CancelJob, and is left out of ListJobs.
TEST_P(SecurityAuth, SubmitTokensSeeOnlyTheirOwnAndTheirGroupsJobs) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(GetParam())));
  Stubs s(Channel(GetParam()));
  const std::map<std::string, std::string> job_of = {
      {"submit", SubmitJob(s, TokenOf("submit"))},
      {"submit2", SubmitJob(s, TokenOf("submit2"))},
      {"pool1", SubmitJob(s, TokenOf("pool1"))},
      {"pool2", SubmitJob(s, TokenOf("pool2"))},
  };
  std::set<std::string> all;
  for (const auto& [who, id] : job_of) {
    ASSERT_FALSE(id.empty()) << who;
    all.insert(id);
  }
  const std::map<std::string, std::set<std::string>> sees = {
      {"submit", {job_of.at("submit")}},
      {"submit2", {job_of.at("submit2")}},
      {"pool1", {job_of.at("pool1"), job_of.at("pool2")}},
      {"pool2", {job_of.at("pool1"), job_of.at("pool2")}},
      {"admin", all},
  };
  const std::string unknown = "job-0000009999-0123abcd";
  for (const auto& [who, visible] : sees) {
    {
      grpc::ClientContext ctx;
      Authorize(&ctx, TokenOf(who));
      v1::ListJobsResponse resp;
      grpc::Status st = s.compiler->ListJobs(&ctx, v1::ListJobsRequest(), &resp);
      ASSERT_TRUE(st.ok()) << who << ": " << st.error_message();
      std::set<std::string> listed;
      for (const v1::Job& j : resp.jobs()) listed.insert(j.id());
      EXPECT_EQ(listed, visible) << "ListJobs as " << who;
    }
    auto get = [&](const std::string& id, v1::Job* out) {
      grpc::ClientContext ctx;
      Authorize(&ctx, TokenOf(who));
      v1::JobRef ref;
      ref.set_job_id(id);
      return s.compiler->GetJob(&ctx, ref, out);
    };
    v1::Job out;
    const grpc::Status missing = get(unknown, &out);
    ASSERT_EQ(missing.error_code(), Code::NOT_FOUND) << who << ": " << missing.error_message();
    const std::string missing_watch = Watch(s, TokenOf(who), unknown)->Close().error_message();
    for (const std::string& id : all) {
      const bool may = visible.count(id) > 0;
      grpc::Status st = get(id, &out);
      auto watch = Watch(s, TokenOf(who), id);
      const bool watched = watch->admitted;
      const grpc::Status watch_st = watch->Close();
      if (may) {
        EXPECT_TRUE(st.ok()) << "GetJob " << id << " as " << who << ": " << st.error_message();
        EXPECT_EQ(out.id(), id);
        EXPECT_TRUE(watched) << "WatchJob " << id << " as " << who << ": " << watch_st.error_message();
        EXPECT_EQ(watch->first.id(), id);
        continue;
      }
      EXPECT_EQ(st.error_code(), Code::NOT_FOUND) << "GetJob " << id << " as " << who;
      EXPECT_FALSE(watched) << "WatchJob " << id << " as " << who << " sent the job";
      EXPECT_EQ(watch_st.error_code(), Code::NOT_FOUND) << "WatchJob " << id << " as " << who;
      // The same words as for an id that does not exist, the id aside.
      auto with_unknown_id = [&](std::string message) {
        const size_t at = message.find(id);
        if (at != std::string::npos) message.replace(at, id.size(), unknown);
        return message;
      };
      EXPECT_EQ(with_unknown_id(st.error_message()), missing.error_message()) << who;
      EXPECT_EQ(with_unknown_id(watch_st.error_message()), missing_watch) << who;
      EXPECT_THAT(st.error_message(), HasSubstr("/ttc.v1.Compiler/GetJob: no job " + id));
    }
  }
  // The group is recorded with the job when it is submitted.
  grpc::ClientContext ctx;
  Authorize(&ctx, TokenOf("admin"));
  v1::JobRef ref;
  ref.set_job_id(job_of.at("pool1"));
  v1::Job pooled;
  ASSERT_TRUE(s.compiler->GetJob(&ctx, ref, &pooled).ok());
  EXPECT_EQ(pooled.spec().owner(), "ci-pool-1");
  EXPECT_EQ(pooled.spec().owner_group(), "ci-pool");
}

// A device running another client's job shows as busy, without the job's id.
TEST_P(SecurityAuth, ListDevicesWithholdsTheIdOfAnotherClientsJob) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(GetParam())));
  Stubs s(Channel(GetParam()));
  const std::string job = SubmitJob(s, TokenOf("submit"));
  ASSERT_FALSE(job.empty());
  v1::Job queued;
  {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf("submit"));
    v1::JobRef ref;
    ref.set_job_id(job);
    ASSERT_TRUE(s.compiler->GetJob(&ctx, ref, &queued).ok());
  }
  // An agent (token "rack1") with one device that matches the job takes its lease.
  grpc::ClientContext agent_ctx;
  Authorize(&agent_ctx, TokenOf("agent"), Deadline());
  auto stream = s.fleet->Connect(&agent_ctx);
  v1::AgentMessage hello;
  hello.mutable_register_()->set_host_id("rack1");
  v1::AgentDevice* d = hello.mutable_register_()->add_devices();
  d->set_device_id("dev0");
  d->set_arch(queued.spec().arch());
  ASSERT_TRUE(stream->Write(hello));
  v1::ServerMessage msg;
  bool leased = false;
  while (!leased && stream->Read(&msg)) leased = msg.has_lease();
  ASSERT_TRUE(leased) << "the job was not leased to the agent";
  auto device_job = [&](const std::string& who) {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf(who));
    v1::ListDevicesResponse resp;
    grpc::Status st = s.compiler->ListDevices(&ctx, v1::ListDevicesRequest(), &resp);
    EXPECT_TRUE(st.ok()) << who << ": " << st.error_message();
    EXPECT_EQ(resp.devices_size(), 1) << who;
    if (resp.devices_size() != 1) return std::make_pair(false, std::string("?"));
    return std::make_pair(resp.devices(0).busy(), resp.devices(0).job_id());
  };
  EXPECT_EQ(device_job("submit"), std::make_pair(true, job));
  EXPECT_EQ(device_job("admin"), std::make_pair(true, job));
  EXPECT_EQ(device_job("submit2"), std::make_pair(true, std::string()));
  agent_ctx.TryCancel();
  while (stream->Read(&msg)) {
  }
  stream->Finish();
}

// A lease answers only to its holder: a second agent with its own valid token that knows
// (or guesses) another host's lease id cannot report, crash or post progress on it; the
// holder's report still counts. Clients never see lease ids.
TEST_P(SecurityAuth, AHostileAgentCannotReportOnAnotherHostsLease) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(GetParam())));
  Stubs s(Channel(GetParam()));
  const std::string job = SubmitJob(s, TokenOf("submit"));
  ASSERT_FALSE(job.empty());
  auto get = [&](const std::string& who) {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf(who));
    v1::JobRef ref;
    ref.set_job_id(job);
    v1::Job out;
    EXPECT_TRUE(s.compiler->GetJob(&ctx, ref, &out).ok()) << who;
    return out;
  };
  const std::string arch = get("submit").spec().arch();
  auto connect = [&](grpc::ClientContext* ctx, const std::string& who, const std::string& host, bool device) {
    Authorize(ctx, TokenOf(who), Deadline());
    auto stream = s.fleet->Connect(ctx);
    v1::AgentMessage hello;
    hello.mutable_register_()->set_host_id(host);
    if (device) {
      v1::AgentDevice* d = hello.mutable_register_()->add_devices();
      d->set_device_id("dev0");
      d->set_arch(arch);
    }
    EXPECT_TRUE(stream->Write(hello));
    return stream;
  };
  grpc::ClientContext holder_ctx;
  auto holder = connect(&holder_ctx, "agent", "rack1", true);
  v1::ServerMessage msg;
  bool leased = false;
  while (!leased && holder->Read(&msg)) leased = msg.has_lease();
  ASSERT_TRUE(leased);
  const std::string lease = msg.lease().lease().lease_id();
  EXPECT_THAT(lease, ::testing::Not(HasSubstr(job))) << "a lease id must not be derived from the job id";
  EXPECT_EQ(get("submit").lease().lease_id(), "");  // clients never see it
  EXPECT_EQ(get("admin").lease().lease_id(), "");
  EXPECT_EQ(get("admin").lease().host_id(), "rack1");
  {
    grpc::ClientContext ctx;
    auto hostile = connect(&ctx, "agent2", "rack2", false);
    v1::AgentMessage forged;
    forged.mutable_progress()->set_lease_id(lease);
    forged.mutable_progress()->set_message("forged progress");
    ASSERT_TRUE(hostile->Write(forged));
    forged.Clear();
    forged.mutable_finished()->set_lease_id(lease);
    forged.mutable_finished()->mutable_result()->set_outcome(v1::FAILED);
    forged.mutable_finished()->mutable_result()->set_summary("forged by rack2");
    ASSERT_TRUE(hostile->Write(forged));
    forged.Clear();
    forged.mutable_crashed()->set_lease_id(lease);
    forged.mutable_crashed()->set_reason("forged crash");
    ASSERT_TRUE(hostile->Write(forged));
    hostile->WritesDone();
    while (hostile->Read(&msg)) {
    }
    hostile->Finish();  // ttcd has handled the messages before it ends the stream
  }
  v1::Job after = get("admin");
  EXPECT_EQ(after.stage(), v1::EXECUTING) << after.ShortDebugString();
  EXPECT_EQ(after.attempts(), 1);
  EXPECT_NE(after.progress(), "forged progress");
  {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf("admin"));
    v1::ListDevicesResponse devices;
    ASSERT_TRUE(s.compiler->ListDevices(&ctx, v1::ListDevicesRequest(), &devices).ok());
    for (const auto& d : devices.devices()) EXPECT_EQ(d.health(), v1::GOOD) << d.ShortDebugString();
  }
  // The holder's own report completes the job.
  v1::AgentMessage done;
  done.mutable_finished()->set_lease_id(lease);
  done.mutable_finished()->mutable_result()->set_outcome(v1::PASSED);
  done.mutable_finished()->mutable_result()->set_summary("PASS");
  ASSERT_TRUE(holder->Write(done));
  EXPECT_TRUE(WaitFor([&] { return get("admin").stage() == v1::COMPLETED; }, std::chrono::seconds(20)));
  after = get("admin");
  EXPECT_EQ(after.result().outcome(), v1::PASSED);
  EXPECT_EQ(after.result().summary(), "PASS");
  EXPECT_EQ(after.result().host_id(), "rack1");
  holder_ctx.TryCancel();
  while (holder->Read(&msg)) {
  }
  holder->Finish();
}

INSTANTIATE_TEST_SUITE_P(Transports, SecurityAuth, ::testing::Values(Transport::kPlaintext, Transport::kTls),
                         [](const ::testing::TestParamInfo<Transport>& p) {
                           return p.param == Transport::kTls ? "Tls" : "Plaintext";
                         });

// ---------------------------------------------------------------------------------------
// TLS: the server's certificate, and client certificates with tls_client_ca.

using SecurityTls = SecurityTest;

TEST_F(SecurityTls, AClientTrustingTheCaConnectsAndWorks) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(Transport::kTls)));
  Stubs s(Tls(TestCerts().ca));
  grpc::Status st = ListDevices(s, TokenOf("submit"));
  EXPECT_TRUE(st.ok()) << st.error_message();
  // gRPC's own call credentials send the same header (what ttc-client can use over TLS).
  grpc::ClientContext ctx;
  ctx.set_deadline(CallDeadline());
  ctx.set_credentials(grpc::AccessTokenCredentials(TokenOf("admin")));
  v1::Stats stats;
  st = s.compiler->GetStats(&ctx, v1::GetStatsRequest(), &stats);
  EXPECT_TRUE(st.ok()) << st.error_message();
}

TEST_F(SecurityTls, AClientTrustingAnotherCaIsUnavailable) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(Transport::kTls)));
  Stubs s(Tls(TestCerts().other_ca));
  grpc::Status st = ListDevices(s, TokenOf("submit"));
  EXPECT_EQ(st.error_code(), Code::UNAVAILABLE) << st.error_message();
}

TEST_F(SecurityTls, APlaintextClientFails) {
  ASSERT_NO_FATAL_FAILURE(Start(SecureConfig(Transport::kTls)));
  Stubs s(Plaintext());
  grpc::Status st = ListDevices(s, TokenOf("submit"));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), Code::UNAVAILABLE) << st.error_message();
  EXPECT_FALSE(HealthCheck(s).ok());
}

TEST_F(SecurityTls, MetricsAreServedOverHttpsWithTheServersCertificate) {
  daemon::Config c = SecureConfig(Transport::kTls);
  c.metrics_listen = "127.0.0.1:0";
  ASSERT_NO_FATAL_FAILURE(Start(c));
  Stubs s(Tls(TestCerts().ca));
  ASSERT_TRUE(ListDevices(s, TokenOf("submit")).ok());
  const std::string url = "https://localhost:" + std::to_string(server_->metrics_port()) + "/metrics";
  // Trusting the CA: the exposition, counting the call above.
  auto [status, out] = Shell("curl -sS --max-time 10 --cacert " + TestCerts().ca + " " + url);
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("ttc_rpc_requests_total{code=\"OK\",method=\"/ttc.v1.Compiler/ListDevices\"} 1"));
  // Not trusting it, or plain HTTP: no metrics.
  std::tie(status, out) = Shell("curl -sS --max-time 10 --cacert " + TestCerts().other_ca + " " + url);
  EXPECT_NE(status, 0) << out;
  std::tie(status, out) = Shell("curl -sS --max-time 10 http://127.0.0.1:" +
                                std::to_string(server_->metrics_port()) + "/metrics");
  EXPECT_THAT(out, ::testing::Not(HasSubstr("ttc_rpc_requests_total"))) << out;
}

TEST_F(SecurityTls, WithTlsClientCaOnlyClientsWithACertificateFromItGetIn) {
  daemon::Config c = SecureConfig(Transport::kTls);
  c.tls_client_ca = TestCerts().ca;
  ASSERT_NO_FATAL_FAILURE(Start(c));
  {
    Stubs s(Tls(TestCerts().ca));
    grpc::Status st = ListDevices(s, TokenOf("submit"));
    EXPECT_FALSE(st.ok()) << "no client certificate: served";
    EXPECT_NE(st.error_code(), Code::DEADLINE_EXCEEDED) << st.error_message();
  }
  {
    Stubs s(Tls(TestCerts().ca, TestCerts().other_client_cert, TestCerts().other_client_key));
    grpc::Status st = ListDevices(s, TokenOf("submit"));
    EXPECT_FALSE(st.ok()) << "a client certificate from another CA: served";
    EXPECT_NE(st.error_code(), Code::DEADLINE_EXCEEDED) << st.error_message();
  }
  {
    Stubs s(Tls(TestCerts().ca, TestCerts().client_cert, TestCerts().client_key));
    grpc::Status st = ListDevices(s, TokenOf("submit"));
    EXPECT_TRUE(st.ok()) << st.error_message();
    // The certificate does not replace the token.
    st = ListDevices(s, "");
    EXPECT_EQ(st.error_code(), Code::UNAUTHENTICATED) << st.error_message();
  }
}

// ---------------------------------------------------------------------------------------
// Limits.

using SecurityLimits = SecurityTest;

TEST_F(SecurityLimits, AClientHoldsAtMostMaxStreamsPerClientStreams) {
  daemon::Config c = SecureConfig(Transport::kPlaintext);
  c.max_streams_per_client = 2;
  ASSERT_NO_FATAL_FAILURE(Start(c));
  Stubs s(Plaintext());
  const std::string job = SubmitJob(s, TokenOf("submit"));
  ASSERT_FALSE(job.empty());
  auto w1 = Watch(s, TokenOf("submit"), job);
  auto w2 = Watch(s, TokenOf("submit"), job);
  ASSERT_TRUE(w1->admitted);
  ASSERT_TRUE(w2->admitted);

  auto w3 = Watch(s, TokenOf("submit"), job);
  EXPECT_FALSE(w3->admitted) << "a third WatchJob was admitted";
  grpc::Status st = w3->Close();
  EXPECT_EQ(st.error_code(), Code::RESOURCE_EXHAUSTED) << st.error_message();
  {
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf("submit"));
    st = Rpcs().at("ReadBlob")(s, &ctx, job);
    EXPECT_EQ(st.error_code(), Code::RESOURCE_EXHAUSTED) << "ReadBlob as the third stream: " << st.error_message();
  }
  // Another token has slots of its own.
  auto other = Watch(s, TokenOf("submit2"), SubmitJob(s, TokenOf("submit2")));
  EXPECT_TRUE(other->admitted);
  other->Close();

  // One closes: a new stream gets its slot (released when the server is done with it).
  EXPECT_EQ(w1->Close().error_code(), Code::CANCELLED);
  std::unique_ptr<HeldWatch> again;
  EXPECT_TRUE(WaitFor(
      [&] {
        if (again) again->Close();
        again = Watch(s, TokenOf("submit"), job);
        return again->admitted;
      },
      kCallLimit));
  again->Close();
  w2->Close();
}

// Without tokens every loopback client is the same peer address: watchers that use up the
// stream limit must not lock the agents out (issue: 64 `ttc-client watch` on loopback made
// every agent's Connect RESOURCE_EXHAUSTED).
TEST_F(SecurityLimits, WatchersUsingUpTheStreamLimitNeverLockAnAgentOut) {
  daemon::Config c = BaseConfig();  // auth off, loopback
  c.max_streams_per_client = 2;
  ASSERT_NO_FATAL_FAILURE(Start(c));
  Stubs s(Plaintext());
  const std::string job = SubmitJob(s, "");
  ASSERT_FALSE(job.empty());
  auto w1 = Watch(s, "", job);
  auto w2 = Watch(s, "", job);
  ASSERT_TRUE(w1->admitted);
  ASSERT_TRUE(w2->admitted);
  auto w3 = Watch(s, "", job);
  EXPECT_FALSE(w3->admitted);
  EXPECT_EQ(w3->Close().error_code(), Code::RESOURCE_EXHAUSTED);

  grpc::ClientContext ctx;
  Authorize(&ctx, "");
  auto stream = s.fleet->Connect(&ctx);
  v1::AgentMessage hello;
  hello.mutable_register_()->set_host_id("rack1");
  v1::AgentDevice* d = hello.mutable_register_()->add_devices();
  d->set_device_id("dev0");
  d->set_arch("wormhole_b0");
  ASSERT_TRUE(stream->Write(hello));
  v1::ServerMessage reply;
  EXPECT_TRUE(stream->Read(&reply) && reply.has_registered()) << "the agent was locked out";
  stream->WritesDone();
  while (stream->Read(&reply)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
  w1->Close();
  w2->Close();
}

TEST_F(SecurityLimits, AClientOverItsRateLimitIsResourceExhausted) {
  daemon::Config c = SecureConfig(Transport::kPlaintext);
  c.rate_limit = 5;
  c.rate_burst = 5;
  ASSERT_NO_FATAL_FAILURE(Start(c));
  Stubs s(Plaintext());
  int exhausted = 0;
  std::string message;
  for (int i = 0; i < 20; ++i) {
    grpc::Status st = ListDevices(s, TokenOf("submit"));
    if (st.error_code() == Code::RESOURCE_EXHAUSTED) {
      ++exhausted;
      message = st.error_message();
    } else {
      EXPECT_TRUE(st.ok()) << "call " << i << ": " << st.error_message();
    }
  }
  EXPECT_GE(exhausted, 1);
  EXPECT_THAT(message, ContainsRegex("rate[ _]limit"));
  grpc::Status st = ListDevices(s, TokenOf("submit2"));
  EXPECT_TRUE(st.ok()) << "another token: " << st.error_message();
}

TEST_F(SecurityLimits, BlobsOverMaxBlobBytesAreRefusedAndNotStored) {
  daemon::Config c = SecureConfig(Transport::kPlaintext);
  c.max_blob_bytes = 1024;
  ASSERT_NO_FATAL_FAILURE(Start(c));
  Stubs s(Plaintext());
  const std::string token = TokenOf("submit");
  auto write = [&](const std::string& data) {
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    v1::WriteBlobResponse resp;
    auto writer = s.cas->WriteBlob(&ctx, &resp);
    v1::WriteBlobRequest msg;
    *msg.mutable_digest() = cache::DigestOf(data);
    msg.set_data(data);
    writer->Write(msg);
    writer->WritesDone();
    return writer->Finish();
  };
  // The status of one blob in a BatchUpdateBlobs: the call's own if it failed as a whole.
  auto batch = [&](const std::string& data) {
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    v1::BatchUpdateBlobsRequest req;
    auto* r = req.add_requests();
    r->set_data(data);
    *r->mutable_digest() = cache::DigestOf(data);
    v1::BatchUpdateBlobsResponse resp;
    grpc::Status st = s.cas->BatchUpdateBlobs(&ctx, req, &resp);
    if (!st.ok() || resp.responses_size() != 1) return st;
    return grpc::Status(static_cast<Code>(resp.responses(0).status().code()), resp.responses(0).status().message());
  };
  const std::string streamed(1025, 's'), batched(1025, 'b'), at_limit_streamed(1024, 'S'),
      at_limit_batched(1024, 'B');
  grpc::Status st = write(streamed);
  EXPECT_EQ(st.error_code(), Code::RESOURCE_EXHAUSTED) << "WriteBlob: " << st.error_message();
  EXPECT_THAT(st.error_message(), AnyOf(HasSubstr("max_blob_bytes"), HasSubstr("1024"))) << "WriteBlob";
  st = batch(batched);
  EXPECT_EQ(st.error_code(), Code::RESOURCE_EXHAUSTED) << "BatchUpdateBlobs: " << st.error_message();
  EXPECT_THAT(st.error_message(), AnyOf(HasSubstr("max_blob_bytes"), HasSubstr("1024"))) << "BatchUpdateBlobs";
  st = write(at_limit_streamed);
  EXPECT_TRUE(st.ok()) << "WriteBlob at the limit: " << st.error_message();
  st = batch(at_limit_batched);
  EXPECT_TRUE(st.ok()) << "BatchUpdateBlobs at the limit: " << st.error_message();

  v1::FindMissingBlobsRequest find;
  for (const std::string* b : {&streamed, &batched, &at_limit_streamed, &at_limit_batched}) {
    *find.add_blob_digests() = cache::DigestOf(*b);
  }
  v1::FindMissingBlobsResponse missing;
  grpc::ClientContext ctx;
  Authorize(&ctx, token);
  st = s.cas->FindMissingBlobs(&ctx, find, &missing);
  ASSERT_TRUE(st.ok()) << st.error_message();
  std::set<std::string> missing_hashes;
  for (const auto& d : missing.missing_blob_digests()) missing_hashes.insert(d.hash());
  EXPECT_EQ(missing_hashes, (std::set<std::string>{cache::DigestOf(streamed).hash(), cache::DigestOf(batched).hash()}));
}

TEST_F(SecurityLimits, OversizedRequestsStillAnswerAsWithoutAuth) {
  daemon::Config c = SecureConfig(Transport::kPlaintext);
  c.max_message_bytes = 64 << 10;
  ASSERT_NO_FATAL_FAILURE(Start(c));
  Stubs s(Plaintext());
  auto compile_with_name_of = [&](size_t bytes) {
    v1::CompileRequest req;
    *req.mutable_request() = LoadExample("gemm_256_bf16");
    req.mutable_request()->mutable_func()->set_name(std::string(bytes, 'x'));
    grpc::ClientContext ctx;
    Authorize(&ctx, TokenOf("submit"));
    v1::CompileResponse resp;
    return s.compiler->Compile(&ctx, req, &resp);
  };
  // Over max_message_bytes: the service's INVALID_ARGUMENT naming the limit.
  grpc::Status st = compile_with_name_of(100 << 10);
  EXPECT_EQ(st.error_code(), Code::INVALID_ARGUMENT) << st.error_message();
  EXPECT_THAT(st.error_message(), HasSubstr("max_message_bytes"));
  // Past the transport's limit (max_message_bytes + 4 MiB): gRPC's RESOURCE_EXHAUSTED.
  st = compile_with_name_of((64 << 10) + (5 << 20));
  EXPECT_EQ(st.error_code(), Code::RESOURCE_EXHAUSTED) << st.error_message();
  EXPECT_TRUE(HealthCheck(s).ok());
}

// ---------------------------------------------------------------------------------------
// The token file and tokens.

class TokenFile : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    const std::string path = dir_.Sub("tokens.toml");
    std::ofstream(path) << text;
    return path;
  }
  TempDir dir_;
};

const std::string kDigestA = cache::DigestOf("token a").hash();
const std::string kDigestB = cache::DigestOf("token b").hash();

std::string Entry(const std::string& name, const std::string& roles, const std::string& digest) {
  return "[[token]]\nname = \"" + name + "\"\nroles = [" + roles + "]\nsha256 = \"" + digest + "\"\n";
}

// "`path`:`line`:`col`:" somewhere in `message`, for any of `lines`.
bool HasLocation(const std::string& message, const std::string& path, const std::vector<int>& lines) {
  for (int line : lines) {
    const std::string prefix = path + ":" + std::to_string(line) + ":";
    for (size_t at = message.find(prefix); at != std::string::npos; at = message.find(prefix, at + 1)) {
      size_t i = at + prefix.size();
      size_t digits = 0;
      while (i < message.size() && std::isdigit(static_cast<unsigned char>(message[i]))) ++i, ++digits;
      if (digits > 0 && i < message.size() && message[i] == ':') return true;
    }
  }
  return false;
}

TEST_F(TokenFile, ErrorsSayWhereAndWhat) {
  struct Case {
    const char* what;
    std::string text;
    std::vector<int> lines;  // where the error may point
    const char* names;
  };
  const Case cases[] = {
      {"unknown key", Entry("ci", "\"submit\"", kDigestA) + "colour = \"blue\"\n", {5}, "colour"},
      {"bad role", Entry("ci", "\"root\"", kDigestA), {3}, "root"},
      {"bad digest", Entry("ci", "\"submit\"", "5e88"), {4}, "sha256"},
      {"empty group", Entry("ci", "\"submit\"", kDigestA) + "group = \"\"\n", {5}, "group"},
      {"duplicate name", Entry("ci", "\"submit\"", kDigestA) + "\n" + Entry("ci", "\"agent\"", kDigestB), {6, 7},
       "ci"},
  };
  for (const Case& c : cases) {
    const std::string path = Write(c.text);
    auto tokens = daemon::LoadTokenFile(path);
    ASSERT_FALSE(tokens.ok()) << c.what << ": parsed";
    EXPECT_EQ(tokens.status().code(), absl::StatusCode::kInvalidArgument) << c.what;
    const std::string message(tokens.status().message());
    EXPECT_TRUE(HasLocation(message, path, c.lines)) << c.what << ": no path:line:col in: " << message;
    EXPECT_THAT(message, HasSubstr(c.names)) << c.what;
  }
  // Also refused, with the file's path: a syntax error, a missing name, a digest used twice.
  for (const std::string& text : {std::string("[[token]\nname = \"ci\"\n"), Entry("", "\"submit\"", kDigestA),
                                  Entry("ci", "\"submit\"", kDigestA) + Entry("ci2", "\"agent\"", kDigestA)}) {
    const std::string path = Write(text);
    auto tokens = daemon::LoadTokenFile(path);
    EXPECT_EQ(tokens.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(tokens.status().message()), HasSubstr(path + ":")) << text;
  }
  EXPECT_EQ(daemon::LoadTokenFile(dir_.Sub("absent.toml")).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TokenFile, AppendCreatesAPrivateFileThatRoundTrips) {
  const std::string path = dir_.Sub("etc/tokens.toml");
  std::filesystem::create_directories(dir_.Sub("etc"));
  ASSERT_TRUE(daemon::AppendTokenEntry(path, "ci", daemon::kRoleSubmit, "ttc_first").ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(daemon::AppendTokenEntry(path, "rack1", daemon::kRoleAgent | daemon::kRoleAdmin, "ttc_second").ok());
  const std::string before = ReadAll(path);
  absl::Status dup = daemon::AppendTokenEntry(path, "ci", daemon::kRoleAdmin, "ttc_third");
  EXPECT_EQ(dup.code(), absl::StatusCode::kInvalidArgument) << dup;
  EXPECT_THAT(std::string(dup.message()), HasSubstr("ci"));
  EXPECT_EQ(ReadAll(path), before) << "a refused append changed the file";

  auto tokens = daemon::LoadTokenFile(path);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].name, "ci");
  EXPECT_EQ((*tokens)[0].roles, static_cast<uint32_t>(daemon::kRoleSubmit));
  EXPECT_EQ((*tokens)[0].sha256, cache::DigestOf("ttc_first").hash());
  EXPECT_EQ((*tokens)[1].name, "rack1");
  EXPECT_EQ((*tokens)[1].roles, static_cast<uint32_t>(daemon::kRoleAgent | daemon::kRoleAdmin));
  EXPECT_EQ((*tokens)[1].sha256, cache::DigestOf("ttc_second").hash());
  EXPECT_EQ(ReadAll(path).find("ttc_first"), std::string::npos) << "the file holds a token in clear";
  // A group is written with the entry and read back; a bad group changes nothing.
  ASSERT_TRUE(daemon::AppendTokenEntry(path, "runner-1", daemon::kRoleSubmit, "ttc_fourth", "ci").ok());
  const std::string with_group = ReadAll(path);
  EXPECT_EQ(daemon::AppendTokenEntry(path, "runner-2", daemon::kRoleSubmit, "ttc_fifth", "c i\"").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadAll(path), with_group);
  auto grouped = daemon::LoadTokenFile(path);
  ASSERT_TRUE(grouped.ok()) << grouped.status();
  ASSERT_EQ(grouped->size(), 3u);
  EXPECT_EQ((*grouped)[2].group, "ci");
  EXPECT_EQ((*grouped)[0].group, "");
}

TEST_F(TokenFile, AGroupIsOptional) {
  const std::string path = Write(Entry("ci-a", "\"submit\"", kDigestA) + "group = \"ci-pool\"\n\n" +
                                 Entry("ci-b", "\"submit\"", kDigestB));
  auto tokens = daemon::LoadTokenFile(path);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].group, "ci-pool");
  EXPECT_EQ((*tokens)[1].group, "");
}

TEST(Tokens, HashTokenIsTheSha256OfTheTokenAsSha256sumPrintsIt) {
  const std::string token = daemon::NewToken();
  EXPECT_THAT(token, ::testing::MatchesRegex("ttc_[0-9a-f]{64}"));
  EXPECT_NE(daemon::NewToken(), token);
  auto [status, out] = Shell("printf %s '" + token + "' | sha256sum");
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(daemon::HashToken(token), out.substr(0, 64));
}

TEST(Tokens, RolesParseAndPrint) {
  EXPECT_EQ(*daemon::ParseRole("submit"), daemon::kRoleSubmit);
  EXPECT_EQ(*daemon::ParseRole("agent"), daemon::kRoleAgent);
  EXPECT_EQ(*daemon::ParseRole("admin"), daemon::kRoleAdmin);
  auto bad = daemon::ParseRole("root");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("root"));
  EXPECT_EQ(daemon::RoleNames(daemon::kRoleSubmit | daemon::kRoleAdmin), "submit,admin");
}

}  // namespace
}  // namespace ttc::testing
