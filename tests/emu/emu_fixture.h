// A fixture for tests that run small hand-written kernels on the emulated device through the
// real TT-Metalium host API: a device per test, kernel sources written into the test's own
// directory, programs run to their report, and the process's stdout/stderr captured around a
// run (DPRINT output, protocol warnings). Kernels are built into $TTC_EMU_CACHE_DIR (set by
// ctest under the build tree; a temp dir otherwise); every run is bounded by
// TTC_EMU_TIMEOUT_SECONDS (30 unless set).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tt-metalium/host_api.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>

namespace ttc::emu::testing {

class EmuKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    if (!std::getenv("TTC_EMU_CACHE_DIR")) {
      setenv("TTC_EMU_CACHE_DIR", (fs::path(::testing::TempDir()) / "ttc_emu_api_test_cache").c_str(), 1);
    }
    if (!std::getenv("TTC_EMU_TIMEOUT_SECONDS")) setenv("TTC_EMU_TIMEOUT_SECONDS", "30", 1);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    std::replace(name.begin(), name.end(), '/', '_');
    dir_ = fs::path(::testing::TempDir()) / ("ttc_emu_kernels_" + std::to_string(getpid())) / name;
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    device_ = tt::tt_metal::CreateDevice(0);
    cq_ = &device_->command_queue();
  }
  void TearDown() override {
    tt::tt_metal::CloseDevice(device_);
    std::filesystem::remove_all(dir_);
    std::error_code ignored;
    std::filesystem::remove(dir_.parent_path(), ignored);
  }

  // Writes a kernel source into this test's directory; returns its path.
  std::string Kernel(const std::string& name, const std::string& source) {
    const std::filesystem::path p = dir_ / name;
    std::ofstream(p) << source;
    return p.string();
  }

  std::shared_ptr<tt::tt_metal::Buffer> Dram(uint64_t size, uint64_t page) {
    return tt::tt_metal::CreateBuffer(tt::tt_metal::InterleavedBufferConfig{
        .device = device_, .size = size, .page_size = page, .buffer_type = tt::tt_metal::BufferType::DRAM});
  }

  static void Cb(tt::tt_metal::Program& p, const tt::tt_metal::CoreSpec& cores, uint8_t index, uint32_t pages,
                 uint32_t page, tt::DataFormat format = tt::DataFormat::Float16_b) {
    tt::tt_metal::CreateCircularBuffer(
        p, cores, tt::tt_metal::CircularBufferConfig(pages * page, {{index, format}}).set_page_size(index, page));
  }

  static tt::tt_metal::DataMovementConfig Reader(std::vector<uint32_t> ct = {},
                                                 std::map<std::string, std::string> defines = {}) {
    return tt::tt_metal::DataMovementConfig{.processor = tt::tt_metal::DataMovementProcessor::RISCV_1,
                                            .noc = tt::tt_metal::NOC::RISCV_1_default,
                                            .compile_args = std::move(ct),
                                            .defines = std::move(defines)};
  }
  static tt::tt_metal::DataMovementConfig Writer(std::vector<uint32_t> ct = {},
                                                 std::map<std::string, std::string> defines = {}) {
    return tt::tt_metal::DataMovementConfig{.processor = tt::tt_metal::DataMovementProcessor::RISCV_0,
                                            .noc = tt::tt_metal::NOC::RISCV_0_default,
                                            .compile_args = std::move(ct),
                                            .defines = std::move(defines)};
  }

  // Runs the program to completion: "" on success, else the emulator's report.
  std::string Run(tt::tt_metal::Program& program) {
    try {
      tt::tt_metal::EnqueueProgram(*cq_, program, false);
      tt::tt_metal::Finish(*cq_);
      return "";
    } catch (const std::runtime_error& e) {
      return e.what();
    }
  }

  // The same, with what the run printed to stdout and stderr.
  struct Outcome {
    std::string report, out, err;
  };
  Outcome RunCapturing(tt::tt_metal::Program& program) {
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    Outcome o;
    o.report = Run(program);
    o.out = ::testing::internal::GetCapturedStdout();
    o.err = ::testing::internal::GetCapturedStderr();
    return o;
  }

  std::filesystem::path dir_;
  tt::tt_metal::IDevice* device_ = nullptr;
  tt::tt_metal::CommandQueue* cq_ = nullptr;
};

}  // namespace ttc::emu::testing
