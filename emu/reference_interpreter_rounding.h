// The reference interpreter's element types and rounding (see emu/reference_interpreter.h,
// "Rounding"): how a value is converted to a buffer's or a cast's dtype. Internal to the
// interpreter.
#ifndef TTC_EMU_REFERENCE_INTERPRETER_ROUNDING_H_
#define TTC_EMU_REFERENCE_INTERPRETER_ROUNDING_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "emu/formats.h"
#include "ir/dtype.h"

namespace ttc::emu::reference {

enum class RoundKind { kNone, kFloat32, kBf16, kFp16, kInt, kBool };

struct TypeInfo {
  RoundKind kind = RoundKind::kNone;
  bool is_int = false;    // integer-valued (kInt, kBool)
  int bits = 64;          // kInt only
  bool is_signed = true;  // kInt only
  double lo = 0, hi = 0;  // kInt only: the range as doubles

  bool SameAs(const TypeInfo& o) const {
    return kind == o.kind && (kind != RoundKind::kInt || (bits == o.bits && is_signed == o.is_signed));
  }
};

// How values are rounded to `dt`; UNIMPLEMENTED for a dtype the interpreter cannot round
// (block floats, float8), the message starting with `what`.
absl::StatusOr<TypeInfo> TypeOf(const ir::DType& dt, const std::string& what);

// A double to int64, saturating (NaN -> 0).
inline int64_t ToInt64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (v <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// An integer wrapped to `t` (two's complement, modulo 2^bits).
inline double WrapInt(int64_t v, const TypeInfo& t) {
  if (t.bits >= 64) return t.is_signed ? static_cast<double>(v) : static_cast<double>(static_cast<uint64_t>(v));
  const uint64_t mask = (uint64_t{1} << t.bits) - 1;
  uint64_t m = static_cast<uint64_t>(v) & mask;
  if (t.is_signed && (m >> (t.bits - 1)) != 0) return static_cast<double>(static_cast<int64_t>(m | ~mask));
  return static_cast<double>(m);
}

// `v` converted to `t` (see the header: floats RNE, float -> int truncates and saturates,
// int -> int wraps).
inline double Convert(double v, bool from_int, const TypeInfo& t) {
  switch (t.kind) {
    case RoundKind::kNone: return v;
    case RoundKind::kFloat32: return static_cast<double>(static_cast<float>(v));
    case RoundKind::kBf16: return RoundDoubleToDtype(v, DataFormat::Float16_b);
    case RoundKind::kFp16: return RoundDoubleToDtype(v, DataFormat::Float16);
    case RoundKind::kBool: return v != 0 ? 1.0 : 0.0;
    case RoundKind::kInt:
      if (from_int && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
        return WrapInt(static_cast<int64_t>(v), t);
      }
      if (std::isnan(v)) return 0.0;
      return std::clamp(std::trunc(v), t.lo, t.hi);
  }
  return v;
}

// Convert over an array (in place allowed), with the dtype dispatch hoisted out of the loop.
void ConvertArray(const double* in, double* out, size_t n, bool from_int, const TypeInfo& t);

}  // namespace ttc::emu::reference

#endif  // TTC_EMU_REFERENCE_INTERPRETER_ROUNDING_H_
