#include "cache/digest.h"


#include "absl/strings/str_cat.h"

namespace ttc::cache {

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
