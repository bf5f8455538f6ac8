// Shared builds (docs/devices.md "Shared builds", docs/cache_format.md "Build keys"): the
// builds a validation needs before it runs - the host program and each kernel - are actions
// with a full-recipe key, looked up before they are built and uploaded after. The interface
// is the validation's view; the agent implements it over ttcd's BuildCache service
// (agent/build_cache_client.h). Nothing here may block a validation: a cache that cannot
// answer is a miss and the build runs locally.
#ifndef TTC_VALIDATE_BUILD_CACHE_H_
#define TTC_VALIDATE_BUILD_CACHE_H_

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ttc::validate {

// What determines a build's output: named values (source digests, every flag, compile-time
// args and defines, the arch, the toolchain's path, version and header-tree digest). The key
// is SHA-256 over "ttc-recipe-v1", the tier and every (name, value) in order, each
// length-prefixed, so two recipes share a key only when every entry is equal.
struct BuildRecipe {
  std::string tier;  // "kernel_build" or "host_build"
  std::vector<std::pair<std::string, std::string>> entries;
  std::string notes;  // appended to Text(), not part of Key() (e.g. what an opaque key covers)

  void Add(std::string name, std::string value) { entries.emplace_back(std::move(name), std::move(value)); }
  // Hex SHA-256 (64 characters).
  std::string Key() const;
  // One "name = value" line per entry, in order: what `ttc-client explain-build` prints.
  std::string Text() const;
};

// A kernel build's recipe as the emulator records it: the emulator's own key (SHA-256 over
// the kernel's source, role, compile-time args, defines, CB formats, the header-tree digest
// and the compiler) and the recipe text it wrote next to the object (<key>.recipe).
BuildRecipe KernelBuildRecipe(const std::string& emulator_key, const std::string& recipe_text);

// Toolchain identity (thread-safe): `tool` resolved on $PATH and the first line of its
// --version ("/usr/bin/g++ | g++ (Debian 12.2.0-14) 12.2.0"); `tool` itself when it cannot be
// run. Memoized per process, and on disk (under the emulator cache's digests/) by the path, size,
// modification time and inode of the resolved executable.
std::string ToolIdentity(const std::string& tool);
// Hex SHA-256 over every regular file below `dir` (relative path and bytes, in path order);
// memoized per directory in the process, and on disk by the stamps (path, size, modification
// time, inode) of every file. "" when `dir` cannot be read.
std::string TreeDigest(const std::string& dir);
// Hex SHA-256 of the file's bytes; "" when it cannot be read. Memoized in the process and on
// disk by path, size, modification time and inode (thread-safe).
std::string FileDigest(const std::string& path);

// Thread-safety: implementations are called concurrently by validations on several devices.
class BuildCache {
 public:
  virtual ~BuildCache() = default;
  // The outputs (path -> bytes, each verified against its digest) of `recipe`, or nullopt: a
  // miss. With `take`, a miss means the caller now builds it and must Put or Abandon; an
  // identical build in flight elsewhere is waited for (bounded) first.
  virtual std::optional<std::map<std::string, std::string>> Get(const BuildRecipe& recipe, bool take) = 0;
  // Stores the outputs of a build of `recipe` (best effort: failures are logged).
  virtual void Put(const BuildRecipe& recipe, const std::map<std::string, std::string>& outputs) = 0;
  // Gives up a build taken with Get(take = true) that produced nothing.
  virtual void Abandon(const BuildRecipe& recipe) = 0;
};

}  // namespace ttc::validate

#endif  // TTC_VALIDATE_BUILD_CACHE_H_
