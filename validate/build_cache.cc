#include "validate/build_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "common/key_text.h"
#include "common/shell.h"

namespace ttc::validate {
namespace {

namespace fs = std::filesystem;

// The first line `cmd` prints on stdout, "" when it fails.
std::string FirstLineOf(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "";
  char buf[512] = {0};
  std::string line = std::fgets(buf, sizeof(buf), p) ? buf : "";
  const int rc = ::pclose(p);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return rc == 0 ? line : "";
}

// The file's bytes ("" and false when it cannot be read), read in one piece.
bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return false;
  out->resize(size);
  in.read(out->data(), static_cast<std::streamsize>(size));
  out->resize(static_cast<size_t>(in.gcount()));
  return true;
}

// What identifies a file's content without reading it: path, size, modification time (ns)
// and inode. A rebuilt or replaced file changes it.
std::string FileStamp(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return absl::StrCat(path.string(), "|", st.st_size, "|", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, "|",
                      st.st_ino);
}

// The on-disk memo of these digests, so each `ttc validate` process does not hash the
// emulator's library and headers and run `g++ --version` again: next to the emulator's kernel
// cache ($TTC_EMU_CACHE_DIR, else $XDG_CACHE_HOME/ttc, else ~/.cache/ttc), under digests/.
fs::path MemoDir() {
  if (const char* d = std::getenv("TTC_EMU_CACHE_DIR")) return fs::path(d) / "digests";
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return fs::path(x) / "ttc" / "digests";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/tmp") / ".cache" / "ttc" / "digests";
}

// `compute()` memoized on disk under `stamp` (the file holds the stamp and the value; a file
// whose stamp differs, a hash collision, is ignored). A value is written whole (rename) and
// only when not empty; a memo that cannot be written is skipped.
std::string DiskMemo(const std::string& stamp, const std::function<std::string()>& compute) {
  const fs::path file = MemoDir() / Sha256Hex(stamp);
  std::string text;
  if (ReadFile(file, &text)) {
    const size_t nl = text.find('\n');
    if (nl != std::string::npos && text.compare(0, nl, stamp) == 0 && nl + 1 < text.size()) return text.substr(nl + 1);
  }
  std::string value = compute();
  if (value.empty()) return value;
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const fs::path tmp = absl::StrCat(file.string(), ".", ::getpid(), ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << stamp << "\n" << value;
    if (!out) return value;
  }
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
  return value;
}

// `tool` resolved on $PATH as the shell's `command -v` would, "" when absent.
std::string Which(const std::string& tool) {
  if (tool.find('/') != std::string::npos) return ::access(tool.c_str(), X_OK) == 0 ? tool : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + tool;
    if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate)) return candidate;
  }
  return "";
}

}  // namespace

std::string BuildRecipe::Key() const {
  std::string text;
  AppendKeyField(&text, "ttc-recipe-v1");
  AppendKeyField(&text, tier);
  for (const auto& [name, value] : entries) {
    AppendKeyField(&text, name);
    AppendKeyField(&text, value);
  }
  return Sha256Hex(text);
}

std::string BuildRecipe::Text() const {
  std::string out = absl::StrCat("tier = ", tier, "\n");
  for (const auto& [name, value] : entries) absl::StrAppend(&out, name, " = ", value, "\n");
  if (!notes.empty()) absl::StrAppend(&out, notes, notes.back() == '\n' ? "" : "\n");
  return out;
}

BuildRecipe KernelBuildRecipe(const std::string& emulator_key, const std::string& recipe_text) {
  BuildRecipe r;
  r.tier = "kernel_build";
  r.Add("emulator kernel key", emulator_key);
  r.notes = recipe_text;
  return r;
}

std::string ToolIdentity(const std::string& tool) {
  static std::mutex mu;
  static auto* known = new std::map<std::string, std::string>();
  std::lock_guard<std::mutex> l(mu);
  if (auto it = known->find(tool); it != known->end()) return it->second;
  const std::string path = Which(tool);
  auto identify = [&] {
    const std::string version = FirstLineOf(ShellQuote(path.empty() ? tool : path) + " --version 2>/dev/null");
    std::string id = path.empty() ? tool : path;
    if (!version.empty()) absl::StrAppend(&id, " | ", version);
    return id;
  };
  // On disk by the stamp of the resolved executable (through symlinks: /usr/bin/g++ -> g++-12).
  std::error_code ec;
  const fs::path real = path.empty() ? fs::path() : fs::canonical(path, ec);
  const std::string stamp = real.empty() || ec ? "" : FileStamp(real);
  std::string id = stamp.empty() ? identify() : DiskMemo(absl::StrCat("tool v1|", tool, "|", path, "|", stamp), identify);
  (*known)[tool] = id;
  return id;
}

std::string FileDigest(const std::string& path) {
  // Memoized by path, size, modification time and inode, in the process and on disk: a rebuilt
  // file is hashed again.
  const std::string stamp = FileStamp(path);
  static std::mutex mu;
  static auto* known = new std::map<std::string, std::string>();
  if (!stamp.empty()) {
    std::lock_guard<std::mutex> l(mu);
    if (auto it = known->find(stamp); it != known->end()) return it->second;
  }
  auto hash = [&] {
    std::string bytes;
    return ReadFile(path, &bytes) ? Sha256Hex(bytes) : std::string();
  };
  std::string digest = stamp.empty() ? hash() : DiskMemo(absl::StrCat("file v1|", stamp), hash);
  if (!stamp.empty() && !digest.empty()) {
    std::lock_guard<std::mutex> l(mu);
    (*known)[stamp] = digest;
  }
  return digest;
}

std::string TreeDigest(const std::string& dir) {
  static std::mutex mu;
  static auto* known = new std::map<std::string, std::string>();
  std::lock_guard<std::mutex> l(mu);
  if (auto it = known->find(dir); it != known->end()) return it->second;
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return "";
  std::sort(files.begin(), files.end());
  // The stamps of every file (a header added, removed or changed changes it), then the bytes.
  std::string stamps = absl::StrCat("tree v1|", dir);
  for (const fs::path& f : files) absl::StrAppend(&stamps, "\n", FileStamp(f));
  const std::string digest = DiskMemo(stamps, [&] {
    std::string all, bytes;
    for (const fs::path& f : files) {
      AppendKeyField(&all, f.lexically_relative(dir).string());
      bytes.clear();
      ReadFile(f, &bytes);
      AppendKeyField(&all, bytes);
    }
    return Sha256Hex(all);
  });
  (*known)[dir] = digest;
  return digest;
}

}  // namespace ttc::validate
