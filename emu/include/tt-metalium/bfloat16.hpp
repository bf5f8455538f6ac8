// ttc emulator: TT-Metalium's host bfloat16 (tt-metalium/bfloat16.hpp) and its vector helpers.
// bfloat16(x) converts any arithmetic value through float with round-to-nearest-even (NaN
// becomes the quiet NaN 0x7FC0); bfloat16::truncate drops the low 16 bits instead. Arithmetic
// goes through float and rounds the result back. The packing helpers put element 2i in the
// low half and element 2i + 1 in the high half of uint32 i (little-endian memory order).
#pragma once

#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ostream>
#include <type_traits>
#include <utility>
#include <vector>

class bfloat16 {
public:
    constexpr bfloat16() = default;

    template <class T>
        requires std::is_arithmetic_v<T>
    constexpr bfloat16(T v) noexcept : uint16_data(round_from_float(static_cast<float>(v))) {}

    static bfloat16 truncate(float f) {
        bfloat16 b;
        b.uint16_data = static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(f) >> 16);
        return b;
    }

    constexpr operator float() const { return std::bit_cast<float>(static_cast<std::uint32_t>(uint16_data) << 16); }

    constexpr bool operator==(bfloat16 rhs) const { return static_cast<float>(*this) == static_cast<float>(rhs); }
    constexpr std::partial_ordering operator<=>(bfloat16 rhs) const noexcept {
        return static_cast<float>(*this) <=> static_cast<float>(rhs);
    }

    bfloat16& operator+=(bfloat16 rhs) noexcept { return *this = bfloat16(float(*this) + float(rhs)); }
    bfloat16& operator-=(bfloat16 rhs) noexcept { return *this = bfloat16(float(*this) - float(rhs)); }
    bfloat16& operator*=(bfloat16 rhs) noexcept { return *this = bfloat16(float(*this) * float(rhs)); }
    bfloat16& operator/=(bfloat16 rhs) noexcept { return *this = bfloat16(float(*this) / float(rhs)); }
    bfloat16 operator+(bfloat16 rhs) const { return bfloat16(float(*this) + float(rhs)); }
    bfloat16 operator-(bfloat16 rhs) const { return bfloat16(float(*this) - float(rhs)); }
    bfloat16 operator*(bfloat16 rhs) const { return bfloat16(float(*this) * float(rhs)); }
    bfloat16 operator/(bfloat16 rhs) const { return bfloat16(float(*this) / float(rhs)); }

private:
    static constexpr std::uint16_t round_from_float(float f) {
        const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
        if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x007FFFFFu) != 0) return 0x7FC0;  // NaN
        const std::uint32_t lsb = (bits >> 16) & 1u;
        return static_cast<std::uint16_t>((bits + 0x7FFFu + lsb) >> 16);
    }

    std::uint16_t uint16_data = 0;
};

static_assert(sizeof(bfloat16) == 2);

// float -> bfloat16 bits, round to nearest even; NaN -> 0x7FC0.
std::uint16_t fp32_to_bf16_bits_round_to_nearest_even(float val);

std::ostream& operator<<(std::ostream& os, const bfloat16& bfp16);

bool operator==(const std::vector<bfloat16>& lhs, const std::vector<bfloat16>& rhs);

// Low half: first, high half: second.
std::uint32_t pack_two_bfloat16_into_uint32(std::pair<bfloat16, bfloat16> two_bfloats);

// num_bytes / 2 values uniform in [offset, rand_max_float + offset), from a std::mt19937
// seeded with `seed` (a deterministic sequence for a given seed).
std::vector<bfloat16> create_random_vector_of_bfloat16_native(std::size_t num_bytes, float rand_max_float, int seed,
                                                              float offset = 0.0f);
// The same values packed two per uint32 (num_bytes / 4 words).
std::vector<std::uint32_t> create_random_vector_of_bfloat16(std::size_t num_bytes, int rand_max_float, int seed,
                                                            float offset = 0.0f);
// num_bytes / 4 words, each holding `value` twice.
std::vector<std::uint32_t> create_constant_vector_of_bfloat16(std::size_t num_bytes, float value);
// rows x cols, ones on the diagonal of the first num_ones rows.
std::vector<bfloat16> create_identity_matrix(int rows, int cols, int num_ones);

std::vector<std::uint32_t> pack_bfloat16_vec_into_uint32_vec(const std::vector<bfloat16>& data);

bfloat16 bfloat16_identity_transform(const bfloat16& input);

std::vector<bfloat16> unpack_uint32_vec_into_bfloat16_vec(
    const std::vector<std::uint32_t>& data,
    const std::function<bfloat16(const bfloat16&)>& transform = bfloat16_identity_transform);

// True when a and b agree to n significant decimal digits.
bool equal_within_n_sig_figs(float a, float b, int n);

// numpy.isclose: |a - b| <= atol + rtol * |b|.
bool is_close(float a, float b, float rtol = 0.01f, float atol = 0.001f);
