#include "emu/reference_interpreter_rounding.h"

#include "absl/strings/str_cat.h"

namespace ttc::emu::reference {

absl::StatusOr<TypeInfo> TypeOf(const ir::DType& dt, const std::string& what) {
  TypeInfo t;
  switch (dt.cls) {
    case ir::DTypeClass::kFloat:
      if (dt.name == "float32") t.kind = RoundKind::kFloat32;
      else if (dt.name == "bfloat16") t.kind = RoundKind::kBf16;
      else if (dt.name == "float16") t.kind = RoundKind::kFp16;
      else if (dt.name == "float64") t.kind = RoundKind::kNone;
      else break;
      return t;
    case ir::DTypeClass::kInt:
    case ir::DTypeClass::kUInt:
      t.kind = RoundKind::kInt;
      t.is_int = true;
      t.bits = dt.bits;
      t.is_signed = dt.cls == ir::DTypeClass::kInt;
      t.lo = t.is_signed ? -std::ldexp(1.0, dt.bits - 1) : 0.0;
      t.hi = t.is_signed ? std::ldexp(1.0, dt.bits - 1) - 1 : std::ldexp(1.0, dt.bits) - 1;
      return t;
    case ir::DTypeClass::kBool:
      t.kind = RoundKind::kBool;
      t.is_int = true;
      return t;
    case ir::DTypeClass::kBlockFloat: break;
  }
  return absl::UnimplementedError(absl::StrCat(what, ": the reference interpreter cannot round values to dtype '",
                                               dt.name, "' (supported: float32, bfloat16, float16, float64 and the "
                                               "integer and bool dtypes)"));
}

// Convert over an array (in place allowed), with the dtype dispatch hoisted out of the loop.
void ConvertArray(const double* in, double* out, size_t n, bool from_int, const TypeInfo& t) {
  switch (t.kind) {
    case RoundKind::kNone:
      if (in != out) std::copy(in, in + n, out);
      return;
    case RoundKind::kFloat32:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<double>(static_cast<float>(in[i]));
      return;
    case RoundKind::kBf16:
      for (size_t i = 0; i < n; ++i) out[i] = RoundDoubleToDtype(in[i], DataFormat::Float16_b);
      return;
    default:
      for (size_t i = 0; i < n; ++i) out[i] = Convert(in[i], from_int, t);
      return;
  }
}
}  // namespace ttc::emu::reference
