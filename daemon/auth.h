// Who may call what on ttcd: bearer tokens with roles, and the per-client limits that
// protect the daemon (request rate, concurrent streams).
//
// Tokens travel in gRPC metadata as `authorization: Bearer <token>` (RFC 6750 syntax, as
// gRPC's own AccessTokenCredentials sends them). The daemon keeps only their SHA-256 digests,
// in a TOML token file (docs/operations.md):
//
//   [[token]]
//   name = "ci"                    # who: shown in logs, owns the jobs it submits
//   roles = ["submit"]             # any of "submit", "agent", "admin"
//   sha256 = "5e88...(64 hex)"    # SHA-256 of the token (`ttcd token add` writes this)
//   group = "ci-pool"              # optional: tokens of one group see each other's jobs
//
// Roles (a token may hold several; none implies another):
//   submit  Compiler: Compile, InferLayout, GetActionResult, Submit, ListDevices; WatchJob,
//           GetJob, ListJobs of the jobs it may see (MaySeeJob); CancelJob of its own jobs;
//           Cas: every RPC.
//   agent   DeviceFleet.Connect, registering only the host id equal to the token's name (so
//           one host's token cannot take over another host); Cas: every RPC (agents fetch
//           programs and upload reports).
//   admin   GetStats, SetDeviceHealth, CancelJob of any job, plus the read-only job and
//           device calls (GetJob, WatchJob, ListJobs, ListDevices) on every job.
// grpc.health.v1 and server reflection need no token (probes; reflection serves only the
// public .proto schema, no data).
//
// Errors, on every RPC including streaming ones: no or unknown token -> UNAUTHENTICATED;
// a known token without the role -> PERMISSION_DENIED; over the rate limit or the stream
// limit -> RESOURCE_EXHAUSTED. Each message names the RPC and what is missing.
//
// Thread-safety: Gate's methods may be called concurrently from gRPC threads; Reload swaps
// the token table atomically (calls in flight keep the principal they were admitted with).
#ifndef TTC_DAEMON_AUTH_H_
#define TTC_DAEMON_AUTH_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "ttc/v1/jobs.pb.h"

namespace ttc::daemon {

// Role bits.
enum Role : uint32_t { kRoleSubmit = 1, kRoleAgent = 2, kRoleAdmin = 4 };

// "submit", "agent", "admin" -> the bit; INVALID_ARGUMENT naming the text otherwise.
absl::StatusOr<Role> ParseRole(const std::string& name);
// The role names in `roles`, comma-separated ("submit,admin").
std::string RoleNames(uint32_t roles);

struct TokenEntry {
  std::string name;
  uint32_t roles = 0;
  std::string sha256;  // 64 lowercase hex digits
  std::string group;   // "" = none; tokens of one group see each other's jobs
};

// Lowercase hex SHA-256 of `token` (OpenSSL).
std::string HashToken(const std::string& token);
// A fresh token: "ttc_" + 64 hex digits from 32 bytes of OpenSSL's CSPRNG.
std::string NewToken();

// Parses a token file. INVALID_ARGUMENT with `path:line:col: ...` for TOML syntax errors,
// unknown keys, a missing/duplicate name, an unknown role, a digest that is not 64 hex
// digits, an empty group, or two entries with the same digest; NOT_FOUND when the file
// cannot be read.
absl::StatusOr<std::vector<TokenEntry>> LoadTokenFile(const std::string& path);

// Appends one entry (name, roles, SHA-256 of `token`) to the token file, creating it with
// mode 0600 if missing, with `group` (its token group, "" = none) when given. The file is
// re-parsed first: INVALID_ARGUMENT when the name is taken or the name or group is not 1 to
// 128 of A-Z a-z 0-9 . _ @ -.
absl::Status AppendTokenEntry(const std::string& path, const std::string& name, uint32_t roles,
                              const std::string& token, const std::string& group = "");

// The caller of one RPC, as admitted by the Gate.
struct Principal {
  std::string name;        // the token's name; the peer's address when auth is off
  uint32_t roles = 0;      // all roles when auth is off
  bool authenticated = false;
  std::string group;       // the token's group; "" = none (and when auth is off)
};

// Job privacy: whether `who` may see a validation job (GetJob, WatchJob, ListJobs, the job id
// in ListDevices) submitted by the token `owner` while it was in `owner_group` (both as
// JobSpec records them). True when auth is off (`who` not authenticated: everyone sees
// everything), for the admin role, for the owner itself, and for a token whose group is not
// empty and equals `owner_group`. Membership is the caller's as the token file says now (a
// reload that takes a token out of a group ends its view at once) and the owner's as it was
// at submission. A job submitted while auth was off has no owner: only admin sees it.
bool MaySeeJob(const Principal& who, const std::string& owner, const std::string& owner_group);

// The job as a client (submit or admin role) is shown it: without its lease id, a secret of
// the agent that holds the lease (only the holder may report on it; docs/devices.md "Leases"),
// and with its kernel as JobSpec.request_wire bytes instead of JobSpec.request (a deep kernel
// would not parse in the client's gRPC).
v1::Job ShownToClients(v1::Job job);

// NOT_FOUND for a job id that does not exist or that `who` may not see: the same answer for
// both, so a token cannot learn which ids exist. `method` names the RPC in the message.
grpc::Status JobNotFound(const char* method, const std::string& job_id, const Principal& who);

class Gate {
 public:
  struct Options {
    // Empty + auth_enabled=false: every caller holds every role (loopback development).
    bool auth_enabled = false;
    std::vector<TokenEntry> tokens;
    // Requests per second per client (token name, or peer host when auth is off), token
    // bucket of `rate_burst` requests; 0 = unlimited.
    double rate_limit = 0;
    int rate_burst = 0;  // 0 = 2 * rate_limit (at least 1)
    // Streaming calls (WatchJob, ReadBlob, WriteBlob, DeviceFleet.Connect) a client may
    // hold open at once; 0 = unlimited. A client is its token; without tokens, its TLS client
    // certificate's identity, else its peer address. Agents' streams (DeviceFleet.Connect,
    // and every stream of an agent-only token) have a budget of their own, so clients cannot
    // lock agents out.
    int max_streams_per_client = 0;
    // Clock for the rate limiter (tests); null = steady_clock.
    std::function<std::chrono::steady_clock::time_point()> now;
  };
  explicit Gate(Options options);

  // Admits one call to `method` (full gRPC name, for messages) when its token holds any of
  // `roles` and the client is under its rate limit. Fills `who` when admitted.
  grpc::Status Admit(const grpc::ServerContextBase& ctx, const char* method, uint32_t roles, Principal* who);

  // Admits one HTTP request of the web view (daemon/web_view.h) carrying bearer token `token`
  // ("" = none): the Principal of the token, or of `peer` holding every role when auth is off.
  // UNAUTHENTICATED for a missing or unknown token, PERMISSION_DENIED when it holds none of
  // `roles`. Not rate limited: the pages are read-only and cheap.
  absl::StatusOr<Principal> AdmitHttp(const std::string& token, const std::string& peer, uint32_t roles);

  // A held stream slot; releases on destruction.
  class StreamSlot {
   public:
    StreamSlot() = default;
    StreamSlot(Gate* gate, std::string client) : gate_(gate), client_(std::move(client)) {}
    StreamSlot(StreamSlot&& o) noexcept : gate_(o.gate_), client_(std::move(o.client_)) { o.gate_ = nullptr; }
    StreamSlot& operator=(StreamSlot&& o) noexcept;
    ~StreamSlot();

   private:
    Gate* gate_ = nullptr;
    std::string client_;
  };
  // Admit for a streaming call, plus one of the client's stream slots (RESOURCE_EXHAUSTED
  // when all are taken). `slot` must be empty; the reactor keeps it until OnDone.
  grpc::Status AdmitStream(const grpc::ServerContextBase& ctx, const char* method, uint32_t roles, Principal* who,
                           StreamSlot* slot);

  // Replaces the token table (ttcd reloads the token file on SIGHUP).
  void Reload(std::vector<TokenEntry> tokens);

  bool auth_enabled() const { return options_.auth_enabled; }

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::chrono::steady_clock::time_point Now() const;
  void ReleaseStream(const std::string& client);

  Options options_;
  std::mutex mu_;
  std::shared_ptr<const std::map<std::string, TokenEntry>> by_digest_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> streams_ ABSL_GUARDED_BY(mu_);
};

// A streaming reactor that ends the call at once with `status` (a refused stream).
template <class Reactor>
class RefusedStream final : public Reactor {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_AUTH_H_
