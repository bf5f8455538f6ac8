// Host-side helpers shared by the hand-written TT-Metalium programs in tests/emu/programs/
// (the role tt-metalium's bfloat16.hpp and tilize_utils.hpp play for the public examples),
// written from TT_METALIUM_API.md section 4: bfloat16 conversion (round to nearest, ties to
// even), deterministic input data, tilizing a row-major matrix into row-major tiles of
// 32x32 elements stored as four 16x16 faces, and result checking.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace host_utils {

constexpr uint32_t kTile = 32;
constexpr uint32_t kTileElems = kTile * kTile;
constexpr uint32_t kBf16TileBytes = kTileElems * 2;

inline uint16_t FloatToBf16(float x) {
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
inline float Bf16ToFloat(uint16_t b) {
    const uint32_t u = uint32_t{b} << 16;
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

// Deterministic values in [-1, 1), already representable in bfloat16 (a 32-bit LCG).
inline std::vector<float> DeterministicBf16Values(size_t n, uint32_t seed) {
    std::vector<float> out(n);
    uint32_t s = seed;
    for (float& v : out) {
        s = s * 1664525u + 1013904223u;
        v = Bf16ToFloat(FloatToBf16(static_cast<float>(s >> 8) / static_cast<float>(1u << 23) - 1.0f));
    }
    return out;
}

// Element offset of (r, c) inside a 32x32 tile: face (r / 16, c / 16) in row-major face
// order, row-major inside the face.
inline uint32_t FaceOffset(uint32_t r, uint32_t c) { return ((r / 16) * 2 + c / 16) * 256 + (r % 16) * 16 + c % 16; }

// rows x cols row-major floats (both multiples of 32) -> bfloat16 tiles, tile (tr, tc) at
// index tr * (cols / 32) + tc.
inline std::vector<uint16_t> TilizeBf16(const std::vector<float>& m, uint32_t rows, uint32_t cols) {
    std::vector<uint16_t> out(static_cast<size_t>(rows) * cols);
    const uint32_t tiles_per_row = cols / kTile;
    for (uint32_t r = 0; r < rows; ++r) {
        for (uint32_t c = 0; c < cols; ++c) {
            const size_t tile = static_cast<size_t>(r / kTile) * tiles_per_row + c / kTile;
            out[tile * kTileElems + FaceOffset(r % kTile, c % kTile)] = FloatToBf16(m[static_cast<size_t>(r) * cols + c]);
        }
    }
    return out;
}

// The inverse of TilizeBf16.
inline std::vector<float> UntilizeBf16(const std::vector<uint16_t>& t, uint32_t rows, uint32_t cols) {
    std::vector<float> out(static_cast<size_t>(rows) * cols);
    const uint32_t tiles_per_row = cols / kTile;
    for (uint32_t r = 0; r < rows; ++r) {
        for (uint32_t c = 0; c < cols; ++c) {
            const size_t tile = static_cast<size_t>(r / kTile) * tiles_per_row + c / kTile;
            out[static_cast<size_t>(r) * cols + c] = Bf16ToFloat(t[tile * kTileElems + FaceOffset(r % kTile, c % kTile)]);
        }
    }
    return out;
}

// C = A (m x k) @ B (k x n), accumulated in double; also the sum of |a * b| per element,
// the scale of the rounding error a bfloat16 computation may make.
inline void MatmulReference(const std::vector<float>& a, const std::vector<float>& b, uint32_t m, uint32_t k,
                            uint32_t n, std::vector<double>& c, std::vector<double>& scale) {
    c.assign(static_cast<size_t>(m) * n, 0.0);
    scale.assign(static_cast<size_t>(m) * n, 0.0);
    for (uint32_t i = 0; i < m; ++i) {
        for (uint32_t kk = 0; kk < k; ++kk) {
            const double av = a[static_cast<size_t>(i) * k + kk];
            for (uint32_t j = 0; j < n; ++j) {
                const double p = av * b[static_cast<size_t>(kk) * n + j];
                c[static_cast<size_t>(i) * n + j] += p;
                scale[static_cast<size_t>(i) * n + j] += std::fabs(p);
            }
        }
    }
}

// Compares `got` with `want`: element-wise |got - want| <= rel * scale + abs_tol, and over
// the whole result the RMS error at most `max_rms_rel` of the RMS of `want` (a bound far
// below the error of any misplaced or missing tile). Prints the first mismatches and a
// summary; true on a match.
inline bool CheckClose(const char* what, const std::vector<float>& got, const std::vector<double>& want,
                       const std::vector<double>& scale, double rel, double abs_tol, double max_rms_rel,
                       uint32_t cols) {
    if (got.size() != want.size()) {
        std::fprintf(stderr, "%s: %zu elements, want %zu\n", what, got.size(), want.size());
        return false;
    }
    size_t bad = 0;
    double worst = 0, err2 = 0, want2 = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
        const double tol = rel * scale[i] + abs_tol;
        worst = std::fmax(worst, err / tol);
        err2 += err * err;
        want2 += want[i] * want[i];
        if (!(err <= tol)) {
            if (bad < 5) {
                std::fprintf(stderr, "%s: element (%zu, %zu): got %g, want %g (tolerance %g)\n", what, i / cols,
                             i % cols, static_cast<double>(got[i]), want[i], tol);
            }
            ++bad;
        }
    }
    const double rms_rel = want2 > 0 ? std::sqrt(err2 / want2) : std::sqrt(err2);
    std::printf("%s: %zu elements, %zu outside tolerance, worst error %.3f of tolerance, RMS error %.2e of RMS\n",
                what, want.size(), bad, worst, rms_rel);
    if (!(rms_rel <= max_rms_rel)) std::fprintf(stderr, "%s: RMS error above %g\n", what, max_rms_rel);
    return bad == 0 && rms_rel <= max_rms_rel;
}

}  // namespace host_utils
