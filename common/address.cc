#include "common/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ttc {

std::string HostOfAddress(std::string address) {
  for (const char* scheme : {"dns:///", "dns:", "ipv4:", "ipv6:"}) {
    if (absl::StartsWith(address, scheme)) {
      address = address.substr(std::strlen(scheme));
      break;
    }
  }
  if (absl::StartsWith(address, "[")) return address.substr(1, address.find(']') - 1);
  const size_t colon = address.find(':');
  if (colon == std::string::npos) return address;
  if (address.find(':', colon + 1) != std::string::npos) return address;  // bare IPv6
  return address.substr(0, colon);
}

bool IsLoopbackAddress(const std::string& address) {
  for (const char* scheme : {"ipv4:", "ipv6:"}) {
    if (absl::StartsWith(address, scheme) && address.find(',') != std::string::npos) {
      for (absl::string_view part : absl::StrSplit(address.substr(std::strlen(scheme)), ',')) {
        if (!IsLoopbackAddress(absl::StrCat(scheme, part))) return false;
      }
      return true;
    }
  }
  if (absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:")) return true;
  const std::string host = HostOfAddress(address);
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace ttc
