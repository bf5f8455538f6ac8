// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// Data formats, from tt-metal `tt_metal/api/tt-metalium/tt_backend_api_types.hpp`
// (TT_METALIUM_API.md section 1.6; values verbatim). Float16_b is bfloat16, Float16 IEEE half.
#pragma once

#include <cstdint>

namespace tt {

enum class DataFormat : std::uint8_t {
    Float32 = 0,
    Float16 = 1,
    Bfp8 = 2,
    Bfp4 = 3,
    Tf32 = 4,
    Float16_b = 5,
    Bfp8_b = 6,
    Bfp4_b = 7,
    Int32 = 8,
    UInt16 = 9,
    Lf8 = 10,
    Bfp2 = 11,
    Int16 = 13,
    Int8 = 14,
    Bfp2_b = 15,
    MxFp4 = 22,
    UInt32 = 24,
    Fp8_e4m3 = 26,
    UInt8 = 30,
    RawUInt8 = 240,
    RawUInt16 = 241,
    RawUInt32 = 242,
    Invalid = 255,
};

}  // namespace tt
