// Building the text a key is hashed from (SHA-256, common/sha256.h): each field appended as
// "<length in bytes>:<bytes>;", so two field lists give the same text only when every field is
// equal ("ab","c" and "a","bc" differ). The verdict key, the build recipe key and the build
// store key are made this way (docs/cache_format.md, "Verdict keys", "Build keys").
// Pure functions; thread-safe.
#ifndef TTC_COMMON_KEY_TEXT_H_
#define TTC_COMMON_KEY_TEXT_H_

#include <string>
#include <string_view>

namespace ttc {

// Appends `value` to `text` as "<length>:<value>;".
inline void AppendKeyField(std::string* text, std::string_view value) {
  text->append(std::to_string(value.size())).append(":").append(value).append(";");
}

}  // namespace ttc

#endif  // TTC_COMMON_KEY_TEXT_H_
