#include "agent/agent_config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <toml++/toml.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "remote/remote.h"
#include "common/toml_file.h"
#include "ir/target.h"

namespace ttc::agent {
namespace {

// One setting: its agent.toml key (the flag is --key with '-' for '_'), the field it sets and
// its bounds. Exactly one of text, number, flag is set.
struct Key {
  const char* name;
  std::string AgentConfig::*text = nullptr;
  bool path = false;  // relative to the config file's directory
  int AgentConfig::*number = nullptr;
  int lo = 0;
  int hi = 0;
  bool AgentConfig::*flag = nullptr;
};

const Key kKeys[] = {
    {"server", &AgentConfig::server},
    {"backend", &AgentConfig::backend},
    {"arch", &AgentConfig::arch},
    {"devices", nullptr, false, &AgentConfig::devices, 1, 64},
    {"labels", &AgentConfig::labels},
    {"work_dir", &AgentConfig::work_dir, true},
    {"host_id", &AgentConfig::host_id},
    {"drain_seconds", nullptr, false, &AgentConfig::drain_seconds, 0, 3600},
    {"health_check_every", nullptr, false, &AgentConfig::health_check_every, 0, 1'000'000},
    {"job_memory_mib", nullptr, false, &AgentConfig::job_memory_mib, 256, 1 << 24},
    {"job_cpu_seconds", nullptr, false, &AgentConfig::job_cpu_seconds, 1, 7 * 86400},
    {"job_output_mib", nullptr, false, &AgentConfig::job_output_mib, 1, 1 << 24},
    {"tls_ca", &AgentConfig::tls_ca, true},
    {"tls_cert", &AgentConfig::tls_cert, true},
    {"tls_key", &AgentConfig::tls_key, true},
    {"tls", nullptr, false, nullptr, 0, 0, &AgentConfig::tls},
    {"local_builds", nullptr, false, nullptr, 0, 0, &AgentConfig::local_builds},
    {"token_file", &AgentConfig::token_file, true},
};

const Key* FindKey(const std::string& name) {
  for (const Key& k : kKeys) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string KeyNames() {
  std::vector<std::string> names;
  for (const Key& k : kKeys) names.push_back(k.name);
  return absl::StrJoin(names, ", ");
}

std::string FlagName(const std::string& key) { return "--" + absl::StrReplaceAll(key, {{"_", "-"}}); }

// The checks beyond the type: ranges, the backend and arch names, the labels' syntax.
absl::Status CheckValue(const Key& k, const AgentConfig& c) {
  const std::string name = k.name;
  if (k.number && (c.*k.number < k.lo || c.*k.number > k.hi)) {
    return absl::InvalidArgumentError(absl::StrCat("must be in [", k.lo, ", ", k.hi, "], got ", c.*k.number));
  }
  if (name == "backend" && c.backend != "emulator" && c.backend != "metalium") {
    return absl::InvalidArgumentError(absl::StrCat("unknown backend '", c.backend, "' (emulator, metalium)"));
  }
  if (name == "arch") {
    const std::vector<std::string> presets = ir::TargetPresetNames();
    if (std::find(presets.begin(), presets.end(), c.arch) == presets.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown arch '", c.arch, "' (", absl::StrJoin(presets, ", "), ")"));
    }
  }
  if (name == "labels") return ParseLabels(c.labels).status();
  return absl::OkStatus();
}

// A TOML basic string ("...", escaped): literal strings ('...') read as unusual.
std::string Quoted(const std::string& s) {
  std::ostringstream out;
  const toml::value<std::string> value(s);
  out << toml::toml_formatter(value, toml::toml_formatter::default_flags & ~toml::format_flags::allow_literal_strings);
  return out.str();
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseLabels(const std::string& text) {
  std::map<std::string, std::string> labels;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("label '", item, "': expected KEY=VALUE"));
    }
    const std::string key(item.substr(0, eq));
    if (!labels.emplace(key, std::string(item.substr(eq + 1))).second) {
      return absl::InvalidArgumentError(absl::StrCat("label '", key, "' is given twice"));
    }
  }
  return labels;
}

absl::StatusOr<AgentConfig> LoadAgentConfigFile(const std::string& path, AgentConfig base) {
  auto parsed = ParseTomlFile(path, "config file");
  if (!parsed.ok()) return parsed.status();
  toml::table table = std::move(*parsed);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  AgentConfig c = std::move(base);
  for (auto&& [key, node] : table) {
    const std::string name(key.str());
    auto bad = [&](const std::string& what) {
      return absl::InvalidArgumentError(absl::StrCat(TomlWhere(path, node.source()), ": key '", name, "': ", what));
    };
    const Key* k = FindKey(name);
    if (!k) {
      return absl::InvalidArgumentError(
          absl::StrCat(TomlWhere(path, key.source()), ": key '", name, "': unknown key (known: ", KeyNames(), ")"));
    }
    if (k->text) {
      if (!node.is_string()) return bad("expected a string");
      std::string value = *node.value<std::string>();
      if (k->path && !value.empty()) value = (dir / value).string();  // an absolute value stays as it is
      c.*k->text = std::move(value);
    } else if (k->number) {
      if (!node.is_integer()) return bad("expected an integer");
      const int64_t v = *node.value<int64_t>();
      if (v < k->lo || v > k->hi) return bad(absl::StrCat("must be in [", k->lo, ", ", k->hi, "], got ", v));
      c.*k->number = static_cast<int>(v);
    } else {
      if (!node.is_boolean()) return bad("expected true or false");
      c.*k->flag = *node.value<bool>();
    }
    if (auto st = CheckValue(*k, c); !st.ok()) return bad(std::string(st.message()));
  }
  return c;
}

absl::StatusOr<AgentConfig> ResolveAgentConfig(const AgentConfig& flags, const std::set<std::string>& given,
                                               const std::string& config_path) {
  AgentConfig c;
  if (!config_path.empty()) {
    auto file = LoadAgentConfigFile(config_path, c);
    if (!file.ok()) return file.status();
    c = *std::move(file);
  }
  const std::string file_token_file = c.token_file;
  if (const char* env = std::getenv("TTC_SERVER"); env && *env) c.server = env;
  for (const std::string& name : given) {
    const Key* k = FindKey(name);
    if (!k) return absl::InvalidArgumentError(absl::StrCat(FlagName(name), ": not an agent setting"));
    if (k->text) c.*k->text = flags.*k->text;
    if (k->number) c.*k->number = flags.*k->number;
    if (k->flag) c.*k->flag = flags.*k->flag;
    if (auto st = CheckValue(*k, c); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(FlagName(name), ": ", st.message()));
    }
  }
  if (c.server.empty()) c.server = remote::kDefaultServer;
  if (c.host_id.empty()) {
    char name[256] = {0};
    gethostname(name, sizeof(name) - 1);
    c.host_id = name;
  }
  if (c.work_dir.empty()) {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    c.work_dir = (xdg && *xdg)    ? std::string(xdg) + "/ttc/agent"
                 : (home && *home) ? std::string(home) + "/.cache/ttc/agent"
                                   : "/tmp/ttc-agent";
  }
  auto token = remote::ResolveToken(given.count("token_file") ? flags.token_file : "", file_token_file, config_path);
  if (!token.ok()) return token.status();
  c.token = token->value;
  c.token_source = token->source;
  return c;
}

std::string FormatAgentConfig(const AgentConfig& c) {
  std::string out;
  for (const Key& k : kKeys) {
    std::string value;
    if (k.text) value = Quoted(c.*k.text);
    if (k.number) value = std::to_string(c.*k.number);
    if (k.flag) value = c.*k.flag ? "true" : "false";
    absl::StrAppend(&out, k.name, " = ", value, "\n");
  }
  remote::ChannelOptions channel{c.tls_ca, c.tls_cert, c.tls_key, c.tls, c.token};
  absl::StrAppend(&out, "# connection: ",
                  remote::UsesTls(c.server, channel) ? "TLS"
                                                     : "plaintext (loopback server, no TLS setting)",
                  "\n# token: ",
                  c.token_source.empty() ? "none" : absl::StrCat("from ", c.token_source, " (not printed)"),
                  "\n");
  return out;
}

}  // namespace ttc::agent
