// How an agent runs one validation job: the Backend interface, the emulator backend (always
// available: ttc's TT-Metalium emulator, the same check as `ttc validate`) and the metalium
// backend (hosts with Tenstorrent cards; needs an installed TT-Metalium).
// Thread-safety: Run may be called concurrently for different jobs.
#ifndef TTC_VALIDATE_BACKEND_H_
#define TTC_VALIDATE_BACKEND_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "validate/build_cache.h"
#include "validate/validate.h"
#include "ttc/v1/jobs.pb.h"

namespace ttc::validate {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Validates the program `files` (path -> bytes) of `job` on the device. A program that runs
  // and mismatches, deadlocks or violates the protocol is a report with pass = false; a status
  // is returned when the machinery itself fails.
  virtual absl::StatusOr<ValidationReport> Run(const v1::Job& job, const std::map<std::string, std::string>& files) = 0;
  // Stops the Run of the job holding `lease_id` (job.lease().lease_id()) if one is under way
  // or starts later; that Run then returns CANCELLED. Backends that run jobs in their own
  // process (agent/job_process.h) kill it; in-process backends cannot stop a run (no-op).
  virtual void Cancel(const std::string& lease_id) { (void)lease_id; }
};

// `name`: "emulator" or "metalium". FAILED_PRECONDITION for metalium when TT-Metalium is not
// installed ($TT_METAL_HOME unset, or no TT-MetaliumConfig.cmake below it); INVALID_ARGUMENT
// for other names.
// `builds` (may be null; must outlive the backend) shares the emulator backend's host and
// kernel builds with the fleet (validate/build_cache.h); the metalium backend builds locally.
absl::StatusOr<std::unique_ptr<Backend>> MakeBackend(const std::string& name, BuildCache* builds = nullptr);

}  // namespace ttc::validate

#endif  // TTC_VALIDATE_BACKEND_H_
