// Reading ttc's TOML files (ttcd.toml, agent.toml, client.toml, the token file) with toml++,
// with errors that say where: `path:line:col: what`.
// Thread-safety: reentrant.
#ifndef TTC_COMMON_TOML_FILE_H_
#define TTC_COMMON_TOML_FILE_H_

#include <string>

#include <toml++/toml.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace ttc {

// "path:line:col" of the start of `src`.
inline std::string TomlWhere(const std::string& path, const toml::source_region& src) {
  return absl::StrCat(path, ":", src.begin.line, ":", src.begin.column);
}

// Parses `path`. NOT_FOUND "`path`: cannot read the `what`" when it cannot be opened;
// INVALID_ARGUMENT "path:line:col: description" for a syntax error.
inline absl::StatusOr<toml::table> ParseTomlFile(const std::string& path, const std::string& what) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const std::string desc(e.description());
    if (desc.find("File could not be opened") != std::string::npos) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot read the ", what));
    }
    return absl::InvalidArgumentError(absl::StrCat(TomlWhere(path, e.source()), ": ", desc));
  }
}

}  // namespace ttc

#endif  // TTC_COMMON_TOML_FILE_H_
