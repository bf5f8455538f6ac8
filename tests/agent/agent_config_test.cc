// ttc-agent's settings (agent/agent_config.h): agent.toml's keys and errors with line:col,
// the precedence of flags over the environment over the file, the labels, the printed
// settings, and the example deploy/agent.toml.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/agent_config.h"
#include "tests/cache/temp_dir.h"

namespace ttc::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AgentConfigTest : public ::testing::Test {
 protected:
  AgentConfigTest() {
    for (const char* name : {"TTC_SERVER", "TTC_TOKEN", "TTC_TOKEN_FILE", "XDG_CACHE_HOME"}) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(name);
    }
  }
  ~AgentConfigTest() override {
    for (const auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path) << text;
    return path;
  }
  std::string Config(const std::string& text) { return Write("agent.toml", text); }

  testing::TempDir dir_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(AgentConfigTest, EveryKeyReplacesItsDefault) {
  auto c = LoadAgentConfigFile(Config(R"(server = "ttcd.lab:7878"
backend = "metalium"
arch = "blackhole"
devices = 4
labels = "rack=r1,board=p150"
work_dir = "scratch"
host_id = "tt-host-7"
drain_seconds = 120
health_check_every = 0
tls_ca = "/etc/ttc/tls/ca.pem"
tls_cert = "tls/agent.pem"
tls_key = "tls/agent.key"
tls = true
token_file = "agent.token"
)"),
                               AgentConfig());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "ttcd.lab:7878");
  EXPECT_EQ(c->backend, "metalium");
  EXPECT_EQ(c->arch, "blackhole");
  EXPECT_EQ(c->devices, 4);
  EXPECT_EQ(c->labels, "rack=r1,board=p150");
  EXPECT_EQ(c->work_dir, dir_.Sub("scratch"));  // relative paths: from the file's directory
  EXPECT_EQ(c->host_id, "tt-host-7");
  EXPECT_EQ(c->drain_seconds, 120);
  EXPECT_EQ(c->health_check_every, 0);
  EXPECT_EQ(c->tls_ca, "/etc/ttc/tls/ca.pem");
  EXPECT_EQ(c->tls_cert, dir_.Sub("tls/agent.pem"));
  EXPECT_EQ(c->tls_key, dir_.Sub("tls/agent.key"));
  EXPECT_TRUE(c->tls);
  EXPECT_EQ(c->token_file, dir_.Sub("agent.token"));

  auto partial = LoadAgentConfigFile(Config("devices = 3\n"), AgentConfig());
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->devices, 3);
  EXPECT_EQ(partial->backend, AgentConfig().backend);
  EXPECT_EQ(partial->drain_seconds, AgentConfig().drain_seconds);
}

TEST_F(AgentConfigTest, ErrorsNameTheKeyAndItsLineAndColumn) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"devices = 2\ndrain_secs = 5\n", "agent.toml:2:1: key 'drain_secs': unknown key (known: server, backend, arch, "
                                        "devices, labels, work_dir, host_id, drain_seconds, health_check_every, "
                                        "job_memory_mib, job_cpu_seconds, job_output_mib, tls_ca, tls_cert, tls_key, "
                                        "tls, local_builds, token_file)"},
      {"devices = \"2\"\n", "agent.toml:1:11: key 'devices': expected an integer"},
      {"\ndevices = 65\n", "agent.toml:2:11: key 'devices': must be in [1, 64], got 65"},
      {"drain_seconds = -1\n", "agent.toml:1:17: key 'drain_seconds': must be in [0, 3600], got -1"},
      {"tls = 1\n", "agent.toml:1:7: key 'tls': expected true or false"},
      {"server = 7878\n", "agent.toml:1:10: key 'server': expected a string"},
      {"backend = \"cuda\"\n", "agent.toml:1:11: key 'backend': unknown backend 'cuda' (emulator, metalium)"},
      {"arch = \"h100\"\n", "agent.toml:1:8: key 'arch': unknown arch 'h100' (wormhole_b0, blackhole, grayskull)"},
      {"labels = \"rack\"\n", "agent.toml:1:10: key 'labels': label 'rack': expected KEY=VALUE"},
      {"devices = 2\nserver = \"a:1\n", "agent.toml:2:"},  // TOML syntax: an unterminated string
  };
  for (const auto& c : cases) {
    auto config = LoadAgentConfigFile(Config(c.text), AgentConfig());
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(config.status().message()), HasSubstr(dir_.Sub(c.message))) << c.text;
  }
  auto missing = LoadAgentConfigFile(dir_.Sub("absent.toml"), AgentConfig());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr(dir_.Sub("absent.toml")));
}

TEST_F(AgentConfigTest, FlagsBeatTheEnvironmentWhichBeatsTheFile) {
  Write("file.token", "file-token\n");
  Write("flag.token", "flag-token\n");
  const std::string path =
      Config("server = \"file:1\"\ndevices = 3\ndrain_seconds = 10\ntoken_file = \"file.token\"\n");
  AgentConfig flags;
  flags.devices = 5;  // not given: the file's value stays
  flags.drain_seconds = 7;

  auto c = ResolveAgentConfig(flags, {"drain_seconds"}, path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "file:1");
  EXPECT_EQ(c->devices, 3);
  EXPECT_EQ(c->drain_seconds, 7);
  EXPECT_EQ(c->token, "file-token");
  EXPECT_EQ(c->token_source, "token_file in " + path);

  setenv("TTC_SERVER", "env:2", 1);
  setenv("TTC_TOKEN", "env-token", 1);
  c = ResolveAgentConfig(flags, {}, path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "env:2");
  EXPECT_EQ(c->token, "env-token");
  EXPECT_EQ(c->token_source, "TTC_TOKEN");

  flags.server = "flag:3";
  flags.token_file = dir_.Sub("flag.token");
  c = ResolveAgentConfig(flags, {"server", "token_file", "devices"}, path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "flag:3");
  EXPECT_EQ(c->devices, 5);
  EXPECT_EQ(c->token, "flag-token");
  EXPECT_EQ(c->token_source, "--token-file " + dir_.Sub("flag.token"));
}

TEST_F(AgentConfigTest, DefaultsWithoutAFile) {
  setenv("XDG_CACHE_HOME", dir_.Sub("cache").c_str(), 1);
  auto c = ResolveAgentConfig(AgentConfig(), {}, "");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server, "127.0.0.1:7878");
  EXPECT_EQ(c->backend, "emulator");
  EXPECT_EQ(c->devices, 1);
  EXPECT_EQ(c->work_dir, dir_.Sub("cache") + "/ttc/agent");
  EXPECT_FALSE(c->host_id.empty());
  EXPECT_EQ(c->token, "");
  EXPECT_EQ(c->token_source, "");
}

TEST_F(AgentConfigTest, BadFlagValuesNameTheFlag) {
  AgentConfig flags;
  flags.devices = 0;
  EXPECT_THAT(std::string(ResolveAgentConfig(flags, {"devices"}, "").status().message()),
              HasSubstr("--devices: must be in [1, 64], got 0"));
  flags = AgentConfig();
  flags.health_check_every = -2;
  EXPECT_THAT(std::string(ResolveAgentConfig(flags, {"health_check_every"}, "").status().message()),
              HasSubstr("--health-check-every: must be in [0, 1000000], got -2"));
  flags = AgentConfig();
  flags.labels = "rack=r1,=x";
  EXPECT_THAT(std::string(ResolveAgentConfig(flags, {"labels"}, "").status().message()),
              HasSubstr("--labels: label '=x': expected KEY=VALUE"));
  flags = AgentConfig();
  flags.token_file = dir_.Sub("absent.token");
  EXPECT_THAT(std::string(ResolveAgentConfig(flags, {"token_file"}, "").status().message()),
              HasSubstr("token file " + dir_.Sub("absent.token") + ": cannot read it"));
  EXPECT_THAT(std::string(ResolveAgentConfig(AgentConfig(), {"colour"}, "").status().message()),
              HasSubstr("--colour: not an agent setting"));
}

TEST(ParseLabels, KeyValuePairs) {
  auto labels = ParseLabels("rack=r1,board=n300,,note=a=b");
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(*labels, (std::map<std::string, std::string>{{"board", "n300"}, {"note", "a=b"}, {"rack", "r1"}}));
  EXPECT_TRUE(ParseLabels("")->empty());
  EXPECT_THAT(std::string(ParseLabels("rack").status().message()), HasSubstr("label 'rack': expected KEY=VALUE"));
  EXPECT_THAT(std::string(ParseLabels("rack=a,rack=b").status().message()), HasSubstr("'rack' is given twice"));
}

TEST_F(AgentConfigTest, ThePrintedSettingsReadBackAsTheSameConfig) {
  Write("agent.token", "secret-token\n");
  auto c = ResolveAgentConfig(AgentConfig(), {},
                              Config("server = \"ttcd.lab:7878\"\nlabels = \"rack=\\\"r1\\\"\"\ndevices = 2\n"
                                     "work_dir = \"/var/lib/ttc-agent\"\nhost_id = \"h\"\ntls = true\n"
                                     "token_file = \"agent.token\"\n"));
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string text = FormatAgentConfig(*c);
  EXPECT_THAT(text, Not(HasSubstr("secret-token")));
  EXPECT_THAT(text, HasSubstr("# token: from token_file in " + dir_.Sub("agent.toml") + " (not printed)\n"));
  EXPECT_THAT(text, HasSubstr("# connection: TLS\n"));
  auto back = LoadAgentConfigFile(Write("printed.toml", text), AgentConfig());
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << text;
  EXPECT_EQ(back->server, c->server);
  EXPECT_EQ(back->labels, "rack=\"r1\"");
  EXPECT_EQ(back->devices, 2);
  EXPECT_EQ(back->work_dir, c->work_dir);
  EXPECT_EQ(back->host_id, "h");
  EXPECT_TRUE(back->tls);
  EXPECT_EQ(back->token_file, dir_.Sub("agent.token"));
  EXPECT_EQ(FormatAgentConfig(*back).substr(0, text.find("# connection")), text.substr(0, text.find("# connection")));
}

// deploy/agent.toml, the example the package installs: it parses, and it documents every key.
TEST_F(AgentConfigTest, TheDeployExampleParsesAndShowsEveryKey) {
  const std::string path = std::string(TTC_SOURCE_DIR) + "/deploy/agent.toml";
  auto c = LoadAgentConfigFile(path, AgentConfig());
  ASSERT_TRUE(c.ok()) << c.status();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::istringstream printed(FormatAgentConfig(AgentConfig()));
  for (std::string line; std::getline(printed, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::string key = line.substr(0, line.find(' '));
    EXPECT_TRUE(text.str().find("\n" + key + " = ") != std::string::npos ||
                text.str().find("\n# " + key + " = ") != std::string::npos)
        << "deploy/agent.toml does not show " << key;
  }
}

}  // namespace
}  // namespace ttc::agent
