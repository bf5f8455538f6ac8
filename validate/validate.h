// The validation job: runs a generated TT-Metalium program on a backend and compares its
// outputs with the reference interpreter's (the source IR executed on the CPU). Inputs are
// generated from a seed (uniform in [-1, 1] for floats, [-8, 8] for integers, rounded to the
// buffer's dtype). Tolerances per dtype are documented in docs/validation.md. Used by
// `ttc validate` and by device hosts running validation jobs.
// Thread-safety: independent calls may run concurrently (they share only the on-disk caches,
// which are written atomically).
#ifndef TTC_VALIDATE_VALIDATE_H_
#define TTC_VALIDATE_VALIDATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/stmt.h"
#include "validate/build_cache.h"

namespace ttc {

struct OutputReport {
  std::string buffer;
  std::string dtype;
  int64_t elements = 0;
  double max_abs_err = 0;   // max |out - ref|
  double max_rel_err = 0;   // max |out - ref| / max(|ref|, 1e-6)
  double pcc = 0;           // Pearson correlation of out and ref (1 for two identical constants)
  double max_abs_ref = 0;
  double tolerance = 0;     // allowed max_abs_err (relative tolerance x max |ref|)
  double min_pcc = 0;
  bool pass = false;
};

// Where a validation's builds came from (logged by agents; not part of the report's text).
struct BuildSummary {
  std::string host_build;   // "built", "local cache", "ttcd" (the fleet's build cache), "" = n/a
  int kernels_fetched = 0;  // kernel objects placed into the local cache from the fleet
  int kernels_built = 0;    // kernels compiled by this run
  // The build keys of this run and what each covers (`ttc validate --explain-key`): the host
  // build's recipe first, then one per kernel the run used, in the order it loaded them.
  std::vector<validate::BuildRecipe> recipes;
};

struct ValidationReport {
  std::string backend = "emulator";
  uint64_t seed = 0;
  bool pass = false;
  std::string error;        // the backend's failure report (protocol violation, deadlock, ...)
  std::vector<OutputReport> outputs;
  double build_seconds = 0; // building the host program (kernels are built by the emulator)
  double run_seconds = 0;   // running the program, kernel builds included
  BuildSummary builds;
};

// How a generated program is built and run on one backend. Build is called once per
// validation with the six files; Run runs the built program as `main --inputs DIR --outputs
// DIR` and returns its exit status, with its stdout/stderr in *log.
class ProgramRunner {
 public:
  virtual ~ProgramRunner() = default;
  virtual std::string name() const = 0;
  virtual absl::Status Build(const std::map<std::string, std::string>& files) = 0;
  virtual int Run(const std::string& inputs, const std::string& outputs, std::string* log) = 0;
  // Where the last Build's and Run's builds came from.
  virtual BuildSummary summary() const { return {}; }
};

// Generates the inputs of `seed`, runs the reference and `runner`, and compares.
absl::StatusOr<ValidationReport> ValidateProgram(const ir::PrimFunc& source,
                                                 const std::map<std::string, std::string>& files, uint64_t seed,
                                                 ProgramRunner& runner);

// The program built with CMake against the TT-Metalium package that find_package(TT-Metalium)
// finds under `metal_home` (CMAKE_PREFIX_PATH = metal_home and metal_home/build): a Tenstorrent
// install on a card host, or ttc's emulator package. Work files go to a private temporary
// directory, removed afterwards. Build errors (configure or compile) are returned as a status
// with the tool's output.
std::unique_ptr<ProgramRunner> MakeCMakeRunner(std::string metal_home);

// Validates `files` (the six files of emit_tt_kernels) against `source` (the kernel's source
// IR, before lowering) on the emulator. A program that fails (protocol violation, deadlock,
// wrong results) gives a report with pass = false; errors of the machinery itself (cannot
// write files, cannot build the host program, unsupported dtype) are returned as a status.
// `builds` (may be null: local builds only) shares the host and kernel builds with the fleet
// (validate/build_cache.h); it must outlive the call.
absl::StatusOr<ValidationReport> ValidateOnEmulator(const ir::PrimFunc& source,
                                                    const std::map<std::string, std::string>& files, uint64_t seed,
                                                    validate::BuildCache* builds = nullptr);

// Human-readable report, one line per output, then PASS or FAIL.
std::string FormatReport(const ValidationReport& r);
// The same as a JSON object (keys sorted).
std::string ReportJson(const ValidationReport& r);

}  // namespace ttc

#endif  // TTC_VALIDATE_VALIDATE_H_
