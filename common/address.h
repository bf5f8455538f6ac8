// Network addresses as gRPC targets and listen addresses spell them, and the one loopback
// rule that both sides use: ttc-client and ttc-agent send a token in clear only to a loopback
// daemon, and ttcd serves plaintext only on a loopback listener. Pure functions; thread-safe.
#ifndef TTC_COMMON_ADDRESS_H_
#define TTC_COMMON_ADDRESS_H_

#include <string>

namespace ttc {

// The host part of HOST:PORT, [V6]:PORT or a bare IPv6 address, with or without gRPC's
// dns:///, dns:, ipv4: or ipv6: scheme; brackets removed.
std::string HostOfAddress(std::string address);

// True when `address` names loopback only: 127.0.0.0/8, ::1 and IPv4-mapped 127.x
// (parsed with inet_pton, not by prefix), `localhost` in any case, or a `unix:` /
// `unix-abstract:` socket. An ipv4:/ipv6: target listing several addresses is loopback when
// every one is. Anything else, including wildcard listeners (0.0.0.0, [::]), is not.
bool IsLoopbackAddress(const std::string& address);

}  // namespace ttc

#endif  // TTC_COMMON_ADDRESS_H_
