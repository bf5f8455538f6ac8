#include "validate/backend.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "ir/proto_convert.h"

namespace ttc::validate {
namespace {

class EmulatorBackend : public Backend {
 public:
  explicit EmulatorBackend(BuildCache* builds) : builds_(builds) {}
  std::string name() const override { return "emulator"; }
  absl::StatusOr<ValidationReport> Run(const v1::Job& job, const std::map<std::string, std::string>& files) override {
    auto source = ir::FromProto(job.spec().request(), job.spec().target_override());
    if (!source.ok()) return source.status();
    return ValidateOnEmulator(source->func, files, job.spec().seed(), builds_);
  }

 private:
  BuildCache* builds_;
};

// Builds the generated program with its CMakeLists.txt against the TT-Metalium package under
// $TT_METAL_HOME (find_package(TT-Metalium)), runs it on the device that package drives and
// compares with the reference, as the emulator backend does. On a card host that is
// Tenstorrent's install; in CI it is ttc's emulator package (docs/devices.md).
class MetaliumBackend : public Backend {
 public:
  explicit MetaliumBackend(std::string home) : home_(std::move(home)) {}
  std::string name() const override { return "metalium"; }
  absl::StatusOr<ValidationReport> Run(const v1::Job& job, const std::map<std::string, std::string>& files) override {
    auto source = ir::FromProto(job.spec().request(), job.spec().target_override());
    if (!source.ok()) return source.status();
    std::unique_ptr<ProgramRunner> runner = MakeCMakeRunner(home_);
    return ValidateProgram(source->func, files, job.spec().seed(), *runner);
  }

 private:
  std::string home_;
};

// Whether `dir` holds a TT-Metalium CMake package config (TT-MetaliumConfig.cmake or
// tt-metalium-config.cmake) within a few directory levels.
bool HasMetaliumPackage(const std::filesystem::path& dir) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() > 5) {
      it.disable_recursion_pending();
      continue;
    }
    const std::string f = it->path().filename().string();
    if (f == "TT-MetaliumConfig.cmake" || f == "tt-metalium-config.cmake") return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> MakeBackend(const std::string& name, BuildCache* builds) {
  if (name == "emulator") return std::make_unique<EmulatorBackend>(builds);
  if (name == "metalium") {
    const char* home = std::getenv("TT_METAL_HOME");
    if (!home || !*home) {
      return absl::FailedPreconditionError(
          "the metalium backend needs TT-Metalium: TT_METAL_HOME is not set (point it at an installed tt-metal "
          "checkout), or run with --backend emulator");
    }
    if (!HasMetaliumPackage(home)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the metalium backend needs TT-Metalium: TT_METAL_HOME=", home,
          " holds no TT-Metalium CMake package (TT-MetaliumConfig.cmake; build tt-metal there, or point it at ttc's "
          "emulator package)"));
    }
    return std::make_unique<MetaliumBackend>(home);
  }
  return absl::InvalidArgumentError(absl::StrCat("--backend: '", name, "' is not one of emulator, metalium"));
}

}  // namespace ttc::validate
