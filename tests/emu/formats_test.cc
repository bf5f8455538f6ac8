// emu/formats.h: the DataFormat enum, bfloat16/half conversions (RNE, NaN, inf, subnormals),
// rounding to a format, tile sizes and the 16x16-face tile layout.
#include "emu/formats.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace ttc::emu {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

uint32_t Bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

float FromBits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

TEST(FormatsDataFormat, EnumValuesMatchTtMetal) {
  EXPECT_EQ(static_cast<int>(DataFormat::Float32), 0);
  EXPECT_EQ(static_cast<int>(DataFormat::Float16), 1);
  EXPECT_EQ(static_cast<int>(DataFormat::Float16_b), 5);
  EXPECT_EQ(static_cast<int>(DataFormat::Bfp8_b), 6);
  EXPECT_EQ(static_cast<int>(DataFormat::Int32), 8);
  EXPECT_EQ(static_cast<int>(DataFormat::UInt16), 9);
  EXPECT_EQ(static_cast<int>(DataFormat::Int16), 13);
  EXPECT_EQ(static_cast<int>(DataFormat::Int8), 14);
  EXPECT_EQ(static_cast<int>(DataFormat::UInt32), 24);
  EXPECT_EQ(static_cast<int>(DataFormat::UInt8), 30);
  EXPECT_EQ(static_cast<int>(DataFormat::Invalid), 255);
}

TEST(FormatsDataFormat, NamesRoundTrip) {
  for (DataFormat f : {DataFormat::Float32, DataFormat::Float16, DataFormat::Float16_b, DataFormat::Bfp8_b,
                       DataFormat::Int32, DataFormat::UInt16, DataFormat::Int16, DataFormat::Int8,
                       DataFormat::UInt32, DataFormat::UInt8}) {
    auto back = DataFormatFromName(DataFormatName(f));
    ASSERT_TRUE(back.has_value()) << DataFormatName(f);
    EXPECT_EQ(*back, f);
  }
  EXPECT_EQ(DataFormatName(DataFormat::Float16_b), "Float16_b");
  EXPECT_EQ(DataFormatFromName("Float16_b"), DataFormat::Float16_b);
  EXPECT_EQ(DataFormatName(DataFormat::Invalid), "Invalid");
  EXPECT_EQ(DataFormatName(static_cast<DataFormat>(77)), "Invalid");
  EXPECT_FALSE(DataFormatFromName("Invalid").has_value());
  EXPECT_FALSE(DataFormatFromName("bfloat16").has_value());
  EXPECT_FALSE(DataFormatFromName("float16_b").has_value());
  EXPECT_FALSE(DataFormatFromName("").has_value());
}

TEST(FormatsBf16, ExactValuesAndWidening) {
  EXPECT_EQ(FloatToBf16(1.0f), 0x3F80);
  EXPECT_EQ(FloatToBf16(-2.0f), 0xC000);
  EXPECT_EQ(FloatToBf16(0.0f), 0x0000);
  EXPECT_EQ(FloatToBf16(-0.0f), 0x8000);
  EXPECT_EQ(Bf16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(Bf16ToFloat(0xC000), -2.0f);
  EXPECT_EQ(Bf16ToFloat(0x0001), std::ldexp(1.0f, -133));  // smallest subnormal
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const float f = Bf16ToFloat(static_cast<uint16_t>(b));
    EXPECT_EQ(Bits(f), b << 16);
    if (!std::isnan(f)) {
      ASSERT_EQ(FloatToBf16(f), b) << "bf16 bits 0x" << std::hex << b << " do not round-trip";
    }
  }
}

TEST(FormatsBf16, RoundsToNearestEvenOnTies) {
  // 1 + 2^-8 lies exactly between 1.0 (even mantissa) and 1 + 2^-7: rounds down to 1.0.
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(1.00390625f)), 1.0f);
  // 1 + 3 * 2^-8 lies between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up.
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(1.01171875f)), 1.015625f);
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(-1.00390625f)), -1.0f);
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(-1.01171875f)), -1.015625f);
  // Just above / below a tie round to nearest.
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(std::nextafter(1.00390625f, 2.0f))), 1.0078125f);
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(std::nextafter(1.01171875f, 0.0f))), 1.0078125f);
  // Not a tie: 1.1 -> 1.1015625 (0x3F8D).
  EXPECT_EQ(FloatToBf16(1.1f), 0x3F8D);
  EXPECT_EQ(FloatToBf16(-1.1f), 0xBF8D);
  // A carry out of the mantissa moves to the next binade.
  EXPECT_EQ(Bf16ToFloat(FloatToBf16(1.99999988f)), 2.0f);
}

TEST(FormatsBf16, NanInfAndOverflow) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(Bf16ToFloat(FloatToBf16(nan))));
  EXPECT_TRUE(std::isnan(Bf16ToFloat(FloatToBf16(-nan))));
  // A NaN whose payload is only in the low 16 bits must not become inf.
  const float low_payload_nan = FromBits(0x7F800001u);
  ASSERT_TRUE(std::isnan(low_payload_nan));
  EXPECT_TRUE(std::isnan(Bf16ToFloat(FloatToBf16(low_payload_nan))));
  EXPECT_EQ(FloatToBf16(kInf), 0x7F80);
  EXPECT_EQ(FloatToBf16(-kInf), 0xFF80);
  // Largest finite float rounds past the largest finite bfloat16 (0x7F7F) to inf.
  EXPECT_EQ(FloatToBf16(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_EQ(FloatToBf16(-std::numeric_limits<float>::max()), 0xFF80);
  // The largest finite bfloat16 itself and a value just below the rounding midpoint stay finite.
  EXPECT_EQ(FloatToBf16(Bf16ToFloat(0x7F7F)), 0x7F7F);
  EXPECT_EQ(FloatToBf16(FromBits(0x7F7F7FFFu)), 0x7F7F);
  // The midpoint 0x7F7F8000 is a tie with an odd mantissa: rounds up to inf.
  EXPECT_EQ(FloatToBf16(FromBits(0x7F7F8000u)), 0x7F80);
}

TEST(FormatsHalf, ExactValues) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(HalfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(HalfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(0x7C00), kInf);
  EXPECT_EQ(HalfToFloat(0xFC00), -kInf);
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7E00)));
  // Every finite half round-trips, and NaNs stay NaN.
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const float f = HalfToFloat(static_cast<uint16_t>(b));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(f)))) << std::hex << b;
    } else {
      ASSERT_EQ(FloatToHalf(f), b) << "half bits 0x" << std::hex << b << " do not round-trip";
    }
  }
}

TEST(FormatsHalf, Subnormals) {
  const float tiny = std::ldexp(1.0f, -24);  // 5.96e-8, the smallest subnormal half
  EXPECT_EQ(FloatToHalf(tiny), 0x0001);
  EXPECT_EQ(HalfToFloat(0x0001), tiny);
  EXPECT_EQ(FloatToHalf(5.96e-8f), 0x0001);
  EXPECT_EQ(FloatToHalf(-5.96e-8f), 0x8001);
  EXPECT_EQ(HalfToFloat(0x03FF), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1023.0f, -24)), 0x03FF);
  // Half of the smallest subnormal is a tie between 0 (even) and 0x0001: rounds to 0.
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(FloatToHalf(-std::ldexp(1.0f, -25)), 0x8000);
  // Slightly more than half rounds up.
  EXPECT_EQ(FloatToHalf(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  // 1.5 * 2^-24 is a tie between 0x0001 (odd) and 0x0002: rounds to even.
  EXPECT_EQ(FloatToHalf(std::ldexp(3.0f, -25)), 0x0002);
  // 2.5 * 2^-24 ties to 0x0002.
  EXPECT_EQ(FloatToHalf(std::ldexp(5.0f, -25)), 0x0002);
  // The largest subnormal plus half a step rounds up to the smallest normal.
  EXPECT_EQ(FloatToHalf(std::ldexp(2047.0f, -25)), 0x0400);
}

TEST(FormatsHalf, OverflowNanAndTies) {
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7BFF);  // below the midpoint 65520
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7C00);  // the midpoint: ties to even = inf
  EXPECT_EQ(FloatToHalf(-65520.0f), 0xFC00);
  EXPECT_EQ(FloatToHalf(1e10f), 0x7C00);
  EXPECT_EQ(FloatToHalf(kInf), 0x7C00);
  EXPECT_EQ(FloatToHalf(-kInf), 0xFC00);
  const uint16_t nan = FloatToHalf(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);
  EXPECT_TRUE(std::isnan(HalfToFloat(nan)));
  // 1 + 2^-11 is a tie between 1.0 (even) and 1 + 2^-10: rounds down.
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  // 1 + 3 * 2^-11 ties up to 1 + 2^-9.
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  // 2049 is a tie between 2048 and 2050: 2048 (even mantissa).
  EXPECT_EQ(HalfToFloat(FloatToHalf(2049.0f)), 2048.0f);
  EXPECT_EQ(HalfToFloat(FloatToHalf(2051.0f)), 2052.0f);
  EXPECT_EQ(HalfToFloat(FloatToHalf(0.1f)), 0.0999755859375f);
}

TEST(FormatsRound, RoundToDtype) {
  EXPECT_EQ(RoundToDtype(1.00390625f, DataFormat::Float16_b), 1.0f);
  EXPECT_EQ(RoundToDtype(1.01171875f, DataFormat::Float16_b), 1.015625f);
  EXPECT_EQ(RoundToDtype(65520.0f, DataFormat::Float16), kInf);
  EXPECT_EQ(RoundToDtype(0.1f, DataFormat::Float32), 0.1f);
  EXPECT_EQ(RoundToDtype(2.5f, DataFormat::Int32), 2.0f);
  EXPECT_EQ(RoundToDtype(3.5f, DataFormat::Int32), 4.0f);
  EXPECT_EQ(RoundToDtype(-2.6f, DataFormat::Int32), -3.0f);
  EXPECT_EQ(RoundToDtype(-5.0f, DataFormat::UInt32), 0.0f);
  EXPECT_EQ(RoundToDtype(300.0f, DataFormat::UInt8), 255.0f);
  EXPECT_EQ(RoundToDtype(-300.0f, DataFormat::Int8), -128.0f);
  EXPECT_EQ(RoundToDtype(std::numeric_limits<float>::quiet_NaN(), DataFormat::Int16), 0.0f);
  EXPECT_TRUE(std::isnan(RoundToDtype(1.0f, DataFormat::Bfp8_b)));
  EXPECT_TRUE(std::isnan(RoundToDtype(1.0f, DataFormat::Invalid)));
  EXPECT_TRUE(std::isnan(RoundToDtype(std::numeric_limits<float>::quiet_NaN(), DataFormat::Float16_b)));
}

TEST(FormatsRound, DoubleRoundsOnce) {
  // 1 + 2^-8 + 2^-30 is above the bfloat16 tie, so it rounds up; rounding through float
  // first would drop the 2^-30 and round the resulting tie down to 1.0.
  const double x = 1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -30);
  EXPECT_EQ(RoundDoubleToDtype(x, DataFormat::Float16_b), 1.0078125);
  EXPECT_EQ(RoundToDtype(static_cast<float>(x), DataFormat::Float16_b), 1.0f);
  EXPECT_EQ(RoundDoubleToDtype(1.00390625, DataFormat::Float16_b), 1.0);
  EXPECT_EQ(RoundDoubleToDtype(65520.0, DataFormat::Float16), std::numeric_limits<double>::infinity());
  EXPECT_EQ(RoundDoubleToDtype(1e300, DataFormat::Float16_b), std::numeric_limits<double>::infinity());
  EXPECT_EQ(RoundDoubleToDtype(-1e300, DataFormat::Float32), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(RoundDoubleToDtype(0.1, DataFormat::Float32), static_cast<double>(0.1f));
  EXPECT_EQ(RoundDoubleToDtype(2147483647.4, DataFormat::Int32), 2147483647.0);
  EXPECT_EQ(RoundDoubleToDtype(4294967296.0, DataFormat::UInt32), 4294967295.0);
  EXPECT_EQ(RoundDoubleToDtype(std::ldexp(1.0, -25), DataFormat::Float16), 0.0);
  EXPECT_EQ(RoundDoubleToDtype(std::ldexp(1.0, -134), DataFormat::Float16_b), 0.0);  // tie with 0
  EXPECT_EQ(RoundDoubleToDtype(std::ldexp(3.0, -134), DataFormat::Float16_b), std::ldexp(1.0, -132));
  // Agrees with the float path wherever the input is a float.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-70000.0f, 70000.0f);
  for (int i = 0; i < 20000; ++i) {
    const float f = dist(rng) * std::ldexp(1.0f, static_cast<int>(rng() % 40) - 30);
    for (DataFormat fmt : {DataFormat::Float16_b, DataFormat::Float16, DataFormat::Float32, DataFormat::Int16}) {
      ASSERT_EQ(static_cast<double>(RoundToDtype(f, fmt)), RoundDoubleToDtype(f, fmt))
          << f << " in " << DataFormatName(fmt);
    }
  }
}

// An independent single rounding of a double to bfloat16: round to odd into float (exact
// enough: 24 bits >= 8 + 2), then RNE to bfloat16.
double Bf16ViaRoundToOdd(double x) {
  float f = static_cast<float>(x);
  if (std::fabs(static_cast<double>(f)) > std::fabs(x)) f = std::nextafter(f, 0.0f);
  if (static_cast<double>(f) != x) f = FromBits(Bits(f) | 1u);
  return Bf16ToFloat(FloatToBf16(f));
}

TEST(FormatsRound, DoubleToBf16AgreesWithRoundToOdd) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; ++i) {
    // Random sign, exponent in the normal range, random mantissa; every 4th value is a
    // bfloat16 tie (bit 44 set, bits below clear) possibly nudged by one double ulp.
    uint64_t u = (rng() & 0x800FFFFFFFFFFFFFull) | (static_cast<uint64_t>(1023 - 126 + rng() % 254) << 52);
    if (i % 4 == 0) {
      u = (u & ~((uint64_t{1} << 45) - 1)) | (uint64_t{1} << 44);
      if (i % 8 == 0) u += (rng() % 3) - 1;
    }
    double x;
    std::memcpy(&x, &u, sizeof x);
    ASSERT_EQ(RoundDoubleToDtype(x, DataFormat::Float16_b), Bf16ViaRoundToOdd(x)) << std::hexfloat << x;
  }
  // Around the ends of the normal range.
  for (double x : {0x1p-126, 0x1.00ffffffffp-126, 0x1.fffffffffp-127, 0x1.ff8p127, 0x1.fe8p127, 0x1.fe7fffffffp127,
                   0x1.fffffffp126, 0x1.ff7fffp126}) {
    EXPECT_EQ(RoundDoubleToDtype(x, DataFormat::Float16_b), Bf16ViaRoundToOdd(x)) << std::hexfloat << x;
    EXPECT_EQ(RoundDoubleToDtype(-x, DataFormat::Float16_b), Bf16ViaRoundToOdd(-x)) << std::hexfloat << -x;
  }
  EXPECT_EQ(RoundDoubleToDtype(0x1.ff8p127, DataFormat::Float16_b), std::numeric_limits<double>::infinity());
  EXPECT_EQ(RoundDoubleToDtype(0x1.fe7fffffffp127, DataFormat::Float16_b), 0x1.fep127);
}

TEST(FormatsTile, TileBytes) {
  EXPECT_EQ(TileBytes(DataFormat::Float16_b, 32, 32), 2048u);
  EXPECT_EQ(TileBytes(DataFormat::Float16, 32, 32), 2048u);
  EXPECT_EQ(TileBytes(DataFormat::Float32, 32, 32), 4096u);
  EXPECT_EQ(TileBytes(DataFormat::Int32, 32, 32), 4096u);
  EXPECT_EQ(TileBytes(DataFormat::UInt32, 32, 32), 4096u);
  EXPECT_EQ(TileBytes(DataFormat::Bfp8_b, 32, 32), 1088u);
  EXPECT_EQ(TileBytes(DataFormat::UInt16, 32, 32), 2048u);
  EXPECT_EQ(TileBytes(DataFormat::UInt8, 32, 32), 1024u);
  EXPECT_EQ(TileBytes(DataFormat::Float16_b, 16, 32), 1024u);
  EXPECT_EQ(TileBytes(DataFormat::Invalid, 32, 32), 0u);
  EXPECT_EQ(TileBytes(DataFormat::Float32, 0, 32), 0u);
}

TEST(FormatsTile, FaceLayoutOffsets) {
  EXPECT_EQ(FaceLayoutOffset(32, 32, 0, 0), 0);
  EXPECT_EQ(FaceLayoutOffset(32, 32, 0, 15), 15);
  EXPECT_EQ(FaceLayoutOffset(32, 32, 1, 0), 16);
  EXPECT_EQ(FaceLayoutOffset(32, 32, 0, 16), 256);
  EXPECT_EQ(FaceLayoutOffset(32, 32, 16, 0), 512);
  EXPECT_EQ(FaceLayoutOffset(32, 32, 16, 16), 768);
  EXPECT_EQ(FaceLayoutOffset(32, 32, 31, 31), 1023);
  EXPECT_EQ(FaceLayoutOffset(16, 32, 0, 16), 256);
  EXPECT_EQ(FaceLayoutOffset(16, 32, 15, 31), 511);
  EXPECT_EQ(FaceLayoutOffset(32, 16, 16, 0), 256);
  EXPECT_EQ(FaceLayoutOffset(1, 32, 0, 17), 17);  // faces of 1x16
  EXPECT_EQ(FaceLayoutOffset(32, 32, 32, 0), -1);
  EXPECT_EQ(FaceLayoutOffset(32, 32, 0, -1), -1);
  EXPECT_EQ(FaceLayoutOffset(24, 32, 0, 0), -1);  // 24 is neither <= 16 nor a multiple of 16
  // Every offset is used exactly once.
  std::vector<int> seen(1024, 0);
  for (int r = 0; r < 32; ++r) {
    for (int c = 0; c < 32; ++c) ++seen[FaceLayoutOffset(32, 32, r, c)];
  }
  for (int v : seen) EXPECT_EQ(v, 1);
}

// A th x tw tile of distinct values (element i is i / 4 - 100); callers round them to the format.
std::vector<float> IotaTile(int th, int tw) {
  std::vector<float> v(static_cast<size_t>(th) * tw);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.25f - 100.0f;
  return v;
}

TEST(FormatsTile, Bf16ElementPositions) {
  std::vector<float> tile(1024, 0.0f);
  tile[0 * 32 + 16] = 1.0f;   // (0, 16): face 1
  tile[16 * 32 + 0] = 2.0f;   // (16, 0): face 2
  tile[31 * 32 + 31] = 3.0f;  // (31, 31): the last element
  tile[1 * 32 + 2] = 4.0f;    // (1, 2): face 0, row 1
  std::vector<uint8_t> bytes(TileBytes(DataFormat::Float16_b, 32, 32), 0xAB);
  ASSERT_TRUE(PackTile(tile.data(), DataFormat::Float16_b, 32, 32, bytes.data()).ok());
  auto at = [&](size_t byte) { return static_cast<uint16_t>(bytes[byte] | (bytes[byte + 1] << 8)); };
  EXPECT_EQ(at(256 * 2), 0x3F80);          // 1.0 at byte offset 512
  EXPECT_EQ(at(512 * 2), 0x4000);          // 2.0 at byte offset 1024
  EXPECT_EQ(at(1023 * 2), 0x4040);         // 3.0 at byte offset 2046
  EXPECT_EQ(at((16 + 2) * 2), 0x4080);     // 4.0 at element 18
  int nonzero = 0;
  for (size_t i = 0; i < bytes.size(); i += 2) nonzero += at(i) != 0;
  EXPECT_EQ(nonzero, 4);  // every other byte was overwritten with zeros
}

TEST(FormatsTile, Fp32ElementPositionsLittleEndian) {
  std::vector<float> tile(1024, 0.0f);
  tile[0 * 32 + 16] = 1.0f;
  std::vector<uint8_t> bytes(TileBytes(DataFormat::Float32, 32, 32));
  ASSERT_TRUE(PackTile(tile.data(), DataFormat::Float32, 32, 32, bytes.data()).ok());
  EXPECT_EQ(bytes[256 * 4 + 0], 0x00);
  EXPECT_EQ(bytes[256 * 4 + 2], 0x80);
  EXPECT_EQ(bytes[256 * 4 + 3], 0x3F);
}

TEST(FormatsTile, PackUnpackRoundTrip) {
  struct Case {
    DataFormat f;
    int th, tw;
  };
  for (const Case& c : {Case{DataFormat::Float16_b, 32, 32}, Case{DataFormat::Float16, 32, 32},
                        Case{DataFormat::Float32, 32, 32}, Case{DataFormat::Int32, 32, 32},
                        Case{DataFormat::UInt32, 32, 32}, Case{DataFormat::Int16, 32, 32},
                        Case{DataFormat::Float16_b, 16, 32}, Case{DataFormat::Float16_b, 32, 16},
                        Case{DataFormat::Float32, 1, 32}, Case{DataFormat::Float16_b, 8, 32}}) {
    std::vector<float> in = IotaTile(c.th, c.tw);
    if (c.f == DataFormat::UInt32) {
      for (float& v : in) v = std::fabs(v);
    }
    for (float& v : in) v = RoundToDtype(v, c.f);  // representable values
    std::vector<uint8_t> bytes(TileBytes(c.f, c.th, c.tw));
    ASSERT_TRUE(PackTile(in.data(), c.f, c.th, c.tw, bytes.data()).ok()) << DataFormatName(c.f);
    std::vector<float> out(in.size(), -1.0f);
    ASSERT_TRUE(UnpackTile(bytes.data(), c.f, c.th, c.tw, out.data()).ok());
    EXPECT_EQ(in, out) << DataFormatName(c.f) << " " << c.th << "x" << c.tw;
  }
}

TEST(FormatsTile, PackRoundsAndUnpackMatchesFaceLayout) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> in(1024);
  for (float& v : in) v = dist(rng);
  std::vector<uint8_t> bytes(2048);
  ASSERT_TRUE(PackTile(in.data(), DataFormat::Float16_b, 32, 32, bytes.data()).ok());
  std::vector<float> out(1024);
  ASSERT_TRUE(UnpackTile(bytes.data(), DataFormat::Float16_b, 32, 32, out.data()).ok());
  for (int r = 0; r < 32; ++r) {
    for (int c = 0; c < 32; ++c) {
      const float expect = RoundToDtype(in[r * 32 + c], DataFormat::Float16_b);
      ASSERT_EQ(out[r * 32 + c], expect);
      const int64_t off = FaceLayoutOffset(32, 32, r, c);
      ASSERT_EQ(Bf16ToFloat(static_cast<uint16_t>(bytes[off * 2] | (bytes[off * 2 + 1] << 8))), expect);
    }
  }
}

TEST(FormatsTile, IntegerPackRoundsToNearestAndSaturates) {
  std::vector<float> in(1024, 0.0f);
  in[0] = 2.5f;
  in[1] = -2.5f;
  in[2] = 3e9f;
  in[3] = -3e9f;
  in[4] = std::numeric_limits<float>::quiet_NaN();
  in[5] = -7.0f;
  std::vector<uint8_t> bytes(4096);
  ASSERT_TRUE(PackTile(in.data(), DataFormat::Int32, 32, 32, bytes.data()).ok());
  std::vector<float> out(1024);
  ASSERT_TRUE(UnpackTile(bytes.data(), DataFormat::Int32, 32, 32, out.data()).ok());
  EXPECT_EQ(out[0], 2.0f);
  EXPECT_EQ(out[1], -2.0f);
  EXPECT_EQ(out[2], 2147483647.0f);
  EXPECT_EQ(out[3], -2147483648.0f);
  EXPECT_EQ(out[4], 0.0f);
  EXPECT_EQ(out[5], -7.0f);
  EXPECT_EQ(bytes[5 * 4 + 3], 0xFF);  // two's complement
}

TEST(FormatsTile, UnsupportedFormatsAndShapes) {
  std::vector<float> in(1024, 1.0f);
  std::vector<uint8_t> bytes(4096, 0x5A);
  absl::Status s = PackTile(in.data(), DataFormat::Bfp8_b, 32, 32, bytes.data());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(s.message().find("Bfp8_b"), std::string::npos) << s;
  EXPECT_EQ(bytes[0], 0x5A);  // nothing written
  EXPECT_EQ(UnpackTile(bytes.data(), DataFormat::Bfp8_b, 32, 32, in.data()).code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(in[0], 1.0f);
  EXPECT_EQ(PackTile(in.data(), DataFormat::Invalid, 32, 32, bytes.data()).code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(PackTile(in.data(), DataFormat::Float32, 24, 32, bytes.data()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnpackTile(bytes.data(), DataFormat::Float32, 32, 0, in.data()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(IsSupportedFormat(DataFormat::Bfp8_b));
  EXPECT_TRUE(IsSupportedFormat(DataFormat::Float16_b));
}

}  // namespace
}  // namespace ttc::emu
