// ttc's functional TT-Metalium emulator: SFPI, the SFPU's C++ vector interface, as custom SFPU
// kernels use it (TT's programming examples custom_sfpi_add and custom_sfpi_smoothstep): vFloat
// (32 lanes of fp32), dst_reg[i] (DST as a sequence of 32-lane vectors: tile t, face f, row pair
// r is dst_reg[t * 32 + f * 8 + r] while the face loop is at face 0), arithmetic and
// comparisons, predication with v_if / v_elseif / v_else / v_endif (a store or an assignment
// changes only the lanes where the condition holds), the constants vConst0, vConst1 and
// vConstNeg1, and the LLK face loops that run a face function over a tile:
//   _llk_math_eltwise_unary_sfpu_params_<APPROX>(fn, dst, vector_mode, args...): fn(args...) once
//     per face of tile `dst` (faces 0-3 for VectorMode::RC, 0-1 for R, 0 and 2 for C), dst_reg[0]
//     being the face's first vector;
//   _llk_math_eltwise_binary_sfpu_params_<APPROX>(fn, dst0, dst1, odst, vector_mode): fn(dst0,
//     dst1, odst) once per face, dst_reg indexed from tile 0 at that face.
// Lanes cover a face in its stored order (16x16, row-major; vector r holds rows 2r and 2r + 1).
// Loads and stores go through the emulator (rt::SfpuLoad / SfpuStore), which checks the DST
// protocol and capacity and rounds stores to bfloat16 in a 16-bit DST.
#pragma once

#include <array>
#include <cstdint>

#include "ttc_emu/kernel_runtime.h"

namespace ttc::emu::rt {
void SfpuLoad(std::uint32_t vector, float* lanes);
void SfpuStore(std::uint32_t vector, const float* lanes, const bool* enabled);
}  // namespace ttc::emu::rt

namespace sfpi {

inline constexpr int kLanes = 32;
using Lanes = std::array<float, kLanes>;
using Mask = std::array<bool, kLanes>;

namespace detail {
// The lanes enabled by the enclosing v_if blocks, and the face loop's first vector.
inline thread_local Mask enabled = [] {
    Mask m;
    m.fill(true);
    return m;
}();
inline thread_local std::uint32_t base = 0;
}  // namespace detail

struct vCond {
    Mask m;
};

class vFloat {
public:
    vFloat() { v_.fill(0.0f); }
    vFloat(float x) { v_.fill(x); }
    vFloat(const vFloat&) = default;
    // Assignment is predicated: only enabled lanes change.
    vFloat& operator=(const vFloat& o) {
        for (int l = 0; l < kLanes; ++l) {
            if (detail::enabled[l]) v_[l] = o.v_[l];
        }
        return *this;
    }
    float lane(int l) const { return v_[l]; }
    float& lane(int l) { return v_[l]; }
    vFloat& operator+=(const vFloat& o) { return *this = *this + o; }
    vFloat& operator-=(const vFloat& o) { return *this = *this - o; }
    vFloat& operator*=(const vFloat& o) { return *this = *this * o; }
    friend vFloat operator+(const vFloat& a, const vFloat& b) { return Zip(a, b, [](float x, float y) { return x + y; }); }
    friend vFloat operator-(const vFloat& a, const vFloat& b) { return Zip(a, b, [](float x, float y) { return x - y; }); }
    friend vFloat operator*(const vFloat& a, const vFloat& b) { return Zip(a, b, [](float x, float y) { return x * y; }); }
    friend vFloat operator-(const vFloat& a) { return Zip(a, a, [](float x, float) { return -x; }); }
    friend vCond operator<(const vFloat& a, const vFloat& b) { return Test(a, b, [](float x, float y) { return x < y; }); }
    friend vCond operator<=(const vFloat& a, const vFloat& b) { return Test(a, b, [](float x, float y) { return x <= y; }); }
    friend vCond operator>(const vFloat& a, const vFloat& b) { return Test(a, b, [](float x, float y) { return x > y; }); }
    friend vCond operator>=(const vFloat& a, const vFloat& b) { return Test(a, b, [](float x, float y) { return x >= y; }); }
    friend vCond operator==(const vFloat& a, const vFloat& b) { return Test(a, b, [](float x, float y) { return x == y; }); }
    friend vCond operator!=(const vFloat& a, const vFloat& b) { return Test(a, b, [](float x, float y) { return x != y; }); }

private:
    template <typename F>
    static vFloat Zip(const vFloat& a, const vFloat& b, F f) {
        vFloat r;
        for (int l = 0; l < kLanes; ++l) r.v_[l] = f(a.v_[l], b.v_[l]);
        return r;
    }
    template <typename F>
    static vCond Test(const vFloat& a, const vFloat& b, F f) {
        vCond c;
        for (int l = 0; l < kLanes; ++l) c.m[l] = f(a.v_[l], b.v_[l]);
        return c;
    }
    Lanes v_;
};

inline vCond operator&&(const vCond& a, const vCond& b) {
    vCond c;
    for (int l = 0; l < kLanes; ++l) c.m[l] = a.m[l] && b.m[l];
    return c;
}
inline vCond operator||(const vCond& a, const vCond& b) {
    vCond c;
    for (int l = 0; l < kLanes; ++l) c.m[l] = a.m[l] || b.m[l];
    return c;
}
inline vCond operator!(const vCond& a) {
    vCond c;
    for (int l = 0; l < kLanes; ++l) c.m[l] = !a.m[l];
    return c;
}

inline const vFloat vConst0{0.0f};
inline const vFloat vConst1{1.0f};
inline const vFloat vConstNeg1{-1.0f};

// One vector of DST, read as a vFloat and written (predicated) from one.
class DstVector {
public:
    explicit DstVector(std::uint32_t index) : index_(index) {}
    operator vFloat() const {
        vFloat r;
        float lanes[kLanes];
        ttc::emu::rt::SfpuLoad(detail::base + index_, lanes);
        for (int l = 0; l < kLanes; ++l) r.lane(l) = lanes[l];
        return r;
    }
    DstVector& operator=(const vFloat& v) {
        float lanes[kLanes];
        for (int l = 0; l < kLanes; ++l) lanes[l] = v.lane(l);
        ttc::emu::rt::SfpuStore(detail::base + index_, lanes, detail::enabled.data());
        return *this;
    }
    DstVector& operator=(const DstVector& o) { return *this = static_cast<vFloat>(o); }

private:
    std::uint32_t index_;
};

struct DstRegs {
    DstVector operator[](std::uint32_t i) const { return DstVector(i); }
};
inline constexpr DstRegs dst_reg{};

// The state of one v_if ... v_endif block.
class CcBlock {
public:
    CcBlock() : outer_(detail::enabled) { taken_.fill(false); }
    ~CcBlock() { detail::enabled = outer_; }
    CcBlock(const CcBlock&) = delete;
    CcBlock& operator=(const CcBlock&) = delete;
    void Branch(const Mask& cond) {
        for (int l = 0; l < kLanes; ++l) {
            detail::enabled[l] = outer_[l] && !taken_[l] && cond[l];
            taken_[l] = taken_[l] || detail::enabled[l];
        }
    }
    void If(const vCond& c) { Branch(c.m); }
    void Else() {
        Mask all;
        all.fill(true);
        Branch(all);
    }

private:
    Mask outer_, taken_;
};

}  // namespace sfpi

#define v_if(x)                  \
    {                            \
        ::sfpi::CcBlock ttc_emu_cc; \
        ttc_emu_cc.If(x);
#define v_elseif(x) ttc_emu_cc.If(x);
#define v_else ttc_emu_cc.Else();
#define v_endif }

namespace ckernel {
using namespace sfpi;

namespace ttc_emu_detail {
// The faces a vector mode covers (R: the top two, C: the left two, RC: all four).
inline int FaceMask(VectorMode mode) {
    switch (mode) {
        case VectorMode::R: return 0b0011;
        case VectorMode::C: return 0b0101;
        case VectorMode::RC: return 0b1111;
        default: ttc::emu::rt::NotEmulated("an SFPU face loop with a vector mode other than R, C or RC");
    }
}
}  // namespace ttc_emu_detail

template <bool APPROXIMATE, typename Callable, typename... Args>
inline void _llk_math_eltwise_unary_sfpu_params_(Callable&& sfpu_func, std::uint32_t dst_index,
                                                 VectorMode vector_mode = VectorMode::RC, Args&&... args) {
    const int faces = ttc_emu_detail::FaceMask(vector_mode);
    for (int f = 0; f < 4; ++f) {
        if (!(faces & (1 << f))) continue;
        sfpi::detail::base = dst_index * 32 + f * 8;
        sfpu_func(args...);
    }
    sfpi::detail::base = 0;
}

template <bool APPROXIMATE, typename Callable>
inline void _llk_math_eltwise_binary_sfpu_params_(Callable&& sfpu_func, std::uint32_t dst_index0,
                                                  std::uint32_t dst_index1, std::uint32_t odst,
                                                  VectorMode vector_mode = VectorMode::RC) {
    const int faces = ttc_emu_detail::FaceMask(vector_mode);
    for (int f = 0; f < 4; ++f) {
        if (!(faces & (1 << f))) continue;
        sfpi::detail::base = f * 8;
        sfpu_func(dst_index0, dst_index1, odst);
    }
    sfpi::detail::base = 0;
}

}  // namespace ckernel
