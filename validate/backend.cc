#include "validate/backend.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "ir/proto_convert.h"

namespace ttc::validate {
namespace {

class EmulatorBackend : public Backend {
 public:
  std::string name() const override { return "emulator"; }
  absl::StatusOr<ValidationReport> Run(const v1::Job& job, const std::map<std::string, std::string>& files) override {
    auto source = ir::FromProto(job.spec().request(), job.spec().target_override());
    if (!source.ok()) return source.status();
    return ValidateOnEmulator(source->func, files, job.spec().seed());
  }
};

// Builds the generated program against an installed TT-Metalium and runs it on the card.
// Only its preconditions are implemented: running on hardware needs a host with a card,
// which the project's machines do not have, so Run says so instead of pretending.
class MetaliumBackend : public Backend {
 public:
  explicit MetaliumBackend(std::string home) : home_(std::move(home)) {}
  std::string name() const override { return "metalium"; }
  absl::StatusOr<ValidationReport> Run(const v1::Job& job, const std::map<std::string, std::string>& files) override {
    return absl::UnimplementedError(absl::StrCat("running on a Tenstorrent card through TT-Metalium at ", home_,
                                                 " is not implemented yet; use --backend emulator"));
  }

 private:
  std::string home_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> MakeBackend(const std::string& name) {
  if (name == "emulator") return std::make_unique<EmulatorBackend>();
  if (name == "metalium") {
    const char* home = std::getenv("TT_METAL_HOME");
    if (!home || !*home) {
      return absl::FailedPreconditionError(
          "the metalium backend needs TT-Metalium: TT_METAL_HOME is not set (point it at an installed tt-metal "
          "checkout), or run with --backend emulator");
    }
    if (!std::filesystem::exists(std::string(home) + "/tt_metal")) {
      return absl::FailedPreconditionError(absl::StrCat("the metalium backend needs TT-Metalium: TT_METAL_HOME=", home,
                                                        " has no tt_metal/ directory"));
    }
    return std::make_unique<MetaliumBackend>(home);
  }
  return absl::InvalidArgumentError(absl::StrCat("--backend: '", name, "' is not one of emulator, metalium"));
}

}  // namespace ttc::validate
