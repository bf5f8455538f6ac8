// A job process for job_process_test.cc: `fake_job_process --run-job DIR` runs
// RunJobInThisProcess with a backend whose behavior the job's seed chooses, so the test can
// make the job process pass, fail, crash, run out of memory or time, or write too much.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/job_process.h"

namespace {

class FakeBackend final : public ttc::validate::Backend {
 public:
  std::string name() const override { return "fake"; }
  absl::StatusOr<ttc::ValidationReport> Run(const ttc::v1::Job& job,
                                            const std::map<std::string, std::string>& files) override {
    ttc::ValidationReport r;
    r.seed = job.spec().seed();
    switch (job.spec().seed()) {
      case 1: {  // passes; echoes the program's files into the report
        r.pass = true;
        for (const auto& [path, bytes] : files) {
          ttc::OutputReport o;
          o.buffer = path;
          o.dtype = "bfloat16";
          o.elements = static_cast<int64_t>(bytes.size());
          o.pcc = 0.999;
          o.pass = true;
          r.outputs.push_back(o);
        }
        r.builds.host_build = "ttcd";
        r.builds.kernels_fetched = 3;
        return r;
      }
      case 2: {  // 64 GiB, more than any job limit: std::bad_alloc on another thread
        std::thread t([] {
          std::vector<char> huge(size_t{64} << 30);
          huge[1] = 1;
          std::printf("%d\n", huge[1]);
        });
        t.join();
        return r;
      }
      case 3:
        std::fprintf(stderr, "about to dereference null\n");
        std::fflush(stderr);
        raise(SIGSEGV);
        return r;
      case 4:  // spins until the CPU-time limit
        for (uint64_t i = 0;; ++i) asm volatile("" : "+r"(i));
      case 5: {  // a file beyond the output limit
        std::ofstream out(std::string(std::getenv("FAKE_JOB_OUT")), std::ios::binary);
        const std::string block(1 << 20, 'x');
        for (int i = 0; i < 64; ++i) out << block << std::flush;
        return r;
      }
      case 6:  // blocks without using CPU (cancel, wall-time limit)
        for (;;) pause();
      case 7:
        return absl::FailedPreconditionError("the device is not reachable");
      default:
        r.pass = false;
        r.error = "an output mismatched";
        return r;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--run-job") != 0) return 2;
  ttc::agent::InstallJobTerminateHandler();
  FakeBackend backend;
  return ttc::agent::RunJobInThisProcess(backend, argv[2]);
}
