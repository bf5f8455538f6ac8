// What ttcd's Submit does, without gRPC: check the backend, resolve the target once (for the
// job's arch), compile through the CompileService, and persist a validation job for a
// program that compiled. daemon/compiler_grpc_service.cc only translates to and from it.
// Thread-safety: Submit may be called concurrently; `done` runs on the calling thread or on
// a compile worker.
#ifndef TTC_DAEMON_SUBMIT_SERVICE_H_
#define TTC_DAEMON_SUBMIT_SERVICE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "daemon/compile_service.h"
#include "daemon/job_scheduler.h"
#include "daemon/verdict_cache.h"
#include "ttc/v1/service.pb.h"

namespace ttc::daemon {

// UNIMPLEMENTED "this ttcd runs no device fleet": a job RPC on a ttcd without a scheduler.
absl::Status NoFleetError();

// Who submits a job: the token's name and group, recorded in JobSpec.owner / owner_group
// (both "" for an unauthenticated caller).
struct JobOwner {
  std::string name;
  std::string group;
};

class SubmitService {
 public:
  struct Submitted {
    Outcome compile;
    std::optional<v1::Job> job;  // set when validation was asked and the program compiled
  };
  using SubmittedCallback = std::function<void(absl::StatusOr<Submitted>)>;

  // `compile` must outlive the service; `scheduler` (may be null: no device fleet) too.
  // `on_job` (may be null) runs after each job is persisted (ttcd wakes its dispatcher).
  // `verdicts` (may be null: no verdict cache) holds the cached verdicts
  // (daemon/verdict_cache.h): a program that already passed on the same backend, arch and
  // seed gets a job that is COMPLETED at once, unless the request says `revalidate`.
  SubmitService(CompileService* compile, JobScheduler* scheduler, std::function<void()> on_job,
                cache::ArtifactStore* verdicts = nullptr)
      : compile_(compile), scheduler_(scheduler), on_job_(std::move(on_job)) {
    if (verdicts != nullptr) verdicts_ = std::make_unique<VerdictCache>(verdicts);
  }

  // Compiles `req.compile()` and, with `req.validate()`, queues a job owned by `owner`.
  // `wanted`: as CompileService::Run. `done` is called once.
  // Errors: UNIMPLEMENTED (NoFleetError) for validation without a scheduler and
  // INVALID_ARGUMENT for a backend other than emulator or metalium, both before compiling
  // (the latter counted as an error); CompileService::Run's errors; the scheduler's when the
  // job cannot be persisted.
  void Submit(const v1::SubmitRequest& req, const JobOwner& owner, std::function<bool()> wanted,
              SubmittedCallback done);

 private:
  CompileService* compile_;
  JobScheduler* scheduler_;
  std::function<void()> on_job_;
  std::unique_ptr<VerdictCache> verdicts_;  // null: no verdict cache
};

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_SUBMIT_SERVICE_H_
