// Job isolation: ttc-agent runs every validation (jobs and health checks) in a child process
// of its own, under resource limits, so nothing a job's input does - allocate 2^31-element
// buffers, overflow the stack, loop, fill the disk, crash the emulator - can take the agent
// down (docs/devices.md "Job isolation"). The child is the agent's own executable started as
// `ttc-agent ARGS... --run-job DIR`: it resolves the same settings, runs the real backend
// (validate/backend.h) on DIR/job.binpb and DIR/program, and writes DIR/report.json.
//
// What the parent makes of the child's end:
//   exit 0 + report.json            the backend's report (pass or fail)
//   exit kExitBackendError           the backend's error status (DIR/error.txt): machinery, not the job
//   exit kExitOutOfMemory, SIGKILL from the kernel's OOM killer, SIGSEGV, SIGABRT, any other
//   signal or exit status, a CPU, wall-time or output limit
//                                    a job crash (IsJobCrash): the reason says which limit or
//                                    signal, with the tail of the child's stderr
//   Cancel()                         CANCELLED (the child's process group is killed)
#ifndef TTC_AGENT_JOB_PROCESS_H_
#define TTC_AGENT_JOB_PROCESS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "validate/backend.h"

namespace ttc::agent {

// Limits of one job's process (and of what it starts: the host program and the compilers
// inherit them). Set from agent.toml / flags job_memory_mib, job_cpu_seconds, job_output_mib.
struct JobLimits {
  int64_t memory_mib = 8192;  // RLIMIT_AS: address space, MiB
  int64_t cpu_seconds = 3600; // RLIMIT_CPU of the job process, seconds of CPU time
  int64_t output_mib = 1024;  // RLIMIT_FSIZE: the largest file the job may write, MiB
  // Wall-clock time after which the job's process group is killed, seconds; 0 = 2 x
  // cpu_seconds + 60 (a job blocked without using CPU).
  int64_t wall_seconds = 0;
};

// The job process's own log (logfmt lines, values from outside escaped) in DIR; the agent
// appends it to its log (stderr) when the job ends, at most kJobLogMaxBytes of it.
inline constexpr char kJobLogFile[] = "log.txt";
inline constexpr size_t kJobLogMaxBytes = 1 << 20;

// Exit statuses of `--run-job` (besides 0).
inline constexpr int kExitBackendError = 3;  // DIR/error.txt: "<absl status code number>\n<message>"
inline constexpr int kExitOutOfMemory = 4;   // std::bad_alloc anywhere in the job process
inline constexpr int kExitBadJobDir = 5;     // DIR is missing or unreadable (a bug of the agent)

// A Backend that runs `inner_name`'s validations in child processes: `executable` (the
// agent: "/proc/self/exe") with arguments `child_argv` (argv[0] first; the agent's own,
// without --run-job) plus `--run-job DIR`, DIR a fresh directory under `scratch_dir` that is
// removed afterwards. name() is `inner_name`. Run returns the report, the backend's error, a
// job crash (IsJobCrash) or CANCELLED; INTERNAL when the process cannot be started.
// Thread-safety: Run and Cancel may be called concurrently (one Run per lease id).
std::unique_ptr<validate::Backend> MakeProcessBackend(std::string inner_name, std::string executable,
                                                      std::vector<std::string> child_argv, std::string scratch_dir,
                                                      JobLimits limits);

// Whether `st` (from a process backend's Run) says the job's own process crashed or hit a
// limit - the job's doing, not the device's (reported as JobCrashed.caused_by_job).
bool IsJobCrash(const absl::Status& st);
// The status of a job crash: ABORTED with `reason`, marked so that IsJobCrash holds.
absl::Status JobCrashError(std::string reason);

// The child's side (`ttc-agent ... --run-job DIR`): reads the job and its program from DIR,
// runs `backend`, writes DIR/report.json (or DIR/error.txt) and returns the process's exit
// status (0, kExitBackendError, kExitBadJobDir). A std::bad_alloc on any thread ends the
// process with kExitOutOfMemory (call InstallJobTerminateHandler first).
int RunJobInThisProcess(validate::Backend& backend, const std::string& dir);

// std::set_terminate for the job process: an uncaught std::bad_alloc exits kExitOutOfMemory
// (after a line on stderr), anything else aborts as usual.
void InstallJobTerminateHandler();

}  // namespace ttc::agent

#endif  // TTC_AGENT_JOB_PROCESS_H_
