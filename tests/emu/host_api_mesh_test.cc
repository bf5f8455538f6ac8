// The emulator's TT-Metalium host API beyond the classic calls (emu.HostApi*, emu.Mesh*):
//   - the MeshDevice generation on the unit mesh: MeshBuffer writes, a MeshWorkload running a
//     reader / compute / writer program, reads back (whole buffer and ReadShard / WriteShard);
//     a larger mesh refused with a reason;
//   - host utilities with TT-Metalium's results: split_work_to_cores (column-wise by default,
//     row-wise on request, the first units % cores cores taking one unit more), tilize_nfaces /
//     untilize_nfaces (32x32 tiles of 16x16 faces, TT_METALIUM_API.md 4), bfloat16
//     (round-to-nearest-even, NaN 0x7FC0, packing low half first), TT_FATAL / TT_THROW;
//   - CoreCoord a literal type, CoreRange iterated row by row, CoreRangeSet rules.
// Kernels are built into $TTC_EMU_CACHE_DIR (set by ctest under the build tree).
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tt-metalium/bfloat16.hpp>
#include <tt-metalium/constants.hpp>
#include <tt-metalium/core_coord.hpp>
#include <tt-metalium/distributed.hpp>
#include <tt-metalium/host_api.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>
#include <tt-metalium/tilize_utils.hpp>
#include <tt-metalium/tt_metal.hpp>
#include <tt-metalium/work_split.hpp>

namespace {

using namespace tt::tt_metal;
using ::testing::HasSubstr;

// ---- Compile-time facts ----

constexpr CoreCoord kCore = {0, 0};
static_assert(kCore.x == 0 && kCore.y == 0);
constexpr CoreCoord kOther{3, 5};
static_assert(kOther.x == 3 && kOther.y == 5 && kCore < kOther);
static_assert(detail::TileSize(tt::DataFormat::Float16_b) == 2048);
static_assert(tt::tile_size(tt::DataFormat::Float32) == 4096 && tt::tile_size(tt::DataFormat::Bfp8_b) == 1088);
static_assert(tt::constants::TILE_HW == 1024 && tt::constants::FACE_HW == 256);
static_assert(static_cast<float>(bfloat16(1.5f)) == 1.5f);

std::vector<CoreCoord> Cores(const CoreRange& r) {
  std::vector<CoreCoord> out;
  for (const CoreCoord& c : r) out.push_back(c);
  return out;
}

std::vector<CoreRange> Ranges(const CoreRangeSet& s) { return s.ranges(); }

TEST(HostApiCoreCoord, RangeIteratesRowByRow) {
  const CoreRange r({1, 2}, {2, 3});
  EXPECT_EQ(Cores(r), (std::vector<CoreCoord>{{1, 2}, {2, 2}, {1, 3}, {2, 3}}));
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(Cores(CoreRange(kOther)), std::vector<CoreCoord>{kOther});
  EXPECT_THROW(CoreRange({2, 0}, {1, 0}), std::invalid_argument);
}

TEST(HostApiCoreCoord, RangeSetRules) {
  EXPECT_THROW(CoreRangeSet(std::set<CoreRange>{CoreRange({0, 0}, {1, 1}), CoreRange({1, 1}, {2, 2})}),
               std::invalid_argument);
  const CoreRangeSet s(std::set<CoreRange>{CoreRange({0, 0}, {1, 0}), CoreRange({0, 1}, {1, 1})});
  EXPECT_EQ(s.num_cores(), 4u);
  EXPECT_TRUE(s.contains(CoreCoord(1, 1)));
  EXPECT_FALSE(s.contains(CoreCoord(2, 1)));
  EXPECT_TRUE(s.contains(CoreRange({0, 0}, {1, 1})));
  EXPECT_EQ(Ranges(s.merge_ranges()), std::vector<CoreRange>{CoreRange({0, 0}, {1, 1})});
  EXPECT_EQ(s.bounding_box(), CoreRange({0, 0}, {1, 1}));
  const std::vector<CoreCoord> coords = {{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}};
  EXPECT_EQ(Ranges(CoreRangeSet(tt::stl::Span<const CoreCoord>(coords))), std::vector<CoreRange>{CoreRange({0, 0}, {2, 1})});
  EXPECT_EQ(corerange_to_cores(s, std::nullopt, true), (std::vector<CoreCoord>{{0, 0}, {1, 0}, {0, 1}, {1, 1}}));
}

TEST(HostApiCoreCoord, FormatsAsTtMetalium) {
  EXPECT_EQ(fmt::format("{}", CoreCoord{1, 2}), "(x=1,y=2)");
  EXPECT_EQ(fmt::format("{}", CoreRange({0, 0}, {1, 1})), "[(x=0,y=0) - (x=1,y=1)]");
  EXPECT_EQ(fmt::format("{}", TensorMemoryLayout::HEIGHT_SHARDED), "HEIGHT_SHARDED");
}

// ---- split_work_to_cores (tt_metal/common/work_split.cpp's results) ----

TEST(HostApiWorkSplit, EvenSplitUsesTheWholeGrid) {
  auto [n, all, g1, g2, u1, u2] = split_work_to_cores(CoreCoord(8, 8), 640);
  EXPECT_EQ(n, 64u);
  EXPECT_EQ(Ranges(all), std::vector<CoreRange>{CoreRange({0, 0}, {7, 7})});
  EXPECT_EQ(g1, all);
  EXPECT_TRUE(g2.empty());
  EXPECT_EQ(u1, 10u);
  EXPECT_EQ(u2, 0u);
}

TEST(HostApiWorkSplit, RemainderGoesToTheFirstCoresColumnByColumn) {
  // 70 units on 64 cores: 6 cores take 2 (down column 0), 58 take 1.
  auto [n, all, g1, g2, u1, u2] = split_work_to_cores(CoreCoord(8, 8), 70);
  EXPECT_EQ(n, 64u);
  EXPECT_EQ(Ranges(g1), std::vector<CoreRange>{CoreRange({0, 0}, {0, 5})});
  EXPECT_EQ(Ranges(g2), (std::vector<CoreRange>{CoreRange({0, 6}, {0, 7}), CoreRange({1, 0}, {7, 7})}));
  EXPECT_EQ(u1, 2u);
  EXPECT_EQ(u2, 1u);
  EXPECT_EQ(g1.num_cores() * u1 + g2.num_cores() * u2, 70u);
}

TEST(HostApiWorkSplit, RowWise) {
  auto [n, all, g1, g2, u1, u2] = split_work_to_cores(CoreCoord(8, 8), 70, true);
  EXPECT_EQ(Ranges(g1), std::vector<CoreRange>{CoreRange({0, 0}, {5, 0})});
  EXPECT_EQ(Ranges(g2), (std::vector<CoreRange>{CoreRange({6, 0}, {7, 0}), CoreRange({0, 1}, {7, 7})}));
  EXPECT_EQ(u1, 2u);
  EXPECT_EQ(u2, 1u);
}

TEST(HostApiWorkSplit, FewerUnitsThanCores) {
  // 10 units, one per core: a full column then two cores of the next.
  auto [n, all, g1, g2, u1, u2] = split_work_to_cores(CoreCoord(8, 8), 10);
  EXPECT_EQ(n, 10u);
  EXPECT_EQ(Ranges(all), (std::vector<CoreRange>{CoreRange({0, 0}, {0, 7}), CoreRange({1, 0}, {1, 1})}));
  EXPECT_EQ(g1, all);
  EXPECT_EQ(u1, 1u);
  auto [rn, rall, rg1, rg2, ru1, ru2] = split_work_to_cores(CoreCoord(8, 8), 10, true);
  EXPECT_EQ(Ranges(rall), (std::vector<CoreRange>{CoreRange({0, 0}, {7, 0}), CoreRange({0, 1}, {1, 1})}));
  auto [zn, zall, zg1, zg2, zu1, zu2] = split_work_to_cores(CoreCoord(8, 8), 0);
  EXPECT_EQ(zn, 0u);
  EXPECT_TRUE(zall.empty());
}

TEST(HostApiWorkSplit, CoreRangeSetGrid) {
  const CoreRangeSet grid(CoreRange({0, 0}, {3, 1}));
  auto [n, all, g1, g2, u1, u2] = split_work_to_cores(grid, 10, true);
  EXPECT_EQ(n, 8u);
  EXPECT_EQ(g1.num_cores(), 2u);
  EXPECT_EQ(g2.num_cores(), 6u);
  EXPECT_TRUE(g1.contains(CoreCoord(0, 0)) && g1.contains(CoreCoord(1, 0)));
  EXPECT_EQ(u1, 2u);
  EXPECT_EQ(u2, 1u);
}

// ---- tilize_nfaces / untilize_nfaces ----

TEST(HostApiTilize, FaceLayoutAndRoundTrip) {
  const uint32_t m = 64, n = 96;
  std::vector<uint32_t> rm(m * n);
  for (uint32_t i = 0; i < rm.size(); ++i) rm[i] = i;
  const std::vector<uint32_t> tiled = tilize_nfaces(rm, m, n);
  ASSERT_EQ(tiled.size(), rm.size());
  for (uint32_t r = 0; r < m; ++r) {
    for (uint32_t c = 0; c < n; ++c) {
      const uint32_t tile = (r / 32) * (n / 32) + c / 32, tr = r % 32, tc = c % 32;
      const uint32_t face = (tr / 16) * 2 + tc / 16;
      ASSERT_EQ(tiled[tile * 1024 + face * 256 + (tr % 16) * 16 + tc % 16], r * n + c) << r << "," << c;
    }
  }
  EXPECT_EQ(untilize_nfaces(tiled, m, n), rm);
  std::vector<bfloat16> b(32 * 32);
  for (size_t i = 0; i < b.size(); ++i) b[i] = bfloat16(static_cast<float>(i % 200));
  EXPECT_EQ(untilize_nfaces(tilize_nfaces(b, 32, 32), 32, 32), b);
  EXPECT_THROW(tilize_nfaces(rm, 60, n), std::invalid_argument);
}

// ---- bfloat16 ----

uint16_t Bits(bfloat16 b) { return std::bit_cast<uint16_t>(b); }

TEST(HostApiBfloat16, RoundsToNearestEven) {
  EXPECT_EQ(Bits(bfloat16(1.0f)), 0x3F80);
  EXPECT_EQ(Bits(bfloat16(1.0f + 1.0f / 256)), 0x3F80);  // halfway, even stays
  EXPECT_EQ(Bits(bfloat16(1.0f + 3.0f / 256)), 0x3F82);  // halfway, odd rounds up
  EXPECT_EQ(Bits(bfloat16(1.0f + 1.0f / 200)), 0x3F81);  // above halfway
  EXPECT_EQ(Bits(bfloat16::truncate(1.0f + 1.0f / 200)), 0x3F80);
  EXPECT_EQ(Bits(bfloat16(std::numeric_limits<float>::quiet_NaN())), 0x7FC0);
  EXPECT_EQ(Bits(bfloat16(std::numeric_limits<float>::infinity())), 0x7F80);
  EXPECT_EQ(Bits(bfloat16(3)), 0x4040);  // integers convert by value
  EXPECT_EQ(static_cast<float>(bfloat16(2.0f) * bfloat16(3.0f)), 6.0f);
  EXPECT_EQ(fp32_to_bf16_bits_round_to_nearest_even(-2.0f), 0xC000);
  EXPECT_TRUE(bfloat16(1.0f) < bfloat16(2.0f));
}

TEST(HostApiBfloat16, Packing) {
  EXPECT_EQ(pack_two_bfloat16_into_uint32({bfloat16(1.0f), bfloat16(2.0f)}), 0x40003F80u);
  const std::vector<uint32_t> c = create_constant_vector_of_bfloat16(16, 0.5f);
  EXPECT_EQ(c, std::vector<uint32_t>(4, 0x3F003F00u));
  const std::vector<bfloat16> twice = unpack_uint32_vec_into_bfloat16_vec(
      c, [](const bfloat16& x) { return bfloat16(static_cast<float>(x) * 2); });
  EXPECT_EQ(twice, std::vector<bfloat16>(8, bfloat16(1.0f)));
  EXPECT_EQ(pack_bfloat16_vec_into_uint32_vec(twice), std::vector<uint32_t>(4, 0x3F803F80u));
  const std::vector<bfloat16> r1 = create_random_vector_of_bfloat16_native(64, 1.0f, 7, -0.5f);
  EXPECT_EQ(r1.size(), 32u);
  EXPECT_EQ(r1, create_random_vector_of_bfloat16_native(64, 1.0f, 7, -0.5f));  // seeded
  for (bfloat16 v : r1) EXPECT_TRUE(static_cast<float>(v) >= -0.5f && static_cast<float>(v) <= 0.5f);
  EXPECT_TRUE(is_close(1.0f, 1.005f));
  EXPECT_FALSE(is_close(1.0f, 1.1f));
}

TEST(HostApiAssert, MessagesNameTheCheck) {
  try {
    const int n = 3;
    TT_FATAL(n == 4, "n is {}", n);
    FAIL() << "TT_FATAL did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("TT_FATAL @ "));
    EXPECT_THAT(e.what(), HasSubstr("n == 4"));
    EXPECT_THAT(e.what(), HasSubstr("n is 3"));
  }
  EXPECT_THROW(TT_THROW("failed {}", 1), std::runtime_error);
  TT_FATAL(true, "never");
}

// ---- The unit mesh ----

// Reader: tiles 0..n-1 of A and B into c_0 and c_1.
constexpr char kReader[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t a_addr = get_arg_val<uint32_t>(0);
    const uint32_t b_addr = get_arg_val<uint32_t>(1);
    const uint32_t n = get_arg_val<uint32_t>(2);
    constexpr auto a_args = TensorAccessorArgs<0>();
    const auto a = TensorAccessor(a_args, a_addr, get_tile_size(tt::CBIndex::c_0));
    constexpr auto b_args = TensorAccessorArgs<a_args.next_compile_time_args_offset()>();
    const auto b = TensorAccessor(b_args, b_addr, get_tile_size(tt::CBIndex::c_1));
    for (uint32_t i = 0; i < n; ++i) {
        cb_reserve_back(tt::CBIndex::c_0, 1);
        cb_reserve_back(tt::CBIndex::c_1, 1);
        noc_async_read_tile(i, a, get_write_ptr(tt::CBIndex::c_0));
        noc_async_read_tile(i, b, get_write_ptr(tt::CBIndex::c_1));
        noc_async_read_barrier();
        cb_push_back(tt::CBIndex::c_0, 1);
        cb_push_back(tt::CBIndex::c_1, 1);
    }
}
)";

// Compute: c_16 = c_0 + c_1, tile by tile.
constexpr char kAdd[] = R"(
#include <cstdint>
#include "compute_kernel_api/eltwise_binary.h"

namespace NAMESPACE {
void MAIN {
    const uint32_t n = get_arg_val<uint32_t>(0);
    binary_op_init_common(tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16);
    add_tiles_init(tt::CBIndex::c_0, tt::CBIndex::c_1);
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_0, 1);
        cb_wait_front(tt::CBIndex::c_1, 1);
        tile_regs_acquire();
        add_tiles(tt::CBIndex::c_0, tt::CBIndex::c_1, 0, 0, 0);
        tile_regs_commit();
        tile_regs_wait();
        cb_reserve_back(tt::CBIndex::c_16, 1);
        pack_tile(0, tt::CBIndex::c_16);
        cb_push_back(tt::CBIndex::c_16, 1);
        tile_regs_release();
        cb_pop_front(tt::CBIndex::c_0, 1);
        cb_pop_front(tt::CBIndex::c_1, 1);
    }
}
}  // namespace NAMESPACE
)";

// Writer: c_16 to tiles 0..n-1 of C.
constexpr char kWriter[] = R"(
#include <cstdint>
#include "dataflow_api.h"

void kernel_main() {
    const uint32_t c_addr = get_arg_val<uint32_t>(0);
    const uint32_t n = get_arg_val<uint32_t>(1);
    constexpr auto c_args = TensorAccessorArgs<0>();
    const auto c = TensorAccessor(c_args, c_addr, get_tile_size(tt::CBIndex::c_16));
    for (uint32_t i = 0; i < n; ++i) {
        cb_wait_front(tt::CBIndex::c_16, 1);
        noc_async_write_tile(i, c, get_read_ptr(tt::CBIndex::c_16));
        noc_async_write_barrier();
        cb_pop_front(tt::CBIndex::c_16, 1);
    }
}
)";

class MeshTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::getenv("TTC_EMU_CACHE_DIR") == nullptr) {
      setenv("TTC_EMU_CACHE_DIR", (std::filesystem::path(::testing::TempDir()) / "ttc_emu_mesh_test_cache").c_str(), 1);
    }
    if (std::getenv("TTC_EMU_TIMEOUT_SECONDS") == nullptr) setenv("TTC_EMU_TIMEOUT_SECONDS", "30", 1);
  }
};

TEST_F(MeshTest, UnitMeshWritesRunsAndReadsBack) {
  std::shared_ptr<distributed::MeshDevice> mesh = distributed::MeshDevice::create_unit_mesh(0);
  EXPECT_EQ(mesh->shape(), distributed::MeshShape(1, 1));
  EXPECT_EQ(mesh->num_devices(), 1u);
  EXPECT_EQ(mesh->get_devices().size(), 1u);
  EXPECT_EQ(mesh->compute_with_storage_grid_size(), CoreCoord(8, 8));
  EXPECT_EQ(mesh->allocator()->get_alignment(BufferType::DRAM), 32u);
  distributed::MeshCommandQueue& cq = mesh->mesh_command_queue();

  constexpr uint32_t n_tiles = 3, tile_bytes = 2048;
  const distributed::DeviceLocalBufferConfig dram{.page_size = tile_bytes, .buffer_type = BufferType::DRAM};
  const distributed::ReplicatedBufferConfig size{.size = n_tiles * tile_bytes};
  auto a = distributed::MeshBuffer::create(size, dram, mesh.get());
  auto b = distributed::MeshBuffer::create(size, dram, mesh.get());
  auto c = distributed::MeshBuffer::create(size, dram, mesh.get());
  EXPECT_EQ(a->size(), n_tiles * tile_bytes);
  EXPECT_EQ(a->num_pages(), n_tiles);
  EXPECT_NE(a->address(), b->address());

  std::vector<bfloat16> a_data(n_tiles * 1024), b_data(n_tiles * 1024);
  for (size_t i = 0; i < a_data.size(); ++i) {
    a_data[i] = bfloat16(static_cast<float>(i % 97) / 8);
    b_data[i] = bfloat16(static_cast<float>(i % 13) - 6);
  }
  distributed::EnqueueWriteMeshBuffer(cq, a, a_data, false);
  distributed::EnqueueWriteMeshBuffer(cq, b, b_data, false);

  Program program = CreateProgram();
  for (tt::CBIndex cb : {tt::CBIndex::c_0, tt::CBIndex::c_1, tt::CBIndex::c_16}) {
    CreateCircularBuffer(program, kCore,
                         CircularBufferConfig(2 * tile_bytes, {{cb, tt::DataFormat::Float16_b}}).set_page_size(cb, tile_bytes));
  }
  std::vector<uint32_t> reader_args, writer_args;
  TensorAccessorArgs(*a).append_to(reader_args);
  TensorAccessorArgs(b).append_to(reader_args);
  TensorAccessorArgs(*c->get_backing_buffer()).append_to(writer_args);
  const KernelHandle reader = CreateKernelFromString(program, kReader, kCore, ReaderDataMovementConfig(reader_args));
  const KernelHandle writer = CreateKernelFromString(program, kWriter, kCore, WriterDataMovementConfig(writer_args));
  const KernelHandle compute = CreateKernelFromString(program, kAdd, kCore, ComputeConfig{});
  SetRuntimeArgs(program, reader, kCore, {a->address(), b->address(), n_tiles});
  SetRuntimeArgs(program, compute, kCore, {n_tiles});
  SetRuntimeArgs(program, writer, kCore, {c->address(), n_tiles});

  distributed::MeshWorkload workload;
  workload.add_program(distributed::MeshCoordinateRange(mesh->shape()), std::move(program));
  distributed::EnqueueMeshWorkload(cq, workload, false);
  distributed::Finish(cq);

  std::vector<bfloat16> out;
  distributed::EnqueueReadMeshBuffer(cq, out, c, true);
  ASSERT_EQ(out.size(), a_data.size());
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(static_cast<float>(out[i]), static_cast<float>(bfloat16(static_cast<float>(a_data[i]) + b_data[i]))) << i;
  }

  // The same bytes through the shard of device {0, 0}.
  std::vector<uint32_t> shard;
  distributed::ReadShard(cq, shard, c, distributed::MeshCoordinate(0, 0));
  ASSERT_EQ(shard.size(), out.size() / 2);
  EXPECT_EQ(shard[0], pack_two_bfloat16_into_uint32({out[0], out[1]}));
  std::vector<uint32_t> ones(shard.size(), 0x3F803F80u);
  distributed::WriteShard(cq, c, ones, distributed::MeshCoordinate(0, 0));
  distributed::EnqueueReadMeshBuffer(cq, out, c, true);
  EXPECT_EQ(out, std::vector<bfloat16>(out.size(), bfloat16(1.0f)));
  EXPECT_THROW(distributed::ReadShard(cq, shard, c, distributed::MeshCoordinate(0, 1)), std::exception);

  // A program bound to no device of the mesh is refused.
  distributed::MeshWorkload elsewhere;
  elsewhere.add_program(distributed::MeshCoordinateRange(distributed::MeshCoordinate(0, 1), distributed::MeshCoordinate(0, 1)),
                        CreateProgram());
  EXPECT_THROW(distributed::EnqueueMeshWorkload(cq, elsewhere, true), std::runtime_error);

  EXPECT_TRUE(mesh->close());
  EXPECT_THROW(mesh->mesh_command_queue(), std::runtime_error);
}

TEST_F(MeshTest, ShortHostDataWritesItsOwnBytes) {
  auto mesh = distributed::MeshDevice::create_unit_mesh(0);
  auto buf = distributed::MeshBuffer::create(distributed::ReplicatedBufferConfig{.size = 64},
                                             distributed::DeviceLocalBufferConfig{.page_size = 64, .buffer_type = BufferType::L1},
                                             mesh.get());
  distributed::EnqueueWriteMeshBuffer(mesh->mesh_command_queue(), buf, std::vector<uint32_t>(16, 7u));
  distributed::EnqueueWriteMeshBuffer(mesh->mesh_command_queue(), buf, std::vector<uint32_t>{1u, 2u});
  std::vector<uint32_t> back;
  distributed::EnqueueReadMeshBuffer(mesh->mesh_command_queue(), back, buf);
  ASSERT_EQ(back.size(), 16u);
  EXPECT_EQ(back[0], 1u);
  EXPECT_EQ(back[1], 2u);
  EXPECT_EQ(back[2], 7u);
}

TEST_F(MeshTest, LargerMeshesAreRefusedWithTheReason) {
  try {
    distributed::MeshDevice::create(distributed::MeshDeviceConfig(distributed::MeshShape(2, 4)));
    FAIL() << "a 2x4 mesh was opened";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("2x4 mesh needs 8 devices"));
    EXPECT_THAT(e.what(), HasSubstr("unit mesh (1x1)"));
  }
  EXPECT_THROW(distributed::MeshDevice::create_unit_mesh(1), std::runtime_error);
  auto unit = distributed::MeshDevice::create(distributed::MeshDeviceConfig(distributed::MeshShape(1, 1)));
  EXPECT_EQ(unit->num_rows(), 1u);
  EXPECT_EQ(unit->num_cols(), 1u);
}

TEST(HostApiMeshCoord, RangesAndIndices) {
  const distributed::MeshShape shape(2, 3);
  EXPECT_EQ(shape.mesh_size(), 6u);
  std::vector<distributed::MeshCoordinate> seen;
  for (const distributed::MeshCoordinate& c : distributed::MeshCoordinateRange(shape)) seen.push_back(c);
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[1], distributed::MeshCoordinate(0, 1));
  EXPECT_EQ(seen[3], distributed::MeshCoordinate(1, 0));
  EXPECT_EQ(distributed::to_linear_index(shape, distributed::MeshCoordinate(1, 2)), 5u);
  EXPECT_THROW(distributed::to_linear_index(shape, distributed::MeshCoordinate(2, 0)), std::out_of_range);
  const distributed::MeshCoordinateRange row(distributed::MeshCoordinate(1, 0), distributed::MeshCoordinate(1, 2));
  EXPECT_TRUE(row.contains(distributed::MeshCoordinate(1, 1)));
  EXPECT_FALSE(row.contains(distributed::MeshCoordinate(0, 1)));
}

}  // namespace
