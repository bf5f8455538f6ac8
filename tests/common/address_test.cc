// common/address.h: the loopback rule shared by ttc-client, ttc-agent (whether a token may
// travel in clear) and ttcd (whether a plaintext listener is allowed).
#include "common/address.h"

#include <gtest/gtest.h>

namespace ttc {
namespace {

TEST(IsLoopbackAddress, OnlyLoopbackHostsAreLoopback) {
  const struct {
    const char* address;
    bool loopback;
  } cases[] = {
      {"127.0.0.1:7878", true},          {"127.45.6.7:1", true},          {"localhost:7878", true},
      {"LocalHost:7878", true},          {"[::1]:7878", true},            {"::1", true},
      {"ipv4:127.0.0.1:7878", true},     {"dns:///localhost:7878", true}, {"[::ffff:127.0.0.1]:7878", true},
      {"unix:/run/ttcd.sock", true},     {"10.0.0.1:7878", false},        {"ttcd.lab:7878", false},
      {"128.0.0.1:7878", false},         {"localhost.evil.example:1", false}, {"127.0.0.1.nip.io:1", false},
      {"[2001:db8::1]:7878", false},     {"0.0.0.0:7878", false},         {"127.1:7878", false},
      {"[::]:7878", false},              {"ipv4:127.0.0.1:1,127.0.0.2:1", true}, {"ipv4:127.0.0.1:1,10.0.0.1:1", false},
      {"unix-abstract:ttcd", true},
  };
  for (const auto& c : cases) EXPECT_EQ(IsLoopbackAddress(c.address), c.loopback) << c.address;
}

TEST(HostOfAddress, StripsSchemesPortsAndBrackets) {
  EXPECT_EQ(HostOfAddress("127.0.0.1:7878"), "127.0.0.1");
  EXPECT_EQ(HostOfAddress("[::1]:7878"), "::1");
  EXPECT_EQ(HostOfAddress("::1"), "::1");
  EXPECT_EQ(HostOfAddress("dns:///ttcd.lab:7878"), "ttcd.lab");
  EXPECT_EQ(HostOfAddress("ipv4:10.0.0.1:1"), "10.0.0.1");
  EXPECT_EQ(HostOfAddress("ttcd.lab"), "ttcd.lab");
}

}  // namespace
}  // namespace ttc
