// Quoting for /bin/sh command lines (std::system, popen): the project's tools run the host
// compiler, CMake and generated programs through the shell. Pure; thread-safe.
#ifndef TTC_COMMON_SHELL_H_
#define TTC_COMMON_SHELL_H_

#include <string>
#include <string_view>

namespace ttc {

// `s` as one POSIX shell word: in single quotes, each ' written as '\'' (any bytes are safe).
inline std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace ttc

#endif  // TTC_COMMON_SHELL_H_
