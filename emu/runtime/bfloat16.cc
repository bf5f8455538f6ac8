// Host bfloat16 helpers (tt-metalium/bfloat16.hpp): vector creation, packing, comparisons.
#include <cmath>
#include <cstdio>
#include <random>
#include <string_view>

#include <tt-metalium/bfloat16.hpp>

namespace {

std::uint16_t Bits(bfloat16 b) { return std::bit_cast<std::uint16_t>(b); }
bfloat16 FromBits(std::uint16_t bits) { return std::bit_cast<bfloat16>(bits); }

}  // namespace

std::uint16_t fp32_to_bf16_bits_round_to_nearest_even(float val) { return Bits(bfloat16(val)); }

std::ostream& operator<<(std::ostream& os, const bfloat16& bfp16) { return os << static_cast<float>(bfp16); }

bool operator==(const std::vector<bfloat16>& lhs, const std::vector<bfloat16>& rhs) {
    if (lhs.size() != rhs.size()) return false;
    for (std::size_t i = 0; i < lhs.size(); ++i) {
        if (Bits(lhs[i]) != Bits(rhs[i])) return false;
    }
    return true;
}

std::uint32_t pack_two_bfloat16_into_uint32(std::pair<bfloat16, bfloat16> two_bfloats) {
    return std::uint32_t{Bits(two_bfloats.first)} | (std::uint32_t{Bits(two_bfloats.second)} << 16);
}

std::vector<bfloat16> create_random_vector_of_bfloat16_native(std::size_t num_bytes, float rand_max_float, int seed,
                                                              float offset) {
    std::mt19937 engine(seed);
    std::uniform_real_distribution<float> dist(0.0f, rand_max_float);
    std::vector<bfloat16> vec(num_bytes / sizeof(bfloat16));
    for (bfloat16& v : vec) v = bfloat16(dist(engine) + offset);
    return vec;
}

std::vector<std::uint32_t> create_random_vector_of_bfloat16(std::size_t num_bytes, int rand_max_float, int seed,
                                                            float offset) {
    std::mt19937 engine(seed);
    std::uniform_real_distribution<float> dist(0.0f, static_cast<float>(rand_max_float));
    std::vector<std::uint32_t> vec(num_bytes / sizeof(std::uint32_t));
    for (std::uint32_t& w : vec) {
        const bfloat16 lo(dist(engine) + offset);
        const bfloat16 hi(dist(engine) + offset);
        w = pack_two_bfloat16_into_uint32({lo, hi});
    }
    return vec;
}

std::vector<std::uint32_t> create_constant_vector_of_bfloat16(std::size_t num_bytes, float value) {
    const bfloat16 v(value);
    return std::vector<std::uint32_t>(num_bytes / sizeof(std::uint32_t), pack_two_bfloat16_into_uint32({v, v}));
}

std::vector<bfloat16> create_identity_matrix(int rows, int cols, int num_ones) {
    std::vector<bfloat16> vec(static_cast<std::size_t>(rows) * cols, bfloat16(0.0f));
    for (int i = 0; i < num_ones && i < rows && i < cols; ++i) vec[static_cast<std::size_t>(i) * cols + i] = bfloat16(1.0f);
    return vec;
}

std::vector<std::uint32_t> pack_bfloat16_vec_into_uint32_vec(const std::vector<bfloat16>& data) {
    std::vector<std::uint32_t> out((data.size() + 1) / 2);
    for (std::size_t i = 0; i < data.size(); i += 2) {
        out[i / 2] = pack_two_bfloat16_into_uint32({data[i], i + 1 < data.size() ? data[i + 1] : bfloat16(0.0f)});
    }
    return out;
}

bfloat16 bfloat16_identity_transform(const bfloat16& input) { return input; }

std::vector<bfloat16> unpack_uint32_vec_into_bfloat16_vec(const std::vector<std::uint32_t>& data,
                                                          const std::function<bfloat16(const bfloat16&)>& transform) {
    std::vector<bfloat16> out;
    out.reserve(data.size() * 2);
    for (std::uint32_t w : data) {
        out.push_back(transform(FromBits(static_cast<std::uint16_t>(w & 0xFFFF))));
        out.push_back(transform(FromBits(static_cast<std::uint16_t>(w >> 16))));
    }
    return out;
}

bool equal_within_n_sig_figs(float a, float b, int n) {
    char sa[64], sb[64];
    std::snprintf(sa, sizeof sa, "%.*e", n - 1, static_cast<double>(a));
    std::snprintf(sb, sizeof sb, "%.*e", n - 1, static_cast<double>(b));
    return std::string_view(sa) == std::string_view(sb);
}

bool is_close(float a, float b, float rtol, float atol) { return std::fabs(a - b) <= atol + rtol * std::fabs(b); }
