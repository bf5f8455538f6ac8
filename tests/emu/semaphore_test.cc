// Semaphores and multicast (TT_METALIUM_API.md 1.3): CreateSemaphore's ids, get_semaphore,
// noc_semaphore_inc / wait / wait_min / set / set_remote, noc_async_write into another core's
// CB, noc_async_write_multicast and noc_semaphore_set_multicast, the examples' handshakes (TT's
// NoC_tile_transfer and contributed/multicast, in small), and deadlock detection when every
// kernel of every core waits on a semaphore no one will change.
#include <cstdint>
#include <string>
#include <vector>

#include "tests/emu/emu_fixture.h"

namespace ttc::emu::testing {
namespace {

using ::testing::HasSubstr;
using namespace tt::tt_metal;

constexpr uint32_t kTileBytes = 2048;

class SemaphoreTest : public EmuKernelTest {};

// Ids are the smallest free on every core of the range; another range reuses them.
TEST_F(SemaphoreTest, CreateSemaphoreReturnsTheSmallestIdFreeOnTheRange) {
  Program p = CreateProgram();
  EXPECT_EQ(CreateSemaphore(p, CoreRange({0, 0}, {1, 0}), 0), 0u);
  EXPECT_EQ(CreateSemaphore(p, CoreRange({0, 0}, {1, 0}), 7), 1u);
  EXPECT_EQ(CreateSemaphore(p, CoreRange({2, 0}, {2, 0}), 0), 0u);
  EXPECT_EQ(CreateSemaphore(p, CoreRange({1, 0}, {2, 0}), 0), 2u);
}

// Core 0 sends a tile into core 1's CB, as TT's NoC_tile_transfer: core 1 reserves its CB page
// and tells core 0 (noc_semaphore_inc on core 0's semaphore), core 0 writes the tile to core 1's
// CB at the address of its own CB of that index, then increments core 1's semaphore; core 1
// waits for it, pushes the page, and its writer sends it to DRAM. The semaphores start at
// CreateSemaphore's initial value (0) and are reset with noc_semaphore_set.
TEST_F(SemaphoreTest, TileHandedFromOneCoreToAnothersCb) {
  constexpr char kSender[] = R"(
void kernel_main() {
    const uint32_t src = get_arg_val<uint32_t>(0), peer_x = get_arg_val<uint32_t>(1), peer_y = get_arg_val<uint32_t>(2);
    const uint32_t sem = get_semaphore(get_arg_val<uint32_t>(3));
    volatile tt_l1_ptr uint32_t* sem_ptr = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(sem);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    const uint32_t l1 = get_write_ptr(tt::CBIndex::c_0);
    const InterleavedAddrGenFast<true> g = {.bank_base_address = src, .page_size = 2048, .data_format = DataFormat::Float16_b};
    noc_async_read_tile(0, g, l1);
    noc_async_read_barrier();
    noc_semaphore_wait(sem_ptr, 1);
    noc_async_write(l1, get_noc_addr(peer_x, peer_y, get_write_ptr(tt::CBIndex::c_1)), 2048);
    noc_async_write_barrier();
    noc_semaphore_inc(get_noc_addr(peer_x, peer_y, sem), 1);
    noc_async_atomic_barrier();
    noc_semaphore_set(sem_ptr, 0);
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  constexpr char kReceiver[] = R"(
void kernel_main() {
    const uint32_t peer_x = get_arg_val<uint32_t>(0), peer_y = get_arg_val<uint32_t>(1);
    const uint32_t sem = get_semaphore(get_arg_val<uint32_t>(2));
    volatile tt_l1_ptr uint32_t* sem_ptr = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(sem);
    cb_reserve_back(tt::CBIndex::c_1, 1);
    noc_semaphore_inc(get_noc_addr(peer_x, peer_y, sem), 1);
    noc_semaphore_wait(sem_ptr, 1);
    noc_semaphore_set(sem_ptr, 0);
    cb_push_back(tt::CBIndex::c_1, 1);
}
)";
  constexpr char kWriter[] = R"(
void kernel_main() {
    const uint32_t dst = get_arg_val<uint32_t>(0);
    const InterleavedAddrGenFast<true> g = {.bank_base_address = dst, .page_size = 2048, .data_format = DataFormat::Float16_b};
    cb_wait_front(tt::CBIndex::c_1, 1);
    noc_async_write_tile(0, g, get_read_ptr(tt::CBIndex::c_1));
    noc_async_write_barrier();
    cb_pop_front(tt::CBIndex::c_1, 1);
}
)";
  auto src = Dram(kTileBytes, kTileBytes), dst = Dram(kTileBytes, kTileBytes);
  std::vector<uint16_t> tile(1024);
  for (size_t i = 0; i < tile.size(); ++i) tile[i] = static_cast<uint16_t>(0x3F80 + i);
  EnqueueWriteBuffer(*cq_, src, tile, false);
  const CoreCoord c0{0, 0}, c1{5, 3};
  const CoreCoord n0 = device_->worker_core_from_logical_core(c0), n1 = device_->worker_core_from_logical_core(c1);
  Program p = CreateProgram();
  const CoreRangeSet both(std::set<CoreRange>{CoreRange(c0), CoreRange(c1)});
  Cb(p, both, 0, 1, kTileBytes);
  Cb(p, both, 1, 1, kTileBytes);
  const uint32_t sem = CreateSemaphore(p, both, 0);
  const KernelHandle s = CreateKernel(p, Kernel("sender.cpp", kSender), c0, Writer());
  const KernelHandle r = CreateKernel(p, Kernel("receiver.cpp", kReceiver), c1, Reader());
  const KernelHandle w = CreateKernel(p, Kernel("writer.cpp", kWriter), c1, Writer());
  SetRuntimeArgs(p, s, c0, {src->address(), static_cast<uint32_t>(n1.x), static_cast<uint32_t>(n1.y), sem});
  SetRuntimeArgs(p, r, c1, {static_cast<uint32_t>(n0.x), static_cast<uint32_t>(n0.y), sem});
  SetRuntimeArgs(p, w, c1, {dst->address()});
  ASSERT_EQ(Run(p), "");
  std::vector<uint16_t> got;
  EnqueueReadBuffer(*cq_, dst, got, true);
  EXPECT_EQ(got, tile);
}

// TT's contributed/multicast in small: the coordinator waits until every receiver is ready
// (their noc_semaphore_inc on its semaphore), multicasts a tile to the receivers' CB, then
// VALID to their semaphore; each receiver waits for VALID and sends the tile to its DRAM page.
// The sender (inside the rectangle) is not written.
TEST_F(SemaphoreTest, MulticastReachesEveryReceiverBeforeTheirFlag) {
  constexpr char kCoordinator[] = R"(
#include "hostdevcommon/common_values.hpp"
void kernel_main() {
    const uint32_t x0 = get_arg_val<uint32_t>(0), y0 = get_arg_val<uint32_t>(1);
    const uint32_t x1 = get_arg_val<uint32_t>(2), y1 = get_arg_val<uint32_t>(3);
    const uint32_t ready = get_semaphore(get_arg_val<uint32_t>(4)), valid = get_semaphore(get_arg_val<uint32_t>(5));
    const uint32_t src = get_arg_val<uint32_t>(6), num_dests = get_arg_val<uint32_t>(7);
    const uint32_t l1 = get_write_ptr(tt::CBIndex::c_0);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    noc_async_read(get_noc_addr_from_bank_id<true>(0, src), l1, 2048);
    noc_async_read_barrier();
    volatile tt_l1_ptr uint32_t* ready_ptr = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(ready);
    noc_semaphore_wait(ready_ptr, num_dests);
    noc_async_write_multicast(l1, get_noc_multicast_addr(x0, y0, x1, y1, l1), 2048, num_dests);
    *reinterpret_cast<volatile tt_l1_ptr uint32_t*>(valid) = VALID;
    noc_semaphore_set_multicast(valid, get_noc_multicast_addr(x0, y0, x1, y1, valid), num_dests);
    noc_async_write_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  constexpr char kReceiver[] = R"(
#include "hostdevcommon/common_values.hpp"
void kernel_main() {
    const uint32_t sx = get_arg_val<uint32_t>(0), sy = get_arg_val<uint32_t>(1);
    const uint32_t ready = get_semaphore(get_arg_val<uint32_t>(2)), valid = get_semaphore(get_arg_val<uint32_t>(3));
    const uint32_t dst = get_arg_val<uint32_t>(4), index = get_arg_val<uint32_t>(5);
    volatile tt_l1_ptr uint32_t* valid_ptr = reinterpret_cast<volatile tt_l1_ptr uint32_t*>(valid);
    cb_reserve_back(tt::CBIndex::c_0, 1);
    noc_semaphore_set(valid_ptr, INVALID);
    noc_semaphore_inc(get_noc_addr(sx, sy, ready), 1);
    noc_semaphore_wait(valid_ptr, VALID);
    const InterleavedAddrGenFast<true> g = {.bank_base_address = dst, .page_size = 2048, .data_format = DataFormat::Float16_b};
    noc_async_write_tile(index, g, get_write_ptr(tt::CBIndex::c_0));
    noc_async_write_barrier();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  auto src = Dram(kTileBytes, kTileBytes), dst = Dram(3 * kTileBytes, kTileBytes);
  std::vector<uint16_t> tile(1024);
  for (size_t i = 0; i < tile.size(); ++i) tile[i] = static_cast<uint16_t>(i * 7 + 3);
  EnqueueWriteBuffer(*cq_, src, tile, false);
  const CoreRange all({0, 0}, {3, 0}), receivers({1, 0}, {3, 0});
  const CoreCoord sender{0, 0};
  const CoreCoord first = device_->worker_core_from_logical_core({0, 0});  // the rectangle holds the sender
  const CoreCoord last = device_->worker_core_from_logical_core({3, 0});
  Program p = CreateProgram();
  Cb(p, all, 0, 1, kTileBytes);
  const uint32_t ready = CreateSemaphore(p, all, 0), valid = CreateSemaphore(p, all, 0);
  const KernelHandle c = CreateKernel(p, Kernel("coordinator.cpp", kCoordinator), sender, Writer());
  const KernelHandle r = CreateKernel(p, Kernel("receiver.cpp", kReceiver), receivers, Writer());
  SetRuntimeArgs(p, c, sender,
                 {static_cast<uint32_t>(first.x), static_cast<uint32_t>(first.y), static_cast<uint32_t>(last.x),
                  static_cast<uint32_t>(last.y), ready, valid, src->address(), 3});
  for (uint32_t i = 0; i < 3; ++i) {
    const CoreCoord s = device_->worker_core_from_logical_core(sender);
    SetRuntimeArgs(p, r, CoreCoord(i + 1, 0),
                   {static_cast<uint32_t>(s.x), static_cast<uint32_t>(s.y), ready, valid, dst->address(), i});
  }
  const Outcome o = RunCapturing(p);
  ASSERT_EQ(o.report, "");
  EXPECT_EQ(o.err, "");
  std::vector<uint16_t> got;
  EnqueueReadBuffer(*cq_, dst, got, true);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(std::vector<uint16_t>(got.begin() + i * 1024, got.begin() + (i + 1) * 1024), tile) << "receiver " << i;
  }
}

// Every kernel of two cores waits on a semaphore no one increments: a deadlock the emulator
// reports (with each core's kernels and what they wait on), not a hang.
TEST_F(SemaphoreTest, EveryCoreWaitingOnSemaphoresIsADeadlock) {
  constexpr char kWait[] = R"(
void kernel_main() {
    noc_semaphore_wait_min(reinterpret_cast<volatile tt_l1_ptr uint32_t*>(get_semaphore(0)), 2);
}
)";
  Program p = CreateProgram();
  const CoreRange cores({0, 0}, {1, 0});
  CreateSemaphore(p, cores, 1);
  CreateKernel(p, Kernel("wait.cpp", kWait), cores, Reader());
  const std::string error = Run(p);
  EXPECT_THAT(error, HasSubstr("deadlock: every kernel on every core is blocked or finished"));
  EXPECT_THAT(error, HasSubstr("core {1, 0}:\n    reader: blocked in noc_semaphore_wait_min(L1 0x18f00, 2)"));
}

// A multicast whose num_dests is not the number of cores it reaches is reported.
TEST_F(SemaphoreTest, MulticastNumDestsMustCountTheDestinations) {
  constexpr char kCast[] = R"(
void kernel_main() {
    const uint32_t sem = get_semaphore(0);
    noc_semaphore_set_multicast(sem, get_noc_multicast_addr(2, 1, 4, 2, sem), 5);
    noc_async_write_barrier();
}
)";
  Program p = CreateProgram();
  CreateSemaphore(p, CoreRange({0, 0}, {3, 1}), 0);
  const std::string file = Kernel("cast.cpp", kCast);
  CreateKernel(p, file, CoreCoord(0, 0), Writer());
  const Outcome o = RunCapturing(p);
  EXPECT_EQ(o.report, "");
  EXPECT_THAT(o.err, HasSubstr("noc_semaphore_set_multicast to NoC (2..4, 1..2) with num_dests 5 but 6 destinations"));
}

}  // namespace
}  // namespace ttc::emu::testing
