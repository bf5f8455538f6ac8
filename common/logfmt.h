// Values from outside (function names, host and device ids, agents' reasons, error messages
// that quote input) written into ttcd's logfmt lines (`key=value`, one event per line).
// Thread-safe (pure).
#ifndef TTC_COMMON_LOGFMT_H_
#define TTC_COMMON_LOGFMT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace ttc {

// `value` as one logfmt value that cannot forge a line or a key: in double quotes, with `"`
// and `\` escaped, newline, carriage return and tab as \n \r \t, every other control byte
// (< 0x20, 0x7f) as \xNN; cut after `max_bytes` input bytes, marked "...(N bytes)" with the
// full length. Other bytes (UTF-8 included) pass through.
inline std::string LogfmtValue(std::string_view value, size_t max_bytes = 256) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  const size_t n = value.size() < max_bytes ? value.size() : max_bytes;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  if (n < value.size()) out += "...(" + std::to_string(value.size()) + " bytes)";
  out += "\"";
  return out;
}

}  // namespace ttc

#endif  // TTC_COMMON_LOGFMT_H_
