// Kernel source lookup as TT-Metalium does it (emu/runtime/paths.h): the path as given (absolute,
// or relative to the current directory), then below the root directory ($TT_METAL_RUNTIME_ROOT,
// else $TT_METAL_HOME, else the current directory when it holds tt_metal/), then below
// $TT_METAL_KERNEL_PATH, then below /usr/share/tenstorrent/kernels; the first that exists wins,
// made absolute; none is an error naming every path searched.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "emu/runtime/paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ttc::emu {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class KernelPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_cwd_ = fs::current_path();
    dir_ = fs::temp_directory_path() / ("ttc-kernel-paths-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "cwd");
    fs::current_path(dir_ / "cwd");
    for (const char* var : kVars) {
      if (const char* v = std::getenv(var)) saved_env_[var] = v;
      unsetenv(var);
    }
  }
  void TearDown() override {
    fs::current_path(saved_cwd_);
    for (const char* var : kVars) unsetenv(var);
    for (const auto& [k, v] : saved_env_) setenv(k.c_str(), v.c_str(), 1);
    fs::remove_all(dir_);
  }
  // Writes an empty kernel at `p` (below the test's directory) and returns its absolute path.
  std::string Touch(const fs::path& p) {
    fs::create_directories((dir_ / p).parent_path());
    std::ofstream(dir_ / p) << "void kernel_main() {}\n";
    return (dir_ / p).string();
  }

  static constexpr const char* kVars[] = {"TT_METAL_RUNTIME_ROOT", "TT_METAL_HOME", "TT_METAL_KERNEL_PATH"};
  fs::path dir_, saved_cwd_;
  std::map<std::string, std::string> saved_env_;
};

TEST_F(KernelPathsTest, SearchOrderFollowsTtMetalium) {
  setenv("TT_METAL_HOME", (dir_ / "home").c_str(), 1);
  setenv("TT_METAL_KERNEL_PATH", (dir_ / "kpath").c_str(), 1);
  EXPECT_THAT(KernelSearchPaths("a/k.cpp"),
              ElementsAre("a/k.cpp", (dir_ / "home" / "a/k.cpp").string(), (dir_ / "kpath" / "a/k.cpp").string(),
                          "/usr/share/tenstorrent/kernels/a/k.cpp"));
  // An absolute path is only itself.
  EXPECT_THAT(KernelSearchPaths("/x/k.cpp"), ElementsAre("/x/k.cpp"));
}

TEST_F(KernelPathsTest, RootIsRuntimeRootThenHomeThenACurrentDirectoryWithTtMetal) {
  EXPECT_EQ(KernelRootDir(), "");
  fs::create_directories(dir_ / "cwd" / "tt_metal");
  EXPECT_EQ(fs::path(KernelRootDir()), dir_ / "cwd");
  setenv("TT_METAL_HOME", "/home-root", 1);
  EXPECT_EQ(KernelRootDir(), "/home-root");
  setenv("TT_METAL_RUNTIME_ROOT", "/runtime-root", 1);
  EXPECT_EQ(KernelRootDir(), "/runtime-root");
}

TEST_F(KernelPathsTest, FirstExistingPathWinsAndIsMadeAbsolute) {
  const std::string under_root = Touch("root/tt_metal/programming_examples/ex/kernels/k.cpp");
  const std::string under_kpath = Touch("kpath/ex/kernels/k.cpp");
  setenv("TT_METAL_HOME", (dir_ / "root").c_str(), 1);
  setenv("TT_METAL_KERNEL_PATH", (dir_ / "kpath").c_str(), 1);
  EXPECT_EQ(ResolveKernelPath("tt_metal/programming_examples/ex/kernels/k.cpp"), under_root);
  EXPECT_EQ(ResolveKernelPath("ex/kernels/k.cpp"), under_kpath);  // OVERRIDE_KERNEL_PREFIX ""
  // Relative to the current directory first, as out_of_tree_test's "./null_kernel_dm.cpp".
  const std::string in_cwd = Touch("cwd/ex/kernels/k.cpp");
  EXPECT_EQ(ResolveKernelPath("./ex/kernels/k.cpp"), in_cwd);
  EXPECT_EQ(ResolveKernelPath("ex/kernels/k.cpp"), in_cwd);
  EXPECT_EQ(ResolveKernelPath(under_kpath), under_kpath);
}

TEST_F(KernelPathsTest, MissingKernelNamesEverySearchedPath) {
  setenv("TT_METAL_HOME", (dir_ / "root").c_str(), 1);
  try {
    ResolveKernelPath("ex/kernels/missing.cpp");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Kernel file ex/kernels/missing.cpp doesn't exist in any of the searched paths!"));
    EXPECT_THAT(e.what(), HasSubstr((dir_ / "root" / "ex/kernels/missing.cpp").string()));
    EXPECT_THAT(e.what(), HasSubstr("/usr/share/tenstorrent/kernels/ex/kernels/missing.cpp"));
  }
  EXPECT_THROW(ResolveKernelPath((dir_ / "nowhere.cpp").string()), std::runtime_error);
}

}  // namespace
}  // namespace ttc::emu
