#include "cache/rocksdb_log.h"

#include <cstdarg>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace ttc::cache {
namespace {

class SpdlogLogger final : public rocksdb::Logger {
 public:
  explicit SpdlogLogger(std::string name) : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), name_(std::move(name)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    va_list copy;
    va_copy(copy, ap);
    std::vsnprintf(buf, sizeof(buf), format, copy);
    va_end(copy);
    const auto at = level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? spdlog::level::err : spdlog::level::warn;
    spdlog::log(at, "msg=\"rocksdb\" rocksdb={} detail=\"{}\"", name_, buf);
  }

 private:
  const std::string name_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> RocksDbLogger(const std::string& name) { return std::make_shared<SpdlogLogger>(name); }

}  // namespace ttc::cache
