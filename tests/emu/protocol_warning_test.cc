// Protocol slips the hardware tolerates are warnings, real hazards stay errors (the emulator
// never rejects what a card runs): a pack or a push without cb_reserve_back into free pages, a
// pop or a read without cb_wait_front of pages that were pushed, a NoC read into free CB pages
// not reserved, a kernel ending with reads it never waited for, release_dst of a free DST, are
// reported once per kernel and kind on stderr while the run goes on and computes what the card
// computes; pushing more pages than are free, packing or reading over pages not yet popped stay
// errors.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/emu/emu_fixture.h"

namespace ttc::emu::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace tt::tt_metal;

constexpr uint32_t kTileBytes = 2048;

// Reader: one bf16 tile from each of two DRAM buffers into c_0 and c_1.
constexpr char kReadTwo[] = R"(
void kernel_main() {
    const uint32_t a = get_arg_val<uint32_t>(0), b = get_arg_val<uint32_t>(1);
    const InterleavedAddrGenFast<true> ga = {.bank_base_address = a, .page_size = 2048, .data_format = DataFormat::Float16_b};
    const InterleavedAddrGenFast<true> gb = {.bank_base_address = b, .page_size = 2048, .data_format = DataFormat::Float16_b};
    cb_reserve_back(tt::CBIndex::c_0, 1);
    noc_async_read_tile(0, ga, get_write_ptr(tt::CBIndex::c_0));
    noc_async_read_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
    cb_reserve_back(tt::CBIndex::c_1, 1);
    noc_async_read_tile(0, gb, get_write_ptr(tt::CBIndex::c_1));
    noc_async_read_barrier();
    cb_push_back(tt::CBIndex::c_1, 1);
}
)";

// Compute as TT's add_2_integers_in_compute does it: packs into c_16 with no cb_reserve_back.
constexpr char kAddWithoutReserve[] = R"(
#include "compute_kernel_api/eltwise_binary.h"
#include "compute_kernel_api/tile_move_copy.h"
namespace NAMESPACE {
void MAIN {
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
    add_tiles_init(tt::CBIndex::c_0, tt::CBIndex::c_1);
    cb_wait_front(tt::CBIndex::c_0, 1);
    cb_wait_front(tt::CBIndex::c_1, 1);
    tile_regs_acquire();
    add_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 0);
    tile_regs_commit();
    tile_regs_wait();
    pack_tile(0, tt::CBIndex::c_16);
    tile_regs_release();
    cb_pop_front(tt::CBIndex::c_0, 1);
    cb_pop_front(tt::CBIndex::c_1, 1);
    cb_push_back(tt::CBIndex::c_16, 1);
}
}
)";

constexpr char kWriteOne[] = R"(
void kernel_main() {
    const uint32_t out = get_arg_val<uint32_t>(0);
    const InterleavedAddrGenFast<true> g = {.bank_base_address = out, .page_size = 2048, .data_format = DataFormat::Float16_b};
    cb_wait_front(tt::CBIndex::c_16, 1);
    noc_async_write_tile(0, g, get_read_ptr(tt::CBIndex::c_16));
    noc_async_write_barrier();
    cb_pop_front(tt::CBIndex::c_16, 1);
}
)";

// One kernel plays producer and consumer of c_0: per round it pushes (with or without a
// reserve, RESERVE) and pops (with or without a wait, WAIT) one page.
constexpr char kPushPop[] = R"(
void kernel_main() {
    const uint32_t rounds = get_arg_val<uint32_t>(0);
    for (uint32_t i = 0; i < rounds; ++i) {
        if (RESERVE) cb_reserve_back(tt::CBIndex::c_0, 1);
        cb_push_back(tt::CBIndex::c_0, 1);
        if (WAIT) cb_wait_front(tt::CBIndex::c_0, 1);
        cb_pop_front(tt::CBIndex::c_0, 1);
    }
}
)";

class ProtocolWarningTest : public EmuKernelTest {};

// TT's add_2_integers_in_compute packs into an empty CB without cb_reserve_back; a card runs it.
// The emulator warns (once per kind) and computes 1.5 + 2.25 = 3.75 (bf16 0x4070) everywhere.
TEST_F(ProtocolWarningTest, PackAndPushWithoutReserveIntoFreePagesAreWarnings) {
  auto a = Dram(kTileBytes, kTileBytes), b = Dram(kTileBytes, kTileBytes), out = Dram(kTileBytes, kTileBytes);
  std::vector<uint16_t> ta(1024, 0x3FC0), tb(1024, 0x4010);  // 1.5, 2.25
  EnqueueWriteBuffer(*cq_, a, ta, false);
  EnqueueWriteBuffer(*cq_, b, tb, false);
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  for (uint8_t cb : {0, 1, 16}) Cb(p, core, cb, 1, kTileBytes);
  const KernelHandle r = CreateKernel(p, Kernel("read.cpp", kReadTwo), core, Reader());
  const KernelHandle w = CreateKernel(p, Kernel("write.cpp", kWriteOne), core, Writer());
  const std::string compute = Kernel("add.cpp", kAddWithoutReserve);
  CreateKernel(p, compute, core, ComputeConfig{});
  SetRuntimeArgs(p, r, core, {a->address(), b->address()});
  SetRuntimeArgs(p, w, core, {out->address()});
  const Outcome o = RunCapturing(p);
  ASSERT_EQ(o.report, "");
  EXPECT_THAT(o.err, HasSubstr("warning: core {0, 0} compute kernel (" + compute +
                               "): pack_tile into c_16 beyond the 0 pages reserved by cb_reserve_back"));
  EXPECT_THAT(o.err, HasSubstr("warning: core {0, 0} compute kernel (" + compute +
                               "): cb_push_back(c_16, 1) pushes more pages than cb_reserve_back reserved (0)"));
  std::vector<uint16_t> got;
  EnqueueReadBuffer(*cq_, out, got, true);
  EXPECT_EQ(got, std::vector<uint16_t>(1024, 0x4070));
}

// Popping a page that was pushed, without cb_wait_front: a warning, printed once however often
// it happens, and counted.
TEST_F(ProtocolWarningTest, PopWithoutWaitOfPushedPagesIsAWarningReportedOnce) {
  const CoreCoord core{1, 2};
  Program p = CreateProgram();
  Cb(p, core, 0, 2, 64);
  const std::string file = Kernel("push_pop.cpp", kPushPop);
  const KernelHandle k = CreateKernel(p, file, core, Reader({}, {{"RESERVE", "1"}, {"WAIT", "0"}}));
  SetRuntimeArgs(p, k, core, {4});
  const Outcome o = RunCapturing(p);
  ASSERT_EQ(o.report, "");
  const std::string warning = "warning: core {1, 2} reader kernel (" + file +
                              "): cb_pop_front(c_0, 1) without a cb_wait_front for those pages (waited for 0)";
  EXPECT_THAT(o.err, HasSubstr(warning));
  EXPECT_EQ(o.err.find(warning), o.err.rfind(warning)) << "reported once";
  EXPECT_THAT(o.err, HasSubstr("4 protocol warnings in this program"));
}

// The same kernel following the protocol runs without a word.
TEST_F(ProtocolWarningTest, TheProtocolFollowedWarnsNothing) {
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 2, 64);
  const KernelHandle k =
      CreateKernel(p, Kernel("push_pop.cpp", kPushPop), core, Reader({}, {{"RESERVE", "1"}, {"WAIT", "1"}}));
  SetRuntimeArgs(p, k, core, {4});
  const Outcome o = RunCapturing(p);
  EXPECT_EQ(o.report, "");
  EXPECT_EQ(o.err, "");
}

// Pushing more pages than the CB has free is an overrun, reserve or not.
TEST_F(ProtocolWarningTest, PushBeyondTheFreePagesIsAnOverrun) {
  constexpr char kPushThree[] = R"(
void kernel_main() {
    for (int i = 0; i < 3; ++i) cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 2, 64);
  const std::string file = Kernel("push3.cpp", kPushThree);
  CreateKernel(p, file, core, Writer());
  EXPECT_THAT(Run(p), HasSubstr("core {0, 0} writer kernel (" + file +
                                "): cb_push_back(c_0, 1) pushes more pages than the CB has free (0 of 2): CB overrun"));
}

// pack_tile over a page pushed and not popped (no consumer here) is an overrun.
TEST_F(ProtocolWarningTest, PackOverAPageNotYetPoppedIsAnOverrun) {
  constexpr char kPackTwice[] = R"(
#include "compute_kernel_api/tile_move_copy.h"
namespace NAMESPACE {
void MAIN {
    for (int i = 0; i < 2; ++i) {
        tile_regs_acquire();
        tile_regs_commit();
        tile_regs_wait();
        pack_tile(0, tt::CBIndex::c_16);
        tile_regs_release();
        cb_push_back(tt::CBIndex::c_16, 1);
    }
}
}
)";
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 16, 1, kTileBytes);
  const std::string file = Kernel("pack2.cpp", kPackTwice);
  CreateKernel(p, file, core, ComputeConfig{});
  const Outcome o = RunCapturing(p);
  EXPECT_THAT(o.report, HasSubstr("core {0, 0} compute kernel (" + file + "): pack_tile into c_16 over a page not yet "
                                  "popped (1 of 1 pages filled, 0 packed since the last push): CB overrun"));
}

// A NoC read into free CB pages without cb_reserve_back is a warning; into pages pushed and not
// popped, an overrun. cb_reserve_back(cb, 0) and cb_push_back(cb, 0) do nothing (TT's
// hello_world_datatypes_kernel uses them).
TEST_F(ProtocolWarningTest, NocReadIntoUnreservedPages) {
  constexpr char kRead[] = R"(
void kernel_main() {
    const uint32_t src = get_arg_val<uint32_t>(0);
    const uint64_t from = get_noc_addr_from_bank_id<true>(0, src);
    cb_reserve_back(tt::CBIndex::c_0, 0);
    if (PUSH_FIRST) {
        cb_reserve_back(tt::CBIndex::c_0, 1);
        cb_push_back(tt::CBIndex::c_0, 1);
    }
    noc_async_read(from, get_read_ptr(tt::CBIndex::c_0), 64);
    noc_async_read_barrier();
    cb_push_back(tt::CBIndex::c_0, 0);
}
)";
  auto src = Dram(64, 64);
  const CoreCoord core{0, 0};
  for (const bool push_first : {false, true}) {
    SCOPED_TRACE(push_first ? "into a filled page" : "into a free page");
    Program p = CreateProgram();
    Cb(p, core, 0, 2, 64);
    const std::string file = Kernel(push_first ? "filled.cpp" : "free.cpp", kRead);
    const KernelHandle k = CreateKernel(p, file, core, Reader({}, {{"PUSH_FIRST", push_first ? "1" : "0"}}));
    SetRuntimeArgs(p, k, core, {src->address()});
    const Outcome o = RunCapturing(p);
    if (push_first) {
      EXPECT_THAT(o.report, HasSubstr("reader kernel (" + file + "): noc_async_read writes L1 [0x19000, 0x19040) of "
                                      "c_0, pages pushed and not yet popped: CB overrun"));
    } else {
      EXPECT_EQ(o.report, "");
      EXPECT_THAT(o.err, HasSubstr("reader kernel (" + file + "): noc_async_read writes L1 [0x19000, 0x19040) of c_0 "
                                   "outside the pages reserved by cb_reserve_back"));
    }
  }
}

// A kernel that ends with a read it never waited for: the read lands (the NoC delivers without
// being waited for) and the kernel is warned; writes left in flight land without a word, as
// TT-Metalium's firmware lets them.
TEST_F(ProtocolWarningTest, TransfersLeftInFlightLandWhenTheKernelEnds) {
  constexpr char kNoBarriers[] = R"(
void kernel_main() {
    const uint32_t src = get_arg_val<uint32_t>(0), dst = get_arg_val<uint32_t>(1);
    const uint32_t l1 = get_write_ptr(tt::CBIndex::c_0);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    noc_async_read(get_noc_addr_from_bank_id<true>(0, src), l1, 64);
    noc_async_read_barrier();
    noc_async_write(l1, get_noc_addr_from_bank_id<true>(0, dst), 64);
    noc_async_read(get_noc_addr_from_bank_id<true>(0, src), l1 + 64, 64);
}
)";
  auto src = Dram(64, 64), dst = Dram(64, 64);
  std::vector<uint8_t> data(64);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 3 + 1);
  EnqueueWriteBuffer(*cq_, src, data, false);
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 2, 64);
  const std::string file = Kernel("no_barriers.cpp", kNoBarriers);
  const KernelHandle k = CreateKernel(p, file, core, Reader());
  SetRuntimeArgs(p, k, core, {src->address(), dst->address()});
  const Outcome o = RunCapturing(p);
  ASSERT_EQ(o.report, "");
  EXPECT_THAT(o.err, HasSubstr("reader kernel (" + file + "): finished with NoC reads not completed by "
                               "noc_async_read_barrier"));
  EXPECT_THAT(o.err, Not(HasSubstr("writes not completed")));
  std::vector<uint8_t> got;
  EnqueueReadBuffer(*cq_, dst, got, true);
  EXPECT_EQ(got, data);
}

// TT's vecadd_multi_core calls release_dst after tile_regs_release: the card's math and pack
// semaphores both step once more, in step; a warning.
TEST_F(ProtocolWarningTest, ReleaseDstOfAFreeDstIsAWarning) {
  constexpr char kTwice[] = R"(
#include "compute_kernel_api/common.h"
namespace NAMESPACE {
void MAIN {
    tile_regs_acquire();
    tile_regs_commit();
    tile_regs_wait();
    tile_regs_release();
    release_dst();
}
}
)";
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  const std::string file = Kernel("twice.cpp", kTwice);
  CreateKernel(p, file, core, ComputeConfig{});
  const Outcome o = RunCapturing(p);
  EXPECT_EQ(o.report, "");
  EXPECT_THAT(o.err, HasSubstr("compute kernel (" + file + "): release_dst while DST is free"));
}

}  // namespace
}  // namespace ttc::emu::testing
