#include "cache/digest.h"

#include <openssl/evp.h>

#include "absl/strings/str_cat.h"

namespace ttc::cache {

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

v1::Digest DigestOf(std::string_view data) {
  v1::Digest d;
  d.set_hash(Sha256Hex(data));
  d.set_size_bytes(static_cast<int64_t>(data.size()));
  return d;
}

const v1::Digest& EmptyDigest() {
  static const v1::Digest* d = new v1::Digest(DigestOf(""));
  return *d;
}

bool IsWellFormed(const v1::Digest& d) {
  if (d.hash().size() != 64 || d.size_bytes() < 0) return false;
  for (char c : d.hash()) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string DigestKey(const v1::Digest& d) { return absl::StrCat(d.hash(), "/", d.size_bytes()); }

}  // namespace ttc::cache
