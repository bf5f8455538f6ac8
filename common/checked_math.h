// Overflow-safe integer arithmetic for sizes, extents and counts (signed overflow is undefined
// behaviour in C++; ttc's compiler runs its tests under UBSan, tests/ubsan). Each function
// returns the exact result, or std::nullopt when it does not fit in int64_t.
// Thread-safety: pure functions.
#ifndef TTC_COMMON_CHECKED_MATH_H_
#define TTC_COMMON_CHECKED_MATH_H_

#include <cstdint>
#include <limits>
#include <optional>

namespace ttc {

inline std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

inline std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

inline std::optional<int64_t> CheckedSub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// a * b, clamped to [INT64_MIN, INT64_MAX]: for products that are only compared against a
// limit (a clamped value is past every limit ttc checks).
inline int64_t SaturatingMul(int64_t a, int64_t b) {
  if (auto r = CheckedMul(a, b)) return *r;
  return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (auto r = CheckedAdd(a, b)) return *r;
  return b < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

}  // namespace ttc

#endif  // TTC_COMMON_CHECKED_MATH_H_
