// ttc emulator: tt::DataFormat and tile sizes (tt-metalium/tt_backend_api_types.hpp), with
// TT-Metalium's enumerator values. tile_size is constexpr: bytes of one 32x32 tile.
#pragma once

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string_view>

#include <fmt/core.h>

namespace tt {

enum class DataFormat : std::uint8_t {
    Float32 = 0, Float16 = 1, Bfp8 = 2, Bfp4 = 3, Tf32 = 4, Float16_b = 5, Bfp8_b = 6, Bfp4_b = 7, Int32 = 8,
    UInt16 = 9, Lf8 = 10, Bfp2 = 11, Int16 = 13, Int8 = 14, Bfp2_b = 15, MxFp4 = 22, UInt32 = 24, Fp8_e4m3 = 26,
    UInt8 = 30, RawUInt8 = 240, RawUInt16 = 241, RawUInt32 = 242, Invalid = 255,
};

enum class ARCH { GRAYSKULL = 1, WORMHOLE_B0 = 2, BLACKHOLE = 3, QUASAR = 4, Invalid = 0xFF };

// Bytes of a 32x32 tile: 2 per datum for the 16-bit formats, 4 for the 32-bit ones, 1 for the
// 8-bit ones; block floats carry their datums plus 64 bytes of shared exponents (one per 16
// datums). Throws std::invalid_argument for Invalid.
constexpr std::uint32_t tile_size(const DataFormat& format) {
    switch (format) {
        case DataFormat::Float32:
        case DataFormat::Tf32:
        case DataFormat::Int32:
        case DataFormat::UInt32:
        case DataFormat::RawUInt32: return 4096;
        case DataFormat::Float16:
        case DataFormat::Float16_b:
        case DataFormat::UInt16:
        case DataFormat::Int16:
        case DataFormat::RawUInt16: return 2048;
        case DataFormat::Bfp8:
        case DataFormat::Bfp8_b: return 1024 + 64;
        case DataFormat::Bfp4:
        case DataFormat::Bfp4_b: return 512 + 64;
        case DataFormat::Bfp2:
        case DataFormat::Bfp2_b: return 256 + 64;
        case DataFormat::MxFp4: return 512 + 32;
        case DataFormat::Lf8:
        case DataFormat::Fp8_e4m3:
        case DataFormat::Int8:
        case DataFormat::UInt8:
        case DataFormat::RawUInt8: return 1024;
        case DataFormat::Invalid: break;
    }
    throw std::invalid_argument("tile_size: invalid data format");
}

// Bytes of one datum of the non-block formats (0 for the block-float formats).
constexpr std::uint32_t datum_size(const DataFormat& format) {
    switch (format) {
        case DataFormat::Bfp8:
        case DataFormat::Bfp8_b:
        case DataFormat::Bfp4:
        case DataFormat::Bfp4_b:
        case DataFormat::Bfp2:
        case DataFormat::Bfp2_b:
        case DataFormat::MxFp4: return 0;
        default: return tile_size(format) / 1024;
    }
}

constexpr std::string_view data_format_name(DataFormat format) {
    switch (format) {
        case DataFormat::Float32: return "Float32";
        case DataFormat::Float16: return "Float16";
        case DataFormat::Bfp8: return "Bfp8";
        case DataFormat::Bfp4: return "Bfp4";
        case DataFormat::Tf32: return "Tf32";
        case DataFormat::Float16_b: return "Float16_b";
        case DataFormat::Bfp8_b: return "Bfp8_b";
        case DataFormat::Bfp4_b: return "Bfp4_b";
        case DataFormat::Int32: return "Int32";
        case DataFormat::UInt16: return "UInt16";
        case DataFormat::Lf8: return "Lf8";
        case DataFormat::Bfp2: return "Bfp2";
        case DataFormat::Int16: return "Int16";
        case DataFormat::Int8: return "Int8";
        case DataFormat::Bfp2_b: return "Bfp2_b";
        case DataFormat::MxFp4: return "MxFp4";
        case DataFormat::UInt32: return "UInt32";
        case DataFormat::Fp8_e4m3: return "Fp8_e4m3";
        case DataFormat::UInt8: return "UInt8";
        case DataFormat::RawUInt8: return "RawUInt8";
        case DataFormat::RawUInt16: return "RawUInt16";
        case DataFormat::RawUInt32: return "RawUInt32";
        case DataFormat::Invalid: break;
    }
    return "Invalid";
}

inline std::ostream& operator<<(std::ostream& os, DataFormat format) { return os << data_format_name(format); }

}  // namespace tt

template <>
struct fmt::formatter<tt::DataFormat> : fmt::formatter<std::string_view> {
    auto format(tt::DataFormat f, fmt::format_context& ctx) const {
        return fmt::formatter<std::string_view>::format(tt::data_format_name(f), ctx);
    }
};
