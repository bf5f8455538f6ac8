// ttc-client's channel settings (remote/remote.h): which addresses are loopback, when TLS is
// used, client.toml and its precedence under the environment and the flags, the token files,
// the PEM checks, and a real channel to an in-process gRPC server on 127.0.0.1:0 that sees
// the bearer token (plaintext and TLS, with and without a client certificate).
#include <cstdlib>
#include <fstream>
#include <optional>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "remote/remote.h"
#include "tests/cache/temp_dir.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::remote {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Unsets the variables the settings read, and restores them when the test ends.
class CleanEnvironment {
 public:
  CleanEnvironment() {
    for (const char* name : kNames) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(name);
    }
  }
  ~CleanEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
  }

 private:
  static constexpr const char* kNames[] = {"TTC_SERVER", "TTC_TOKEN", "TTC_TOKEN_FILE"};
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// ChannelOptions by position (designated initializers that skip fields warn under -Wextra).
ChannelOptions Opts(const std::string& tls_ca = "", const std::string& tls_cert = "", const std::string& tls_key = "",
                    bool tls = false, const std::string& token = "") {
  return ChannelOptions{tls_ca, tls_cert, tls_key, tls, token};
}

TEST(UsesTls, PlaintextOnlyOnLoopbackWithoutTlsSettings) {
  EXPECT_FALSE(UsesTls("127.0.0.1:7878", {}));
  EXPECT_TRUE(UsesTls("ttcd.lab:7878", {}));
  EXPECT_TRUE(UsesTls("127.0.0.1:7878", Opts("", "", "", true)));
  EXPECT_TRUE(UsesTls("127.0.0.1:7878", Opts("ca.pem")));
  EXPECT_TRUE(UsesTls("127.0.0.1:7878", Opts("", "c.pem", "k.pem")));
  // A token alone does not need TLS on loopback.
  EXPECT_FALSE(UsesTls("127.0.0.1:7878", Opts("", "", "", false, "t")));
}

class Settings : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path) << text;
    return path;
  }
  std::string Config(const std::string& text) { return Write("client.toml", text); }

  CleanEnvironment env_;
  testing::TempDir dir_;
};

TEST_F(Settings, DefaultsWithoutAFile) {
  auto s = ResolveClientSettings({}, dir_.Sub("missing.toml"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->server.address, kDefaultServer);
  EXPECT_EQ(s->server.source, "default");
  EXPECT_EQ(s->channel.tls_ca, "");
  EXPECT_FALSE(s->channel.tls);
  EXPECT_EQ(s->channel.token, "");
  EXPECT_EQ(s->token_source, "");
}

TEST_F(Settings, EveryKeyOfClientTomlRelativePathsFromItsDirectory) {
  Write("token", "  tok-from-file  \nsecond line is ignored\n");
  const std::string path = Config(
      "server = \"ttcd.lab:7878\"\ntls_ca = \"tls/ca.pem\"\ntls_cert = \"/abs/client.pem\"\n"
      "tls_key = \"tls/client.key\"\ntls = true\ntoken_file = \"token\"\n");
  auto s = ResolveClientSettings({}, path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->server.address, "ttcd.lab:7878");
  EXPECT_EQ(s->server.source, path);
  EXPECT_EQ(s->channel.tls_ca, dir_.Sub("tls/ca.pem"));
  EXPECT_EQ(s->channel.tls_cert, "/abs/client.pem");
  EXPECT_EQ(s->channel.tls_key, dir_.Sub("tls/client.key"));
  EXPECT_TRUE(s->channel.tls);
  EXPECT_EQ(s->channel.token, "tok-from-file");
  EXPECT_EQ(s->token_source, "token_file in " + path);
}

TEST_F(Settings, FlagBeatsEnvironmentBeatsFile) {
  Write("file-token", "from-config\n");
  Write("env-token", "from-env-file\n");
  Write("flag-token", "from-flag\n");
  const std::string path = Config("server = \"file:1\"\ntoken_file = \"file-token\"\ntls_ca = \"file-ca.pem\"\n");

  auto s = ResolveClientSettings({}, path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->server.address, "file:1");
  EXPECT_EQ(s->channel.token, "from-config");

  setenv("TTC_TOKEN_FILE", dir_.Sub("env-token").c_str(), 1);
  s = ResolveClientSettings({}, path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->channel.token, "from-env-file");
  EXPECT_EQ(s->token_source, "TTC_TOKEN_FILE " + dir_.Sub("env-token"));

  setenv("TTC_SERVER", "env:2", 1);
  setenv("TTC_TOKEN", "from-env", 1);  // the token itself beats a token file in the environment
  s = ResolveClientSettings({}, path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->server.address, "env:2");
  EXPECT_EQ(s->server.source, "TTC_SERVER");
  EXPECT_EQ(s->channel.token, "from-env");
  EXPECT_EQ(s->token_source, "TTC_TOKEN");

  ClientFlags flags;
  flags.server = "flag:3";
  flags.token_file = dir_.Sub("flag-token");
  flags.tls_ca = "flag-ca.pem";
  s = ResolveClientSettings(flags, path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->server.address, "flag:3");
  EXPECT_EQ(s->server.source, "--server");
  EXPECT_EQ(s->channel.token, "from-flag");
  EXPECT_EQ(s->token_source, "--token-file " + dir_.Sub("flag-token"));
  EXPECT_EQ(s->channel.tls_ca, "flag-ca.pem");
}

TEST_F(Settings, FileErrorsSayWhere) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"server = \"a:1\"\ntls_cerf = \"x.pem\"\n",
       "client.toml:2:1: key 'tls_cerf': unknown key (known: server, tls_ca, tls_cert, tls_key, tls, token_file)"},
      {"tls = \"yes\"\n", "client.toml:1:7: key 'tls': expected true or false"},
      {"\n\nserver = 7878\n", "client.toml:3:10: key 'server': expected a string"},
      {"token_file = [\"a\"]\n", "client.toml:1:14: key 'token_file': expected a string"},
      {"server = \"a:1\n", "client.toml:1:"},  // TOML syntax: an unterminated string
  };
  for (const auto& c : cases) {
    auto s = ResolveClientSettings({}, Config(c.text));
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.message)) << c.text;
    EXPECT_THAT(std::string(s.status().message()), StartsWith(dir_.Sub("client.toml"))) << c.text;
  }
}

TEST_F(Settings, TokenFileProblemsNameTheFile) {
  ClientFlags flags;
  flags.token_file = dir_.Sub("absent");
  auto s = ResolveClientSettings(flags, "");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("token file " + dir_.Sub("absent") + ": cannot read it"));

  flags.token_file = Write("blank", "   \n");
  s = ResolveClientSettings(flags, "");
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(flags.token_file + ": the first line is empty"));

  flags.token_file = Write("spaced", "two words\n");
  s = ResolveClientSettings(flags, "");
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("characters other than printable ASCII"));

  setenv("TTC_TOKEN", "tok\x01", 1);
  s = ResolveClientSettings({}, "");
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("TTC_TOKEN"));
}

// ---------------------------------------------------------------------------------------------
// Certificates made here: a CA, and leaf certificates it signs.

struct Pem {
  std::string cert;
  std::string key;
};

std::string ToPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

std::string ToPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

// A P-256 key and a certificate for `cn` with `san` (e.g. "IP:127.0.0.1"), signed by `issuer`
// (self-signed, a CA, when null).
Pem Issue(const std::string& cn, const std::string& san, const Pem* issuer) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer_cert = cert;
  EVP_PKEY* issuer_key = key;
  if (issuer) {
    BIO* b = BIO_new_mem_buf(issuer->cert.data(), static_cast<int>(issuer->cert.size()));
    issuer_cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    b = BIO_new_mem_buf(issuer->key.data(), static_cast<int>(issuer->key.size()));
    issuer_key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
    BIO_free(b);
  }
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, cert, nullptr, nullptr, 0);
  auto add = [&](int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, issuer ? "critical,CA:FALSE" : "critical,CA:TRUE");
  if (!issuer) add(NID_key_usage, "critical,keyCertSign,cRLSign");
  if (!san.empty()) add(NID_subject_alt_name, san);
  X509_sign(cert, issuer_key, EVP_sha256());
  Pem out{ToPem(cert), ToPem(key)};
  if (issuer) {
    X509_free(issuer_cert);
    EVP_PKEY_free(issuer_key);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// Answers GetStats with the caller's `authorization` metadata in compiler_build_id.
class EchoAuthorization final : public v1::Compiler::Service {
  grpc::Status GetStats(grpc::ServerContext* ctx, const v1::GetStatsRequest*, v1::Stats* out) override {
    auto it = ctx->client_metadata().find("authorization");
    if (it != ctx->client_metadata().end()) {
      out->set_compiler_build_id(std::string(it->second.data(), it->second.size()));
    }
    return grpc::Status::OK;
  }
};

class Channel : public Settings {
 protected:
  // Serves on 127.0.0.1:0 with `creds`; the address.
  std::string Serve(const std::shared_ptr<grpc::ServerCredentials>& creds) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", creds, &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    EXPECT_GT(port, 0);
    return "127.0.0.1:" + std::to_string(port);
  }
  std::shared_ptr<grpc::ServerCredentials> Tls(bool require_client_cert) {
    grpc::SslServerCredentialsOptions o(require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                                            : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    o.pem_root_certs = ca_.cert;
    o.pem_key_cert_pairs.push_back({server_pem_.key, server_pem_.cert});
    return grpc::SslServerCredentials(o);
  }
  // GetStats through Connect(address, options): the status, and the authorization it saw.
  std::pair<grpc::Status, std::string> Call(const std::string& address, const ChannelOptions& options) {
    auto channel = Connect(address, options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    if (!channel.ok()) return {grpc::Status::CANCELLED, ""};
    auto stub = v1::Compiler::NewStub(*channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::Stats stats;
    grpc::Status st = stub->GetStats(&ctx, v1::GetStatsRequest(), &stats);
    return {st, stats.compiler_build_id()};
  }
  ~Channel() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  const Pem ca_ = Issue("ttc test CA", "", nullptr);
  const Pem server_pem_ = Issue("ttcd", "IP:127.0.0.1,DNS:localhost", &ca_);
  const Pem client_pem_ = Issue("agent-7", "", &ca_);
  EchoAuthorization service_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(Channel, TheTokenTravelsOnPlaintextLoopback) {
  const std::string address = Serve(grpc::InsecureServerCredentials());
  auto [st, seen] = Call(address, Opts("", "", "", false, "ttc_abc"));
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(seen, "Bearer ttc_abc");
  std::tie(st, seen) = Call(address, {});
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(seen, "");
}

TEST_F(Channel, TlsWithTheRightCaAndTheToken) {
  const std::string address = Serve(Tls(false));
  auto [st, seen] = Call(address, Opts(Write("ca.pem", ca_.cert), "", "", false, "ttc_abc"));
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(seen, "Bearer ttc_abc");
}

TEST_F(Channel, TlsWithAnotherCaFailsTheHandshake) {
  const std::string address = Serve(Tls(false));
  const Pem other = Issue("another CA", "", nullptr);
  auto [st, seen] = Call(address, Opts(Write("other.pem", other.cert), "", "", false, "ttc_abc"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  // What ttc-client passes through: the message says it was the handshake, not the network.
  EXPECT_THAT(st.error_message(), HasSubstr("andshake"));
  EXPECT_EQ(seen, "");
}

TEST_F(Channel, PlaintextToATlsServerFails) {
  const std::string address = Serve(Tls(false));
  auto [st, seen] = Call(address, Opts("", "", "", false, "ttc_abc"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
}

TEST_F(Channel, MutualTlsNeedsTheClientCertificate) {
  const std::string address = Serve(Tls(true));
  const std::string ca = Write("ca.pem", ca_.cert);
  auto [st, seen] = Call(address, Opts(ca, Write("client.pem", client_pem_.cert), Write("client.key", client_pem_.key),
                                       false, "ttc_abc"));
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(seen, "Bearer ttc_abc");
  std::tie(st, seen) = Call(address, Opts(ca, "", "", false, "ttc_abc"));
  EXPECT_FALSE(st.ok());
}

TEST_F(Channel, PemProblemsNameTheFileAndWhatIsWrong) {
  const std::string ca = Write("ca.pem", ca_.cert);
  const std::string cert = Write("client.pem", client_pem_.cert);
  const std::string key = Write("client.key", client_pem_.key);
  const std::string other_key = Write("other.key", Issue("x", "", nullptr).key);
  const std::string garbage = Write("garbage.pem", "not a certificate\n");
  const struct {
    ChannelOptions options;
    std::string message;
  } cases[] = {
      {Opts(dir_.Sub("absent.pem")), "tls_ca " + dir_.Sub("absent.pem") + ": cannot read it"},
      {Opts(garbage), "tls_ca " + garbage + ": no PEM certificate in it"},
      {Opts(key), "tls_ca " + key + ": no PEM certificate in it"},
      {Opts("", cert), "tls_cert " + cert + " is set without tls_key"},
      {Opts("", "", key), "tls_key " + key + " is set without tls_cert"},  // even on plaintext loopback
      {Opts("", garbage, key), "tls_cert " + garbage + ": no PEM certificate in it"},
      {Opts("", cert, garbage), "tls_key " + garbage + ": no unencrypted PEM private key in it"},
      {Opts("", cert, other_key), "is not the private key of the certificate in tls_cert " + cert},
  };
  for (const auto& c : cases) {
    auto channel = Connect("127.0.0.1:1", c.options);
    ASSERT_FALSE(channel.ok()) << c.message;
    EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(channel.status().message()), HasSubstr(c.message));
  }
  EXPECT_TRUE(Connect("127.0.0.1:1", Opts(ca, cert, key)).ok());
}

}  // namespace
}  // namespace ttc::remote
