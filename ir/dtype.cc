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
constexpr std::array<Row, 17> kTable = {{
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
}};

constexpr std::array<std::pair<const char*, const char*>, 6> kAliases = {{
    {"float", "float32"},
    {"fp32", "float32"},
    {"half", "float16"},
    {"fp16", "float16"},
    {"bf16", "bfloat16"},
    {"int", "int32"},
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
