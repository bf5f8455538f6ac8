// What the kernel build fixes, as TT-Metalium's JIT build does: dataflow_api.h included before a
// data movement kernel's source (TT's own examples include nothing), compile-time args by
// position (get_compile_time_arg_val, kernel_compile_time_args), get_tile_size as a constant
// expression from the CB's data format; and how the program's CBs are placed: the same address
// on every core of a CB, the indices of one config sharing their memory, a config on a buffer's
// memory at the buffer.
#include <cstdint>
#include <string>
#include <vector>

#include "tests/emu/emu_fixture.h"

namespace ttc::emu::testing {
namespace {

using ::testing::HasSubstr;
using namespace tt::tt_metal;

class KernelBuildTest : public EmuKernelTest {
 protected:
  // Runs `source` as a writer on `core`; it writes 16 words to DRAM (args[0]); returns them.
  std::vector<uint32_t> Words(Program& p, const std::string& source, const CoreCoord& core,
                              DataMovementConfig config = Writer()) {
    auto out = Dram(64, 64);
    const KernelHandle k = CreateKernel(p, Kernel("k.cpp", source), core, config);
    SetRuntimeArgs(p, k, core, {out->address()});
    const std::string report = Run(p);
    EXPECT_EQ(report, "");
    std::vector<uint32_t> got;
    EnqueueReadBuffer(*cq_, out, got, true);
    return got;
  }
};

// No includes at all; args by position; tile sizes known at compile time.
constexpr char kArgs[] = R"(
void kernel_main() {
    constexpr uint32_t a = get_compile_time_arg_val(1);
    constexpr uint32_t b = 4;
    static_assert(get_tile_size(tt::CBIndex::c_0) == 2048, "bf16 tile");
    constexpr uint32_t fp32_tile = get_tile_size(tt::CBIndex::c_1);
    const uint32_t out = get_arg_val<uint32_t>(0);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    volatile tt_l1_ptr uint32_t* p = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_write_ptr(tt::CBIndex::c_0));
    p[0] = a;
    p[1] = b;
    p[2] = fp32_tile;
    p[3] = kernel_compile_time_args[2];
    p[4] = kernel_compile_time_args.size();
    p[5] = get_tile_size(tt::CBIndex::c_2);
    noc_async_write(get_write_ptr(tt::CBIndex::c_0), get_noc_addr_from_bank_id<true>(0, out), 64);
    noc_async_write_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";

TEST_F(KernelBuildTest, CompileTimeArgsAndTileSizesAreConstants) {
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 1, 2048);
  Cb(p, core, 1, 1, 4096, tt::DataFormat::Float32);
  const std::vector<uint32_t> got = Words(p, kArgs, core, Writer({10, 11, 12}));
  EXPECT_EQ(std::vector<uint32_t>(got.begin(), got.begin() + 6), (std::vector<uint32_t>{11, 4, 4096, 12, 3, 0}));
}

// A CB's address is the same on every core it is on, above every CB already placed on any of
// them (c_1 on cores 0 and 1 comes after c_0, which only core 0 has); the indices of one config
// share its memory (c_16 and c_24).
TEST_F(KernelBuildTest, CircularBuffersArePlacedAsTtMetaliumPlacesThem) {
  constexpr char kPointers[] = R"(
void kernel_main() {
    const uint32_t out = get_arg_val<uint32_t>(0);
    const uint32_t slot = get_arg_val<uint32_t>(1);
    cb_reserve_back(tt::CBIndex::c_1, 1);
    volatile tt_l1_ptr uint32_t* p = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_write_ptr(tt::CBIndex::c_1));
    p[0] = get_write_ptr(tt::CBIndex::c_1);
    p[1] = get_write_ptr(tt::CBIndex::c_16);
    p[2] = get_write_ptr(tt::CBIndex::c_24);
    p[3] = 0;
    noc_async_write(get_write_ptr(tt::CBIndex::c_1), get_noc_addr_from_bank_id<true>(0, out + slot * 16), 16);
    noc_async_write_barrier();
    cb_push_back(tt::CBIndex::c_1, 1);
}
)";
  auto out = Dram(32, 32);
  const CoreRange both({0, 0}, {1, 0});
  Program p = CreateProgram();
  Cb(p, CoreCoord(0, 0), 0, 2, 2048);
  Cb(p, both, 1, 1, 64);
  CreateCircularBuffer(p, both,
                       CircularBufferConfig(4096, {{16, tt::DataFormat::Float16_b}, {24, tt::DataFormat::Float16_b}})
                           .set_page_size(16, 2048)
                           .set_page_size(24, 2048));
  const KernelHandle k = CreateKernel(p, Kernel("k.cpp", kPointers), both, Writer());
  SetRuntimeArgs(p, k, CoreCoord(0, 0), {out->address(), 0});
  SetRuntimeArgs(p, k, CoreCoord(1, 0), {out->address(), 1});
  ASSERT_EQ(Run(p), "");
  std::vector<uint32_t> got;
  EnqueueReadBuffer(*cq_, out, got, true);
  constexpr uint32_t kBase = 0x19000;
  const std::vector<uint32_t> want = {kBase + 4096, kBase + 4096 + 64, kBase + 4096 + 64, 0};
  EXPECT_EQ(std::vector<uint32_t>(got.begin(), got.begin() + 4), want) << "core 0";
  EXPECT_EQ(std::vector<uint32_t>(got.begin() + 4, got.begin() + 8), want) << "core 1";
}

// TT's vecadd_sharding: CBs on the shards of L1-sharded buffers hold the data from the start;
// the compute kernel adds without cb_wait_front and packs into the output CB without
// cb_reserve_back (warnings), and the output buffer holds the sums.
TEST_F(KernelBuildTest, CbsOnShardedBuffersHoldTheirData) {
  constexpr char kAdd[] = R"(
#include "compute_kernel_api/eltwise_binary.h"
namespace NAMESPACE {
void MAIN {
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_2);
    add_tiles_init(tt::CBIndex::c_0, tt::CBIndex::c_1);
    for (int i = 0; i < 2; ++i) {
        tile_regs_acquire();
        add_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 0);
        tile_regs_commit();
        cb_pop_front(tt::CBIndex::c_0, 1);
        cb_pop_front(tt::CBIndex::c_1, 1);
        tile_regs_wait();
        pack_tile(0, tt::CBIndex::c_2);
        tile_regs_release();
        cb_push_back(tt::CBIndex::c_2, 1);
    }
}
}
)";
  const CoreRange cores({0, 0}, {1, 0});
  auto sharded = [&] {
    return CreateBuffer(ShardedBufferConfig{
        .device = device_, .size = 4 * 2048, .page_size = 2048, .buffer_type = BufferType::L1,
        .buffer_layout = TensorMemoryLayout::HEIGHT_SHARDED,
        .shard_parameters = ShardSpecBuffer(CoreRangeSet(cores), {64, 32}, ShardOrientation::ROW_MAJOR, {32, 32}, {4, 1})});
  };
  auto a = sharded(), b = sharded(), c = sharded();
  std::vector<uint16_t> va(4 * 1024), vb(4 * 1024);
  for (size_t i = 0; i < va.size(); ++i) {
    va[i] = static_cast<uint16_t>(0x3F80 + (i / 1024) * 0x80);  // tile t: 1, 2, 4, 8
    vb[i] = 0x3F80;                                               // 1
  }
  EnqueueWriteBuffer(*cq_, a, va, false);
  EnqueueWriteBuffer(*cq_, b, vb, false);
  Program p = CreateProgram();
  uint8_t index = 0;
  for (const auto& buffer : {a, b, c}) {
    CreateCircularBuffer(p, cores, CircularBufferConfig(2 * 2048, {{index, tt::DataFormat::Float16_b}})
                                       .set_page_size(index, 2048)
                                       .set_globally_allocated_address(*buffer));
    ++index;
  }
  CreateKernel(p, Kernel("add.cpp", kAdd), cores, ComputeConfig{});
  const Outcome o = RunCapturing(p);
  ASSERT_EQ(o.report, "");
  EXPECT_THAT(o.err, HasSubstr("without a cb_wait_front"));
  std::vector<uint16_t> got;
  EnqueueReadBuffer(*cq_, c, got, true);
  const uint16_t sums[] = {0x4000, 0x4040, 0x40A0, 0x4110};  // 2, 3, 5, 9
  for (int t = 0; t < 4; ++t) EXPECT_EQ(got[t * 1024 + 5], sums[t]) << "tile " << t;
}

}  // namespace
}  // namespace ttc::emu::testing
