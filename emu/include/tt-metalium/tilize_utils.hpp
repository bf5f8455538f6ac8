// ttc emulator: host tile-layout conversions (tt-metalium/tilize_utils.hpp).
// A row-major m x n matrix (m rows of n elements, both multiples of 32) becomes row-major
// 32x32 tiles (TILED_NFACES), each tile four 16x16 faces in the order top-left, top-right,
// bottom-left, bottom-right, each face row-major (TT_METALIUM_API.md 4); the untilize
// functions invert it. convert_layout converts between LIN_ROW_MAJOR, TILED_SWIZZLED (each
// tile row-major) and TILED_NFACES.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <tt_stl/span.hpp>

namespace tests::utils {
enum class TensorLayoutType {
    LIN_ROW_MAJOR = 0,   // row-major elements
    TILED_SWIZZLED = 1,  // row-major tiles, each tile row-major
    TILED_NFACES = 2,    // row-major tiles, each tile row-major faces, each face row-major
};
inline std::ostream& operator<<(std::ostream& os, TensorLayoutType layout) {
    switch (layout) {
        case TensorLayoutType::LIN_ROW_MAJOR: return os << "LIN_ROW_MAJOR";
        case TensorLayoutType::TILED_SWIZZLED: return os << "TILED_SWIZZLED";
        case TensorLayoutType::TILED_NFACES: return os << "TILED_NFACES";
    }
    return os << "?";
}
}  // namespace tests::utils

using PhysicalSize = std::array<uint32_t, 2>;

inline std::uint32_t round_up_to_mul16(std::uint32_t val) { return (val + 15) / 16 * 16; }
inline std::uint32_t round_up_to_mul32(std::uint32_t val) { return (val + 31) / 32 * 32; }
inline std::uint32_t round_up_to_tile(int val, int tile_val) {
    return static_cast<std::uint32_t>((val + tile_val - 1) / tile_val * tile_val);
}

namespace ttc_emu_tilize {

// Offset, inside the tiled layout, of row-major element (r, c) of an m x n matrix.
inline std::size_t TiledOffset(std::size_t r, std::size_t c, std::size_t n, const PhysicalSize& tile,
                               const PhysicalSize& face, bool faces) {
    const std::size_t th = tile[0], tw = tile[1], tiles_per_row = n / tw;
    const std::size_t tile_index = (r / th) * tiles_per_row + c / tw;
    std::size_t within = (r % th) * tw + c % tw;
    if (faces) {
        const std::size_t fh = face[0], fw = face[1], tr = r % th, tc = c % tw;
        within = ((tr / fh) * (tw / fw) + tc / fw) * fh * fw + (tr % fh) * fw + tc % fw;
    }
    return tile_index * th * tw + within;
}

inline void CheckShape(std::size_t size, std::size_t m, std::size_t n, const PhysicalSize& tile) {
    if (m % tile[0] != 0 || n % tile[1] != 0 || size != m * n) {
        throw std::invalid_argument("tilize: a " + std::to_string(m) + " x " + std::to_string(n) + " matrix of " +
                                    std::to_string(size) + " elements is not whole " + std::to_string(tile[0]) + " x " +
                                    std::to_string(tile[1]) + " tiles");
    }
}

}  // namespace ttc_emu_tilize

template <typename T>
std::vector<T> convert_layout(tt::stl::Span<const T> data, const PhysicalSize& shape, tests::utils::TensorLayoutType inL,
                              tests::utils::TensorLayoutType outL, std::optional<PhysicalSize> tile_shape = std::nullopt,
                              std::optional<PhysicalSize> face_shape = std::nullopt, bool transpose_within_face = false,
                              bool transpose_of_faces = false) {
    using tests::utils::TensorLayoutType;
    if (transpose_within_face || transpose_of_faces) {
        throw std::invalid_argument("convert_layout: face transposition is not emulated");
    }
    const PhysicalSize tile = tile_shape.value_or(PhysicalSize{32, 32});
    const PhysicalSize face = face_shape.value_or(PhysicalSize{16, 16});
    const std::size_t m = shape[0], n = shape[1];
    if (inL == outL) return std::vector<T>(data.begin(), data.end());
    ttc_emu_tilize::CheckShape(data.size(), m, n, tile);
    std::vector<T> out(data.size());
    for (std::size_t r = 0; r < m; ++r) {
        for (std::size_t c = 0; c < n; ++c) {
            const std::size_t rm = r * n + c;
            const std::size_t in = inL == TensorLayoutType::LIN_ROW_MAJOR
                                       ? rm
                                       : ttc_emu_tilize::TiledOffset(r, c, n, tile, face,
                                                                     inL == TensorLayoutType::TILED_NFACES);
            const std::size_t o = outL == TensorLayoutType::LIN_ROW_MAJOR
                                      ? rm
                                      : ttc_emu_tilize::TiledOffset(r, c, n, tile, face,
                                                                    outL == TensorLayoutType::TILED_NFACES);
            out[o] = data[in];
        }
    }
    return out;
}

template <typename T>
std::vector<T> convert_layout(tt::stl::Span<const T> data, tt::stl::Span<const uint32_t> shape,
                              tests::utils::TensorLayoutType inL, tests::utils::TensorLayoutType outL,
                              std::optional<PhysicalSize> tile_shape = std::nullopt,
                              std::optional<PhysicalSize> face_shape = std::nullopt, bool transpose_within_face = false,
                              bool transpose_of_faces = false) {
    if (shape.size() < 2) throw std::invalid_argument("convert_layout: the shape needs at least two dimensions");
    std::size_t rows = 1;
    for (std::size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
    // Leading dimensions stack matrices vertically; tiles never straddle two of them.
    return convert_layout<T>(data, PhysicalSize{static_cast<uint32_t>(rows), shape.back()}, inL, outL, tile_shape,
                             face_shape, transpose_within_face, transpose_of_faces);
}

// Row-major m x n -> 32x32 tiles of 16x16 faces.
template <typename T>
std::vector<T> tilize_nfaces(const std::vector<T>& input, uint32_t m, uint32_t n) {
    return convert_layout<T>(tt::stl::Span<const T>(input), PhysicalSize{m, n}, tests::utils::TensorLayoutType::LIN_ROW_MAJOR,
                             tests::utils::TensorLayoutType::TILED_NFACES);
}

// 32x32 tiles of 16x16 faces -> row-major m x n.
template <typename T>
std::vector<T> untilize_nfaces(const std::vector<T>& input, uint32_t m, uint32_t n) {
    return convert_layout<T>(tt::stl::Span<const T>(input), PhysicalSize{m, n}, tests::utils::TensorLayoutType::TILED_NFACES,
                             tests::utils::TensorLayoutType::LIN_ROW_MAJOR);
}

// In place: tilize_nfaces / untilize_nfaces.
template <typename T>
void tilize(std::vector<T>& input, uint32_t m, uint32_t n) {
    input = tilize_nfaces(input, m, n);
}
template <typename T>
void untilize(std::vector<T>& input, uint32_t m, uint32_t n) {
    input = untilize_nfaces(input, m, n);
}
