// Compute kernel API the programming examples use beyond the tile-op tests of
// emulator_api_test.cc: copy_tile_to_dst_init_short (the classic reload of partial results),
// SFPI custom SFPU code (TT's custom_sfpi_add and custom_sfpi_smoothstep: vFloat, dst_reg, the
// LLK face loops, predication with v_if / v_elseif / v_endif), and the MATH() form.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/emu/emu_fixture.h"

namespace ttc::emu::testing {
namespace {

using namespace tt::tt_metal;

constexpr uint32_t kTileBytes = 2048;

uint16_t Bf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
float FromBf16(uint16_t b) {
  const uint32_t u = uint32_t{b} << 16;
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

constexpr char kReader[] = R"(
void kernel_main() {
    const uint32_t a = get_arg_val<uint32_t>(0), b = get_arg_val<uint32_t>(1);
    const InterleavedAddrGenFast<true> ga = {.bank_base_address = a, .page_size = 2048, .data_format = DataFormat::Float16_b};
    const InterleavedAddrGenFast<true> gb = {.bank_base_address = b, .page_size = 2048, .data_format = DataFormat::Float16_b};
    cb_reserve_back(tt::CBIndex::c_0, 1);
    cb_reserve_back(tt::CBIndex::c_1, 1);
    noc_async_read_tile(0, ga, get_write_ptr(tt::CBIndex::c_0));
    noc_async_read_tile(0, gb, get_write_ptr(tt::CBIndex::c_1));
    noc_async_read_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
    cb_push_back(tt::CBIndex::c_1, 1);
}
)";
constexpr char kWriter[] = R"(
void kernel_main() {
    const uint32_t out = get_arg_val<uint32_t>(0);
    const InterleavedAddrGenFast<true> g = {.bank_base_address = out, .page_size = 2048, .data_format = DataFormat::Float16_b};
    cb_wait_front(tt::CBIndex::c_16, 1);
    noc_async_write_tile(0, g, get_read_ptr(tt::CBIndex::c_16));
    noc_async_write_barrier();
    cb_pop_front(tt::CBIndex::c_16, 1);
}
)";

class ComputeApiTest : public EmuKernelTest {
 protected:
  // Runs `compute` on tiles a (c_0) and b (c_1), bf16 in stored order; returns c_16's tile.
  std::vector<float> Run2(const std::string& compute, const std::vector<float>& a, const std::vector<float>& b) {
    auto da = Dram(kTileBytes, kTileBytes), db = Dram(kTileBytes, kTileBytes), out = Dram(kTileBytes, kTileBytes);
    std::vector<uint16_t> ta(1024), tb(1024);
    for (int i = 0; i < 1024; ++i) ta[i] = Bf16(a[i]), tb[i] = Bf16(b[i]);
    EnqueueWriteBuffer(*cq_, da, ta, false);
    EnqueueWriteBuffer(*cq_, db, tb, false);
    const CoreCoord core{0, 0};
    Program p = CreateProgram();
    for (uint8_t cb : {0, 1, 16}) Cb(p, core, cb, 1, kTileBytes);
    const KernelHandle r = CreateKernel(p, Kernel("reader.cpp", kReader), core, Reader());
    const KernelHandle w = CreateKernel(p, Kernel("writer.cpp", kWriter), core, Writer());
    CreateKernel(p, Kernel("compute.cpp", compute), core, ComputeConfig{});
    SetRuntimeArgs(p, r, core, {da->address(), db->address()});
    SetRuntimeArgs(p, w, core, {out->address()});
    EXPECT_EQ(Run(p), "");
    std::vector<uint16_t> got;
    EnqueueReadBuffer(*cq_, out, got, true);
    std::vector<float> values(1024);
    for (int i = 0; i < 1024; ++i) values[i] = FromBf16(got[i]);
    return values;
  }
};

std::vector<float> Ramp(float start, float step) {
  std::vector<float> v(1024);
  for (int i = 0; i < 1024; ++i) v[i] = FromBf16(Bf16(start + step * static_cast<float>(i % 97)));
  return v;
}

// TT's custom_sfpi_add: a face function adds dst_reg vectors of two tiles into a third; the
// binary face loop runs it over the four faces.
TEST_F(ComputeApiTest, SfpiBinaryFaceLoopCoversTheTile) {
  constexpr char kAdd[] = R"(
#include "compute_kernel_api/common.h"
#include "compute_kernel_api/tile_move_copy.h"
#include "compute_kernel_api/eltwise_binary_sfpu.h"
#include "compute_kernel_api/eltwise_unary/eltwise_unary.h"
#include "compute_kernel_api.h"
#ifdef TRISC_MATH
inline void add_face(const uint32_t in0, const uint32_t in1, const uint32_t out) {
    for (size_t i = 0; i < 8; i++) {
        vFloat a = dst_reg[in0 * 32 + i];
        vFloat b = dst_reg[in1 * 32 + i];
        dst_reg[out * 32 + i] = a + b;
    }
}
#endif
namespace NAMESPACE {
void MAIN {
    init_sfpu(tt::CBIndex::c_0, tt::CBIndex::c_16);
    cb_wait_front(tt::CBIndex::c_0, 1);
    cb_wait_front(tt::CBIndex::c_1, 1);
    tile_regs_acquire();
    copy_tile(tt::CBIndex::c_0, 0, 0);
    copy_tile(tt::CBIndex::c_1, 0, 1);
    MATH(_llk_math_eltwise_binary_sfpu_params_<false>(add_face, 0, 1, 2));
    tile_regs_commit();
    tile_regs_wait();
    cb_reserve_back(tt::CBIndex::c_16, 1);
    pack_tile(2, tt::CBIndex::c_16);
    cb_push_back(tt::CBIndex::c_16, 1);
    tile_regs_release();
    cb_pop_front(tt::CBIndex::c_0, 1);
    cb_pop_front(tt::CBIndex::c_1, 1);
}
}
)";
  const std::vector<float> a = Ramp(-4.0f, 0.125f), b = Ramp(2.0f, 0.0625f);
  const std::vector<float> got = Run2(kAdd, a, b);
  for (int i = 0; i < 1024; ++i) ASSERT_EQ(got[i], FromBf16(Bf16(a[i] + b[i]))) << "element " << i;
}

// TT's custom_sfpi_smoothstep: predicated assignments clamp t to [0, 1] lane by lane, and the
// unary face loop runs the face function with its extra arguments.
TEST_F(ComputeApiTest, SfpiPredicationChangesOnlyTheLanesWhereTheConditionHolds) {
  constexpr char kSmooth[] = R"(
#include "compute_kernel_api/common.h"
#include "compute_kernel_api/tile_move_copy.h"
#include "compute_kernel_api.h"
#ifdef TRISC_MATH
inline void smooth_face(float edge0, float edge1, float inv_delta) {
    for (size_t i = 0; i < 8; i++) {
        vFloat x = dst_reg[i];
        vFloat t = (x - edge0) * inv_delta;
        v_if(t < sfpi::vConst0) { t = sfpi::vConst0; }
        v_elseif(t > sfpi::vConst1) { t = sfpi::vConst1; }
        v_endif;
        dst_reg[i] = t * t * (3.0f - 2.0f * t);
    }
}
#endif
namespace NAMESPACE {
void MAIN {
    init_sfpu(tt::CBIndex::c_0, tt::CBIndex::c_16);
    cb_wait_front(tt::CBIndex::c_0, 1);
    tile_regs_acquire();
    copy_tile(tt::CBIndex::c_0, 0, 3);
    MATH(_llk_math_eltwise_unary_sfpu_params_<false>(smooth_face, 3, VectorMode::RC, 0.0f, 1.0f, 1.0f));
    tile_regs_commit();
    tile_regs_wait();
    cb_reserve_back(tt::CBIndex::c_16, 1);
    pack_tile(3, tt::CBIndex::c_16);
    cb_push_back(tt::CBIndex::c_16, 1);
    tile_regs_release();
    cb_pop_front(tt::CBIndex::c_0, 1);
    cb_wait_front(tt::CBIndex::c_1, 1);
    cb_pop_front(tt::CBIndex::c_1, 1);
}
}
)";
  const std::vector<float> x = Ramp(-0.5f, 0.03125f);
  const std::vector<float> got = Run2(kSmooth, x, x);
  for (int i = 0; i < 1024; ++i) {
    const float t = std::clamp(x[i], 0.0f, 1.0f);
    const float want = FromBf16(Bf16(t * t * (3.0f - 2.0f * t)));
    ASSERT_NEAR(got[i], want, 1e-2f) << "element " << i << ", x = " << x[i];
  }
}

// The classic reload of partial results (matmul's bmm_large_block_zm): copy_tile_to_dst_init_short
// then copy_tile brings a CB tile into DST, here added to with add_tiles' accumulation.
TEST_F(ComputeApiTest, CopyTileToDstInitShortReloadsATile) {
  constexpr char kReload[] = R"(
#include "compute_kernel_api/tile_move_copy.h"
#include "compute_kernel_api/eltwise_binary.h"
namespace NAMESPACE {
void MAIN {
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
    cb_wait_front(tt::CBIndex::c_0, 1);
    cb_wait_front(tt::CBIndex::c_1, 1);
    acquire_dst();
    copy_tile_to_dst_init_short(tt::CBIndex::c_1);
    copy_tile(tt::CBIndex::c_1, 0, 0);
    cb_reserve_back(tt::CBIndex::c_16, 1);
    pack_tile(0, tt::CBIndex::c_16);
    cb_push_back(tt::CBIndex::c_16, 1);
    release_dst();
    cb_pop_front(tt::CBIndex::c_0, 1);
    cb_pop_front(tt::CBIndex::c_1, 1);
}
}
)";
  const std::vector<float> a = Ramp(1.0f, 1.0f), b = Ramp(-3.0f, 0.5f);
  EXPECT_EQ(Run2(kReload, a, b), b);
}

}  // namespace
}  // namespace ttc::emu::testing
