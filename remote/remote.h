// Talking to ttcd from a client: where the daemon is and how to reach it (TLS, bearer token),
// and fetching or uploading CAS blobs the REAPI way (one FindMissingBlobs, batches under the
// message limit, chunked streams for blobs bigger than a batch). Used by ttc-client, ttc-agent
// and the tests.
// Thread-safety: the functions are reentrant; gRPC stubs may be shared across threads.
#ifndef TTC_REMOTE_REMOTE_H_
#define TTC_REMOTE_REMOTE_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "ttc/v1/service.grpc.pb.h"

namespace ttc::remote {

inline constexpr char kDefaultServer[] = "127.0.0.1:7878";

// How a channel reaches the daemon (the daemon's side: daemon/auth.h, docs/operations.md).
struct ChannelOptions {
  std::string tls_ca;    // PEM file: the CA(s) that signed ttcd's certificate; "" = the system's roots
  std::string tls_cert;  // PEM file: client certificate chain, for a ttcd that requires one (tls_client_ca)
  std::string tls_key;   // PEM file: the private key of tls_cert (unencrypted)
  bool tls = false;      // TLS even to a loopback address
  std::string token;     // sent as `authorization: Bearer <token>` on every call; "" = none
};

// Whether Connect uses TLS: when options.tls, or tls_ca or tls_cert is set, or the address is
// not loopback (IsLoopbackAddress, common/address.h). Plaintext only on loopback, so a token never crosses the network in clear.
bool UsesTls(const std::string& address, const ChannelOptions& options);

// A channel to `address` for `options` (TLS per UsesTls; the token attached to every call by
// a client interceptor, so it is sent on plaintext loopback too; message limits raised to
// 64 MiB; HTTP/2 keepalive pings every 10 s, the connection dropped when one is unanswered
// for 5 s, so a half-open network is noticed while a stream only listens; after a lost
// connection, reconnects are tried from 0.2 s apart growing to at most 5 s, so a restarted
// daemon is found again within seconds).
// The PEM files are read and parsed here: INVALID_ARGUMENT naming the file and what is wrong
// (unreadable, no certificate or unencrypted private key in it, key and certificate that do
// not match, tls_cert without tls_key or the reverse); a token with characters that cannot
// travel in gRPC metadata (printable ASCII other than space only) is INVALID_ARGUMENT too.
// Connecting itself is lazy: an unreachable daemon or a failed handshake is the first call's
// UNAVAILABLE.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const std::string& address, const ChannelOptions& options);

// A plaintext channel to `address`, no token (tests and benchmarks on loopback; message limits
// raised to 64 MiB).
std::shared_ptr<grpc::Channel> Connect(const std::string& address);

// Reads a token file: its first line, whitespace trimmed. INVALID_ARGUMENT naming the path when
// it cannot be read or the line is empty.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// A bearer token and where it came from, for messages ("--token-file PATH", "TTC_TOKEN",
// "TTC_TOKEN_FILE PATH", "token_file in CONFIG"); both empty when there is none.
struct Token {
  std::string value;
  std::string source;
};

// The token, first that is set: --token-file `flag_file`; $TTC_TOKEN (the token itself);
// $TTC_TOKEN_FILE; `config_file` (token_file of `config_path`). Errors of ReadTokenFile.
absl::StatusOr<Token> ResolveToken(const std::string& flag_file, const std::string& config_file,
                                   const std::string& config_path);

struct ServerAddress {
  std::string address;
  std::string source;  // "--server", "TTC_SERVER", the config file's path, or "default"
};

// ttc-client's settings as given on its command line ("" / false: not given).
struct ClientFlags {
  std::string server;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  bool tls = false;
  std::string token_file;
};

// ttc-client's effective settings.
struct ClientSettings {
  ServerAddress server;
  ChannelOptions channel;
  std::string token_source;  // Token::source; "" = no token is sent
};

// $XDG_CONFIG_HOME/ttc/client.toml, else ~/.config/ttc/client.toml; "" without either variable.
std::string DefaultClientConfigPath();

// Resolves each setting, the first that is set winning: the flag; the environment
// ($TTC_SERVER; $TTC_TOKEN, then $TTC_TOKEN_FILE); the client config file `config_path` (read
// when it exists); the default (kDefaultServer, no TLS options, no token). client.toml's keys:
//   server = "ttcd.lab:7878"         # HOST:PORT
//   tls_ca = "/etc/ttc/tls/ca.pem"   # ChannelOptions above; relative paths are relative to
//   tls_cert = "..."                 #   the config file's directory
//   tls_key = "..."
//   tls = true                       # TLS even on loopback
//   token_file = "token"             # the token file (ReadTokenFile); here next to client.toml
// INVALID_ARGUMENT `path:line:col: ...` for a malformed file, an unknown key or a value of
// the wrong type; the errors of ResolveToken.
absl::StatusOr<ClientSettings> ResolveClientSettings(const ClientFlags& flags, const std::string& config_path);

// grpc::Status -> absl::Status (same code and message).
absl::Status FromGrpc(const grpc::Status& st);

// Bytes per batch call when fetching or uploading (under the daemon's default 16 MiB limit).
inline constexpr int64_t kBatchBytes = 4 << 20;
// Digests per batch call (under the daemon's default max_batch_digests of 10,000).
inline constexpr int kBatchDigests = 1'000;

// Reads every blob in `digests` (deduplicated): batches of up to kBatchBytes and kBatchDigests through
// BatchReadBlobs, bigger blobs through ReadBlob; each blob's digest is verified here too.
// Errors: NOT_FOUND naming the first missing blob; DATA_LOSS when bytes do not match their
// digest; the RPC's status otherwise. `deadline` bounds every call.
absl::StatusOr<std::map<std::string, std::string>> FetchBlobs(v1::Cas::Stub* cas,
                                                              const std::vector<v1::Digest>& digests,
                                                              std::chrono::system_clock::time_point deadline);

// Uploads the blobs the CAS does not have yet (FindMissingBlobs first). `blobs`: digest key
// (cache::DigestKey) -> bytes. Returns the number of blobs uploaded.
absl::StatusOr<int64_t> UploadBlobs(v1::Cas::Stub* cas, const std::map<std::string, std::string>& blobs,
                                    std::chrono::system_clock::time_point deadline);

}  // namespace ttc::remote

#endif  // TTC_REMOTE_REMOTE_H_
