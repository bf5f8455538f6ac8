// ttc-agent's settings: the defaults, agent.toml (--config FILE), the environment and the
// command line, resolved into one AgentConfig. deploy/agent.toml is the commented example:
//
//   server = "ttcd.lab:7878"          # ttcd's HOST:PORT
//   backend = "emulator"              # emulator or metalium
//   arch = "wormhole_b0"              # a target preset (wormhole_b0, blackhole, grayskull)
//   devices = 2                       # 1..64
//   labels = "rack=r1,board=n300"     # k=v,... (jobs can require them)
//   work_dir = "/var/lib/ttc-agent"   # blob cache and scratch
//   host_id = "tt-host-7"             # stable across restarts
//   drain_seconds = 60                # 0..3600
//   health_check_every = 20           # 0..1000000
//   job_memory_mib = 8192             # each job's process: address space, 256..2^24 MiB
//   job_cpu_seconds = 3600            #   CPU time, 1..604800 s
//   job_output_mib = 1024             #   largest file it may write, 1..2^24 MiB
//   local_builds = false              # true: never share host/kernel builds with the fleet
//   tls_ca = "/etc/ttc/tls/ca.pem"    # TLS and token: remote/remote.h (ChannelOptions)
//   tls_cert = ""
//   tls_key = ""
//   tls = false
//   token_file = "/etc/ttc/agent.token"
//
// Relative paths (work_dir, tls_ca, tls_cert, tls_key, token_file) are relative to the file's
// directory. Unknown keys, values of the wrong type or out of range, an unknown backend or
// arch and malformed labels are errors naming the key and its `path:line:col`.
// Thread-safety: plain values; the functions read the file and the environment only.
#ifndef TTC_AGENT_AGENT_CONFIG_H_
#define TTC_AGENT_AGENT_CONFIG_H_

#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace ttc::agent {

struct AgentConfig {
  std::string server;  // "" until resolved: $TTC_SERVER, else remote::kDefaultServer
  std::string backend = "emulator";
  std::string arch = "wormhole_b0";
  int devices = 1;
  std::string labels;    // "k=v,..." (ParseLabels)
  std::string work_dir;  // "" until resolved: $XDG_CACHE_HOME/ttc/agent, ~/.cache/ttc/agent, /tmp/ttc-agent
  std::string host_id;   // "" until resolved: the host name
  int drain_seconds = 60;
  int health_check_every = 20;
  // Limits of each job's process (agent/job_process.h JobLimits; docs/devices.md "Job
  // isolation").
  int job_memory_mib = 8192;
  int job_cpu_seconds = 3600;
  int job_output_mib = 1024;
  // Build every host program and kernel here, never looking them up in or uploading them to
  // ttcd's build cache (docs/devices.md "Shared builds").
  bool local_builds = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  bool tls = false;
  std::string token_file;
  // Filled by ResolveAgentConfig (remote::ResolveToken): the token and where it came from.
  std::string token;
  std::string token_source;
};

// Reads agent.toml at `path`: each key present replaces `base`'s field of the same name.
// Errors: NOT_FOUND when the file cannot be read; INVALID_ARGUMENT `path:line:col: key 'k':
// ...` for TOML syntax errors, unknown keys, wrong types, values out of range, an unknown
// backend or arch, malformed labels.
absl::StatusOr<AgentConfig> LoadAgentConfigFile(const std::string& path, AgentConfig base);

// The effective settings, the first that is set winning: the command line (`flags`, only the
// keys named in `given`, e.g. "server", "drain_seconds"), the environment ($TTC_SERVER;
// $TTC_TOKEN, $TTC_TOKEN_FILE), the file `config_path` ("" = none), the defaults. Then the
// values flags may set are checked (backend, arch, labels, ranges) and the token is read.
// Errors: those of LoadAgentConfigFile and remote::ResolveToken; INVALID_ARGUMENT naming the
// flag for a bad flag value, or a `given` name that is not a key.
absl::StatusOr<AgentConfig> ResolveAgentConfig(const AgentConfig& flags, const std::set<std::string>& given,
                                               const std::string& config_path);

// "rack=r1,board=n300" -> {board: n300, rack: r1}. INVALID_ARGUMENT for an item without '='
// or with an empty key, or a key given twice.
absl::StatusOr<std::map<std::string, std::string>> ParseLabels(const std::string& text);

// The settings as agent.toml text, every key (the token itself is never printed: a comment
// says where it came from).
std::string FormatAgentConfig(const AgentConfig& c);

}  // namespace ttc::agent

#endif  // TTC_AGENT_AGENT_CONFIG_H_
