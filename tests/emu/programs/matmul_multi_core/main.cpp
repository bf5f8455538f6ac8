// Multi-core matmul on the emulated device, in the style of TT-Metalium's
// matmul_multi_core example: the Mt x Nt output tiles of C = A @ B (bfloat16) are split over
// a 4x4 block of cores, each core computing a contiguous range of output tiles (start id and
// count as runtime args). 42 tiles over 16 cores do not divide evenly, so there are two core
// groups (3 and 2 tiles per core), each with its own compute kernel instance (the tile count
// is a compile-time arg). DST accumulates in fp32. The result is checked against a CPU
// matmul; exit status 0 only on a match.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <set>
#include <string>
#include <vector>

#include <tt-metalium/host_api.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>

#include "../common/host_utils.hpp"

using namespace tt::tt_metal;
using namespace host_utils;

namespace {

// The split of split_work_to_cores (work_split.hpp): `units` over the cores of `grid`,
// enumerated column-major ({i / rows, i % rows}); the first `units % cores` cores (group 1)
// take one unit more than the others (group 2).
struct WorkSplit {
    uint32_t num_cores;
    std::vector<CoreCoord> cores;  // in enumeration order
    CoreRangeSet group_1, group_2;
    uint32_t per_core_1, per_core_2;
};
WorkSplit SplitWorkToCores(const CoreCoord& grid, uint32_t units) {
    WorkSplit s{};
    const uint32_t total = static_cast<uint32_t>(grid.x * grid.y);
    s.num_cores = units < total ? units : total;
    const uint32_t base = units / s.num_cores, extra = units % s.num_cores;
    std::set<CoreRange> g1, g2;
    for (uint32_t i = 0; i < s.num_cores; ++i) {
        const CoreCoord core{i / grid.y, i % grid.y};
        s.cores.push_back(core);
        (i < extra ? g1 : g2).insert(CoreRange(core, core));
    }
    s.group_1 = CoreRangeSet(extra > 0 ? g1 : g2);
    s.group_2 = CoreRangeSet(extra > 0 ? g2 : std::set<CoreRange>{});
    s.per_core_1 = extra > 0 ? base + 1 : base;
    s.per_core_2 = extra > 0 ? base : 0;
    return s;
}

int Run() {
    constexpr uint32_t M = 192, K = 128, N = 224;
    constexpr uint32_t Mt = M / kTile, Kt = K / kTile, Nt = N / kTile;
    constexpr uint32_t num_output_tiles = Mt * Nt;  // 42

    IDevice* device = CreateDevice(0);
    CommandQueue& cq = device->command_queue();
    Program program = CreateProgram();

    const CoreCoord full = device->compute_with_storage_grid_size();
    const CoreCoord grid{full.x < 4 ? full.x : 4, full.y < 4 ? full.y : 4};
    const WorkSplit split = SplitWorkToCores(grid, num_output_tiles);
    const CoreRangeSet all_cores(CoreRange(CoreCoord{0, 0}, CoreCoord{grid.x - 1, grid.y - 1}));
    std::printf("%u output tiles over %u cores: %u cores x %u tiles, %u cores x %u tiles\n", num_output_tiles,
                split.num_cores, split.group_1.num_cores(), split.per_core_1, split.group_2.num_cores(),
                split.per_core_2);

    auto dram = [&](uint32_t tiles) {
        return CreateBuffer(InterleavedBufferConfig{
            .device = device, .size = tiles * kBf16TileBytes, .page_size = kBf16TileBytes, .buffer_type = BufferType::DRAM});
    };
    std::shared_ptr<Buffer> src0 = dram(Mt * Kt), src1 = dram(Kt * Nt), dst = dram(Mt * Nt);

    auto make_cb = [&](uint8_t index, uint32_t tiles) {
        CreateCircularBuffer(program, all_cores,
                             CircularBufferConfig(tiles * kBf16TileBytes, {{index, tt::DataFormat::Float16_b}})
                                 .set_page_size(index, kBf16TileBytes));
    };
    make_cb(tt::CBIndex::c_0, 2);
    make_cb(tt::CBIndex::c_1, 2);
    make_cb(tt::CBIndex::c_16, 2);

    std::vector<uint32_t> reader_ct;
    TensorAccessorArgs(*src0).append_to(reader_ct);
    TensorAccessorArgs(*src1).append_to(reader_ct);
    std::vector<uint32_t> writer_ct;
    TensorAccessorArgs(*dst).append_to(writer_ct);
    const std::string dir = TTC_KERNEL_DIR;
    const KernelHandle reader = CreateKernel(
        program, dir + "/kernels/reader_bmm_output_tiles_partitioned.cpp", all_cores,
        DataMovementConfig{.processor = DataMovementProcessor::RISCV_1, .noc = NOC::RISCV_1_default, .compile_args = reader_ct});
    const KernelHandle writer = CreateKernel(
        program, dir + "/kernels/writer_unary_interleaved_start_id.cpp", all_cores,
        DataMovementConfig{.processor = DataMovementProcessor::RISCV_0, .noc = NOC::RISCV_0_default, .compile_args = writer_ct});
    CreateKernel(program, dir + "/kernels/bmm.cpp", split.group_1,
                 ComputeConfig{.math_fidelity = MathFidelity::HiFi4, .fp32_dest_acc_en = true,
                               .compile_args = {Kt, split.per_core_1}});
    if (split.per_core_2 > 0) {
        CreateKernel(program, dir + "/kernels/bmm.cpp", split.group_2,
                     ComputeConfig{.math_fidelity = MathFidelity::HiFi4, .fp32_dest_acc_en = true,
                                   .compile_args = {Kt, split.per_core_2}});
    }

    uint32_t written = 0;
    for (uint32_t i = 0; i < split.num_cores; ++i) {
        const CoreCoord core = split.cores[i];
        const uint32_t n = split.group_1.contains(core) ? split.per_core_1 : split.per_core_2;
        SetRuntimeArgs(program, reader, core, {src0->address(), src1->address(), Mt, Kt, Nt, written, n});
        SetRuntimeArgs(program, writer, core, {dst->address(), n, written});
        written += n;
    }
    if (written != num_output_tiles) {
        std::fprintf(stderr, "work split covers %u of %u tiles\n", written, num_output_tiles);
        return 1;
    }

    const std::vector<float> a = DeterministicBf16Values(M * K, 11), b = DeterministicBf16Values(K * N, 12);
    std::vector<uint16_t> a_tiles = TilizeBf16(a, M, K), b_tiles = TilizeBf16(b, K, N);
    EnqueueWriteBuffer(cq, src0, a_tiles, false);
    EnqueueWriteBuffer(cq, src1, b_tiles, false);
    EnqueueProgram(cq, program, false);
    Finish(cq);
    std::vector<uint16_t> c_tiles;
    EnqueueReadBuffer(cq, dst, c_tiles, true);
    const bool closed = CloseDevice(device);

    std::vector<double> want, scale;
    MatmulReference(a, b, M, K, N, want, scale);
    // fp32 accumulation: one bfloat16 rounding at the pack.
    const bool ok = CheckClose("matmul_multi_core C", UntilizeBf16(c_tiles, M, N), want, scale, 0.00390625, 1e-6,
                               0.005, N);
    return ok && closed ? 0 : 1;
}

}  // namespace

int main() {
    try {
        return Run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
