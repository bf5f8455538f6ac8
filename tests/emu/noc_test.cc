// The raw-address NoC and L1 as kernels see them (TT_METALIUM_API.md 1.3-1.5): NoC coordinates
// from worker_core_from_logical_core, get_noc_addr(x, y, addr) / get_noc_addr(addr) /
// get_noc_addr(page, address generator) / get_noc_addr_from_bank_id, noc_async_read and
// noc_async_write with raw addresses, the classic InterleavedAddrGen, L1 read and written
// through pointers (each core its own L1 at the same addresses, the L1 addresses of buffers the
// host passes included), and the errors for memory that does not exist.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tests/emu/emu_fixture.h"

namespace ttc::emu::testing {
namespace {

using ::testing::HasSubstr;
using namespace tt::tt_metal;

class NocTest : public EmuKernelTest {};

// Worker cores are at TT-Metalium's virtual coordinates on Wormhole (logical + 18).
TEST_F(NocTest, WorkerCoresAreAtWormholesVirtualCoordinates) {
  EXPECT_EQ(device_->worker_core_from_logical_core({0, 0}), CoreCoord(18, 18));
  EXPECT_EQ(device_->worker_core_from_logical_core({2, 7}), CoreCoord(20, 25));
  EXPECT_THROW(device_->worker_core_from_logical_core({8, 0}), std::runtime_error);
}

// A core's L1 is reached at its virtual coordinates and at its Wormhole physical NoC 0
// coordinates alike: logical (4, 5) is virtual (22, 23), physical (6, 7).
TEST_F(NocTest, VirtualAndPhysicalCoordinatesNameTheSameCore) {
  constexpr char kWriteTwice[] = R"(
void kernel_main() {
    cb_reserve_back(tt::CBIndex::c_0, 1);
    const uint32_t l1 = get_write_ptr(tt::CBIndex::c_0);
    volatile tt_l1_ptr uint32_t* p = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(l1);
    p[0] = 111;
    p[1] = 222;
    noc_async_write(l1, get_noc_addr(22, 23, l1 + 64), 4);
    noc_async_write(l1 + 4, get_noc_addr(6, 7, l1 + 68), 4);
    noc_async_write_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  constexpr char kRead[] = R"(
void kernel_main() {
    const uint32_t out = get_arg_val<uint32_t>(0);
    const uint32_t l1 = get_write_ptr(tt::CBIndex::c_0) + 64;
    volatile tt_l1_ptr uint32_t* p = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(l1);
    while (p[1] == 0) {
        cb_pages_available_at_front(tt::CBIndex::c_0, 1);  // an API call: the writer core may run
    }
    noc_async_write(l1, get_noc_addr_from_bank_id<true>(0, out), 8);
    noc_async_write_barrier();
}
)";
  auto out = Dram(64, 64);
  Program p = CreateProgram();
  Cb(p, CoreRange({0, 0}, {4, 5}), 0, 1, 128);
  CreateKernel(p, Kernel("write.cpp", kWriteTwice), CoreCoord(0, 0), Writer());
  const KernelHandle r = CreateKernel(p, Kernel("read.cpp", kRead), CoreCoord(4, 5), Reader());
  SetRuntimeArgs(p, r, CoreCoord(4, 5), {out->address()});
  ASSERT_EQ(Run(p), "");
  std::vector<uint32_t> got;
  EnqueueReadBuffer(*cq_, out, got, true);
  EXPECT_EQ(got[0], 111u);
  EXPECT_EQ(got[1], 222u);
}

// Every core runs the same kernel at the same L1 addresses: each writes its own coordinates
// through a pointer into its CB page, reads them back through the pointer, and sends the page to
// DRAM page (y * 4 + x): each core saw only its own L1.
TEST_F(NocTest, EachCoreSeesItsOwnL1AtTheSameAddresses) {
  constexpr char kStamp[] = R"(
void kernel_main() {
    const uint32_t out = get_arg_val<uint32_t>(0);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    const uint32_t l1 = get_write_ptr(tt::CBIndex::c_0);
    volatile tt_l1_ptr uint32_t* p = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(l1);
    const uint32_t me = get_absolute_logical_y() * 4 + get_absolute_logical_x();
    for (uint32_t i = 0; i < 16; ++i) p[i] = me * 1000 + i;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 16; ++i) sum += p[i];
    p[15] = sum;
    const InterleavedAddrGen<true> g = {.bank_base_address = out, .page_size = 64};
    noc_async_write(l1, get_noc_addr(me, g), 64);
    noc_async_write_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  auto out = Dram(16 * 64, 64);
  const CoreRange cores({0, 0}, {3, 3});
  Program p = CreateProgram();
  Cb(p, cores, 0, 1, 64);
  const KernelHandle k = CreateKernel(p, Kernel("stamp.cpp", kStamp), cores, Writer());
  SetRuntimeArgs(p, k, cores, {out->address()});
  ASSERT_EQ(Run(p), "");
  std::vector<uint32_t> got;
  EnqueueReadBuffer(*cq_, out, got, true);
  for (uint32_t me = 0; me < 16; ++me) {
    uint32_t sum = 0;
    for (uint32_t i = 0; i < 15; ++i) {
      ASSERT_EQ(got[me * 16 + i], me * 1000 + i) << "core " << me;
      sum += me * 1000 + i;
    }
    EXPECT_EQ(got[me * 16 + 15], sum + me * 1000 + 15) << "core " << me;
  }
}

// TT's add_2_integers_in_riscv: the host passes the L1 addresses of three L1 buffers; the
// kernel reads two DRAM words into the first two (raw noc_async_read from
// get_noc_addr(page, InterleavedAddrGen)), adds them through pointers into the third and writes
// it to DRAM.
TEST_F(NocTest, KernelUsesL1BuffersTheHostCreated) {
  constexpr char kAdd[] = R"(
void kernel_main() {
    uint32_t src0_dram = get_arg_val<uint32_t>(0), src1_dram = get_arg_val<uint32_t>(1);
    uint32_t dst_dram = get_arg_val<uint32_t>(2);
    uint32_t src0_l1 = get_arg_val<uint32_t>(3), src1_l1 = get_arg_val<uint32_t>(4), dst_l1 = get_arg_val<uint32_t>(5);
    InterleavedAddrGen<true> src0 = {.bank_base_address = src0_dram, .page_size = sizeof(uint32_t)};
    InterleavedAddrGen<true> src1 = {.bank_base_address = src1_dram, .page_size = sizeof(uint32_t)};
    InterleavedAddrGen<true> dst = {.bank_base_address = dst_dram, .page_size = sizeof(uint32_t)};
    noc_async_read(get_noc_addr(0, src0), src0_l1, sizeof(uint32_t));
    noc_async_read(get_noc_addr(0, src1), src1_l1, sizeof(uint32_t));
    noc_async_read_barrier();
    *(uint32_t*)dst_l1 = *(uint32_t*)src0_l1 + *(uint32_t*)src1_l1;
    noc_async_write(dst_l1, get_noc_addr(0, dst), sizeof(uint32_t));
    noc_async_write_barrier();
}
)";
  auto l1 = [&] {
    return CreateBuffer(InterleavedBufferConfig{.device = device_, .size = 4, .page_size = 4, .buffer_type = BufferType::L1});
  };
  auto a = Dram(4, 4), b = Dram(4, 4), c = Dram(4, 4);
  auto la = l1(), lb = l1(), lc = l1();
  std::vector<uint32_t> va = {14}, vb = {7};
  EnqueueWriteBuffer(*cq_, a, va, false);
  EnqueueWriteBuffer(*cq_, b, vb, false);
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  const KernelHandle k = CreateKernel(p, Kernel("add.cpp", kAdd), core, Writer());
  SetRuntimeArgs(p, k, core, {a->address(), b->address(), c->address(), la->address(), lb->address(), lc->address()});
  ASSERT_EQ(Run(p), "");
  std::vector<uint32_t> got;
  EnqueueReadBuffer(*cq_, c, got, true);
  EXPECT_EQ(got, std::vector<uint32_t>{21});
}

// Page 13 of 48-byte pages through InterleavedAddrGen (bank 1, spaced by the 64-byte aligned
// page), get_noc_addr_from_bank_id (bank 1, offset base + 64) and a raw read of part of a page.
TEST_F(NocTest, AddressGeneratorsAndBankIdsNameTheSamePlace) {
  constexpr char kThreeWays[] = R"(
void kernel_main() {
    const uint32_t src = get_arg_val<uint32_t>(0), out = get_arg_val<uint32_t>(1);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    const uint32_t l1 = get_write_ptr(tt::CBIndex::c_0);
    const InterleavedAddrGen<true> g = {.bank_base_address = src, .page_size = 48};
    noc_async_read(get_noc_addr(13, g), l1, 48);
    noc_async_read(get_noc_addr_from_bank_id<true>(1, src + 64), l1 + 48, 48);
    noc_async_read(get_noc_addr(13, g, 8), l1 + 96, 8);
    noc_async_read_barrier();
    const InterleavedAddrGen<true> o = {.bank_base_address = out, .page_size = 104};
    noc_async_write(l1, get_noc_addr(0, o), 104);
    noc_async_write_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  constexpr uint32_t kPage = 48;
  auto src = Dram(26 * kPage, kPage), out = Dram(104, 104);
  std::vector<uint8_t> host(26 * kPage);
  for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<uint8_t>(i % 251 + 1);
  EnqueueWriteBuffer(*cq_, src, host, false);
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 1, 128);
  const KernelHandle k = CreateKernel(p, Kernel("three.cpp", kThreeWays), core, Reader());
  SetRuntimeArgs(p, k, core, {src->address(), out->address()});
  ASSERT_EQ(Run(p), "");
  std::vector<uint8_t> got;
  EnqueueReadBuffer(*cq_, out, got, true);
  const auto page13 = host.begin() + 13 * kPage;
  EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.begin() + 48), std::vector<uint8_t>(page13, page13 + 48));
  EXPECT_EQ(std::vector<uint8_t>(got.begin() + 48, got.begin() + 96), std::vector<uint8_t>(page13, page13 + 48));
  EXPECT_EQ(std::vector<uint8_t>(got.begin() + 96, got.end()), std::vector<uint8_t>(page13 + 8, page13 + 16));
}

// DRAM bank 0 sits at NoC (1, 0): TT's hello_world_datatypes_kernel reads it so.
TEST_F(NocTest, DramBankZeroIsAtNocOneZero) {
  constexpr char kRead[] = R"(
void kernel_main() {
    const uint32_t src = get_arg_val<uint32_t>(0), out = get_arg_val<uint32_t>(1);
    const uint32_t l1 = get_write_ptr(tt::CBIndex::c_0);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    noc_async_read(get_noc_addr(1, 0, src), l1, 4);
    noc_async_read_barrier();
    *reinterpret_cast<float*>(l1) *= 2.0f;
    noc_async_write(l1, get_noc_addr_from_bank_id<true>(0, out), 4);
    noc_async_write_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  auto src = Dram(2048, 2048), out = Dram(2048, 2048);
  std::vector<float> v = {1.23f};
  EnqueueWriteBuffer(*cq_, src, v, false);
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 1, 2048);
  const KernelHandle k = CreateKernel(p, Kernel("read.cpp", kRead), core, Writer());
  SetRuntimeArgs(p, k, core, {src->address(), out->address()});
  ASSERT_EQ(Run(p), "");
  std::vector<float> got;
  EnqueueReadBuffer(*cq_, out, got, true);
  EXPECT_EQ(got[0], 2.46f);
}

// Reads of memory that does not exist fail the run: past what the DRAM bank holds, a NoC
// coordinate with no core, beyond L1.
TEST_F(NocTest, MemoryThatDoesNotExistIsAnError) {
  constexpr char kRead[] = R"(
void kernel_main() {
    const uint32_t x = get_arg_val<uint32_t>(0), y = get_arg_val<uint32_t>(1), addr = get_arg_val<uint32_t>(2);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    noc_async_read(get_noc_addr(x, y, addr), get_write_ptr(tt::CBIndex::c_0), 64);
    noc_async_read_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  auto dram = Dram(64, 64);
  struct Case {
    uint32_t x, y, addr;
    std::string error;
  };
  for (const Case& c : {Case{1, 0, dram->address() + 0x100000, "noc_async_read accesses DRAM bank 0 at"},
                        Case{5, 3, 0x20000, "noc_async_read addresses NoC (5, 3), where the emulated device has no core"},
                        Case{2, 2, 1499136 - 32, "noc_async_read accesses L1 [0x16dfe0, 0x16e020) of core {1, 1}, beyond "
                                             "its 1499136 bytes"}}) {
    SCOPED_TRACE(c.error);
    Program p = CreateProgram();
    const CoreCoord core{0, 0};
    Cb(p, core, 0, 1, 64);
    const KernelHandle k = CreateKernel(p, Kernel("read.cpp", kRead), core, Reader());
    SetRuntimeArgs(p, k, core, {c.x, c.y, c.addr});
    EXPECT_THAT(Run(p), HasSubstr(c.error));
  }
}

// A missing barrier before the data is used stays an error: the push of pages whose raw NoC
// read is still in flight.
TEST_F(NocTest, PushBeforeTheReadBarrierIsAnError) {
  constexpr char kNoBarrier[] = R"(
void kernel_main() {
    const uint32_t src = get_arg_val<uint32_t>(0);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    noc_async_read(get_noc_addr_from_bank_id<true>(0, src), get_write_ptr(tt::CBIndex::c_0), 64);
    cb_push_back(tt::CBIndex::c_0, 1);
    noc_async_read_barrier();
}
)";
  auto src = Dram(64, 64);
  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 1, 64);
  const KernelHandle k = CreateKernel(p, Kernel("read.cpp", kNoBarrier), core, Reader());
  SetRuntimeArgs(p, k, core, {src->address()});
  EXPECT_THAT(Run(p), HasSubstr("cb_push_back(c_0) while NoC reads into those pages are still in flight (missing "
                                "noc_async_read_barrier)"));
}

}  // namespace
}  // namespace ttc::emu::testing
