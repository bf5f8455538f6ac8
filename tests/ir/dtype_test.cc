// ir/dtype.h: dtype names, aliases, sizes and TT data formats.
#include "ir/dtype.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace ttc {
namespace {

TEST(DType, CanonicalNamesAndAliases) {
  const std::pair<const char*, const char*> cases[] = {
      {"bfloat16", "bfloat16"}, {"bf16", "bfloat16"}, {"float", "float32"}, {"fp32", "float32"},
      {"half", "float16"},      {"fp16", "float16"},  {"int", "int32"},     {"bfp8_b", "bfp8_b"},
  };
  for (const auto& [name, canonical] : cases) {
    auto dt = ir::ParseDType(name);
    ASSERT_TRUE(dt.has_value()) << name;
    EXPECT_EQ(dt->name, canonical) << name;
  }
  for (const char* bad : {"", "bfloat17", "Float32", "float32 ", "f32"}) EXPECT_FALSE(ir::ParseDType(bad)) << bad;
}

TEST(DType, ClassesBitsAndFormats) {
  auto bf16 = *ir::ParseDType("bfloat16");
  EXPECT_EQ(bf16.cls, ir::DTypeClass::kFloat);
  EXPECT_EQ(bf16.bits, 16);
  EXPECT_EQ(bf16.tt_data_format, "Float16_b");
  EXPECT_TRUE(bf16.is_float());
  auto u8 = *ir::ParseDType("uint8");
  EXPECT_EQ(u8.cls, ir::DTypeClass::kUInt);
  EXPECT_FALSE(u8.is_float());
  EXPECT_TRUE(ir::ParseDType("bfp8_b")->is_float());
  EXPECT_EQ(ir::ParseDType("float64")->tt_data_format, "");  // no device format
  EXPECT_EQ(ir::ParseDType("bool")->cls, ir::DTypeClass::kBool);
  EXPECT_EQ(*ir::ParseDType("bf16"), bf16);
  EXPECT_FALSE(*ir::ParseDType("float16") == bf16);
}

TEST(DType, TileBytes) {
  EXPECT_EQ(ir::ParseDType("bfloat16")->TileBytes(32, 32), 2048);
  EXPECT_EQ(ir::ParseDType("float32")->TileBytes(32, 32), 4096);
  EXPECT_EQ(ir::ParseDType("uint8")->TileBytes(32, 32), 1024);
  EXPECT_EQ(ir::ParseDType("bfp8_b")->TileBytes(32, 32), 1088);
  EXPECT_EQ(ir::ParseDType("bfloat16")->TileBytes(16, 32), 1024);
}

TEST(DType, KnownNamesAndDataFormats) {
  const std::string names = ir::KnownDTypeNames();
  EXPECT_TRUE(absl::StartsWith(names, "bfloat16, float16, float32, ")) << names;
  EXPECT_TRUE(absl::StrContains(names, "bfp8_b")) << names;
  EXPECT_FALSE(absl::StrContains(names, "bf16")) << "aliases are not listed: " << names;
  for (const char* f : {"Float16_b", "Float16", "Float32", "Int32", "UInt32", "Int16", "UInt16", "Int8", "UInt8",
                        "Bfp8_b"}) {
    EXPECT_TRUE(ir::IsKnownDataFormat(f)) << f;
  }
  for (const char* f : {"", "bfloat16", "Float64", "float32"}) EXPECT_FALSE(ir::IsKnownDataFormat(f)) << f;
}

}  // namespace
}  // namespace ttc
