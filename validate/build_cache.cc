#include "validate/build_cache.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
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
  const std::string path = FirstLineOf("command -v " + ShellQuote(tool) + " 2>/dev/null");
  const std::string version = FirstLineOf(ShellQuote(path.empty() ? tool : path) + " --version 2>/dev/null");
  std::string id = path.empty() ? tool : path;
  if (!version.empty()) absl::StrAppend(&id, " | ", version);
  (*known)[tool] = id;
  return id;
}

std::string FileDigest(const std::string& path) {
  // Memoized by path, size and modification time: a rebuilt file is hashed again.
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  const auto mtime = ec ? fs::file_time_type{} : fs::last_write_time(path, ec);
  const std::string stamp = ec ? "" : absl::StrCat(path, "|", size, "|", mtime.time_since_epoch().count());
  static std::mutex mu;
  static auto* known = new std::map<std::string, std::string>();
  if (!stamp.empty()) {
    std::lock_guard<std::mutex> l(mu);
    if (auto it = known->find(stamp); it != known->end()) return it->second;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::string digest = Sha256Hex(bytes);
  if (!stamp.empty()) {
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
  std::string all;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    AppendKeyField(&all, f.lexically_relative(dir).string());
    AppendKeyField(&all, std::string((std::istreambuf_iterator<char>(in)), {}));
  }
  const std::string digest = Sha256Hex(all);
  (*known)[dir] = digest;
  return digest;
}

}  // namespace ttc::validate
