// ttc emulator: TT-Metalium's assertion macros (tt_stl/assert.hpp), with TT's semantics:
//   TT_THROW(fmt, args...)            always throws std::runtime_error;
//   TT_FATAL(cond, fmt, args...)      throws when cond is false, in every build;
//   TT_ASSERT(cond[, fmt, args...])   checked only when DEBUG is defined, otherwise nothing.
// The message reads "<TYPE> @ <file>:<line>: <condition>\ninfo:\n<formatted message>\n"
// (fmt syntax, checked at compile time). TT_ASSERT_ABORT in the environment aborts instead.
#pragma once

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <fmt/core.h>
#include <fmt/ostream.h>

namespace tt::assert {

[[noreturn]] inline void tt_throw_message(char const* file, int line, char const* assert_type,
                                          char const* condition_str, const std::string* info) {
    std::ostringstream os;
    os << assert_type << " @ " << file << ":" << line << ": " << condition_str << "\n";
    if (info != nullptr) os << "info:\n" << *info << "\n";
    if (std::getenv("TT_ASSERT_ABORT") != nullptr) {
        std::cerr << os.str() << std::flush;
        std::abort();
    }
    throw std::runtime_error(os.str());
}

[[noreturn]] inline void tt_throw(char const* file, int line, char const* assert_type, char const* condition_str) {
    tt_throw_message(file, line, assert_type, condition_str, nullptr);
}

template <typename... Args>
[[noreturn]] void tt_throw(char const* file, int line, char const* assert_type, char const* condition_str,
                           fmt::format_string<Args const&...> format, Args const&... args) {
    const std::string info = fmt::format(format, args...);
    tt_throw_message(file, line, assert_type, condition_str, &info);
}

}  // namespace tt::assert

// TT_ASSERT is a debug-build check (DEBUG defined), as in TT-Metalium; release builds drop it.
#ifndef TT_ASSERT
#ifdef DEBUG
#define TT_ASSERT(condition, ...)                                                                          \
    do {                                                                                                   \
        if (!(condition)) ::tt::assert::tt_throw(__FILE__, __LINE__, "TT_ASSERT", #condition __VA_OPT__(, ) \
                                                 __VA_ARGS__);                                              \
    } while (false)
#else
#define TT_ASSERT(condition, ...) ((void)0)
#endif
#endif

#ifndef TT_THROW
#define TT_THROW(...) ::tt::assert::tt_throw(__FILE__, __LINE__, "TT_THROW", "tt::exception" __VA_OPT__(, ) __VA_ARGS__)
#endif

#ifndef TT_FATAL
#define TT_FATAL(condition, ...)                                                                              \
    do {                                                                                                      \
        if (!(condition)) [[unlikely]]                                                                        \
            ::tt::assert::tt_throw(__FILE__, __LINE__, "TT_FATAL", #condition __VA_OPT__(, ) __VA_ARGS__);    \
    } while (false)
#endif
