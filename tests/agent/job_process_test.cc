// Job isolation (agent/job_process.h) with real child processes: fake_job_process runs
// RunJobInThisProcess with a backend that passes, fails, runs out of memory, segfaults,
// spins, writes too much or blocks, as the job's seed says. Every way a job can end is
// reported as what it is - a report, the backend's error, or a job crash naming the limit or
// signal - and the caller (the agent) survives all of them.
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/job_process.h"
#include "tests/cache/temp_dir.h"

namespace ttc::agent {
namespace {

using ::testing::HasSubstr;

class JobProcessTest : public ::testing::Test {
 protected:
  std::unique_ptr<validate::Backend> Backend(JobLimits limits = {}) {
    return MakeProcessBackend("fake", FAKE_JOB_PROCESS_PATH, {"fake_job_process"}, dir_.Sub("jobs"), limits);
  }
  static v1::Job Job(uint64_t seed, const std::string& lease = "") {
    v1::Job job;
    job.set_id("job-1");
    job.mutable_spec()->set_seed(seed);
    job.mutable_lease()->set_lease_id(lease);
    return job;
  }
  // Jobs left in the scratch directory (each Run removes its own).
  size_t Leftovers() {
    size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir_.Sub("jobs"), ec);
         !ec && it != std::filesystem::directory_iterator(); ++it) {
      ++n;
    }
    return n;
  }
  testing::TempDir dir_;
};

TEST_F(JobProcessTest, APassingJobsReportComesBackWhole) {
  const std::map<std::string, std::string> files = {{"kernels/reader.cpp", "void kernel_main() {}\n"},
                                                    {"main.cpp", std::string("\0\n1\n\xff", 5)}};
  auto report = Backend()->Run(Job(1), files);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->pass);
  EXPECT_EQ(report->seed, 1u);
  ASSERT_EQ(report->outputs.size(), 2u);
  EXPECT_EQ(report->outputs[0].buffer, "kernels/reader.cpp");
  EXPECT_EQ(report->outputs[0].elements, 22);
  EXPECT_EQ(report->outputs[1].buffer, "main.cpp");
  EXPECT_EQ(report->outputs[1].elements, 5);  // binary bytes, a NUL and newlines included
  EXPECT_DOUBLE_EQ(report->outputs[1].pcc, 0.999);
  EXPECT_EQ(report->builds.host_build, "ttcd");
  EXPECT_EQ(report->builds.kernels_fetched, 3);
  EXPECT_EQ(Leftovers(), 0u);
}

TEST_F(JobProcessTest, AFailingJobIsAReportNotACrash) {
  auto report = Backend()->Run(Job(99), {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->pass);
  EXPECT_EQ(report->error, "an output mismatched");
}

TEST_F(JobProcessTest, TheBackendsOwnErrorKeepsItsCodeAndIsNotAJobCrash) {
  auto report = Backend()->Run(Job(7), {});
  EXPECT_TRUE(absl::IsFailedPrecondition(report.status())) << report.status();
  EXPECT_EQ(report.status().message(), "the device is not reachable");
  EXPECT_FALSE(IsJobCrash(report.status()));
}

TEST_F(JobProcessTest, AnAllocationBeyondTheMemoryLimitIsAJobCrashNamingTheLimit) {
  JobLimits limits;
  limits.memory_mib = 1024;
  auto report = Backend(limits)->Run(Job(2), {});
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(IsJobCrash(report.status())) << report.status();
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("out of memory"));
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("1024 MiB (job_memory_mib)"));
  EXPECT_EQ(Leftovers(), 0u);
}

TEST_F(JobProcessTest, ASegfaultIsAJobCrashWithTheProcesssLastOutput) {
  auto report = Backend()->Run(Job(3), {});
  EXPECT_TRUE(IsJobCrash(report.status())) << report.status();
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("killed by SIGSEGV"));
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("about to dereference null"));
}

TEST_F(JobProcessTest, AJobThatSpinsIsStoppedAtTheCpuTimeLimit) {
  JobLimits limits;
  limits.cpu_seconds = 1;
  auto report = Backend(limits)->Run(Job(4), {});
  EXPECT_TRUE(IsJobCrash(report.status())) << report.status();
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("CPU-time limit of 1 s (job_cpu_seconds)"));
}

TEST_F(JobProcessTest, AJobThatWritesTooMuchIsStoppedAtTheOutputLimit) {
  setenv("FAKE_JOB_OUT", dir_.Sub("big.out").c_str(), 1);
  JobLimits limits;
  limits.output_mib = 2;
  auto report = Backend(limits)->Run(Job(5), {});
  EXPECT_TRUE(IsJobCrash(report.status())) << report.status();
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("output limit of 2 MiB (job_output_mib)"));
  EXPECT_LE(std::filesystem::file_size(dir_.Sub("big.out")), 2u << 20);
}

TEST_F(JobProcessTest, AJobBlockedWithoutCpuIsKilledAtTheWallTimeLimit) {
  JobLimits limits;
  limits.wall_seconds = 1;
  auto report = Backend(limits)->Run(Job(6), {});
  EXPECT_TRUE(IsJobCrash(report.status())) << report.status();
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("wall-time limit of 1 s"));
}

TEST_F(JobProcessTest, CancelKillsTheRunningJobAndARevokedLeaseNeverStarts) {
  auto backend = Backend();
  auto run = std::async(std::launch::async, [&] { return backend->Run(Job(6, "lease-a"), {}); });
  // The job process is up once its scratch directory exists; then it blocks for good.
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (Leftovers() == 0 && std::chrono::steady_clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  backend->Cancel("lease-a");
  ASSERT_EQ(run.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(absl::IsCancelled(run.get().status()));

  backend->Cancel("lease-b");  // revoked before its run began
  auto late = backend->Run(Job(1, "lease-b"), {});
  EXPECT_TRUE(absl::IsCancelled(late.status())) << late.status();
  EXPECT_EQ(Leftovers(), 0u);

  auto other = backend->Run(Job(1, "lease-c"), {});  // other leases are unaffected
  EXPECT_TRUE(other.ok()) << other.status();
}

}  // namespace
}  // namespace ttc::agent
