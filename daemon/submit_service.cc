#include "daemon/submit_service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "daemon/verdict_cache.h"
#include "ir/target.h"

namespace ttc::daemon {

absl::Status NoFleetError() { return absl::UnimplementedError("this ttcd runs no device fleet"); }

void SubmitService::Submit(const v1::SubmitRequest& req, const JobOwner& owner, std::function<bool()> wanted,
                           SubmittedCallback done) {
  v1::JobSpec spec;
  if (req.validate()) {
    if (scheduler_ == nullptr) return done(NoFleetError());
    const std::string backend = req.backend().empty() ? "emulator" : req.backend();
    if (backend != "emulator" && backend != "metalium") {
      compile_->CountError();
      return done(absl::InvalidArgumentError(absl::StrCat("backend: '", backend, "' is not one of emulator, metalium")));
    }
    std::string arch = req.arch();
    if (arch.empty()) {
      auto target = ir::ResolveTarget(req.compile().request().target(), req.compile().target_override());
      if (target.ok()) arch = target->preset;  // an unknown target is reported by the compile below
    }
    *spec.mutable_request() = req.compile().request();
    spec.set_target_override(req.compile().target_override());
    spec.set_arch(arch);
    spec.mutable_labels()->insert(req.labels().begin(), req.labels().end());
    (*spec.mutable_labels())["backend"] = backend;
    spec.set_seed(req.seed());
    spec.set_priority(req.priority());
    spec.set_backend(backend);
    spec.set_owner(owner.name);
    spec.set_owner_group(owner.group);
  }
  compile_->Run(req.compile(), ActionKind::kCompile, req.compile().inline_files(), std::move(wanted),
                [this, validate = req.validate(), revalidate = req.revalidate(), spec = std::move(spec),
                 done = std::move(done)](absl::StatusOr<Outcome> outcome) mutable {
                  if (!outcome.ok()) return done(outcome.status());
                  Submitted out;
                  if (validate && outcome->result.success()) {
                    std::vector<v1::OutputFileRef> program;
                    for (const v1::OutputFile& f : outcome->result.output_files()) {
                      v1::OutputFileRef ref;
                      ref.set_path(f.path());
                      *ref.mutable_digest() = f.digest();
                      program.push_back(std::move(ref));
                    }
                    // A verdict already earned by this program is answered at once.
                    // With --revalidate it runs anyway, compared with the stored verdict.
                    std::optional<v1::Job> cached, stored;
                    CacheCheck check;
                    check.started_ms = scheduler_->NowMs();
                    if (verdicts_ == nullptr) {
                      check.detail = "verdict cache: off";
                    } else {
                      const std::string key = VerdictKey(outcome->key.key, spec);
                      auto earlier = verdicts_->Lookup(key);
                      if (earlier.ok()) (revalidate ? stored : cached) = *std::move(earlier);
                      if (!revalidate) compile_->CountVerdictLookup(cached.has_value());
                      check.detail = absl::StrCat("verdict cache: ", earlier.ok() ? "hit" : "miss", " (",
                                                  key.substr(0, 12), ")");
                      if (stored) absl::StrAppend(&check.detail, "; --revalidate: runs, compared with ", stored->id());
                    }
                    check.cached_from = cached ? &*cached : nullptr;
                    check.revalidating = stored ? &*stored : nullptr;
                    // Persisted before the answer goes out.
                    auto job = scheduler_->Submit(std::move(spec), outcome->key.key, std::move(program), std::move(check));
                    if (!job.ok()) return done(job.status());
                    out.job = *std::move(job);
                    if (on_job_ && !cached) on_job_();  // a cached answer is complete: nothing to dispatch
                  }
                  out.compile = *std::move(outcome);
                  done(std::move(out));
                });
}

}  // namespace ttc::daemon
