// Talking to ttcd from a client: where the daemon is, and fetching or uploading CAS blobs
// the REAPI way (one FindMissingBlobs, batches under the message limit, chunked streams for
// blobs bigger than a batch). Used by ttc-client and the tests.
// Thread-safety: the functions are reentrant; gRPC stubs may be shared across threads.
#ifndef TTC_CLIENT_REMOTE_H_
#define TTC_CLIENT_REMOTE_H_

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

struct ServerAddress {
  std::string address;
  std::string source;  // "--server", "TTC_SERVER", the config file's path, or "default"
};

// The daemon's address: `flag` if non-empty, else $TTC_SERVER, else `server = "..."` in
// $XDG_CONFIG_HOME/ttc/client.toml (~/.config/ttc/client.toml), else kDefaultServer.
// INVALID_ARGUMENT when the config file exists but is malformed (`path:line:col: ...`).
absl::StatusOr<ServerAddress> ResolveServer(const std::string& flag);

// A channel to `address` (plaintext; message limits raised to 64 MiB).
std::shared_ptr<grpc::Channel> Connect(const std::string& address);

// grpc::Status -> absl::Status (same code and message).
absl::Status FromGrpc(const grpc::Status& st);

// Bytes per batch call when fetching or uploading (under the daemon's default 16 MiB limit).
inline constexpr int64_t kBatchBytes = 4 << 20;

// Reads every blob in `digests` (deduplicated): batches of up to kBatchBytes through
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

#endif  // TTC_CLIENT_REMOTE_H_
