// Element data types of the kernel IR, named as TileLang/TVM names them ("bfloat16",
// "float32", ...), with their size and their TT-Metalium `tt::DataFormat` where the
// hardware has one (TT_METALIUM_API.md section 1.6; PASSES.md section 5).
#ifndef TTC_IR_DTYPE_H_
#define TTC_IR_DTYPE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ttc::ir {

enum class DTypeClass { kFloat, kInt, kUInt, kBool, kBlockFloat };

// A scalar element type. Value type; cheap to copy.
struct DType {
  std::string name;       // canonical TileLang name, e.g. "bfloat16"
  DTypeClass cls = DTypeClass::kFloat;
  int bits = 0;           // bits per element (block-float: bits of the mantissa datum)
  // TT-Metalium tt::DataFormat name ("Float16_b" for bfloat16), empty when the device has
  // no format for this dtype (e.g. "float64", "int4").
  std::string tt_data_format;

  bool operator==(const DType& o) const { return name == o.name; }
  bool is_float() const { return cls == DTypeClass::kFloat || cls == DTypeClass::kBlockFloat; }

  // Bytes of one th x tw tile in this dtype as stored in a circular buffer or DRAM page.
  // Plain formats: th * tw * bits / 8 (bf16 32x32 = 2048, fp32 = 4096). Block-float
  // bfp8_b: one byte per datum plus one shared exponent byte per 16 datums (32x32 = 1088).
  int64_t TileBytes(int64_t th, int64_t tw) const;
};

// Looks up a dtype by TileLang name; also accepts the aliases "float"/"fp32" (float32),
// "half"/"fp16" (float16), "bf16" (bfloat16). Returns nullopt for an unknown name.
std::optional<DType> ParseDType(std::string_view name);

// The comma-separated list of accepted dtype names, for error messages.
std::string KnownDTypeNames();

// Whether `name` is a tt::DataFormat name that ttc knows ("Float16_b", "Float32", ...).
bool IsKnownDataFormat(std::string_view name);

}  // namespace ttc::ir

#endif  // TTC_IR_DTYPE_H_
