#include "daemon/auth.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <openssl/rand.h>
#include <toml++/toml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/sha256.h"
#include "common/toml_file.h"

namespace ttc::daemon {
namespace {

bool IsHexDigest(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The client key for limits: the token's name, or the peer's host (without the port, so
// several connections from one host share a budget) when auth is off.
std::string PeerHost(const grpc::ServerContextBase& ctx) {
  std::string peer = ctx.peer();  // "ipv4:127.0.0.1:5555", "ipv6:[::1]:5555", "unix:..."
  if (absl::StartsWith(peer, "ipv4:") || absl::StartsWith(peer, "ipv6:")) {
    const size_t colon = peer.rfind(':');
    if (colon != std::string::npos && colon > 5) peer.resize(colon);
  }
  return peer;
}

}  // namespace

absl::StatusOr<Role> ParseRole(const std::string& name) {
  if (name == "submit") return kRoleSubmit;
  if (name == "agent") return kRoleAgent;
  if (name == "admin") return kRoleAdmin;
  return absl::InvalidArgumentError(absl::StrCat("unknown role '", name, "' (submit, agent, admin)"));
}

std::string RoleNames(uint32_t roles) {
  std::vector<std::string> names;
  if (roles & kRoleSubmit) names.push_back("submit");
  if (roles & kRoleAgent) names.push_back("agent");
  if (roles & kRoleAdmin) names.push_back("admin");
  return absl::StrJoin(names, ",");
}

std::string HashToken(const std::string& token) {
  return Sha256Hex(token);
}

std::string NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // OpenSSL's CSPRNG only fails when it cannot be seeded; no token is better than a weak one.
    std::fprintf(stderr, "ttcd: fatal: OpenSSL RAND_bytes failed\n");
    std::abort();
  }
  return absl::StrCat("ttc_", absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), 32)));
}

absl::StatusOr<std::vector<TokenEntry>> LoadTokenFile(const std::string& path) {
  auto parsed = ParseTomlFile(path, "token file");
  if (!parsed.ok()) return parsed.status();
  toml::table table = std::move(*parsed);
  std::vector<TokenEntry> out;
  std::set<std::string> names, digests;
  for (auto&& [key, node] : table) {
    if (key.str() != "token") {
      return absl::InvalidArgumentError(absl::StrCat(TomlWhere(path, node.source()), ": unknown key '", std::string(key.str()),
                                                     "' (a token file holds [[token]] entries)"));
    }
    const toml::array* entries = node.as_array();
    if (entries == nullptr || !entries->is_array_of_tables()) {
      return absl::InvalidArgumentError(
          absl::StrCat(TomlWhere(path, node.source()), ": 'token' must be an array of tables ([[token]])"));
    }
    for (const toml::node& entry_node : *entries) {
      const toml::table& entry = *entry_node.as_table();
      const std::string at = TomlWhere(path, entry.source());
      TokenEntry t;
      bool has_roles = false;
      for (auto&& [k, v] : entry) {
        const std::string name(k.str());
        const std::string where = TomlWhere(path, v.source());
        auto bad = [&](const std::string& what) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": key '", name, "': ", what));
        };
        if (name == "name") {
          if (!v.is_string() || v.value<std::string>()->empty()) return bad("expected a non-empty string");
          t.name = *v.value<std::string>();
        } else if (name == "sha256") {
          if (!v.is_string() || !IsHexDigest(*v.value<std::string>())) {
            return bad("expected the token's SHA-256 as 64 lowercase hex digits");
          }
          t.sha256 = *v.value<std::string>();
        } else if (name == "roles") {
          const toml::array* roles = v.as_array();
          if (roles == nullptr || roles->empty()) return bad("expected a non-empty array of roles");
          for (const toml::node& r : *roles) {
            if (!r.is_string()) return bad("roles are strings: \"submit\", \"agent\", \"admin\"");
            auto role = ParseRole(*r.value<std::string>());
            if (!role.ok()) {
              return absl::InvalidArgumentError(
                  absl::StrCat(TomlWhere(path, r.source()), ": key 'roles': ", role.status().message()));
            }
            t.roles |= *role;
          }
          has_roles = true;
        } else if (name == "group") {
          if (!v.is_string() || v.value<std::string>()->empty()) return bad("expected a non-empty string");
          t.group = *v.value<std::string>();
        } else {
          return bad("unknown key (known: name, roles, sha256, group)");
        }
      }
      if (t.name.empty()) return absl::InvalidArgumentError(absl::StrCat(at, ": [[token]] without a name"));
      if (!has_roles) return absl::InvalidArgumentError(absl::StrCat(at, ": token '", t.name, "' has no roles"));
      if (t.sha256.empty()) return absl::InvalidArgumentError(absl::StrCat(at, ": token '", t.name, "' has no sha256"));
      if (!names.insert(t.name).second) {
        return absl::InvalidArgumentError(absl::StrCat(at, ": token name '", t.name, "' is used twice"));
      }
      if (!digests.insert(t.sha256).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ": token '", t.name, "' has the same sha256 as an earlier entry"));
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

namespace {
bool IsTokenWord(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '@' || c == '-';
  });
}
}  // namespace

absl::Status AppendTokenEntry(const std::string& path, const std::string& name, uint32_t roles,
                              const std::string& token, const std::string& group) {
  if (!IsTokenWord(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("token name '", name, "': use 1 to 128 of A-Z a-z 0-9 . _ @ - (an agent's token is named "
                     "after its host id)"));
  }
  if (!group.empty() && !IsTokenWord(group)) {
    return absl::InvalidArgumentError(absl::StrCat("token group '", group, "': use 1 to 128 of A-Z a-z 0-9 . _ @ -"));
  }
  if (roles == 0) return absl::InvalidArgumentError("a token needs at least one role");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open for writing"));
  // One `token add` at a time: the name check and the append happen under the lock.
  ::flock(fd, LOCK_EX);
  auto done = [fd](absl::Status st) {
    ::flock(fd, LOCK_UN);
    ::close(fd);
    return st;
  };
  struct stat info;
  if (::fstat(fd, &info) == 0 && info.st_size > 0) {
    auto existing = LoadTokenFile(path);
    if (!existing.ok()) return done(existing.status());
    for (const TokenEntry& e : *existing) {
      if (e.name == name) {
        return done(absl::InvalidArgumentError(absl::StrCat(path, ": token name '", name, "' exists")));
      }
    }
  }
  std::vector<std::string> role_list;
  for (uint32_t bit : {kRoleSubmit, kRoleAgent, kRoleAdmin}) {
    if (roles & bit) role_list.push_back(absl::StrCat("\"", RoleNames(bit), "\""));
  }
  const std::string text = absl::StrCat("\n[[token]]\nname = \"", name, "\"\nroles = [", absl::StrJoin(role_list, ", "),
                                        "]\nsha256 = \"", HashToken(token), "\"\n",
                                        group.empty() ? "" : absl::StrCat("group = \"", group, "\"\n"));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  if (!ok) return done(absl::InternalError(absl::StrCat(path, ": write failed")));
  return done(absl::OkStatus());
}

bool MaySeeJob(const Principal& who, const std::string& owner, const std::string& owner_group) {
  if (!who.authenticated || (who.roles & kRoleAdmin)) return true;
  if (!owner.empty() && owner == who.name) return true;
  return !who.group.empty() && who.group == owner_group;
}

v1::Job ShownToClients(v1::Job job) {
  if (job.has_lease()) job.mutable_lease()->clear_lease_id();
  if (job.has_previous_lease()) job.mutable_previous_lease()->clear_lease_id();
  // The kernel as wire bytes: gRPC would parse a deep one with protobuf's nesting limit of
  // 100 in the client (JobSpec.request_wire).
  if (job.spec().has_request()) {
    job.mutable_spec()->set_request_wire(job.spec().request().SerializeAsString());
    job.mutable_spec()->clear_request();
  }
  return job;
}

grpc::Status JobNotFound(const char* method, const std::string& job_id, const Principal& who) {
  std::string message = absl::StrCat(method, ": no job ", job_id);
  if (who.authenticated && !(who.roles & kRoleAdmin)) {
    absl::StrAppend(&message, " visible to token '", who.name,
                    "' (a submit token sees its own jobs and those of its token group; admin sees all)");
  }
  return grpc::Status(grpc::StatusCode::NOT_FOUND, message);
}

Gate::StreamSlot& Gate::StreamSlot::operator=(StreamSlot&& o) noexcept {
  if (this != &o) {
    if (gate_ != nullptr) gate_->ReleaseStream(client_);
    gate_ = o.gate_;
    client_ = std::move(o.client_);
    o.gate_ = nullptr;
  }
  return *this;
}

Gate::StreamSlot::~StreamSlot() {
  if (gate_ != nullptr) gate_->ReleaseStream(client_);
}

Gate::Gate(Options options) : options_(std::move(options)) {
  Reload(options_.tokens);
  options_.tokens.clear();
}

void Gate::Reload(std::vector<TokenEntry> tokens) {
  auto table = std::make_shared<std::map<std::string, TokenEntry>>();
  for (TokenEntry& t : tokens) table->emplace(t.sha256, std::move(t));
  std::lock_guard<std::mutex> lock(mu_);
  by_digest_ = std::move(table);
}

std::chrono::steady_clock::time_point Gate::Now() const {
  return options_.now ? options_.now() : std::chrono::steady_clock::now();
}

grpc::Status Gate::Admit(const grpc::ServerContextBase& ctx, const char* method, uint32_t roles, Principal* who) {
  Principal p;
  if (!options_.auth_enabled) {
    p.name = PeerHost(ctx);
    p.roles = kRoleSubmit | kRoleAgent | kRoleAdmin;
  } else {
    const auto& md = ctx.client_metadata();
    auto it = md.find("authorization");
    if (it == md.end()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          absl::StrCat(method, ": no bearer token (send metadata 'authorization: Bearer TOKEN')"));
    }
    const std::string value(it->second.data(), it->second.size());
    constexpr char kPrefix[] = "Bearer ";
    if (!absl::StartsWithIgnoreCase(value, kPrefix) || value.size() <= sizeof(kPrefix) - 1) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          absl::StrCat(method, ": the authorization metadata is not 'Bearer TOKEN'"));
    }
    const std::string digest = HashToken(std::string(absl::StripAsciiWhitespace(value.substr(sizeof(kPrefix) - 1))));
    std::shared_ptr<const std::map<std::string, TokenEntry>> table;
    {
      std::lock_guard<std::mutex> lock(mu_);
      table = by_digest_;
    }
    auto entry = table->find(digest);
    if (entry == table->end()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, absl::StrCat(method, ": unknown token"));
    }
    p.name = entry->second.name;
    p.roles = entry->second.roles;
    p.group = entry->second.group;
    p.authenticated = true;
    if ((p.roles & roles) == 0) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          absl::StrCat(method, ": token '", p.name, "' has roles [", RoleNames(p.roles), "], needs ",
                                       roles == (kRoleSubmit | kRoleAgent | kRoleAdmin) ? "any role"
                                                                                        : RoleNames(roles)));
    }
  }
  if (options_.rate_limit > 0) {
    const double burst =
        options_.rate_burst > 0 ? options_.rate_burst : std::max(1.0, 2 * options_.rate_limit);
    const auto now = Now();
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = buckets_.try_emplace(p.name);
    Bucket& b = it->second;
    if (fresh) {
      b.tokens = burst;
    } else {
      const double elapsed = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(burst, b.tokens + std::max(0.0, elapsed) * options_.rate_limit);
    }
    b.last = now;
    if (b.tokens < 1) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat(method, ": rate limit: client '", p.name, "' is over ", options_.rate_limit,
                                       " requests/s (burst ", burst, "); retry later"));
    }
    b.tokens -= 1;
  }
  if (who != nullptr) *who = std::move(p);
  return grpc::Status::OK;
}

absl::StatusOr<Principal> Gate::AdmitHttp(const std::string& token, const std::string& peer, uint32_t roles) {
  Principal p;
  if (!options_.auth_enabled) {
    p.name = peer;
    p.roles = kRoleSubmit | kRoleAgent | kRoleAdmin;
    return p;
  }
  if (token.empty()) {
    return absl::UnauthenticatedError("no token: send 'Authorization: Bearer TOKEN' or the cookie ttc_token");
  }
  std::shared_ptr<const std::map<std::string, TokenEntry>> table;
  {
    std::lock_guard<std::mutex> lock(mu_);
    table = by_digest_;
  }
  auto entry = table->find(HashToken(token));
  if (entry == table->end()) return absl::UnauthenticatedError("unknown token");
  p.name = entry->second.name;
  p.roles = entry->second.roles;
  p.group = entry->second.group;
  p.authenticated = true;
  if ((p.roles & roles) == 0) {
    return absl::PermissionDeniedError(absl::StrCat("token '", p.name, "' has roles [", RoleNames(p.roles),
                                                    "], needs ", RoleNames(roles)));
  }
  return p;
}

grpc::Status Gate::AdmitStream(const grpc::ServerContextBase& ctx, const char* method, uint32_t roles,
                               Principal* who, StreamSlot* slot) {
  Principal p;
  grpc::Status st = Admit(ctx, method, roles, &p);
  if (!st.ok()) return st;
  if (options_.max_streams_per_client > 0) {
    // Who the limit counts: the token; without one the client certificate's identity; else
    // the peer's address. An agent's fleet stream (and, with tokens, every stream of an
    // agent-only token) counts apart, so clients can never lock agents out.
    std::string client = p.name;
    if (!p.authenticated) {
      const auto auth = ctx.auth_context();
      const std::vector<grpc::string_ref> cert = auth ? auth->GetPeerIdentity() : std::vector<grpc::string_ref>{};
      if (!cert.empty()) client = absl::StrCat("certificate ", std::string(cert.front().data(), cert.front().size()));
    }
    const bool agent = std::string_view(method) == "/ttc.v1.DeviceFleet/Connect" ||
                       (p.authenticated && (p.roles & kRoleAgent) != 0 && (p.roles & kRoleSubmit) == 0);
    const std::string key = agent ? "agent " + client : client;
    std::lock_guard<std::mutex> lock(mu_);
    int& open = streams_[key];
    if (open >= options_.max_streams_per_client) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat(method, ": ", agent ? "agent" : "client", " '", client, "' already has ", open,
                                       " streams open (max_streams_per_client = ", options_.max_streams_per_client,
                                       ")"));
    }
    ++open;
    *slot = StreamSlot(this, key);
  }
  if (who != nullptr) *who = std::move(p);
  return grpc::Status::OK;
}

void Gate::ReleaseStream(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(client);
  if (it == streams_.end()) return;
  if (--it->second <= 0) streams_.erase(it);
}

}  // namespace ttc::daemon
