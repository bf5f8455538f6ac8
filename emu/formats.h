// Tile data formats of TT-Metalium for the functional emulator (TT_METALIUM_API.md sections
// 1.6 and 4): the `tt::DataFormat` enum, scalar conversions between float and the 16-bit
// floating-point formats (bfloat16 = Float16_b, IEEE half = Float16), and packing of whole
// tiles between row-major float values and TT's face layout (a tile is stored as 16x16
// faces, each face row-major, the faces themselves in row-major order).
//
// Rounding everywhere is round-to-nearest, ties-to-even (RNE), the IEEE default; the
// hardware packer's rounding mode is not documented (TT_METALIUM_API.md section 6), so RNE
// is the emulator's choice. Thread-safety: every function is pure and reentrant.
#ifndef TTC_EMU_FORMATS_H_
#define TTC_EMU_FORMATS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace ttc::emu {

// tt::DataFormat, with the numeric values of tt_metal/api/tt-metalium/tt_backend_api_types.hpp
// (only the formats ttc can emit, plus Invalid).
enum class DataFormat : uint8_t {
  Float32 = 0,
  Float16 = 1,     // IEEE binary16
  Float16_b = 5,   // bfloat16
  Bfp8_b = 6,      // block float: 8-bit datums sharing one exponent per 16 (one face row)
  Int32 = 8,
  UInt16 = 9,
  Int16 = 13,
  Int8 = 14,
  UInt32 = 24,
  UInt8 = 30,
  Invalid = 255,
};

// The enumerator's name ("Float16_b", ...); "Invalid" for Invalid and for any value outside
// the enum.
std::string_view DataFormatName(DataFormat f);
// The format named exactly as its enumerator ("Float32", "Float16", "Float16_b", "Bfp8_b",
// "Int32", "UInt16", "Int16", "Int8", "UInt32", "UInt8"); nullopt for any other string,
// including "Invalid".
std::optional<DataFormat> DataFormatFromName(std::string_view name);

// ---- Scalars ----

// bfloat16 bits -> float (exact: the bits are the top half of a float32).
float Bf16ToFloat(uint16_t bits);
// float -> bfloat16 bits, RNE. NaN stays NaN (sign and the top payload bits kept, quiet bit
// set); +-inf stays +-inf; finite values at or above the midpoint between the largest finite
// bfloat16 (0x7F7F = 3.3895e38) and 2^128 round to +-inf, as RNE dictates.
uint16_t FloatToBf16(float x);
// IEEE binary16 bits -> float (exact, subnormals included).
float HalfToFloat(uint16_t bits);
// float -> IEEE binary16 bits, RNE: results below 2^-14 become subnormals (multiples of
// 2^-24, the smallest 5.96e-8), values below half of 2^-24 become +-0, values at or above
// 65520 (the midpoint between the largest finite half 65504 and 2^16) become +-inf. NaN stays
// NaN (quiet, top payload bits kept).
uint16_t FloatToHalf(float x);

// Whether RoundToDtype, PackTile and UnpackTile support the format: Float32, Float16,
// Float16_b, Int32, UInt32, Int16, UInt16, Int8, UInt8. Not supported: Bfp8_b (its values
// depend on the shared exponent of each group of 16 datums, so an element cannot be
// converted on its own, and the byte order of a Bfp8_b tile is not confirmed) and Invalid.
bool IsSupportedFormat(DataFormat f);

// The value of `x` after a round trip through one element of format `f` (float -> format ->
// float). Floating formats round RNE (see FloatToBf16/FloatToHalf). Integer formats round to
// the nearest integer (ties to even) and saturate to the format's range; NaN becomes 0. The
// integer result is returned as a float, so Int32/UInt32 values beyond 2^24 are only
// approximated. Unsupported formats (IsSupportedFormat false) return a quiet NaN.
float RoundToDtype(float x, DataFormat f);
// The same for a double, rounded once (no double rounding through float): the value the
// format holds nearest to `x`, RNE, as a double. Integer formats: nearest integer (ties to
// even), saturated, NaN -> 0, exact for the full Int32/UInt32 range. Unsupported formats
// return a quiet NaN.
double RoundDoubleToDtype(double x, DataFormat f);

// ---- Tiles ----

// Bytes of one th x tw tile: Float32/Int32/UInt32 4 per element (32x32 = 4096),
// Float16/Float16_b/Int16/UInt16 2 (2048), Int8/UInt8 1 (1024), Bfp8_b one byte per element
// plus one shared-exponent byte per 16 elements (1088). 0 for Invalid, for an unknown value
// and for non-positive dimensions.
size_t TileBytes(DataFormat f, int th, int tw);

// Face layout of a th x tw tile: faces of face_h = min(th, 16) rows by face_w = min(tw, 16)
// columns, (th / face_h) x (tw / face_w) of them; element (r, c) is stored at element offset
//   ((r / face_h) * (tw / face_w) + c / face_w) * face_h * face_w + (r % face_h) * face_w + c % face_w
// which for 32x32 is face_index * 256 + row_in_face * 16 + col_in_face with face_index =
// face_row * 2 + face_col (TT_METALIUM_API.md section 4). Valid shapes: th and tw positive
// and either at most 16 or a multiple of 16 (32x32, 16x32, 32x16, 1x32, 8x32, ...).
// Returns the offset in elements; -1 when the shape is not valid or (r, c) is outside it.
int64_t FaceLayoutOffset(int th, int tw, int r, int c);

// Reads one tile of format `f` stored in face layout at `src` (TileBytes(f, th, tw) bytes,
// elements little-endian) into `out` as th * tw row-major floats. Integer formats are
// converted to float (Int32/UInt32 beyond 2^24 rounded to the nearest float).
// Errors: INVALID_ARGUMENT for a shape FaceLayoutOffset rejects; UNIMPLEMENTED for Bfp8_b
// and other unsupported formats (nothing is written then).
absl::Status UnpackTile(const uint8_t* src, DataFormat f, int th, int tw, float* out);

// The inverse: writes th * tw row-major floats at `row_major` as one tile of format `f` in
// face layout at `dst` (TileBytes(f, th, tw) bytes), converting each value as
// RoundToDtype does (RNE for floats; nearest integer, saturated, NaN -> 0 for integers).
// Errors as UnpackTile.
absl::Status PackTile(const float* row_major, DataFormat f, int th, int tw, uint8_t* dst);

}  // namespace ttc::emu

#endif  // TTC_EMU_FORMATS_H_
