// Kernel source lookup as TT-Metalium does it (tt_metal/impl/kernels/kernel.cpp and
// tt_metal/llrt/rtoptions.cpp of TT-Metalium: the path as given, then below the root directory,
// then below $TT_METAL_KERNEL_PATH, then below the system kernel directory), and where the
// emulator's own headers are.
#include "emu/runtime/paths.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ttc::emu {
namespace {

namespace fs = std::filesystem;

constexpr char kSystemKernelDir[] = "/usr/share/tenstorrent/kernels/";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool Exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

}  // namespace

std::string KernelRootDir() {
  for (const char* var : {"TT_METAL_RUNTIME_ROOT", "TT_METAL_HOME"}) {
    if (std::string v = Env(var); !v.empty()) return v;
  }
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (!ec && fs::is_directory(cwd / "tt_metal", ec)) return cwd.string();
  return "";
}

std::vector<std::string> KernelSearchPaths(const std::string& file) {
  const fs::path given(file);
  std::vector<std::string> paths = {given.string()};
  if (given.is_absolute()) return paths;  // below any directory it is itself
  if (std::string root = KernelRootDir(); !root.empty()) paths.push_back((fs::path(root) / given).string());
  if (std::string dir = Env("TT_METAL_KERNEL_PATH"); !dir.empty()) paths.push_back((fs::path(dir) / given).string());
  paths.push_back((fs::path(kSystemKernelDir) / given).string());
  return paths;
}

std::string ResolveKernelPath(const std::string& file) {
  const std::vector<std::string> paths = KernelSearchPaths(file);
  for (const std::string& p : paths) {
    if (Exists(p)) return fs::absolute(p).lexically_normal().string();
  }
  std::string searched;
  for (const std::string& p : paths) searched += (searched.empty() ? "" : ", ") + p;
  throw std::runtime_error("Kernel file " + file + " doesn't exist in any of the searched paths! (searched: " +
                           searched + ")");
}

std::string EmuIncludeDir() {
  if (std::string d = Env("TTC_EMU_INCLUDE_DIR"); !d.empty()) return d;
  // The installed layout: <prefix>/lib/ttc/libttc_emu.so and <prefix>/share/ttc/emu/include.
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&EmuIncludeDir), &info) && info.dli_fname) {
    std::error_code ec;
    const fs::path lib = fs::canonical(info.dli_fname, ec);
    if (!ec) {
      const fs::path installed = lib.parent_path() / ".." / ".." / "share" / "ttc" / "emu" / "include";
      if (Exists(installed / "ttc_emu" / "host.hpp")) return installed.lexically_normal().string();
    }
  }
  return TTC_EMU_DEFAULT_INCLUDE_DIR;
}

}  // namespace ttc::emu
