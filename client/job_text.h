// How `ttc-client` prints a validation job (ttc.v1.Job, proto/ttc/v1/jobs.proto) as `watch`,
// `submit --wait`, `jobs` and `cancel` show it. Pure functions; thread-safe.
#ifndef TTC_CLIENT_JOB_TEXT_H_
#define TTC_CLIENT_JOB_TEXT_H_

#include <string>
#include <vector>

#include "ttc/v1/jobs.pb.h"

namespace ttc::client {

// One line for the job's current state: "[STAGE]", then the attempt and device while
// EXECUTING, the outcome and summary when COMPLETED (for a cached verdict also the job that
// earned it, where and when), else the last progress message.
std::string JobLine(const v1::Job& job);

// The job's kernel function name: from spec.request, else parsed from spec.request_wire (as
// ttcd shows jobs) with the request nesting limit; "" when neither holds one.
std::string JobFunctionName(const v1::Job& job);

// One "[STAGE] detail" line for each Job.history entry from index *seen up to, not including,
// the last one (the current stage, which JobLine prints); advances *seen to the history's size.
// A watcher calls it for every message it receives, so stages entered between two messages
// (the CACHE_CHECK of a job answered within Submit; a requeue and new lease in one dispatch
// round) are still shown, each once.
std::vector<std::string> UnseenStageLines(const v1::Job& job, int* seen);

}  // namespace ttc::client

#endif  // TTC_CLIENT_JOB_TEXT_H_
