#include "driver/program_writer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace ttc {

namespace fs = std::filesystem;

absl::Status WriteProgramDir(const std::string& dir, const std::map<std::string, std::string>& files) {
  fs::path target = fs::absolute(fs::path(dir)).lexically_normal();
  // "out/" normalizes to "/abs/out/" (an empty file name): without this, the temporary and
  // backup directories below would be named inside DIR instead of next to it.
  if (!target.has_filename() && target.has_relative_path()) target = target.parent_path();
  std::error_code ec;
  const bool exists = fs::exists(target, ec);
  if (exists) {
    if (!fs::is_directory(target, ec)) {
      return absl::FailedPreconditionError(absl::StrCat("'", dir, "' exists and is not a directory"));
    }
    if (!fs::is_empty(target, ec) && !fs::exists(target / "plan.json", ec)) {
      return absl::FailedPreconditionError(absl::StrCat("refusing to replace '", dir,
                                                        "': it is not empty and holds no ttc program (plan.json)"));
    }
  }
  fs::create_directories(target.parent_path(), ec);
  const std::string suffix = absl::StrCat(".ttc-", getpid());
  const fs::path tmp = target.string() + suffix + ".tmp";
  const fs::path old = target.string() + suffix + ".old";
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec)) {
    return absl::InternalError(absl::StrCat("cannot create '", tmp.string(), "': ", ec.message()));
  }
  for (const auto& [name, contents] : files) {
    std::ofstream out(tmp / name, std::ios::binary | std::ios::trunc);
    out << contents;
    out.close();
    if (!out) {
      fs::remove_all(tmp, ec);
      return absl::InternalError(absl::StrCat("cannot write '", (tmp / name).string(), "'"));
    }
  }
  if (exists) {
    fs::rename(target, old, ec);
    if (ec) {
      fs::remove_all(tmp, ec);
      return absl::InternalError(absl::StrCat("cannot move the previous '", dir, "' aside: ", ec.message()));
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    const std::string msg = ec.message();
    if (exists) fs::rename(old, target, ec);
    fs::remove_all(tmp, ec);
    return absl::InternalError(absl::StrCat("cannot move the new program into '", dir, "': ", msg));
  }
  if (exists) fs::remove_all(old, ec);
  return absl::OkStatus();
}

}  // namespace ttc
