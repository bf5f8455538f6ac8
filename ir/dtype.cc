#include "ir/dtype.h"

#include <array>

namespace ttc::ir {
namespace {

struct Row {
  const char* name;
  DTypeClass cls;
  int bits;
  const char* format;  // tt::DataFormat, "" when none
};

// TT-Metalium formats: TT_METALIUM_API.md section 1.6; mapping: PASSES.md section 5.
// TileLang's own dtype names (tilelang.language dtypes) are all here, so that a kernel using
// one is refused by the target's format check (naming the formats it has), not as unknown.
constexpr std::array<Row, 28> kTable = {{
    {"bfloat16", DTypeClass::kFloat, 16, "Float16_b"},
    {"float16", DTypeClass::kFloat, 16, "Float16"},
    {"float32", DTypeClass::kFloat, 32, "Float32"},
    {"int32", DTypeClass::kInt, 32, "Int32"},
    {"uint32", DTypeClass::kUInt, 32, "UInt32"},
    {"int16", DTypeClass::kInt, 16, "Int16"},
    {"uint16", DTypeClass::kUInt, 16, "UInt16"},
    {"int8", DTypeClass::kInt, 8, "Int8"},
    {"uint8", DTypeClass::kUInt, 8, "UInt8"},
    {"bfp8_b", DTypeClass::kBlockFloat, 8, "Bfp8_b"},
    {"float64", DTypeClass::kFloat, 64, ""},
    {"int64", DTypeClass::kInt, 64, ""},
    {"uint64", DTypeClass::kUInt, 64, ""},
    {"int4", DTypeClass::kInt, 4, ""},
    {"uint4", DTypeClass::kUInt, 4, ""},
    {"bool", DTypeClass::kBool, 8, ""},
    {"float8_e4m3", DTypeClass::kFloat, 8, ""},
    {"float8_e4m3fn", DTypeClass::kFloat, 8, ""},
    {"float8_e4m3fnuz", DTypeClass::kFloat, 8, ""},
    {"float8_e5m2", DTypeClass::kFloat, 8, ""},
    {"float8_e5m2fnuz", DTypeClass::kFloat, 8, ""},
    {"float8_e8m0fnu", DTypeClass::kFloat, 8, ""},
    {"float6_e2m3fn", DTypeClass::kFloat, 6, ""},
    {"float6_e3m2fn", DTypeClass::kFloat, 6, ""},
    {"float4_e2m1fn", DTypeClass::kFloat, 4, ""},
    {"int2", DTypeClass::kInt, 2, ""},
    {"uint2", DTypeClass::kUInt, 2, ""},
    {"int1", DTypeClass::kInt, 1, ""},
}};

constexpr std::array<std::pair<const char*, const char*>, 9> kAliases = {{
    {"float", "float32"},
    {"fp32", "float32"},
    {"half", "float16"},
    {"fp16", "float16"},
    {"bf16", "bfloat16"},
    {"int", "int32"},
    {"double", "float64"},
    {"uint1", "bool"},
    {"bool_", "bool"},
}};

}  // namespace

int64_t DType::TileBytes(int64_t th, int64_t tw) const {
  const int64_t elems = th * tw;
  if (cls == DTypeClass::kBlockFloat) return elems * bits / 8 + elems / 16;
  return elems * bits / 8;
}

std::optional<DType> ParseDType(std::string_view name) {
  for (const auto& [alias, canonical] : kAliases) {
    if (name == alias) name = canonical;
  }
  for (const Row& r : kTable) {
    if (name == r.name) return DType{r.name, r.cls, r.bits, r.format};
  }
  return std::nullopt;
}

std::string KnownDTypeNames() {
  std::string out;
  for (const Row& r : kTable) {
    if (!out.empty()) out += ", ";
    out += r.name;
  }
  return out;
}

bool IsKnownDataFormat(std::string_view name) {
  for (const Row& r : kTable) {
    if (*r.format != '\0' && name == r.format) return true;
  }
  return false;
}

}  // namespace ttc::ir
