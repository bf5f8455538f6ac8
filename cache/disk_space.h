// Free space on a filesystem, as the stores' disk-pressure checks read it.
// Thread-safety: a pure query (statvfs through std::filesystem::space).
#ifndef TTC_CACHE_DISK_SPACE_H_
#define TTC_CACHE_DISK_SPACE_H_

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

namespace ttc::cache {

// Bytes available to unprivileged users on the filesystem holding `path` (statvfs f_bavail);
// INT64_MAX when it cannot be read (an unknown filesystem never counts as full).
inline int64_t FreeBytesOn(const std::string& path) {
  std::error_code ec;
  const auto space = std::filesystem::space(path, ec);
  return ec ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(space.available);
}

}  // namespace ttc::cache

#endif  // TTC_CACHE_DISK_SPACE_H_
