#include "client/job_text.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ir/request_wire.h"

namespace ttc::client {

std::string JobFunctionName(const v1::Job& job) {
  if (job.spec().has_request()) return job.spec().request().func().name();
  v1::KernelRequest request;
  if (job.spec().request_wire().empty() || !ir::ParseWireMessage(job.spec().request_wire(), &request).ok()) return "";
  return request.func().name();
}

std::string JobLine(const v1::Job& j) {
  std::string line = absl::StrCat("[", v1::JobStage_Name(j.stage()), "]");
  if (j.stage() == v1::EXECUTING) {
    absl::StrAppend(&line, " attempt ", j.attempts(), " on ", j.lease().host_id(), "/", j.lease().device_id());
  }
  if (j.stage() == v1::COMPLETED) {
    absl::StrAppend(&line, " ", v1::JobOutcome_Name(j.result().outcome()), ": ", j.result().summary());
    if (j.result().cached()) {
      // Where and when the verdict was earned (the job did not run again).
      const absl::Time when = absl::FromUnixMillis(j.result().cached_completed_ms());
      absl::StrAppend(&line, " (CACHED: ", j.result().cached_job_id(), " passed on ", j.result().host_id(), "/",
                      j.result().device_id(), " at ", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", when, absl::UTCTimeZone()),
                      "; --revalidate runs it again)");
    }
  } else if (!j.progress().empty()) {
    absl::StrAppend(&line, " ", j.progress());
  }
  return line;
}

std::vector<std::string> UnseenStageLines(const v1::Job& job, int* seen) {
  std::vector<std::string> lines;
  for (int i = std::max(*seen, 0); i + 1 < job.history_size(); ++i) {
    const v1::StageEntry& e = job.history(i);
    std::string line = absl::StrCat("[", v1::JobStage_Name(e.stage()), "]");
    if (!e.detail().empty()) absl::StrAppend(&line, " ", e.detail());
    lines.push_back(std::move(line));
  }
  *seen = std::max(*seen, job.history_size());
  return lines;
}

}  // namespace ttc::client
