// The emulator's TT-Metalium semantics, driven through the real host API (CreateDevice,
// CreateBuffer, CreateProgram, CreateCircularBuffer, CreateKernel, SetRuntimeArgs,
// Enqueue*) with small hand-written kernels (TT_METALIUM_API.md sections 1-4 and 6):
//   - interleaving: page i of a DRAM buffer lives in bank i % 12 at base + (i / 12) * the
//     aligned page size; a kernel reading page 13 gets exactly what the host wrote for page 13
//     (through TensorAccessor and through InterleavedAddrGenFast);
//   - circular buffers: waits are cumulative thresholds, the write pointer wraps only at the
//     end (pushes must sum to the CB size per cycle), popping pages never pushed is an underrun;
//   - compute: the face layout (16x16 faces, row-major within and across faces) seen by
//     matmul, bf16 round-to-nearest-even when packing, DST accumulation by matmul_tiles and
//     zeroing on release, the DST capacity (8 / 4 with fp32_dest_acc_en, 16 / 8 in full-sync);
//   - tile operations (2.4): SFPU binary ops in their two- and three-argument forms, binary
//     max / min, binop-with-scalar, broadcasts (ROW, COL, SCALAR, bcast_row_idx), reduce
//     (row / column / scalar, SUM, AVG, MAX, scaler 1 and 0.5, accumulation in DST, both
//     generations of reduce_init), comparisons and where, and the misuse the emulator reports;
//   - runtime arguments: an index beyond those the host set is an error naming both;
//   - the kernel build cache: running the same kernels again (in this process or a new one)
//     reuses the compiled objects instead of recompiling.
// Kernels are built into $TTC_EMU_CACHE_DIR (set by ctest under the build tree; a temp dir
// otherwise), and every run is bounded by TTC_EMU_TIMEOUT_SECONDS (30 unless set).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tt-metalium/host_api.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>

namespace {

namespace fs = std::filesystem;
using namespace tt::tt_metal;
using ::testing::HasSubstr;

constexpr int kTile = 32;
constexpr uint32_t kBf16TileBytes = 2048, kFp32TileBytes = 4096;

// ---- Host-side reference helpers, written from TT_METALIUM_API.md section 4 ----

// Element offset of (r, c) in a 32x32 tile stored as four 16x16 faces.
int FaceOffset(int r, int c) { return ((r / 16) * 2 + c / 16) * 256 + (r % 16) * 16 + c % 16; }

uint32_t Bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
float FromBits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}
// float -> bfloat16, round to nearest, ties to even (finite, non-NaN inputs).
uint16_t Bf16Rne(uint32_t f32_bits) { return static_cast<uint16_t>((f32_bits + 0x7FFFu + ((f32_bits >> 16) & 1u)) >> 16); }
float Bf16ToFloat(uint16_t b) { return FromBits(uint32_t{b} << 16); }

// A row-major 32x32 float tile -> 2048 bytes of bf16 in face layout.
std::vector<uint8_t> TileBf16(const std::vector<float>& row_major) {
  std::vector<uint16_t> t(kTile * kTile);
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) t[FaceOffset(r, c)] = Bf16Rne(Bits(row_major[r * kTile + c]));
  }
  std::vector<uint8_t> out(kBf16TileBytes);
  std::memcpy(out.data(), t.data(), out.size());
  return out;
}
// 2048 bytes of a bf16 tile in face layout -> row-major floats.
std::vector<float> UntileBf16(const uint8_t* bytes) {
  std::vector<uint16_t> t(kTile * kTile);
  std::memcpy(t.data(), bytes, kBf16TileBytes);
  std::vector<float> out(kTile * kTile);
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) out[r * kTile + c] = Bf16ToFloat(t[FaceOffset(r, c)]);
  }
  return out;
}

// ---- Kernels ----

// Data movement: copies `count` pages of `page_bytes`, source page first_src + i -> destination
// page first_dst + i, through c_0. With USE_ADDR_GEN_FAST the classic InterleavedAddrGenFast<true>
// addresses both tensors (pages of one bf16 tile, as TT's is for tiles); with USE_ADDR_GEN the
// classic InterleavedAddrGen<true> (pages of any size); otherwise TensorAccessor with the host's
// TensorAccessorArgs (source then destination).
constexpr char kCopyPages[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t src_addr = get_arg_val<uint32_t>(0);
    const uint32_t first_src = get_arg_val<uint32_t>(1);
    const uint32_t dst_addr = get_arg_val<uint32_t>(2);
    const uint32_t first_dst = get_arg_val<uint32_t>(3);
    const uint32_t count = get_arg_val<uint32_t>(4);
    const uint32_t page_bytes = get_arg_val<uint32_t>(5);
    constexpr uint32_t cb = tt::CBIndex::c_0;
#if defined(USE_ADDR_GEN_FAST)
    const InterleavedAddrGenFast<true> src = {
        .bank_base_address = src_addr, .page_size = page_bytes, .data_format = DataFormat::Float16_b};
    const InterleavedAddrGenFast<true> dst = {
        .bank_base_address = dst_addr, .page_size = page_bytes, .data_format = DataFormat::Float16_b};
#elif defined(USE_ADDR_GEN)
    const InterleavedAddrGen<true> src = {.bank_base_address = src_addr, .page_size = page_bytes};
    const InterleavedAddrGen<true> dst = {.bank_base_address = dst_addr, .page_size = page_bytes};
#else
    constexpr auto src_args = TensorAccessorArgs<0>();
    const auto src = TensorAccessor(src_args, src_addr, page_bytes);
    constexpr auto dst_args = TensorAccessorArgs<src_args.next_compile_time_args_offset()>();
    const auto dst = TensorAccessor(dst_args, dst_addr, page_bytes);
#endif
    for (uint32_t i = 0; i < count; ++i) {
        cb_reserve_back(cb, 1);
        noc_async_read_tile(first_src + i, src, get_write_ptr(cb));
        noc_async_read_barrier();
        cb_push_back(cb, 1);
        cb_wait_front(cb, 1);
        noc_async_write_tile(first_dst + i, dst, get_read_ptr(cb));
        noc_async_write_barrier();
        cb_pop_front(cb, 1);
    }
}
)";

// Reader: for i < n, reads page args[2 + i] of tensor 0 into c_0 (and, with TWO_INPUTS,
// page args[2 + n + i] of tensor 1 into c_1), one page per push.
constexpr char kReadPages[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t a_addr = get_arg_val<uint32_t>(0);
    const uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto a_args = TensorAccessorArgs<0>();
    const auto a = TensorAccessor(a_args, a_addr);
#ifdef TWO_INPUTS
    const uint32_t b_addr = get_arg_val<uint32_t>(2 + 2 * n);
    constexpr auto b_args = TensorAccessorArgs<a_args.next_compile_time_args_offset()>();
    const auto b = TensorAccessor(b_args, b_addr);
#endif
    for (uint32_t i = 0; i < n; ++i) {
        cb_reserve_back(tt::CBIndex::c_0, 1);
        noc_async_read_tile(get_arg_val<uint32_t>(2 + i), a, get_write_ptr(tt::CBIndex::c_0));
        noc_async_read_barrier();
        cb_push_back(tt::CBIndex::c_0, 1);
#ifdef TWO_INPUTS
        cb_reserve_back(tt::CBIndex::c_1, 1);
        noc_async_read_tile(get_arg_val<uint32_t>(2 + n + i), b, get_write_ptr(tt::CBIndex::c_1));
        noc_async_read_barrier();
        cb_push_back(tt::CBIndex::c_1, 1);
#endif
    }
}
)";

// Writer: pages 0..count-1 of the output from c_16.
constexpr char kWritePages[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t dst_addr = get_arg_val<uint32_t>(0);
    const uint32_t count = get_arg_val<uint32_t>(1);
    constexpr uint32_t cb = tt::CBIndex::c_16;
    constexpr auto dst_args = TensorAccessorArgs<0>();
    const auto dst = TensorAccessor(dst_args, dst_addr, get_tile_size(cb));
    for (uint32_t i = 0; i < count; ++i) {
        cb_wait_front(cb, 1);
        noc_async_write_tile(i, dst, get_read_ptr(cb));
        noc_async_write_barrier();
        cb_pop_front(cb, 1);
    }
}
)";

// Compute: per tile, copy_tile c_0 -> DST[IDST] -> pack_tile into c_16 (compile args: IDST, n).
constexpr char kCopyPack[] = R"(
#include <cstdint>
#include "compute_kernel_api/common.h"
#include "compute_kernel_api/tile_move_copy.h"
#include "compute_kernel_api/eltwise_unary/eltwise_unary.h"

namespace NAMESPACE {
void MAIN {
    constexpr uint32_t idst = get_compile_time_arg_val(0);
    constexpr uint32_t n = get_compile_time_arg_val(1);
    unary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_16);
    copy_tile_init(tt::CBIndex::c_0);
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_0, 1);
        tile_regs_acquire();
        copy_tile(tt::CBIndex::c_0, 0, idst);
        tile_regs_commit();
        cb_pop_front(tt::CBIndex::c_0, 1);
        tile_regs_wait();
        cb_reserve_back(tt::CBIndex::c_16, 1);
        pack_tile(idst, tt::CBIndex::c_16);
        cb_push_back(tt::CBIndex::c_16, 1);
        tile_regs_release();
    }
}
}  // namespace NAMESPACE
)";

// Compute: one output tile per pair of input tiles, C = A @ B.
constexpr char kMatmulOne[] = R"(
#include <cstdint>
#include "compute_kernel_api/common.h"
#include "compute_kernel_api/matmul.h"

namespace NAMESPACE {
void MAIN {
    mm_init(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
    cb_wait_front(tt::CBIndex::c_0, 1);
    cb_wait_front(tt::CBIndex::c_1, 1);
    tile_regs_acquire();
    matmul_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 0, false);
    tile_regs_commit();
    cb_pop_front(tt::CBIndex::c_0, 1);
    cb_pop_front(tt::CBIndex::c_1, 1);
    tile_regs_wait();
    cb_reserve_back(tt::CBIndex::c_16, 1);
    pack_tile(0, tt::CBIndex::c_16);
    cb_push_back(tt::CBIndex::c_16, 1);
    tile_regs_release();
}
}  // namespace NAMESPACE
)";

// Compute: first section: DST[0] += A0 @ B0, DST[0] += A1 @ B1 (two tiles waited for
// cumulatively on each input), packed; second section, after a release: DST[0] += A0 @ B0
// only, packed. With DST zeroed on release and matmul accumulating, the outputs are
// A0 B0 + A1 B1 and A0 B0. DST sections use the classic acquire_dst / release_dst, or with
// USE_TILE_REGS the split tile_regs_acquire / commit / wait / release.
constexpr char kMatmulAccumulate[] = R"(
#include <cstdint>
#include "compute_kernel_api/common.h"
#include "compute_kernel_api/matmul.h"

#ifdef USE_TILE_REGS
#define BEGIN_DST() tile_regs_acquire()
#define TO_PACKER() tile_regs_commit(); tile_regs_wait()
#define END_DST() tile_regs_release()
#else
#define BEGIN_DST() acquire_dst()
#define TO_PACKER()
#define END_DST() release_dst()
#endif

namespace NAMESPACE {
void MAIN {
    constexpr uint32_t in0 = tt::CBIndex::c_0, in1 = tt::CBIndex::c_1, out = tt::CBIndex::c_16;
    mm_init(in0, in1, out);

    BEGIN_DST();
    cb_wait_front(in0, 1);
    cb_wait_front(in1, 1);
    matmul_tiles(in0, in1, 0, 0, 0, false);
    cb_wait_front(in0, 2);
    cb_wait_front(in1, 2);
    matmul_tiles(in0, in1, 1, 1, 0, false);
    cb_pop_front(in0, 2);
    cb_pop_front(in1, 2);
    TO_PACKER();
    cb_reserve_back(out, 1);
    pack_tile(0, out);
    cb_push_back(out, 1);
    END_DST();

    BEGIN_DST();
    cb_wait_front(in0, 1);
    cb_wait_front(in1, 1);
    matmul_tiles(in0, in1, 0, 0, 0, false);
    cb_pop_front(in0, 1);
    cb_pop_front(in1, 1);
    TO_PACKER();
    cb_reserve_back(out, 1);
    pack_tile(0, out);
    cb_push_back(out, 1);
    END_DST();
}
}  // namespace NAMESPACE
)";

// Data movement on c_0 without data: the producer (reader) pushes `pushes` batches of `per`
// pages; the consumer (writer) pops `pops` batches of `per` pages.
constexpr char kPushOnly[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t pushes = get_arg_val<uint32_t>(0);
    const uint32_t per = get_arg_val<uint32_t>(1);
    for (uint32_t i = 0; i < pushes; ++i) {
        cb_reserve_back(tt::CBIndex::c_0, per);
        cb_push_back(tt::CBIndex::c_0, per);
    }
}
)";
constexpr char kPopOnly[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t pops = get_arg_val<uint32_t>(0);
    const uint32_t per = get_arg_val<uint32_t>(1);
    for (uint32_t i = 0; i < pops; ++i) {
        cb_wait_front(tt::CBIndex::c_0, per);
        cb_pop_front(tt::CBIndex::c_0, per);
    }
}
)";

// Consumer with cumulative waits: wait(1), then wait(2) without a pop, then writes both
// pages (read pointer + 0 and + 1 page, of args[1] bytes) to output pages 0 and 1 and pops 2.
constexpr char kCumulativeWaits[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t dst_addr = get_arg_val<uint32_t>(0);
    const uint32_t page = get_arg_val<uint32_t>(1);
    constexpr uint32_t cb = tt::CBIndex::c_0;
    constexpr auto dst_args = TensorAccessorArgs<0>();
    const auto dst = TensorAccessor(dst_args, dst_addr, page);
    cb_wait_front(cb, 1);
    const uint32_t front = get_read_ptr(cb);
    cb_wait_front(cb, 2);
    noc_async_write_tile(0, dst, front);
    noc_async_write_tile(1, dst, front + page);
    noc_async_write_barrier();
    cb_pop_front(cb, 2);
}
)";

// Pops `pops` pages of c_0 after waiting for `waits` (0: no wait at all).
constexpr char kPopAfterWait[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t waits = get_arg_val<uint32_t>(0);
    const uint32_t pops = get_arg_val<uint32_t>(1);
    if (waits > 0) cb_wait_front(tt::CBIndex::c_0, waits);
    cb_pop_front(tt::CBIndex::c_0, pops);
}
)";

// Reads runtime argument ARG_INDEX (a define), in a data-movement or a compute kernel.
constexpr char kReadArgDataflow[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t v = get_arg_val<uint32_t>(ARG_INDEX);
    (void)v;
}
)";
constexpr char kReadArgCompute[] = R"(
#include <cstdint>
#include "compute_kernel_api/common.h"

namespace NAMESPACE {
void MAIN {
    const uint32_t v = get_arg_val<uint32_t>(ARG_INDEX);
    (void)v;
}
}  // namespace NAMESPACE
)";

// ---- Fixture ----

class EmuApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Never build into $HOME: ctest sets TTC_EMU_CACHE_DIR under the build tree; a direct run
    // of the binary uses a temp dir.
    if (!std::getenv("TTC_EMU_CACHE_DIR")) {
      setenv("TTC_EMU_CACHE_DIR", (fs::path(::testing::TempDir()) / "ttc_emu_api_test_cache").c_str(), 1);
    }
    if (!std::getenv("TTC_EMU_TIMEOUT_SECONDS")) setenv("TTC_EMU_TIMEOUT_SECONDS", "30", 1);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    std::replace(name.begin(), name.end(), '/', '_');
    dir_ = fs::path(::testing::TempDir()) / ("ttc_emu_api_" + std::to_string(getpid())) / name;
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    device_ = CreateDevice(0);
    cq_ = &device_->command_queue();
  }
  void TearDown() override {
    CloseDevice(device_);
    fs::remove_all(dir_);
    std::error_code ignored;
    fs::remove(dir_.parent_path(), ignored);  // this process's directory, once empty
  }

  // Writes a kernel source into this test's directory; returns its path.
  std::string Kernel(const std::string& name, const std::string& source) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << source;
    return p.string();
  }

  std::shared_ptr<Buffer> Dram(uint64_t size, uint64_t page) {
    return CreateBuffer(InterleavedBufferConfig{
        .device = device_, .size = size, .page_size = page, .buffer_type = BufferType::DRAM});
  }

  static void Cb(Program& p, const CoreCoord& core, uint8_t index, uint32_t pages, uint32_t page,
                 tt::DataFormat format = tt::DataFormat::Float16_b) {
    CreateCircularBuffer(p, core, CircularBufferConfig(pages * page, {{index, format}}).set_page_size(index, page));
  }

  static DataMovementConfig ReaderConfig(std::vector<uint32_t> ct = {}, std::map<std::string, std::string> defs = {}) {
    return DataMovementConfig{.processor = DataMovementProcessor::RISCV_1, .noc = NOC::RISCV_1_default,
                              .compile_args = std::move(ct), .defines = std::move(defs)};
  }
  static DataMovementConfig WriterConfig(std::vector<uint32_t> ct = {}, std::map<std::string, std::string> defs = {}) {
    return DataMovementConfig{.processor = DataMovementProcessor::RISCV_0, .noc = NOC::RISCV_0_default,
                              .compile_args = std::move(ct), .defines = std::move(defs)};
  }

  // Runs the program to completion: "" on success, else the emulator's error report.
  std::string Run(Program& program) {
    try {
      EnqueueProgram(*cq_, program, false);
      Finish(*cq_);
      return "";
    } catch (const std::runtime_error& e) {
      return e.what();
    }
  }

  // A program reading `count` tiles of `in` into c_0 (format in_format), copying each
  // through DST[idst] into c_16 (Float16_b) and writing them to `out`.
  Program CopyThroughDst(const std::shared_ptr<Buffer>& in, const std::shared_ptr<Buffer>& out, uint32_t count,
                         tt::DataFormat in_format, uint32_t in_page, ComputeConfig compute, uint32_t idst) {
    const CoreCoord core{0, 0};
    Program p = CreateProgram();
    Cb(p, core, 0, 2, in_page, in_format);
    Cb(p, core, 16, 2, kBf16TileBytes);
    std::vector<uint32_t> rct, wct;
    TensorAccessorArgs(*in).append_to(rct);
    TensorAccessorArgs(*out).append_to(wct);
    const KernelHandle r = CreateKernel(p, Kernel("read.cpp", kReadPages), core, ReaderConfig(rct));
    const KernelHandle w = CreateKernel(p, Kernel("write.cpp", kWritePages), core, WriterConfig(wct));
    compute.compile_args = {idst, count};
    CreateKernel(p, Kernel("copy_pack.cpp", kCopyPack), core, compute);
    std::vector<uint32_t> rargs = {in->address(), count};
    for (uint32_t i = 0; i < count; ++i) rargs.push_back(i);
    SetRuntimeArgs(p, r, core, rargs);
    SetRuntimeArgs(p, w, core, {out->address(), count});
    return p;
  }

  // Runs `source` as the compute kernel of a one-core program that reads tile A into c_0 and
  // tile B into c_1 (bf16, row-major floats tilized by the host) and writes c_16 back; returns
  // the output tile (row-major) or fails the test with the emulator's report.
  std::vector<float> RunTwoTileProgram(const std::vector<float>& a, const std::vector<float>& b,
                                       const std::string& source, ComputeConfig compute) {
    std::vector<float> out;
    const std::string report = RunTwoTileProgram(a, b, source, std::move(compute), &out);
    EXPECT_EQ(report, "");
    return out;
  }
  // The same, returning the emulator's report ("" on success, with the output tile in *out).
  std::string RunTwoTileProgram(const std::vector<float>& a, const std::vector<float>& b, const std::string& source,
                                ComputeConfig compute, std::vector<float>* out_tile) {
    auto in_a = Dram(kBf16TileBytes, kBf16TileBytes), in_b = Dram(kBf16TileBytes, kBf16TileBytes);
    auto out = Dram(kBf16TileBytes, kBf16TileBytes);
    std::vector<uint8_t> ta = TileBf16(a), tb = TileBf16(b);
    EnqueueWriteBuffer(*cq_, in_a, ta, false);
    EnqueueWriteBuffer(*cq_, in_b, tb, false);
    const CoreCoord core{0, 0};
    Program p = CreateProgram();
    Cb(p, core, 0, 1, kBf16TileBytes);
    Cb(p, core, 1, 1, kBf16TileBytes);
    Cb(p, core, 16, 1, kBf16TileBytes);
    std::vector<uint32_t> rct, wct;
    TensorAccessorArgs(*in_a).append_to(rct);
    TensorAccessorArgs(*in_b).append_to(rct);
    TensorAccessorArgs(*out).append_to(wct);
    const KernelHandle r =
        CreateKernel(p, Kernel("read.cpp", kReadPages), core, ReaderConfig(rct, {{"TWO_INPUTS", "1"}}));
    const KernelHandle w = CreateKernel(p, Kernel("write.cpp", kWritePages), core, WriterConfig(wct));
    CreateKernel(p, Kernel("compute.cpp", source), core, compute);
    SetRuntimeArgs(p, r, core, {in_a->address(), 1, 0, 0, in_b->address()});
    SetRuntimeArgs(p, w, core, {out->address(), 1});
    const std::string report = Run(p);
    if (!report.empty()) return report;
    std::vector<uint8_t> got;
    EnqueueReadBuffer(*cq_, out, got, true);
    *out_tile = UntileBf16(got.data());
    return "";
  }

  fs::path dir_;
  IDevice* device_ = nullptr;
  CommandQueue* cq_ = nullptr;
};

// ---- Interleaving (TT_METALIUM_API.md 1.4) ----

class InterleavingTest : public EmuApiTest, public ::testing::WithParamInterface<bool> {};

// 26 pages of one bf16 tile each, every page a distinct byte pattern written by the host;
// a kernel copies page 13 (bank 1, second row of banks) to a one-page output buffer.
TEST_P(InterleavingTest, KernelReadingPage13GetsTheHostsPage13) {
  const bool fast = GetParam();
  constexpr uint32_t kPages = 26;
  auto src = Dram(kPages * kBf16TileBytes, kBf16TileBytes);
  auto dst = Dram(kBf16TileBytes, kBf16TileBytes);
  std::vector<uint8_t> host(kPages * kBf16TileBytes);
  for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<uint8_t>((i / kBf16TileBytes) * 37 + i * 7 + 1);
  EnqueueWriteBuffer(*cq_, src, host, false);

  const CoreCoord core{3, 2};
  Program p = CreateProgram();
  Cb(p, core, 0, 1, kBf16TileBytes);
  std::vector<uint32_t> ct;
  TensorAccessorArgs(*src).append_to(ct);
  TensorAccessorArgs(*dst).append_to(ct);
  std::map<std::string, std::string> defs;
  if (fast) defs["USE_ADDR_GEN_FAST"] = "1";
  const KernelHandle k = CreateKernel(p, Kernel("copy_pages.cpp", kCopyPages), core, ReaderConfig(ct, defs));
  SetRuntimeArgs(p, k, core, {src->address(), 13, dst->address(), 0, 1, kBf16TileBytes});
  ASSERT_EQ(Run(p), "");

  std::vector<uint8_t> got;
  EnqueueReadBuffer(*cq_, dst, got, true);
  ASSERT_EQ(got.size(), kBf16TileBytes);
  const std::vector<uint8_t> want(host.begin() + 13 * kBf16TileBytes, host.begin() + 14 * kBf16TileBytes);
  EXPECT_EQ(got, want);
  // And the host reads back exactly what it wrote.
  std::vector<uint8_t> back;
  EnqueueReadBuffer(*cq_, src, back, true);
  EXPECT_EQ(back, host);
}

INSTANTIATE_TEST_SUITE_P(AddressGenerators, InterleavingTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "InterleavedAddrGenFast" : "TensorAccessor"; });

// The physical layout: a buffer of 24 pages of 64 bytes puts pages p and p + 12 in bank p at
// offsets base and base + 64. A kernel reading the same base address with 128-byte pages
// therefore gets, for "page" p < 12, host page p followed by host page p + 12.
TEST_F(EmuApiTest, InterleavedPageIIsInBankIMod12) {
  constexpr uint32_t kPage = 64, kPages = 24;
  auto src = Dram(kPages * kPage, kPage);
  auto dst = Dram(12 * 2 * kPage, 2 * kPage);
  std::vector<uint8_t> host(kPages * kPage);
  for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<uint8_t>(i / kPage + 1);  // page i: bytes i+1
  EnqueueWriteBuffer(*cq_, src, host, false);

  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 1, 2 * kPage);
  const KernelHandle k = CreateKernel(p, Kernel("copy_pages.cpp", kCopyPages), core,
                                      ReaderConfig({}, {{"USE_ADDR_GEN", "1"}}));
  SetRuntimeArgs(p, k, core, {src->address(), 0, dst->address(), 0, 12, 2 * kPage});
  ASSERT_EQ(Run(p), "");

  std::vector<uint8_t> got;
  EnqueueReadBuffer(*cq_, dst, got, true);
  ASSERT_EQ(got.size(), 12u * 2 * kPage);
  for (uint32_t b = 0; b < 12; ++b) {
    for (uint32_t j = 0; j < 2 * kPage; ++j) {
      const uint32_t host_page = j < kPage ? b : b + 12;
      ASSERT_EQ(got[b * 2 * kPage + j], host_page + 1) << "bank " << b << " byte " << j;
    }
  }
}

// Pages that are not a multiple of the DRAM alignment (32 bytes) are spaced by the aligned
// size in each bank (InterleavedAddrGen::aligned_page_size): page 13 of 48-byte pages is at
// base + 64 in bank 1, and a kernel addressing it with TensorAccessor(args, addr, 48) must find
// it there.
TEST_F(EmuApiTest, UnalignedPagesAreSpacedByTheAlignedPageSize) {
  constexpr uint32_t kPage = 48, kPages = 26;
  auto src = Dram(kPages * kPage, kPage);
  auto dst = Dram(kPage, kPage);
  std::vector<uint8_t> host(kPages * kPage);
  for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<uint8_t>(i % 251 + 1);
  EnqueueWriteBuffer(*cq_, src, host, false);

  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 1, kPage);
  std::vector<uint32_t> ct;
  TensorAccessorArgs(*src).append_to(ct);
  TensorAccessorArgs(*dst).append_to(ct);
  const KernelHandle k = CreateKernel(p, Kernel("copy_pages.cpp", kCopyPages), core, ReaderConfig(ct));
  SetRuntimeArgs(p, k, core, {src->address(), 13, dst->address(), 0, 1, kPage});
  ASSERT_EQ(Run(p), "");
  std::vector<uint8_t> got;
  EnqueueReadBuffer(*cq_, dst, got, true);
  EXPECT_EQ(got, std::vector<uint8_t>(host.begin() + 13 * kPage, host.begin() + 14 * kPage));
}

// ---- Circular buffers (TT_METALIUM_API.md 1.2) ----

// Two pages pushed one at a time; the consumer's cb_wait_front(cb, 2) after cb_wait_front(cb, 1)
// (no pop in between) is satisfied by those two pages: waits are cumulative thresholds, and
// the read pointer still addresses the first page.
TEST_F(EmuApiTest, WaitsAreCumulative) {
  constexpr uint32_t kPage = 64;
  auto src = Dram(2 * kPage, kPage);
  auto dst = Dram(2 * kPage, kPage);
  std::vector<uint8_t> host(2 * kPage);
  for (size_t i = 0; i < host.size(); ++i) host[i] = static_cast<uint8_t>(i < kPage ? 0xA0 + i % 16 : 0x50 + i % 16);
  EnqueueWriteBuffer(*cq_, src, host, false);

  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  CreateCircularBuffer(p, core, CircularBufferConfig(2 * kPage, {{0, tt::DataFormat::Float16_b}}).set_page_size(0, kPage));
  std::vector<uint32_t> rct, wct;
  TensorAccessorArgs(*src).append_to(rct);
  TensorAccessorArgs(*dst).append_to(wct);
  const KernelHandle r = CreateKernel(p, Kernel("read.cpp", kReadPages), core, ReaderConfig(rct));
  const KernelHandle w = CreateKernel(p, Kernel("consumer.cpp", kCumulativeWaits), core, WriterConfig(wct));
  SetRuntimeArgs(p, r, core, {src->address(), 2, 0, 1});
  SetRuntimeArgs(p, w, core, {dst->address(), kPage});
  ASSERT_EQ(Run(p), "");
  std::vector<uint8_t> got;
  EnqueueReadBuffer(*cq_, dst, got, true);
  EXPECT_EQ(got, host);
}

// With only one page ever pushed, cb_wait_front(cb, 2) after cb_wait_front(cb, 1) can never be
// satisfied: a deadlock, reported with each kernel's state.
TEST_F(EmuApiTest, CumulativeWaitIsNotSatisfiedByTheEarlierPage) {
  constexpr uint32_t kPage = 64;
  auto src = Dram(2 * kPage, kPage);
  auto dst = Dram(2 * kPage, kPage);
  const CoreCoord core{1, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 2, kPage);
  std::vector<uint32_t> rct, wct;
  TensorAccessorArgs(*src).append_to(rct);
  TensorAccessorArgs(*dst).append_to(wct);
  const KernelHandle r = CreateKernel(p, Kernel("read.cpp", kReadPages), core, ReaderConfig(rct));
  const KernelHandle w = CreateKernel(p, Kernel("consumer.cpp", kCumulativeWaits), core, WriterConfig(wct));
  SetRuntimeArgs(p, r, core, {src->address(), 1, 0});
  SetRuntimeArgs(p, w, core, {dst->address(), kPage});
  const std::string error = Run(p);
  EXPECT_THAT(error, HasSubstr("deadlock on core {1, 0}"));
  EXPECT_THAT(error, HasSubstr("reader: finished"));
  EXPECT_THAT(error, HasSubstr("writer: blocked in cb_wait_front(c_0, 2)"));
  EXPECT_THAT(error, HasSubstr("c_0: 2 pages, 1 filled (1 pushed, 0 popped)"));
}

// Pushes of 2 pages on a CB of 3 pages: the second push would run past the end (the write
// pointer wraps only exactly at the end), an error; on a CB of 4 pages they wrap exactly.
TEST_F(EmuApiTest, PushCrossingTheEndOfTheCbIsAnError) {
  const CoreCoord core{0, 1};
  for (const uint32_t pages : {3u, 4u}) {
    SCOPED_TRACE("CB of " + std::to_string(pages) + " pages");
    Program p = CreateProgram();
    Cb(p, core, 0, pages, 64);
    const std::string producer = Kernel("producer.cpp", kPushOnly);
    const KernelHandle r = CreateKernel(p, producer, core, ReaderConfig());
    const KernelHandle w = CreateKernel(p, Kernel("consumer.cpp", kPopOnly), core, WriterConfig());
    SetRuntimeArgs(p, r, core, {3, 2});
    SetRuntimeArgs(p, w, core, {3, 2});
    const std::string error = Run(p);
    if (pages == 3) {
      EXPECT_THAT(error, HasSubstr("core {0, 1} reader kernel (" + producer +
                                   "): cb_push_back(c_0, 2) crosses the end of the CB"));
    } else {
      EXPECT_EQ(error, "");
    }
  }
}

// cb_pop_front of pages never pushed is an underrun (the card's counters would go below zero):
// nothing pushed, or one page pushed and waited for while two are popped. (Popping pushed pages
// without waiting for them is only a warning: tests/emu/protocol_warning_test.cc.)
TEST_F(EmuApiTest, PopOfPagesNeverPushedIsAnUnderrun) {
  const CoreCoord core{0, 0};
  struct Case {
    uint32_t pushes, waits, pops;
    const char* message;
  };
  for (const Case& c :
       {Case{0, 0, 1, "cb_pop_front(c_0, 1) without a cb_wait_front for those pages (waited for 0): CB underrun, 0 pages were pushed"},
        Case{1, 1, 2, "cb_pop_front(c_0, 2) without a cb_wait_front for those pages (waited for 1): CB underrun, 1 pages were pushed"}}) {
    Program p = CreateProgram();
    Cb(p, core, 0, 2, 64);
    const KernelHandle r = CreateKernel(p, Kernel("producer.cpp", kPushOnly), core, ReaderConfig());
    const std::string consumer = Kernel("pop.cpp", kPopAfterWait);
    const KernelHandle w = CreateKernel(p, consumer, core, WriterConfig());
    SetRuntimeArgs(p, r, core, {c.pushes, 1});
    SetRuntimeArgs(p, w, core, {c.waits, c.pops});
    EXPECT_THAT(Run(p), HasSubstr("core {0, 0} writer kernel (" + consumer + "): " + c.message));
  }
}

// ---- Runtime arguments (TT_METALIUM_API.md 1.1) ----

TEST_F(EmuApiTest, ArgumentIndexBeyondThoseSetIsAnError) {
  const CoreCoord core{2, 1};
  {
    Program p = CreateProgram();
    const std::string file = Kernel("arg.cpp", kReadArgDataflow);
    const KernelHandle k = CreateKernel(p, file, core, ReaderConfig({}, {{"ARG_INDEX", "5"}}));
    SetRuntimeArgs(p, k, core, {10, 11});
    EXPECT_THAT(Run(p), HasSubstr("core {2, 1} reader kernel (" + file +
                                  "): reads runtime argument 5 but the host set 2 for this core"));
  }
  {
    Program p = CreateProgram();
    const std::string file = Kernel("arg_compute.cpp", kReadArgCompute);
    ComputeConfig config;
    config.defines = {{"ARG_INDEX", "1"}};
    const KernelHandle k = CreateKernel(p, file, core, config);
    SetRuntimeArgs(p, k, core, {7});
    EXPECT_THAT(Run(p), HasSubstr("core {2, 1} compute kernel (" + file +
                                  "): reads runtime argument 1 but the host set 1 for this core"));
  }
  {  // No SetRuntimeArgs at all: zero arguments.
    Program p = CreateProgram();
    const std::string file = Kernel("arg.cpp", kReadArgDataflow);
    CreateKernel(p, file, core, WriterConfig({}, {{"ARG_INDEX", "0"}}));
    EXPECT_THAT(Run(p), HasSubstr("core {2, 1} writer kernel (" + file +
                                  "): reads runtime argument 0 but the host set 0 for this core"));
  }
  {  // The last index set is fine.
    Program p = CreateProgram();
    const KernelHandle k = CreateKernel(p, Kernel("arg.cpp", kReadArgDataflow), core, ReaderConfig({}, {{"ARG_INDEX", "1"}}));
    SetRuntimeArgs(p, k, core, {10, 11});
    EXPECT_EQ(Run(p), "");
  }
}

// ---- Compute: face layout, rounding, DST (TT_METALIUM_API.md 2.3, 2.4, 4) ----

class PackRoundingTest : public EmuApiTest, public ::testing::WithParamInterface<bool> {};

// A Float32 tile in face layout, copied to DST and packed as Float16_b: every element comes
// back at the same face-layout offset, rounded to nearest-even (ties in both directions,
// just below and just above the midpoint, and a carry into the exponent bits). The high half
// of each element is distinct (0x3F80 + 32 r + c), so a misplaced element is caught too.
TEST_P(PackRoundingTest, CopyAndPackRoundsToNearestEvenInFaceOrder) {
  const bool fp32_dest = GetParam();
  // Seven low halves (an odd period, so ties meet both parities of the high half).
  static constexpr uint32_t kLow[] = {0x0000, 0x8000, 0x7FFF, 0x8001, 0xFFFF, 0x4000, 0xC000};
  std::vector<uint32_t> in_bits(kTile * kTile);  // row-major
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) {
      in_bits[r * kTile + c] = ((0x3F80u + r * kTile + c) << 16) | kLow[(r * kTile + c) % 7];
    }
  }
  std::vector<uint32_t> tile(kTile * kTile);
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) tile[FaceOffset(r, c)] = in_bits[r * kTile + c];
  }
  std::vector<uint8_t> in_bytes(kFp32TileBytes);
  std::memcpy(in_bytes.data(), tile.data(), in_bytes.size());

  auto in = Dram(kFp32TileBytes, kFp32TileBytes);
  auto out = Dram(kBf16TileBytes, kBf16TileBytes);
  EnqueueWriteBuffer(*cq_, in, in_bytes, false);
  ComputeConfig config;
  config.fp32_dest_acc_en = fp32_dest;
  Program p = CopyThroughDst(in, out, 1, tt::DataFormat::Float32, kFp32TileBytes, config, 0);
  ASSERT_EQ(Run(p), "");
  std::vector<uint16_t> got;
  EnqueueReadBuffer(*cq_, out, got, true);
  ASSERT_EQ(got.size(), 1024u);
  int ties_even = 0, ties_up = 0;
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) {
      const uint32_t x = in_bits[r * kTile + c];
      ASSERT_EQ(got[FaceOffset(r, c)], Bf16Rne(x)) << "element (" << r << ", " << c << ") = 0x" << std::hex << x;
      if ((x & 0xFFFF) == 0x8000) ((x >> 16) & 1 ? ties_up : ties_even)++;
    }
  }
  EXPECT_GT(ties_even, 0);
  EXPECT_GT(ties_up, 0);
  // Spot checks of the rounding rule itself.
  EXPECT_EQ(Bf16Rne(0x3F808000u), 0x3F80);  // tie, even stays
  EXPECT_EQ(Bf16Rne(0x3F818000u), 0x3F82);  // tie, odd rounds up
  EXPECT_EQ(Bf16Rne(0x3F807FFFu), 0x3F80);
  EXPECT_EQ(Bf16Rne(0x3F808001u), 0x3F81);
}

INSTANTIATE_TEST_SUITE_P(DstModes, PackRoundingTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Fp32Dest" : "Bf16Dest"; });

// matmul computes on 32x32 row-major values, so it must undo and redo the face layout: with B
// the column shift S (S[k][j] = 1 iff j = k + 1 mod 32), C[i][j] = A[i][j - 1 mod 32], which
// moves elements across face boundaries (column 15 -> 16, 31 -> 0).
TEST_F(EmuApiTest, MatmulSeesTheFaceLayoutAsRowMajorTiles) {
  std::vector<float> a(kTile * kTile), s(kTile * kTile, 0.0f);
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) a[r * kTile + c] = static_cast<float>((r * kTile + c) % 61 - 30);
  }
  for (int k = 0; k < kTile; ++k) s[k * kTile + (k + 1) % kTile] = 1.0f;
  const std::vector<float> c = RunTwoTileProgram(a, s, kMatmulOne, ComputeConfig{});
  ASSERT_EQ(c.size(), a.size());
  for (int i = 0; i < kTile; ++i) {
    for (int j = 0; j < kTile; ++j) {
      ASSERT_EQ(c[i * kTile + j], a[i * kTile + (j + kTile - 1) % kTile]) << "C[" << i << "][" << j << "]";
    }
  }
}

class DstSectionTest : public EmuApiTest, public ::testing::WithParamInterface<bool> {};

// matmul_tiles accumulates into DST (two calls into DST[0] give the sum of the products), and
// releasing DST zeroes it (the next section's single matmul gives one product only), with
// both DST protocols.
TEST_P(DstSectionTest, MatmulAccumulatesInDstAndReleaseZeroesIt) {
  const bool tile_regs = GetParam();
  std::vector<float> a0(kTile * kTile, 0.0f), a1(kTile * kTile, 0.0f), m0(kTile * kTile), m1(kTile * kTile);
  for (int i = 0; i < kTile; ++i) {
    a0[i * kTile + i] = 1.0f;  // I
    a1[i * kTile + i] = 2.0f;  // 2I
  }
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) {
      m0[r * kTile + c] = static_cast<float>((r + 2 * c) % 7);
      m1[r * kTile + c] = static_cast<float>((3 * r + c) % 5);
    }
  }
  auto in_a = Dram(2 * kBf16TileBytes, kBf16TileBytes), in_b = Dram(2 * kBf16TileBytes, kBf16TileBytes);
  auto out = Dram(2 * kBf16TileBytes, kBf16TileBytes);
  std::vector<uint8_t> ta = TileBf16(a0), tb = TileBf16(m0);
  const std::vector<uint8_t> ta1 = TileBf16(a1), tb1 = TileBf16(m1);
  ta.insert(ta.end(), ta1.begin(), ta1.end());
  tb.insert(tb.end(), tb1.begin(), tb1.end());
  EnqueueWriteBuffer(*cq_, in_a, ta, false);
  EnqueueWriteBuffer(*cq_, in_b, tb, false);

  const CoreCoord core{0, 0};
  Program p = CreateProgram();
  Cb(p, core, 0, 2, kBf16TileBytes);
  Cb(p, core, 1, 2, kBf16TileBytes);
  Cb(p, core, 16, 1, kBf16TileBytes);
  std::vector<uint32_t> rct, wct;
  TensorAccessorArgs(*in_a).append_to(rct);
  TensorAccessorArgs(*in_b).append_to(rct);
  TensorAccessorArgs(*out).append_to(wct);
  const KernelHandle r = CreateKernel(p, Kernel("read.cpp", kReadPages), core, ReaderConfig(rct, {{"TWO_INPUTS", "1"}}));
  const KernelHandle w = CreateKernel(p, Kernel("write.cpp", kWritePages), core, WriterConfig(wct));
  ComputeConfig config;
  if (tile_regs) config.defines = {{"USE_TILE_REGS", "1"}};
  CreateKernel(p, Kernel("mm_acc.cpp", kMatmulAccumulate), core, config);
  // A pages 0, 1, 0 and B pages 0, 1, 0.
  SetRuntimeArgs(p, r, core, {in_a->address(), 3, 0, 1, 0, 0, 1, 0, in_b->address()});
  SetRuntimeArgs(p, w, core, {out->address(), 2});
  ASSERT_EQ(Run(p), "");
  std::vector<uint8_t> got;
  EnqueueReadBuffer(*cq_, out, got, true);
  const std::vector<float> sum = UntileBf16(got.data()), single = UntileBf16(got.data() + kBf16TileBytes);
  for (int i = 0; i < kTile * kTile; ++i) {
    ASSERT_EQ(sum[i], m0[i] + 2 * m1[i]) << "accumulated output, element " << i;
    ASSERT_EQ(single[i], m0[i]) << "output after release, element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Protocols, DstSectionTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "TileRegs" : "AcquireDst"; });

struct DstCase {
  bool fp32_dest, full_sync;
  uint32_t index;
  uint32_t capacity;  // the error expected when index >= capacity
};

void PrintTo(const DstCase& c, std::ostream* os) {
  *os << "{fp32_dest " << c.fp32_dest << ", full_sync " << c.full_sync << ", index " << c.index << "}";
}

class DstCapacityTest : public EmuApiTest, public ::testing::WithParamInterface<DstCase> {};

// The DST tiles available (TT_METALIUM_API.md 2.3): 8 with 16-bit DST, 4 with
// fp32_dest_acc_en; twice that with dst_full_sync_en. The last valid index works; the next
// one is an error naming the index and the capacity.
TEST_P(DstCapacityTest, IndexBeyondCapacityIsAnError) {
  const DstCase c = GetParam();
  std::vector<float> v(kTile * kTile);
  for (int i = 0; i < kTile * kTile; ++i) v[i] = static_cast<float>(i % 13) - 6.0f;
  auto in = Dram(kBf16TileBytes, kBf16TileBytes), out = Dram(kBf16TileBytes, kBf16TileBytes);
  std::vector<uint8_t> t = TileBf16(v);
  EnqueueWriteBuffer(*cq_, in, t, false);
  ComputeConfig config;
  config.fp32_dest_acc_en = c.fp32_dest;
  config.dst_full_sync_en = c.full_sync;
  Program p = CopyThroughDst(in, out, 1, tt::DataFormat::Float16_b, kBf16TileBytes, config, c.index);
  const std::string error = Run(p);
  if (c.index < c.capacity) {
    ASSERT_EQ(error, "");
    std::vector<uint8_t> got;
    EnqueueReadBuffer(*cq_, out, got, true);
    EXPECT_EQ(got, t);
  } else {
    EXPECT_THAT(error, HasSubstr("compute kernel (" + (dir_ / "copy_pack.cpp").string() + "): copy_tile uses DST tile " +
                                     std::to_string(c.index) + " but DST holds " + std::to_string(c.capacity) +
                                     " tiles in this configuration"));
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, DstCapacityTest,
                         ::testing::Values(DstCase{false, false, 7, 8}, DstCase{false, false, 8, 8},
                                           DstCase{true, false, 3, 4}, DstCase{true, false, 4, 4},
                                           DstCase{false, true, 15, 16}, DstCase{false, true, 16, 16},
                                           DstCase{true, true, 7, 8}, DstCase{true, true, 8, 8}),
                         [](const auto& info) {
                           const DstCase& c = info.param;
                           return std::string(c.fp32_dest ? "Fp32" : "Bf16") + (c.full_sync ? "FullSync" : "HalfSync") +
                                  "Index" + std::to_string(c.index);
                         });

// ---- Kernel build cache ----

struct CachedObject {
  ino_t inode;
  int64_t mtime_ns;
  bool operator==(const CachedObject&) const = default;
};

std::map<std::string, CachedObject> CacheContents(const fs::path& dir, std::vector<std::string>* others) {
  std::map<std::string, CachedObject> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".so") {
      // Each object's recipe (<key>.recipe) is kept next to it; anything else is a leftover.
      const bool recipe =
          e.path().extension() == ".recipe" && fs::exists(fs::path(dir) / (e.path().stem().string() + ".so"));
      if (others && !recipe) others->push_back(name);
      continue;
    }
    struct stat st {};
    if (stat(e.path().c_str(), &st) != 0) continue;
    out[name] = {st.st_ino, int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
  }
  return out;
}

// The first EnqueueProgram of a reader/compute/writer program builds three shared objects
// into $TTC_EMU_CACHE_DIR; running the same kernels again - in a new process, and twice more
// in this one - adds no object and rewrites none (same inode and mtime), while the same
// kernel with different compile-time args is a new object. The kernels carry a unique
// comment so that nothing built earlier in this process can serve them.
TEST_F(EmuApiTest, SecondRunOfTheSameKernelsDoesNotRecompile) {
  const char* old = std::getenv("TTC_EMU_CACHE_DIR");
  const std::string saved = old ? old : "";
  const fs::path cache = dir_ / "cache";
  setenv("TTC_EMU_CACHE_DIR", cache.c_str(), 1);
  const std::string nonce = "// build-cache test " + std::to_string(getpid()) + "-" +
                            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "\n";
  const std::string reader = Kernel("read.cpp", nonce + kReadPages);
  const std::string writer = Kernel("write.cpp", nonce + kWritePages);
  const std::string compute = Kernel("copy_pack.cpp", nonce + kCopyPack);

  std::vector<float> v(kTile * kTile);
  for (int i = 0; i < kTile * kTile; ++i) v[i] = static_cast<float>(i % 9);
  const std::vector<uint8_t> tile = TileBf16(v);
  // One run on a fresh device: 0 when the output is the input tile, 1 on a wrong result,
  // 2 on an error.
  auto run_once = [&](uint32_t idst) {
    IDevice* device = CreateDevice(0);
    int status = 2;
    try {
      CommandQueue& cq = device->command_queue();
      auto in = CreateBuffer(InterleavedBufferConfig{device, kBf16TileBytes, kBf16TileBytes, BufferType::DRAM});
      auto out = CreateBuffer(InterleavedBufferConfig{device, kBf16TileBytes, kBf16TileBytes, BufferType::DRAM});
      std::vector<uint8_t> data = tile;
      EnqueueWriteBuffer(cq, in, data, false);
      const CoreCoord core{0, 0};
      Program p = CreateProgram();
      Cb(p, core, 0, 2, kBf16TileBytes);
      Cb(p, core, 16, 2, kBf16TileBytes);
      std::vector<uint32_t> rct, wct;
      TensorAccessorArgs(*in).append_to(rct);
      TensorAccessorArgs(*out).append_to(wct);
      const KernelHandle r = CreateKernel(p, reader, core, ReaderConfig(rct));
      const KernelHandle w = CreateKernel(p, writer, core, WriterConfig(wct));
      CreateKernel(p, compute, core, ComputeConfig{.compile_args = {idst, 1}});
      SetRuntimeArgs(p, r, core, {in->address(), 1, 0});
      SetRuntimeArgs(p, w, core, {out->address(), 1});
      EnqueueProgram(cq, p, false);
      Finish(cq);
      std::vector<uint8_t> got;
      EnqueueReadBuffer(cq, out, got, true);
      status = got == tile ? 0 : 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "run failed: %s\n", e.what());
    }
    CloseDevice(device);
    return status;
  };
  // Runs in a child process (forked while this process runs no other thread).
  auto run_in_child = [&](uint32_t idst) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      const int status = run_once(idst);
      std::fflush(nullptr);
      _exit(status);
    }
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128;
  };

  ASSERT_EQ(run_in_child(0), 0);
  std::vector<std::string> others;
  const auto first = CacheContents(cache, &others);
  EXPECT_EQ(first.size(), 3u) << "one object per kernel";
  EXPECT_THAT(others, ::testing::IsEmpty()) << "no sources, logs or temporaries left behind";

  ASSERT_EQ(run_in_child(0), 0);  // a new process: served from the directory
  EXPECT_EQ(CacheContents(cache, nullptr), first);
  ASSERT_EQ(run_once(0), 0);  // this process: loads from the directory
  ASSERT_EQ(run_once(0), 0);  // again: already loaded
  EXPECT_EQ(CacheContents(cache, nullptr), first);

  ASSERT_EQ(run_once(1), 0);  // other compile-time args: one more object
  const auto after = CacheContents(cache, nullptr);
  EXPECT_EQ(after.size(), 4u);
  for (const auto& [name, object] : first) {
    auto it = after.find(name);
    ASSERT_NE(it, after.end()) << name;
    EXPECT_EQ(it->second, object) << name;
  }

  if (old) {
    setenv("TTC_EMU_CACHE_DIR", saved.c_str(), 1);
  } else {
    unsetenv("TTC_EMU_CACHE_DIR");
  }
}

// ---- Tile operations beyond matmul/copy (TT_METALIUM_API.md 2.4): SFPU binary and
// binop-with-scalar, max/min, broadcasts, reduce, comparisons and where ----

// Compute: A (c_0) and B (c_1), one tile each; a case's BODY runs between tile_regs_acquire
// and tile_regs_commit and leaves its result in DST[result], which is packed. LOAD_AB() copies
// A into DST[0] and B into DST[1]. DST is 16-bit (bf16 values), so the inputs are small
// integers (and halves, quarters) that every result keeps exact.
constexpr char kTileOpHead[] = R"(
#include <cstdint>
#include "compute_kernel_api/common.h"
#include "compute_kernel_api/tile_move_copy.h"
#include "compute_kernel_api/eltwise_binary_sfpu.h"
#include "compute_kernel_api/binary_max_min.h"
#include "compute_kernel_api/eltwise_unary/binop_with_scalar.h"
#include "compute_kernel_api/eltwise_unary/fill.h"
#include "compute_kernel_api/bcast.h"
#include "compute_kernel_api/reduce.h"
#include "compute_kernel_api/eltwise_unary/comp.h"
#include "compute_kernel_api/eltwise_unary/where.h"

#define LOAD_AB()          \
    copy_tile_init(a);     \
    copy_tile(a, 0, 0);    \
    copy_tile_init(b);     \
    copy_tile(b, 0, 1)

namespace NAMESPACE {
void MAIN {
    constexpr uint32_t a = tt::CBIndex::c_0, b = tt::CBIndex::c_1, out = tt::CBIndex::c_16;
    uint32_t result = 0;
    cb_wait_front(a, 1);
    cb_wait_front(b, 1);
    tile_regs_acquire();
)";
constexpr char kTileOpTail[] = R"(
    tile_regs_commit();
    cb_pop_front(a, 1);
    cb_pop_front(b, 1);
    tile_regs_wait();
    cb_reserve_back(out, 1);
    pack_tile(result, out);
    cb_push_back(out, 1);
    tile_regs_release();
}
}  // namespace NAMESPACE
)";

using Tile = std::vector<float>;
float At(const Tile& t, int r, int c) { return t[r * kTile + c]; }

struct TileOpCase {
  const char* name;
  const char* body;
  std::function<float(const Tile& a, const Tile& b, int r, int c)> expect;
  std::function<void(Tile& a, Tile& b)> inputs = nullptr;  // replaces the default inputs where set
  std::map<std::string, std::string> defines = {};
};

void PrintTo(const TileOpCase& c, std::ostream* os) { *os << c.name; }

// Inputs: B all `s` (a reduce scaler tile).
std::function<void(Tile&, Tile&)> Scaler(float s) {
  return [s](Tile&, Tile& b) { std::fill(b.begin(), b.end(), s); };
}
// A all negative, with maxima that differ from row to row and column to column; B all `s`.
std::function<void(Tile&, Tile&)> NegativeAScaler(float s) {
  return [s](Tile& a, Tile& b) {
    for (int r = 0; r < kTile; ++r) {
      for (int c = 0; c < kTile; ++c) {
        a[r * kTile + c] = -1.0f - static_cast<float>((r * 131 + c * 71 + r * c * 17) % 61);
      }
    }
    std::fill(b.begin(), b.end(), s);
  };
}
// B powers of two (+-0.5, 1, 2, 4): A / B is exact.
void PowersOfTwoB(Tile&, Tile& b) {
  static constexpr float kDivisors[] = {1.0f, -2.0f, 4.0f, -0.5f, 2.0f, -1.0f, 0.5f, -4.0f};
  for (size_t i = 0; i < b.size(); ++i) b[i] = kDivisors[(i * 5 + i / kTile) % 8];
}

float RowSum(const Tile& a, int r) {
  float s = 0;
  for (int c = 0; c < kTile; ++c) s += At(a, r, c);
  return s;
}
float ColSum(const Tile& a, int c) {
  float s = 0;
  for (int r = 0; r < kTile; ++r) s += At(a, r, c);
  return s;
}
float RowMax(const Tile& a, int r) { return *std::max_element(a.begin() + r * kTile, a.begin() + (r + 1) * kTile); }
float ColMax(const Tile& a, int c) {
  float m = At(a, 0, c);
  for (int r = 0; r < kTile; ++r) m = std::max(m, At(a, r, c));
  return m;
}
float Total(const Tile& a) {
  float s = 0;
  for (float v : a) s += v;
  return s;
}
float TotalMax(const Tile& a) { return *std::max_element(a.begin(), a.end()); }

class TileOpTest : public EmuApiTest, public ::testing::WithParamInterface<TileOpCase> {};

// Runs the case's body on A and B (by default a[r][c] = (32 r + c) % 13 - 6 and b[r][c] =
// (7 r + 3 c) % 11 - 5: B's row 0 varies along the row and its column 0 down the column) and
// compares every element of the packed result with the expectation.
TEST_P(TileOpTest, ComputesItsSemantics) {
  const TileOpCase& tc = GetParam();
  Tile a(kTile * kTile), b(kTile * kTile);
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) {
      a[r * kTile + c] = static_cast<float>((r * kTile + c) % 13 - 6);
      b[r * kTile + c] = static_cast<float>((r * 7 + c * 3) % 11 - 5);
    }
  }
  if (tc.inputs) tc.inputs(a, b);
  const std::string source = std::string(kTileOpHead) + tc.body + kTileOpTail;
  const Tile c = RunTwoTileProgram(a, b, source, ComputeConfig{.defines = tc.defines});
  ASSERT_EQ(c.size(), a.size());
  for (int i = 0; i < kTile; ++i) {
    for (int j = 0; j < kTile; ++j) {
      ASSERT_EQ(c[i * kTile + j], tc.expect(a, b, i, j)) << tc.name << " at [" << i << "][" << j << "]";
    }
  }
}

const float kNegInf = -std::numeric_limits<float>::infinity();

// SFPU binary ops on DST tiles (eltwise_binary_sfpu.h), in TT's three-argument form (result in
// odst) and the older two-argument form (result in idst0), and binary max / min.
INSTANTIATE_TEST_SUITE_P(
    SfpuBinary, TileOpTest,
    ::testing::Values(
        TileOpCase{"add_binary_tile_3", "LOAD_AB(); add_binary_tile_init(); add_binary_tile(0, 1, 2); result = 2;",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) + At(b, r, c); }},
        TileOpCase{"add_binary_tile_2", "LOAD_AB(); add_binary_tile_init(); add_binary_tile(0, 1);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) + At(b, r, c); }},
        TileOpCase{"sub_binary_tile_3", "LOAD_AB(); sub_binary_tile_init(); sub_binary_tile(0, 1, 3); result = 3;",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) - At(b, r, c); }},
        TileOpCase{"sub_binary_tile_2", "LOAD_AB(); sub_binary_tile_init(); sub_binary_tile(0, 1);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) - At(b, r, c); }},
        TileOpCase{"mul_binary_tile_3", "LOAD_AB(); mul_binary_tile_init(); mul_binary_tile(0, 1, 1); result = 1;",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) * At(b, r, c); }},
        TileOpCase{"mul_binary_tile_2", "LOAD_AB(); mul_binary_tile_init(); mul_binary_tile(0, 1);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) * At(b, r, c); }},
        TileOpCase{"div_binary_tile_3", "LOAD_AB(); div_binary_tile_init(); div_binary_tile(0, 1, 2); result = 2;",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) / At(b, r, c); }, PowersOfTwoB},
        TileOpCase{"div_binary_tile_2", "LOAD_AB(); div_binary_tile_init(); div_binary_tile(0, 1);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) / At(b, r, c); }, PowersOfTwoB},
        TileOpCase{"rsub_binary_tile_3", "LOAD_AB(); rsub_binary_tile_init(); rsub_binary_tile(0, 1, 2); result = 2;",
                   [](auto& a, auto& b, int r, int c) { return At(b, r, c) - At(a, r, c); }},
        TileOpCase{"rsub_binary_tile_2", "LOAD_AB(); rsub_binary_tile_init(); rsub_binary_tile(0, 1);",
                   [](auto& a, auto& b, int r, int c) { return At(b, r, c) - At(a, r, c); }},
        // The three-argument form leaves both inputs: DST[2] = A - B, then DST[0] = A + DST[2].
        TileOpCase{"three_argument_form_keeps_inputs",
                   "LOAD_AB(); sub_binary_tile_init(); sub_binary_tile(0, 1, 2);"
                   "add_binary_tile_init(); add_binary_tile(0, 2, 0);",
                   [](auto& a, auto& b, int r, int c) { return 2 * At(a, r, c) - At(b, r, c); }},
        // TT's current template parameters (rounding mode, fp32 accumulation) are accepted.
        TileOpCase{"templated_forms",
                   "LOAD_AB(); add_binary_tile_init(); add_binary_tile<DstRoundingMode::NearestEven>(0, 1, 2);"
                   "mul_binary_tile_init(); mul_binary_tile<false>(2, 1, 2); result = 2;",
                   [](auto& a, auto& b, int r, int c) { return (At(a, r, c) + At(b, r, c)) * At(b, r, c); }},
        TileOpCase{"binary_max_tile_2", "LOAD_AB(); binary_max_tile_init(); binary_max_tile(0, 1);",
                   [](auto& a, auto& b, int r, int c) { return std::max(At(a, r, c), At(b, r, c)); }},
        TileOpCase{"binary_max_tile_3",
                   "LOAD_AB(); binary_max_tile_init(); binary_max_tile(0, 1, 3, VectorMode::RC); result = 3;",
                   [](auto& a, auto& b, int r, int c) { return std::max(At(a, r, c), At(b, r, c)); }},
        TileOpCase{"binary_min_tile_2", "LOAD_AB(); binary_min_tile_init(); binary_min_tile(0, 1);",
                   [](auto& a, auto& b, int r, int c) { return std::min(At(a, r, c), At(b, r, c)); }},
        TileOpCase{"binary_min_tile_3", "LOAD_AB(); binary_min_tile_init(); binary_min_tile(0, 1, 3); result = 3;",
                   [](auto& a, auto& b, int r, int c) { return std::min(At(a, r, c), At(b, r, c)); }}),
    [](const ::testing::TestParamInfo<TileOpCase>& info) { return std::string(info.param.name); });

// A DST tile and an fp32 scalar passed as its bit pattern (eltwise_unary/binop_with_scalar.h).
INSTANTIATE_TEST_SUITE_P(
    BinopWithScalar, TileOpTest,
    ::testing::Values(
        TileOpCase{"add_unary_tile", "LOAD_AB(); binop_with_scalar_tile_init(); add_unary_tile(0, 0x40400000u);",
                   [](auto& a, auto&, int r, int c) { return At(a, r, c) + 3.0f; }},
        TileOpCase{"sub_unary_tile", "LOAD_AB(); binop_with_scalar_tile_init(); sub_unary_tile(0, 0x3fc00000u);",
                   [](auto& a, auto&, int r, int c) { return At(a, r, c) - 1.5f; }},
        TileOpCase{"mul_unary_tile", "LOAD_AB(); binop_with_scalar_tile_init(); mul_unary_tile(0, 0x3f000000u);",
                   [](auto& a, auto&, int r, int c) { return At(a, r, c) * 0.5f; }},
        TileOpCase{"div_unary_tile", "LOAD_AB(); binop_with_scalar_tile_init(); div_unary_tile(0, 0x40800000u);",
                   [](auto& a, auto&, int r, int c) { return At(a, r, c) / 4.0f; }},
        TileOpCase{"rsub_unary_tile", "LOAD_AB(); binop_with_scalar_tile_init(); rsub_unary_tile(0, 0xbf800000u);",
                   [](auto& a, auto&, int r, int c) { return -1.0f - At(a, r, c); }},
        TileOpCase{"mul_then_rsub_unary_tile",
                   "LOAD_AB(); binop_with_scalar_tile_init(); mul_unary_tile(0, 0x3f000000u);"
                   "rsub_unary_tile(0, 0x40000000u);",
                   [](auto& a, auto&, int r, int c) { return 2.0f - 0.5f * At(a, r, c); }}),
    [](const ::testing::TestParamInfo<TileOpCase>& info) { return std::string(info.param.name); });

// Broadcasts (bcast.h): ROW takes B's row 0 for every row, COL B's column 0 for every column,
// SCALAR B[0][0]; the default B differs along its row 0 and down its column 0.
INSTANTIATE_TEST_SUITE_P(
    Broadcast, TileOpTest,
    ::testing::Values(
        TileOpCase{"add_tiles_bcast_rows", "add_bcast_rows_init_short(a, b); add_tiles_bcast_rows(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) + At(b, 0, c); }},
        TileOpCase{"add_tiles_bcast_cols", "add_bcast_cols_init_short(a, b); add_tiles_bcast_cols(a, b, 0, 0, 2);"
                                           "result = 2;",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) + At(b, r, 0); }},
        TileOpCase{"add_tiles_bcast_scalar",
                   "add_bcast_scalar_init_short(a, b); add_tiles_bcast_scalar(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) + At(b, 0, 0); }},
        TileOpCase{"sub_tiles_bcast_rows", "sub_bcast_rows_init_short(a, b); sub_tiles_bcast_rows(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) - At(b, 0, c); }},
        TileOpCase{"sub_tiles_bcast_cols", "sub_bcast_cols_init_short(a, b); sub_tiles_bcast_cols(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) - At(b, r, 0); }},
        TileOpCase{"sub_tiles_bcast_scalar",
                   "sub_tiles_bcast_scalar_init_short(a, b); sub_tiles_bcast_scalar(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) - At(b, 0, 0); }},
        TileOpCase{"mul_tiles_bcast_rows", "mul_bcast_rows_init_short(a, b); mul_tiles_bcast_rows(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) * At(b, 0, c); }},
        TileOpCase{"mul_tiles_bcast_cols", "mul_bcast_cols_init_short(a, b); mul_tiles_bcast_cols(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) * At(b, r, 0); }},
        TileOpCase{"mul_tiles_bcast_scalar",
                   "mul_tiles_bcast_scalar_init_short(a, b); mul_tiles_bcast_scalar(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) * At(b, 0, 0); }},
        // bcast_row_idx picks the row of B that ROW broadcasts.
        TileOpCase{"add_tiles_bcast_rows_row_5",
                   "add_bcast_rows_init_short(a, b); add_tiles_bcast_rows(a, b, 0, 0, 0, 5);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) + At(b, 5, c); }},
        // The generic forms: init_bcast<op, dim> with the templated op.
        TileOpCase{"init_bcast_sub_tiles_bcast_row",
                   "init_bcast<ELWSUB, BroadcastType::ROW>(a, b, out);"
                   "sub_tiles_bcast<BroadcastType::ROW>(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) - At(b, 0, c); }},
        TileOpCase{"init_bcast_mul_tiles_bcast_col",
                   "init_bcast<EltwiseBinaryType::ELWMUL, BroadcastType::COL>(a, b);"
                   "mul_tiles_bcast<BroadcastType::COL>(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) * At(b, r, 0); }},
        TileOpCase{"any_tiles_bcast_add_scalar",
                   "init_bcast<ELWADD, BroadcastType::SCALAR>(a, b, out);"
                   "any_tiles_bcast<ELWADD, BroadcastType::SCALAR>(a, b, 0, 0, 0);",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) + At(b, 0, 0); }},
        TileOpCase{"unary_bcast_col",
                   "unary_bcast_init<BroadcastType::COL>(b, out); unary_bcast<BroadcastType::COL>(b, 0, 1);"
                   "result = 1;",
                   [](auto&, auto& b, int r, int) { return At(b, r, 0); }},
        TileOpCase{"unary_bcast_row",
                   "unary_bcast_init<BroadcastType::ROW>(b, out); unary_bcast<BroadcastType::ROW>(b, 0, 0);",
                   [](auto&, auto& b, int, int c) { return At(b, 0, c); }},
        TileOpCase{"unary_bcast_scalar",
                   "unary_bcast_init<BroadcastType::ROW>(b, out);"
                   "reconfigure_unary_bcast<BroadcastType::ROW, BroadcastType::SCALAR>(b, b, out, out);"
                   "unary_bcast<BroadcastType::SCALAR>(b, 0, 0);"
                   "unary_bcast_uninit<BroadcastType::SCALAR>(b);",
                   [](auto&, auto& b, int, int) { return At(b, 0, 0); }}),
    [](const ::testing::TestParamInfo<TileOpCase>& info) { return std::string(info.param.name); });

// reduce_tile (reduce.h) with B as the scaler tile: REDUCE_ROW leaves the row results in column
// 0, REDUCE_COL the column results in row 0, REDUCE_SCALAR one value in [0][0]; the rest of
// the tile keeps what DST held (zero after a release). Results are scaled by the scaler (twice
// for REDUCE_SCALAR; MAX by its power of two) and combined with DST: two SUM calls add up, MAX
// takes the maximum with DST, where a tile not written since the release counts as minus
// infinity (GMPOOL reads cleared rows so), not zero: all-negative inputs keep their maxima.
INSTANTIATE_TEST_SUITE_P(
    Reduce, TileOpTest,
    ::testing::Values(
        TileOpCase{"row_sum_scaler_1",
                   "reduce_init<true, PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, out);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);"
                   "reduce_revert_delta<ReduceDim::REDUCE_ROW>(out);",
                   [](auto& a, auto&, int r, int c) { return c == 0 ? RowSum(a, r) : 0.0f; }, Scaler(1.0f)},
        TileOpCase{"row_sum_scaler_half_two_calls",
                   "reduce_init<true, PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, out);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return c == 0 ? RowSum(a, r) : 0.0f; }, Scaler(0.5f)},
        TileOpCase{"classic_init_variants",
                   "reduce_init_delta<false, PoolType::SUM, ReduceDim::REDUCE_ROW>(out, a, b);"
                   "reduce_init_short<PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, out);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);"
                   "reduce_revert_delta<ReduceDim::REDUCE_ROW>(out);",
                   [](auto& a, auto&, int r, int c) { return c == 0 ? RowSum(a, r) : 0.0f; }, Scaler(1.0f)},
        TileOpCase{"col_sum_scaler_half",
                   "reduce_init<true, PoolType::SUM, ReduceDim::REDUCE_COL>(a, b, out);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_COL>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return r == 0 ? 0.5f * ColSum(a, c) : 0.0f; }, Scaler(0.5f)},
        TileOpCase{"col_sum_scaler_1_two_calls",
                   "reduce_init<true, PoolType::SUM, ReduceDim::REDUCE_COL>(a, b, out);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_COL>(a, b, 0, 0, 0);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_COL>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return r == 0 ? 2 * ColSum(a, c) : 0.0f; }, Scaler(1.0f)},
        TileOpCase{"scalar_sum_scaler_1",
                   "reduce_init<true, PoolType::SUM, ReduceDim::REDUCE_SCALAR>(a, b, out);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_SCALAR>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return r == 0 && c == 0 ? Total(a) : 0.0f; }, Scaler(1.0f)},
        // TT's reduce.h: for REDUCE_SCALAR, AVG's scaler is 1/sqrt(N): it is applied twice.
        TileOpCase{"scalar_sum_scaler_half",
                   "reduce_init<true, PoolType::SUM, ReduceDim::REDUCE_SCALAR>(a, b, out);"
                   "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_SCALAR>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return r == 0 && c == 0 ? 0.25f * Total(a) : 0.0f; },
                   Scaler(0.5f)},
        TileOpCase{"row_avg",
                   "reduce_init<true, PoolType::AVG, ReduceDim::REDUCE_ROW>(a, b, out);"
                   "reduce_tile<PoolType::AVG, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return c == 0 ? RowSum(a, r) / 32 : 0.0f; },
                   Scaler(1.0f / 32)},
        // TT's current signatures: reduce_init<PoolType, ReduceDim>(icb, icb_scaler, ocb), reduce_uninit.
        TileOpCase{"row_max_scaler_1_negative",
                   "reduce_init<PoolType::MAX, ReduceDim::REDUCE_ROW>(a, b, out);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_ROW, false>(a, b, 0, 0, 0);"
                   "reduce_uninit<false>(a);",
                   [](auto& a, auto&, int r, int c) { return c == 0 ? RowMax(a, r) : 0.0f; }, NegativeAScaler(1.0f)},
        TileOpCase{"row_max_scaler_half_two_calls",
                   "reduce_init<PoolType::MAX, ReduceDim::REDUCE_ROW>(a, b, out);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);"
                   "reduce_uninit();",
                   [](auto& a, auto&, int r, int c) { return c == 0 ? 0.5f * RowMax(a, r) : 0.0f; },
                   NegativeAScaler(0.5f)},
        // Into a DST tile holding A: column 0 becomes max(A[r][0], 0.5 * max of row r).
        TileOpCase{"row_max_combines_with_dst",
                   "copy_tile_init(a); copy_tile(a, 0, 0);"
                   "reduce_init<true, PoolType::MAX, ReduceDim::REDUCE_ROW>(a, b, out);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) {
                     return c == 0 ? std::max(At(a, r, 0), 0.5f * RowMax(a, r)) : At(a, r, c);
                   },
                   Scaler(0.5f)},
        // GMPOOL uses only the scaler's exponent: 0.75 scales by 0.5.
        TileOpCase{"row_max_scaler_exponent_only",
                   "reduce_init<true, PoolType::MAX, ReduceDim::REDUCE_ROW>(a, b, out);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return c == 0 ? 0.5f * RowMax(a, r) : 0.0f; },
                   NegativeAScaler(0.75f)},
        TileOpCase{"col_max_scaler_1_prefilled",
                   "fill_tile_init(); fill_tile(0, -__builtin_inff());"
                   "reduce_init<true, PoolType::MAX, ReduceDim::REDUCE_COL>(a, b, out);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_COL>(a, b, 0, 0, 0);"
                   "reduce_revert_delta<ReduceDim::REDUCE_COL>(out);",
                   [](auto& a, auto&, int r, int c) { return r == 0 ? ColMax(a, c) : kNegInf; }, Scaler(1.0f)},
        TileOpCase{"col_max_scaler_half_negative",
                   "reduce_init<true, PoolType::MAX, ReduceDim::REDUCE_COL>(a, b, out);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_COL>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return r == 0 ? 0.5f * ColMax(a, c) : 0.0f; },
                   NegativeAScaler(0.5f)},
        TileOpCase{"scalar_max_scaler_1_negative",
                   "reduce_init<true, PoolType::MAX, ReduceDim::REDUCE_SCALAR>(a, b, out);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_SCALAR>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return r == 0 && c == 0 ? TotalMax(a) : 0.0f; },
                   NegativeAScaler(1.0f)},
        TileOpCase{"scalar_max_scaler_half_negative",
                   "reduce_init<true, PoolType::MAX, ReduceDim::REDUCE_SCALAR>(a, b, out);"
                   "reduce_tile<PoolType::MAX, ReduceDim::REDUCE_SCALAR>(a, b, 0, 0, 0);",
                   [](auto& a, auto&, int r, int c) { return r == 0 && c == 0 ? 0.25f * TotalMax(a) : 0.0f; },
                   NegativeAScaler(0.5f)},
        // The template arguments default to the REDUCE_OP / REDUCE_DIM defines.
        TileOpCase{"defaults_from_reduce_op_and_dim",
                   "reduce_init<true>(a, b, out); reduce_init(a, b, out); reduce_tile(a, b, 0, 0, 0);"
                   "reduce_revert_delta(out); reduce_uninit();",
                   [](auto& a, auto&, int r, int c) { return r == 0 ? ColSum(a, c) : 0.0f; }, Scaler(1.0f),
                   {{"REDUCE_OP", "PoolType::SUM"}, {"REDUCE_DIM", "ReduceDim::REDUCE_COL"}}}),
    [](const ::testing::TestParamInfo<TileOpCase>& info) { return std::string(info.param.name); });

// Comparisons with zero and where (eltwise_unary/comp.h, where.h).
INSTANTIATE_TEST_SUITE_P(
    CompareWhere, TileOpTest,
    ::testing::Values(
        TileOpCase{"gtz_where_tile",
                   "LOAD_AB(); copy_tile_init(a); copy_tile(a, 0, 2); gtz_tile_init(); gtz_tile(2);"
                   "where_tile_init(); where_tile(2, 0, 1); result = 2;",
                   [](auto& a, auto& b, int r, int c) { return At(a, r, c) > 0 ? At(a, r, c) : At(b, r, c); }},
        TileOpCase{"lez_tile", "LOAD_AB(); lez_tile_init(); lez_tile(0);",
                   [](auto& a, auto&, int r, int c) { return At(a, r, c) <= 0 ? 1.0f : 0.0f; }}),
    [](const ::testing::TestParamInfo<TileOpCase>& info) { return std::string(info.param.name); });

struct TileOpErrorCase {
  const char* name;
  const char* body;
  const char* error;  // a substring of the emulator's report
  std::function<void(Tile& a, Tile& b)> inputs = nullptr;
};

void PrintTo(const TileOpErrorCase& c, std::ostream* os) { *os << c.name; }

class TileOpErrorTest : public EmuApiTest, public ::testing::WithParamInterface<TileOpErrorCase> {};

// Misuse the emulator reports instead of computing something the hardware would not.
TEST_P(TileOpErrorTest, IsReported) {
  const TileOpErrorCase& tc = GetParam();
  Tile a(kTile * kTile, 1.0f), b(kTile * kTile, 1.0f);
  if (tc.inputs) tc.inputs(a, b);
  Tile out;
  const std::string report =
      RunTwoTileProgram(a, b, std::string(kTileOpHead) + tc.body + kTileOpTail, ComputeConfig{}, &out);
  EXPECT_THAT(report, HasSubstr(tc.error));
}

INSTANTIATE_TEST_SUITE_P(
    Misuse, TileOpErrorTest,
    ::testing::Values(
        // Only [0][0] of the scaler set: TT weights by all of row 0 of each face.
        TileOpErrorCase{"scaler_not_uniform_in_row_0",
                        "reduce_init<true, PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, out);"
                        "reduce_tile<PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);",
                        "reduce_tile: the scaler (tile 0 of c_1) holds 0.000000 at [0, 1] but 1.000000 at [0, 0]",
                        [](Tile&, Tile& b) {
                          std::fill(b.begin(), b.end(), 0.0f);
                          b[0] = 1.0f;
                        }},
        TileOpErrorCase{"bcast_row_idx_beyond_top_faces",
                        "add_bcast_rows_init_short(a, b); add_tiles_bcast_rows(a, b, 0, 0, 0, 16);",
                        "add_tiles_bcast with bcast_row_idx 16 is not emulated"},
        TileOpErrorCase{"vector_mode_not_rc",
                        "LOAD_AB(); binary_max_tile_init(); binary_max_tile(0, 1, 0, VectorMode::R);",
                        "binary_max_tile with a vector_mode other than VectorMode::RC is not emulated"},
        TileOpErrorCase{"odst_beyond_capacity", "LOAD_AB(); add_binary_tile_init(); add_binary_tile(0, 1, 8);",
                        "add_binary_tile uses DST tile 8 but DST holds 8 tiles"},
        TileOpErrorCase{"reduce_outside_math_section",
                        "tile_regs_commit(); reduce_tile<PoolType::SUM, ReduceDim::REDUCE_ROW>(a, b, 0, 0, 0);",
                        "reduce_tile must run between tile_regs_acquire and tile_regs_commit"},
        TileOpErrorCase{"bcast_reads_tile_not_waited_for", "add_tiles_bcast_cols(a, b, 0, 1, 0);",
                        "reads tile 1 of c_1 but only 1 were waited for"}),
    [](const ::testing::TestParamInfo<TileOpErrorCase>& info) { return std::string(info.param.name); });

}  // namespace
