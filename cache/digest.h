// Content digests in REAPI's shape (proto ttc.v1.Digest): lowercase hex SHA-256 of the bytes
// plus their size. Pure functions; thread-safe.
#ifndef TTC_CACHE_DIGEST_H_
#define TTC_CACHE_DIGEST_H_

#include <string>
#include <string_view>

#include "common/sha256.h"
#include "ttc/v1/digest.pb.h"

namespace ttc::cache {

// The digest of `data`.
v1::Digest DigestOf(std::string_view data);

// The digest of the empty blob (always present in every store).
const v1::Digest& EmptyDigest();

// Whether `d` is well formed: 64 lowercase hex characters and a non-negative size.
bool IsWellFormed(const v1::Digest& d);

// "<hash>/<size>", REAPI's resource-name form; the key under which the CAS stores a blob.
std::string DigestKey(const v1::Digest& d);

}  // namespace ttc::cache

#endif  // TTC_CACHE_DIGEST_H_
