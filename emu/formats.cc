#include "emu/formats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ttc::emu {
namespace {

constexpr std::array<std::pair<DataFormat, std::string_view>, 10> kNames = {{
    {DataFormat::Float32, "Float32"},
    {DataFormat::Float16, "Float16"},
    {DataFormat::Float16_b, "Float16_b"},
    {DataFormat::Bfp8_b, "Bfp8_b"},
    {DataFormat::Int32, "Int32"},
    {DataFormat::UInt16, "UInt16"},
    {DataFormat::Int16, "Int16"},
    {DataFormat::Int8, "Int8"},
    {DataFormat::UInt32, "UInt32"},
    {DataFormat::UInt8, "UInt8"},
}};

uint32_t FloatBits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

float BitsFloat(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// `x` rounded RNE to a binary floating-point format with `p` significand bits (implicit bit
// included), minimum normal exponent `emin` (subnormals below it) and maximum exponent `emax`
// (no values above; overflow goes to +-inf). One rounding step: exact for any double input.
double RoundBinaryFloat(double x, int p, int emin, int emax) {
  if (!std::isfinite(x) || x == 0) return x;
  int e = 0;
  std::frexp(x, &e);  // |x| = m * 2^e, m in [0.5, 1): the leading bit has weight 2^(e-1)
  const int quantum = std::max(e - 1, emin) - (p - 1);
  // Scaling by powers of two is exact; nearbyint rounds ties to even in the default mode.
  const double y = std::ldexp(std::nearbyint(std::ldexp(x, -quantum)), quantum);
  const double max_finite = std::ldexp(2.0 - std::ldexp(1.0, 1 - p), emax);
  if (std::fabs(y) > max_finite) return std::copysign(std::numeric_limits<double>::infinity(), x);
  return y;
}

struct IntRange {
  double lo, hi;
};

std::optional<IntRange> IntRangeOf(DataFormat f) {
  switch (f) {
    case DataFormat::Int32: return IntRange{-2147483648.0, 2147483647.0};
    case DataFormat::UInt32: return IntRange{0.0, 4294967295.0};
    case DataFormat::Int16: return IntRange{-32768.0, 32767.0};
    case DataFormat::UInt16: return IntRange{0.0, 65535.0};
    case DataFormat::Int8: return IntRange{-128.0, 127.0};
    case DataFormat::UInt8: return IntRange{0.0, 255.0};
    default: return std::nullopt;
  }
}

double RoundToInt(double x, IntRange r) {
  if (std::isnan(x)) return 0.0;
  return std::clamp(std::nearbyint(x), r.lo, r.hi);
}

// Bytes per element of the formats Pack/UnpackTile support.
int ElementBytes(DataFormat f) {
  switch (f) {
    case DataFormat::Float32:
    case DataFormat::Int32:
    case DataFormat::UInt32: return 4;
    case DataFormat::Float16:
    case DataFormat::Float16_b:
    case DataFormat::Int16:
    case DataFormat::UInt16: return 2;
    case DataFormat::Int8:
    case DataFormat::UInt8: return 1;
    default: return 0;
  }
}

bool ValidTileDim(int d) { return d > 0 && (d <= 16 || d % 16 == 0); }

absl::Status CheckTile(DataFormat f, int th, int tw) {
  if (!ValidTileDim(th) || !ValidTileDim(tw)) {
    return absl::InvalidArgumentError(absl::StrCat("tile shape ", th, "x", tw,
                                                   " is not valid: each dimension must be positive and either at most "
                                                   "16 or a multiple of 16"));
  }
  if (!IsSupportedFormat(f)) {
    return absl::UnimplementedError(absl::StrCat("the emulator cannot pack or unpack tiles of format ",
                                                 std::string(DataFormatName(f)), " (supported: Float32, Float16, Float16_b, "
                                                 "Int32, UInt32, Int16, UInt16, Int8, UInt8)"));
  }
  return absl::OkStatus();
}

// One element's bits, little-endian, at `p`.
uint32_t ReadLE(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

void WriteLE(uint8_t* p, int bytes, uint32_t v) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

float DecodeElement(uint32_t bits, DataFormat f) {
  switch (f) {
    case DataFormat::Float32: return BitsFloat(bits);
    case DataFormat::Float16_b: return Bf16ToFloat(static_cast<uint16_t>(bits));
    case DataFormat::Float16: return HalfToFloat(static_cast<uint16_t>(bits));
    case DataFormat::Int32: return static_cast<float>(static_cast<int32_t>(bits));
    case DataFormat::UInt32: return static_cast<float>(bits);
    case DataFormat::Int16: return static_cast<float>(static_cast<int16_t>(bits));
    case DataFormat::UInt16: return static_cast<float>(static_cast<uint16_t>(bits));
    case DataFormat::Int8: return static_cast<float>(static_cast<int8_t>(bits));
    case DataFormat::UInt8: return static_cast<float>(static_cast<uint8_t>(bits));
    default: return std::numeric_limits<float>::quiet_NaN();
  }
}

uint32_t EncodeElement(float x, DataFormat f) {
  switch (f) {
    case DataFormat::Float32: return FloatBits(x);
    case DataFormat::Float16_b: return FloatToBf16(x);
    case DataFormat::Float16: return FloatToHalf(x);
    default: break;
  }
  // Integer formats: round in double (exact for every float input), then two's complement.
  const double v = RoundDoubleToDtype(static_cast<double>(x), f);
  return static_cast<uint32_t>(static_cast<int64_t>(v));
}

}  // namespace

std::string_view DataFormatName(DataFormat f) {
  for (const auto& [format, name] : kNames) {
    if (format == f) return name;
  }
  return "Invalid";
}

std::optional<DataFormat> DataFormatFromName(std::string_view name) {
  for (const auto& [format, n] : kNames) {
    if (n == name) return format;
  }
  return std::nullopt;
}

float Bf16ToFloat(uint16_t bits) { return BitsFloat(static_cast<uint32_t>(bits) << 16); }

uint16_t FloatToBf16(float x) {
  const uint32_t u = FloatBits(x);
  if (std::isnan(x)) return static_cast<uint16_t>((u >> 16) | 0x0040);  // keep NaN, quiet
  // RNE on the low 16 bits: add 0x7FFF plus the lowest kept bit. A carry out of the
  // mantissa bumps the exponent, which is the correct rounding (up to +-inf).
  const uint32_t bias = 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<uint16_t>((u + bias) >> 16);
}

float HalfToFloat(uint16_t bits) {
  const bool neg = (bits & 0x8000) != 0;
  const int exp = (bits >> 10) & 0x1F;
  const int mant = bits & 0x3FF;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal
  } else if (exp == 31) {
    if (mant == 0) {
      v = std::numeric_limits<float>::infinity();
    } else {
      // NaN: payload moved to the top of the float mantissa.
      return BitsFloat((neg ? 0x80000000u : 0u) | 0x7F800000u | (static_cast<uint32_t>(mant) << 13));
    }
  } else {
    v = std::ldexp(static_cast<float>(1024 + mant), exp - 25);
  }
  return neg ? -v : v;
}

uint16_t FloatToHalf(float x) {
  const uint32_t u = FloatBits(x);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  if (std::isnan(x)) return static_cast<uint16_t>(sign | 0x7C00 | 0x0200 | ((u >> 13) & 0x3FF));
  const double y = std::fabs(RoundBinaryFloat(static_cast<double>(x), 11, -14, 15));
  if (std::isinf(y)) return static_cast<uint16_t>(sign | 0x7C00);
  if (y < std::ldexp(1.0, -14)) {
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::ldexp(y, 24)));  // exact multiple of 2^-24
  }
  int e = 0;
  std::frexp(y, &e);  // y in [2^(e-1), 2^e)
  const int exp_field = e - 1 + 15;
  const uint16_t mant = static_cast<uint16_t>(std::ldexp(y, 11 - e) - 1024.0);  // exact after rounding
  return static_cast<uint16_t>(sign | (exp_field << 10) | mant);
}

bool IsSupportedFormat(DataFormat f) { return ElementBytes(f) != 0; }

double RoundDoubleToDtype(double x, DataFormat f) {
  switch (f) {
    case DataFormat::Float32: return static_cast<double>(static_cast<float>(x));  // RNE, overflow -> inf
    case DataFormat::Float16_b: {
      const double a = std::fabs(x);
      if (a >= 0x1p-126 && a < 0x1p127) {
        // Normal range, no overflow possible: RNE on the double's bits, keeping the top 7 of
        // the 52 fraction bits (a carry into the exponent is the correct rounding).
        uint64_t u;
        std::memcpy(&u, &x, sizeof u);
        u += (uint64_t{1} << 44) - 1 + ((u >> 45) & 1);
        u &= ~((uint64_t{1} << 45) - 1);
        double y;
        std::memcpy(&y, &u, sizeof y);
        return y;
      }
      return RoundBinaryFloat(x, 8, -126, 127);
    }
    case DataFormat::Float16: return RoundBinaryFloat(x, 11, -14, 15);
    default: break;
  }
  if (auto r = IntRangeOf(f)) return RoundToInt(x, *r);
  return std::numeric_limits<double>::quiet_NaN();
}

float RoundToDtype(float x, DataFormat f) {
  switch (f) {
    case DataFormat::Float32: return x;
    case DataFormat::Float16_b: return Bf16ToFloat(FloatToBf16(x));
    case DataFormat::Float16: return HalfToFloat(FloatToHalf(x));
    default: break;
  }
  if (auto r = IntRangeOf(f)) return static_cast<float>(RoundToInt(static_cast<double>(x), *r));
  return std::numeric_limits<float>::quiet_NaN();
}

size_t TileBytes(DataFormat f, int th, int tw) {
  if (th <= 0 || tw <= 0) return 0;
  const size_t elems = static_cast<size_t>(th) * static_cast<size_t>(tw);
  if (f == DataFormat::Bfp8_b) return elems + elems / 16;
  return elems * static_cast<size_t>(ElementBytes(f));
}

int64_t FaceLayoutOffset(int th, int tw, int r, int c) {
  if (!ValidTileDim(th) || !ValidTileDim(tw) || r < 0 || r >= th || c < 0 || c >= tw) return -1;
  const int fh = std::min(th, 16), fw = std::min(tw, 16);
  const int faces_per_row = tw / fw;
  const int64_t face = static_cast<int64_t>(r / fh) * faces_per_row + c / fw;
  return face * fh * fw + static_cast<int64_t>(r % fh) * fw + c % fw;
}

absl::Status UnpackTile(const uint8_t* src, DataFormat f, int th, int tw, float* out) {
  if (auto s = CheckTile(f, th, tw); !s.ok()) return s;
  const int bytes = ElementBytes(f);
  for (int r = 0; r < th; ++r) {
    for (int c = 0; c < tw; ++c) {
      const int64_t off = FaceLayoutOffset(th, tw, r, c);
      out[static_cast<int64_t>(r) * tw + c] = DecodeElement(ReadLE(src + off * bytes, bytes), f);
    }
  }
  return absl::OkStatus();
}

absl::Status PackTile(const float* row_major, DataFormat f, int th, int tw, uint8_t* dst) {
  if (auto s = CheckTile(f, th, tw); !s.ok()) return s;
  const int bytes = ElementBytes(f);
  for (int r = 0; r < th; ++r) {
    for (int c = 0; c < tw; ++c) {
      const int64_t off = FaceLayoutOffset(th, tw, r, c);
      WriteLE(dst + off * bytes, bytes, EncodeElement(row_major[static_cast<int64_t>(r) * tw + c], f));
    }
  }
  return absl::OkStatus();
}

}  // namespace ttc::emu
