#include "agent/job_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <random>
#include <sstream>

#include <google/protobuf/io/coded_stream.h>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ttc::agent {
namespace {

namespace fs = std::filesystem;

constexpr char kCrashPayload[] = "type.ttc.dev/agent.JobCrash";
// Protobuf's parse recursion limit for the job (deeply nested expressions are legal input:
// the frontend bounds them, ttcd forwards them).
constexpr int kJobRecursionLimit = 10000;


std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

bool WriteFile(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  return out.good();
}

// The program's files as one blob: for each file "<path length>\n<path><size>\n<bytes>".
std::string PackFiles(const std::map<std::string, std::string>& files) {
  std::string out;
  for (const auto& [path, bytes] : files) absl::StrAppend(&out, path.size(), "\n", path, bytes.size(), "\n", bytes);
  return out;
}

bool UnpackFiles(const std::string& blob, std::map<std::string, std::string>* files) {
  size_t at = 0;
  auto take = [&](std::string* out) {
    const size_t nl = blob.find('\n', at);
    uint64_t n = 0;
    if (nl == std::string::npos || !absl::SimpleAtoi(blob.substr(at, nl - at), &n) || n > blob.size() - nl - 1) {
      return false;
    }
    *out = blob.substr(nl + 1, n);
    at = nl + 1 + n;
    return true;
  };
  while (at < blob.size()) {
    std::string path, bytes;
    if (!take(&path) || !take(&bytes)) return false;
    (*files)[path] = std::move(bytes);
  }
  return true;
}

std::string ReportToJson(const ValidationReport& r) {
  nlohmann::json j = nlohmann::json::parse(ReportJson(r));
  j["builds"] = {{"host_build", r.builds.host_build},
                 {"kernels_fetched", r.builds.kernels_fetched},
                 {"kernels_built", r.builds.kernels_built}};
  return j.dump();
}

absl::StatusOr<ValidationReport> ReportFromJson(const std::string& text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    ValidationReport r;
    r.backend = j.at("backend").get<std::string>();
    r.seed = j.at("seed").get<uint64_t>();
    r.pass = j.at("pass").get<bool>();
    r.error = j.value("error", "");
    r.build_seconds = j.at("build_seconds").get<double>();
    r.run_seconds = j.at("run_seconds").get<double>();
    for (const auto& o : j.at("outputs")) {
      OutputReport out;
      out.buffer = o.at("buffer").get<std::string>();
      out.dtype = o.at("dtype").get<std::string>();
      out.elements = o.at("elements").get<int64_t>();
      out.max_abs_err = o.at("max_abs_err").get<double>();
      out.max_rel_err = o.at("max_rel_err").get<double>();
      out.pcc = o.at("pcc").get<double>();
      out.tolerance = o.at("tolerance").get<double>();
      out.min_pcc = o.at("min_pcc").get<double>();
      out.pass = o.at("pass").get<bool>();
      r.outputs.push_back(std::move(out));
    }
    const nlohmann::json& b = j.at("builds");
    r.builds.host_build = b.at("host_build").get<std::string>();
    r.builds.kernels_fetched = b.at("kernels_fetched").get<int>();
    r.builds.kernels_built = b.at("kernels_built").get<int>();
    return r;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("the job process wrote an unreadable report: ", e.what()));
  }
}

// The last `lines` lines of the job's stderr, for a crash reason.
std::string Tail(const std::string& log, int lines = 6) {
  absl::string_view v = absl::StripTrailingAsciiWhitespace(log);
  if (v.size() > 1500) v = v.substr(v.size() - 1500);
  size_t at = v.size();
  for (int i = 0; i < lines && at != absl::string_view::npos && at > 0; ++i) at = v.rfind('\n', at - 1);
  if (at != absl::string_view::npos && at < v.size()) v = v.substr(at + 1);
  return std::string(v);
}

std::string SignalName(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGTERM: return "SIGTERM";
    default: return absl::StrCat("signal ", sig);
  }
}

class ProcessBackend final : public validate::Backend {
 public:
  ProcessBackend(std::string name, std::string exe, std::vector<std::string> argv, std::string scratch,
                 JobLimits limits)
      : name_(std::move(name)), exe_(std::move(exe)), argv_(std::move(argv)), scratch_(std::move(scratch)),
        limits_(limits) {
    if (limits_.wall_seconds <= 0) limits_.wall_seconds = 2 * limits_.cpu_seconds + 60;
  }

  std::string name() const override { return name_; }

  void Cancel(const std::string& lease_id) override {
    if (lease_id.empty()) return;
    std::lock_guard<std::mutex> l(mu_);
    Running& r = running_[lease_id];
    r.cancelled = true;
    if (r.pid > 0) kill(-r.pid, SIGKILL);
  }

  absl::StatusOr<ValidationReport> Run(const v1::Job& job, const std::map<std::string, std::string>& files) override {
    const std::string lease = job.lease().lease_id();
    struct Forget {
      ProcessBackend* b;
      std::string lease;
      ~Forget() {
        if (lease.empty()) return;
        std::lock_guard<std::mutex> l(b->mu_);
        b->running_.erase(lease);
      }
    } forget{this, lease};
    if (!lease.empty()) {
      std::lock_guard<std::mutex> l(mu_);
      if (running_[lease].cancelled) return absl::CancelledError("the job was cancelled before it started");
    }
    std::error_code ec;
    const fs::path dir = fs::path(scratch_) / absl::StrCat("job-", getpid(), "-", ++seq_, "-", RandomSuffix());
    fs::create_directories(dir, ec);
    struct Remove {
      fs::path dir;
      ~Remove() {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
      }
    } remove{dir};
    if (ec || !WriteFile(dir / "job.binpb", job.SerializeAsString()) ||
        !WriteFile(dir / "program.bin", PackFiles(files))) {
      return absl::InternalError(absl::StrCat("cannot write the job's files to ", dir.string(),
                                              ec ? ": " + ec.message() : std::string()));
    }
    auto status = Spawn(dir, lease);
    if (!status.ok()) return status.status();
    const std::string log = ReadFile(dir / "stderr.txt");
    ForwardJobLog(dir / kJobLogFile);
    const Ended& end = *status;
    if (end.cancelled) return absl::CancelledError("the job was cancelled (its lease was revoked)");
    if (end.wall_exceeded) {
      return JobCrashError(absl::StrCat("the job ran past the wall-time limit of ", limits_.wall_seconds,
                                   " s and was killed", TailNote(log)));
    }
    if (WIFEXITED(end.status)) {
      const int code = WEXITSTATUS(end.status);
      if (code == 0) return ReportFromJson(ReadFile(dir / "report.json"));
      if (code == kExitBackendError) {
        const std::string text = ReadFile(dir / "error.txt");
        const size_t nl = text.find('\n');
        int number = 0;
        if (nl == std::string::npos || !absl::SimpleAtoi(text.substr(0, nl), &number) || number <= 0 || number > 16) {
          return absl::InternalError(absl::StrCat("the job process failed without saying why", TailNote(log)));
        }
        return absl::Status(static_cast<absl::StatusCode>(number), text.substr(nl + 1));
      }
      if (code == kExitOutOfMemory) {
        return JobCrashError(absl::StrCat("out of memory: the job needs more than the job address-space limit of ",
                                     limits_.memory_mib, " MiB (job_memory_mib)", TailNote(log)));
      }
      return JobCrashError(absl::StrCat("the job process exited with status ", code, TailNote(log)));
    }
    const int sig = WIFSIGNALED(end.status) ? WTERMSIG(end.status) : 0;
    if (sig == SIGXCPU || (sig == SIGKILL && end.cpu_seconds >= limits_.cpu_seconds)) {
      return JobCrashError(absl::StrCat("the job used up the CPU-time limit of ", limits_.cpu_seconds,
                                   " s (job_cpu_seconds)", TailNote(log)));
    }
    if (sig == SIGXFSZ) {
      return JobCrashError(absl::StrCat("the job wrote a file larger than the output limit of ", limits_.output_mib,
                                   " MiB (job_output_mib)", TailNote(log)));
    }
    return JobCrashError(absl::StrCat("the job process was killed by ", SignalName(sig),
                                 sig == SIGKILL ? " (the kernel's out-of-memory killer?)" : "", TailNote(log)));
  }

 private:
  struct Running {
    pid_t pid = 0;
    bool cancelled = false;
  };
  struct Ended {
    int status = 0;
    bool cancelled = false;
    bool wall_exceeded = false;
    double cpu_seconds = 0;
  };

  // Appends the job process's log lines to the agent's stderr (bounded; whole lines).
  static void ForwardJobLog(const fs::path& path) {
    std::string text = ReadFile(path);
    if (text.empty()) return;
    if (text.size() > kJobLogMaxBytes) {
      const size_t cut = text.rfind('\n', kJobLogMaxBytes);
      text.resize(cut == std::string::npos ? 0 : cut + 1);
      text += "level=warn msg=\"the job process's log was cut\" max_bytes=" + std::to_string(kJobLogMaxBytes) + "\n";
    }
    if (text.back() != '\n') text += '\n';
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
  }

  static std::string TailNote(const std::string& log) {
    const std::string tail = Tail(log);
    return tail.empty() ? "" : absl::StrCat("; its last output: ", tail);
  }

  static std::string RandomSuffix() {
    thread_local std::mt19937_64 rng(std::random_device{}());
    return absl::StrCat(rng() & 0xffffffff);
  }

  // Starts the job process in its own process group with the limits, waits for it (killing
  // the group at the wall-time limit or on Cancel) and reaps it.
  absl::StatusOr<Ended> Spawn(const fs::path& dir, const std::string& lease) {
    std::vector<std::string> args = argv_;
    args.push_back("--run-job");
    args.push_back(dir.string());
    std::vector<char*> cargv;
    for (std::string& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    const std::string log_path = (dir / "stderr.txt").string();
    const std::string& exe = exe_;
    const rlim_t mib = 1024 * 1024;
    const rlimit as{static_cast<rlim_t>(limits_.memory_mib) * mib, static_cast<rlim_t>(limits_.memory_mib) * mib};
    const rlimit cpu{static_cast<rlim_t>(limits_.cpu_seconds), static_cast<rlim_t>(limits_.cpu_seconds) + 5};
    const rlimit fsize{static_cast<rlim_t>(limits_.output_mib) * mib, static_cast<rlim_t>(limits_.output_mib) * mib};
    const rlimit core{0, 0};

    std::unique_lock<std::mutex> l(mu_);  // so Cancel sees the pid as soon as there is one
    if (!lease.empty() && running_[lease].cancelled) return Ended{0, true};
    const pid_t pid = fork();
    if (pid < 0) return absl::InternalError(absl::StrCat("cannot start the job process: ", std::strerror(errno)));
    if (pid == 0) {
      // The child: async-signal-safe calls only until execv.
      setpgid(0, 0);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      signal(SIGPIPE, SIG_DFL);
      setrlimit(RLIMIT_AS, &as);
      setrlimit(RLIMIT_CPU, &cpu);
      setrlimit(RLIMIT_FSIZE, &fsize);
      setrlimit(RLIMIT_CORE, &core);
      const int in = open("/dev/null", O_RDONLY);
      const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0) _exit(126);
      dup2(in, 0);
      dup2(out, 1);
      dup2(out, 2);
      execv(exe.c_str(), cargv.data());
      _exit(127);
    }
    setpgid(pid, pid);  // also in the parent: whichever runs first
    if (!lease.empty()) running_[lease].pid = pid;
    l.unlock();

    Ended end;
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limits_.wall_seconds);
    rusage usage{};
    for (;;) {
      if (pidfd >= 0) {
        pollfd p{pidfd, POLLIN, 0};
        poll(&p, 1, 500);
      }
      const pid_t r = wait4(pid, &end.status, pidfd >= 0 ? WNOHANG : 0, &usage);
      if (r == pid) break;
      if (r < 0 && errno != EINTR) {
        if (pidfd >= 0) close(pidfd);
        return absl::InternalError(absl::StrCat("cannot wait for the job process: ", std::strerror(errno)));
      }
      if (!end.wall_exceeded && std::chrono::steady_clock::now() >= deadline) {
        end.wall_exceeded = true;
        kill(-pid, SIGKILL);
      }
    }
    if (pidfd >= 0) close(pidfd);
    kill(-pid, SIGKILL);  // whatever it started and left behind
    end.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec);
    if (!lease.empty()) {
      std::lock_guard<std::mutex> g(mu_);
      end.cancelled = running_[lease].cancelled;
      running_[lease].pid = 0;
    }
    return end;
  }

  const std::string name_;
  const std::string exe_;
  const std::vector<std::string> argv_;
  const std::string scratch_;
  JobLimits limits_;
  std::atomic<uint64_t> seq_{0};
  std::mutex mu_;
  std::map<std::string, Running> running_;  // lease id -> its job process; guarded by mu_
};

}  // namespace

std::unique_ptr<validate::Backend> MakeProcessBackend(std::string inner_name, std::string executable,
                                                      std::vector<std::string> child_argv, std::string scratch_dir,
                                                      JobLimits limits) {
  return std::make_unique<ProcessBackend>(std::move(inner_name), std::move(executable), std::move(child_argv),
                                          std::move(scratch_dir), limits);
}

bool IsJobCrash(const absl::Status& st) { return st.GetPayload(kCrashPayload).has_value(); }

absl::Status JobCrashError(std::string reason) {
  absl::Status st = absl::AbortedError(std::move(reason));
  st.SetPayload(kCrashPayload, absl::Cord("1"));
  return st;
}

void InstallJobTerminateHandler() {
  std::set_terminate([] {
    if (std::exception_ptr e = std::current_exception()) {
      try {
        std::rethrow_exception(e);
      } catch (const std::bad_alloc&) {
        static const char kMsg[] = "ttc-agent job: out of memory (std::bad_alloc)\n";
        (void)!write(2, kMsg, sizeof(kMsg) - 1);
        _exit(kExitOutOfMemory);
      } catch (const std::exception& ex) {
        std::fprintf(stderr, "ttc-agent job: uncaught exception: %s\n", ex.what());
      } catch (...) {
      }
    }
    std::abort();
  });
}

int RunJobInThisProcess(validate::Backend& backend, const std::string& dir) {
  const fs::path d(dir);
  v1::Job job;
  std::map<std::string, std::string> files;
  {
    const std::string bytes = ReadFile(d / "job.binpb");
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                              static_cast<int>(bytes.size()));
    in.SetRecursionLimit(kJobRecursionLimit);
    if (bytes.empty() || !job.ParseFromCodedStream(&in) || !UnpackFiles(ReadFile(d / "program.bin"), &files)) {
      std::fprintf(stderr, "ttc-agent job: cannot read the job from %s\n", dir.c_str());
      return kExitBadJobDir;
    }
  }
  absl::StatusOr<ValidationReport> report;
  try {
    report = backend.Run(job, files);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "ttc-agent job: out of memory (std::bad_alloc)\n");
    return kExitOutOfMemory;
  }
  if (!report.ok()) {
    WriteFile(d / "error.txt", absl::StrCat(static_cast<int>(report.status().code()), "\n", report.status().message()));
    return kExitBackendError;
  }
  if (!WriteFile(d / "report.json.tmp", ReportToJson(*report))) return kExitBadJobDir;
  std::error_code ec;
  fs::rename(d / "report.json.tmp", d / "report.json", ec);
  return ec ? kExitBadJobDir : 0;
}

}  // namespace ttc::agent
