// SHA-256 (FIPS 180-4, computed by OpenSSL's EVP interface), the one hash of the project:
// CAS digests (REAPI's SHA256 digest function), action keys, kernel build keys and token
// digests all use it. Pure functions; thread-safe.
#ifndef TTC_COMMON_SHA256_H_
#define TTC_COMMON_SHA256_H_

#include <string>
#include <string_view>

namespace ttc {

// The SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

}  // namespace ttc

#endif  // TTC_COMMON_SHA256_H_
