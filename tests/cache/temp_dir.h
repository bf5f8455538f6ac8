// A unique directory under the system temp dir, removed (recursively) on destruction.
#ifndef TTC_TESTS_CACHE_TEMP_DIR_H_
#define TTC_TESTS_CACHE_TEMP_DIR_H_

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

namespace ttc::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("ttc-cache-test-" + std::to_string(::getpid()) + "-" + std::to_string(now) + "-" +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // A path inside the directory (not created).
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ttc::testing

#endif  // TTC_TESTS_CACHE_TEMP_DIR_H_
