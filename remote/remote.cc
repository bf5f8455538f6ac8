#include "remote/remote.h"


#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <grpcpp/support/client_interceptor.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <toml++/toml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cache/artifact_store.h"
#include "cache/digest.h"
#include "common/address.h"
#include "common/toml_file.h"

namespace ttc::remote {
namespace {

// Every RPC carries `authorization: Bearer <token>` (daemon/auth.h reads it).
class BearerTokenInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(std::string header) : header_(std::move(header)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", header_});
    }
    methods->Proceed();
  }

 private:
  std::string header_;
};

class BearerTokenFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenFactory(const std::string& token) : header_("Bearer " + token) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo*) override {
    return new BearerTokenInterceptor(header_);
  }

 private:
  std::string header_;
};

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": cannot read it (", std::strerror(errno), ")"));
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Bio MemBio(const std::string& pem) { return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

// The first certificate of a PEM file (the leaf of a chain); null when there is none.
Cert FirstCertificate(const std::string& pem) {
  Bio bio = MemBio(pem);
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return cert;
}

// The PEM file `path` with at least one certificate in it.
absl::StatusOr<std::string> ReadCertificates(const std::string& path, const std::string& what) {
  auto pem = ReadFile(path, what);
  if (!pem.ok()) return pem.status();
  if (!FirstCertificate(*pem)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": no PEM certificate in it"));
  }
  return pem;
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const std::shared_ptr<grpc::ChannelCredentials>& creds,
                                           const std::string& token, bool keepalive) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  // Connection attempts after a failure: 0.2 s growing to at most 5 s (gRPC's defaults grow to
  // 120 s, so a daemon back from a restart could go unnoticed for minutes).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5'000);
  if (keepalive) {
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
  if (token.empty()) return grpc::CreateCustomChannel(address, creds, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<BearerTokenFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, creds, args, std::move(interceptors));
}

// gRPC metadata values: printable ASCII; a bearer token has no spaces either (RFC 6750).
bool IsTokenText(const std::string& token) {
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

bool UsesTls(const std::string& address, const ChannelOptions& options) {
  return options.tls || !options.tls_ca.empty() || !options.tls_cert.empty() || !IsLoopbackAddress(address);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const std::string& address, const ChannelOptions& options) {
  if (options.tls_cert.empty() && !options.tls_key.empty()) {
    return absl::InvalidArgumentError("tls_key " + options.tls_key + " is set without tls_cert (the client certificate)");
  }
  if (!options.tls_cert.empty() && options.tls_key.empty()) {
    return absl::InvalidArgumentError("tls_cert " + options.tls_cert + " is set without tls_key (its private key)");
  }
  if (!UsesTls(address, options)) {
    return MakeChannel(address, grpc::InsecureChannelCredentials(), options.token, /*keepalive=*/true);
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.tls_ca.empty()) {
    auto ca = ReadCertificates(options.tls_ca, "tls_ca");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  if (!options.tls_cert.empty()) {
    auto chain = ReadCertificates(options.tls_cert, "tls_cert");
    if (!chain.ok()) return chain.status();
    auto key = ReadFile(options.tls_key, "tls_key");
    if (!key.ok()) return key.status();
    Bio bio = MemBio(*key);
    // No passphrase callback may prompt: an encrypted key simply does not load.
    Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
    ERR_clear_error();
    if (!pkey) {
      return absl::InvalidArgumentError(
          absl::StrCat("tls_key ", options.tls_key, ": no unencrypted PEM private key in it"));
    }
    if (X509_check_private_key(FirstCertificate(*chain).get(), pkey.get()) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat("tls_key ", options.tls_key,
                                                     " is not the private key of the certificate in tls_cert ",
                                                     options.tls_cert));
    }
    ssl.pem_cert_chain = *chain;
    ssl.pem_private_key = *key;
  }
  return MakeChannel(address, grpc::SslCredentials(ssl), options.token, /*keepalive=*/true);
}

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  return MakeChannel(address, grpc::InsecureChannelCredentials(), "", /*keepalive=*/false);
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  auto bytes = ReadFile(path, "token file");
  if (!bytes.ok()) return bytes.status();
  const std::string token(absl::StripAsciiWhitespace(bytes->substr(0, bytes->find('\n'))));
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat("token file ", path, ": the first line is empty"));
  if (!IsTokenText(token)) {
    return absl::InvalidArgumentError(absl::StrCat("token file ", path,
                                                   ": the token has characters other than printable ASCII"));
  }
  return token;
}

absl::StatusOr<Token> ResolveToken(const std::string& flag_file, const std::string& config_file,
                                   const std::string& config_path) {
  auto from_file = [](const std::string& path, std::string source) -> absl::StatusOr<Token> {
    auto token = ReadTokenFile(path);
    if (!token.ok()) return token.status();
    return Token{*token, std::move(source)};
  };
  if (!flag_file.empty()) return from_file(flag_file, "--token-file " + flag_file);
  if (const char* env = std::getenv("TTC_TOKEN"); env && *env) {
    const std::string token(absl::StripAsciiWhitespace(env));
    if (token.empty() || !IsTokenText(token)) {
      return absl::InvalidArgumentError("TTC_TOKEN: the token is empty or has characters other than printable ASCII");
    }
    return Token{token, "TTC_TOKEN"};
  }
  if (const char* env = std::getenv("TTC_TOKEN_FILE"); env && *env) {
    return from_file(env, absl::StrCat("TTC_TOKEN_FILE ", env));
  }
  if (!config_file.empty()) return from_file(config_file, absl::StrCat("token_file in ", config_path));
  return Token{};
}

std::string DefaultClientConfigPath() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::string(xdg) + "/ttc/client.toml";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/ttc/client.toml";
  return "";
}

absl::StatusOr<ClientSettings> ResolveClientSettings(const ClientFlags& flags, const std::string& config_path) {
  ClientFlags file;  // what client.toml says
  if (!config_path.empty() && std::filesystem::exists(config_path)) {
    auto parsed = ParseTomlFile(config_path, "client config file");
    if (!parsed.ok()) return parsed.status();
    const toml::table table = std::move(*parsed);
    const std::filesystem::path dir = std::filesystem::path(config_path).parent_path();
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      auto bad = [&](const std::string& what) {
        return absl::InvalidArgumentError(
            absl::StrCat(TomlWhere(config_path, node.source()), ": key '", name, "': ", what));
      };
      std::string* text = nullptr;
      bool is_path = true;
      if (name == "server") {
        text = &file.server;
        is_path = false;
      } else if (name == "tls_ca") {
        text = &file.tls_ca;
      } else if (name == "tls_cert") {
        text = &file.tls_cert;
      } else if (name == "tls_key") {
        text = &file.tls_key;
      } else if (name == "token_file") {
        text = &file.token_file;
      } else if (name == "tls") {
        if (!node.is_boolean()) return bad("expected true or false");
        file.tls = *node.value<bool>();
        continue;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(TomlWhere(config_path, key.source()), ": key '", name,
                                                       "': unknown key (known: server, tls_ca, tls_cert, tls_key, "
                                                       "tls, token_file)"));
      }
      if (!node.is_string()) return bad("expected a string");
      *text = *node.value<std::string>();
      if (is_path && !text->empty()) *text = (dir / *text).string();  // an absolute value stays as it is
    }
  }
  auto pick = [](const std::string& flag, const std::string& config) { return flag.empty() ? config : flag; };
  ClientSettings s;
  if (!flags.server.empty()) {
    s.server = {flags.server, "--server"};
  } else if (const char* env = std::getenv("TTC_SERVER"); env && *env) {
    s.server = {env, "TTC_SERVER"};
  } else if (!file.server.empty()) {
    s.server = {file.server, config_path};
  } else {
    s.server = {kDefaultServer, "default"};
  }
  s.channel.tls_ca = pick(flags.tls_ca, file.tls_ca);
  s.channel.tls_cert = pick(flags.tls_cert, file.tls_cert);
  s.channel.tls_key = pick(flags.tls_key, file.tls_key);
  s.channel.tls = flags.tls || file.tls;
  auto token = ResolveToken(flags.token_file, file.token_file, config_path);
  if (!token.ok()) return token.status();
  s.channel.token = token->value;
  s.token_source = token->source;
  return s;
}

absl::Status FromGrpc(const grpc::Status& st) {
  if (st.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(st.error_code()), st.error_message());
}

absl::StatusOr<std::map<std::string, std::string>> FetchBlobs(v1::Cas::Stub* cas,
                                                              const std::vector<v1::Digest>& digests,
                                                              std::chrono::system_clock::time_point deadline) {
  std::map<std::string, std::string> out;
  std::set<std::string> seen;
  std::vector<std::vector<v1::Digest>> batches(1);
  std::vector<v1::Digest> big;
  int64_t batch_bytes = 0;
  for (const v1::Digest& d : digests) {
    if (!seen.insert(cache::DigestKey(d)).second) continue;
    if (d.size_bytes() > kBatchBytes) {
      big.push_back(d);
      continue;
    }
    if (batch_bytes + d.size_bytes() > kBatchBytes || batches.back().size() >= static_cast<size_t>(kBatchDigests)) {
      batches.emplace_back();
      batch_bytes = 0;
    }
    batches.back().push_back(d);
    batch_bytes += d.size_bytes();
  }
  auto accept = [&](const v1::Digest& d, std::string bytes) -> absl::Status {
    if (auto st = cache::VerifyBlob(d, bytes); !st.ok()) {
      return absl::DataLossError(absl::StrCat("blob ", cache::DigestKey(d), " arrived corrupt: ",
                                              std::string(st.message())));
    }
    out[cache::DigestKey(d)] = std::move(bytes);
    return absl::OkStatus();
  };
  for (const auto& batch : batches) {
    if (batch.empty()) continue;
    v1::BatchReadBlobsRequest req;
    for (const v1::Digest& d : batch) *req.add_digests() = d;
    v1::BatchReadBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    if (auto st = cas->BatchReadBlobs(&ctx, req, &resp); !st.ok()) return FromGrpc(st);
    for (auto& r : *resp.mutable_responses()) {
      if (r.status().code() != 0) {
        return absl::Status(static_cast<absl::StatusCode>(r.status().code()),
                            absl::StrCat("blob ", cache::DigestKey(r.digest()), ": ", r.status().message()));
      }
      if (auto st = accept(r.digest(), std::move(*r.mutable_data())); !st.ok()) return st;
    }
  }
  for (const v1::Digest& d : big) {
    v1::ReadBlobRequest req;
    *req.mutable_digest() = d;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    auto reader = cas->ReadBlob(&ctx, req);
    std::string bytes;
    v1::ReadBlobResponse chunk;
    while (reader->Read(&chunk)) bytes += chunk.data();
    if (auto st = reader->Finish(); !st.ok()) return FromGrpc(st);
    if (auto st = accept(d, std::move(bytes)); !st.ok()) return st;
  }
  return out;
}

absl::StatusOr<int64_t> UploadBlobs(v1::Cas::Stub* cas, const std::map<std::string, std::string>& blobs,
                                    std::chrono::system_clock::time_point deadline) {
  v1::FindMissingBlobsResponse missing;
  for (auto it = blobs.begin(); it != blobs.end();) {  // kBatchDigests per call
    v1::FindMissingBlobsRequest find;
    for (; it != blobs.end() && find.blob_digests_size() < kBatchDigests; ++it) {
      *find.add_blob_digests() = cache::DigestOf(it->second);
    }
    v1::FindMissingBlobsResponse part;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    if (auto st = cas->FindMissingBlobs(&ctx, find, &part); !st.ok()) return FromGrpc(st);
    for (v1::Digest& d : *part.mutable_missing_blob_digests()) *missing.add_missing_blob_digests() = std::move(d);
  }
  int64_t uploaded = 0;
  v1::BatchUpdateBlobsRequest batch;
  int64_t batch_bytes = 0;
  auto flush = [&]() -> absl::Status {
    if (batch.requests_size() == 0) return absl::OkStatus();
    v1::BatchUpdateBlobsResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(deadline);
    if (auto st = cas->BatchUpdateBlobs(&ctx, batch, &resp); !st.ok()) return FromGrpc(st);
    for (const auto& r : resp.responses()) {
      if (r.status().code() != 0) {
        return absl::Status(static_cast<absl::StatusCode>(r.status().code()),
                            absl::StrCat("blob ", cache::DigestKey(r.digest()), ": ", r.status().message()));
      }
    }
    uploaded += batch.requests_size();
    batch.Clear();
    batch_bytes = 0;
    return absl::OkStatus();
  };
  for (const v1::Digest& d : missing.missing_blob_digests()) {
    const std::string& bytes = blobs.at(cache::DigestKey(d));
    if (d.size_bytes() > kBatchBytes) {
      grpc::ClientContext ctx;
      ctx.set_deadline(deadline);
      v1::WriteBlobResponse resp;
      auto writer = cas->WriteBlob(&ctx, &resp);
      for (int64_t off = 0; off < d.size_bytes() || off == 0; off += 64 << 10) {
        v1::WriteBlobRequest chunk;
        if (off == 0) *chunk.mutable_digest() = d;
        chunk.set_data(bytes.substr(static_cast<size_t>(off), 64 << 10));
        if (!writer->Write(chunk)) break;
      }
      writer->WritesDone();
      if (auto st = writer->Finish(); !st.ok()) return FromGrpc(st);
      ++uploaded;
      continue;
    }
    if (batch_bytes + d.size_bytes() > kBatchBytes || batch.requests_size() >= kBatchDigests) {
      if (auto st = flush(); !st.ok()) return st;
    }
    auto* r = batch.add_requests();
    *r->mutable_digest() = d;
    r->set_data(bytes);
    batch_bytes += d.size_bytes();
  }
  if (auto st = flush(); !st.ok()) return st;
  return uploaded;
}

}  // namespace ttc::remote
