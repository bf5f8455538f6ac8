// Single-core matmul on the emulated device, in the style of TT-Metalium's
// matmul_single_core example: C (M x N) = A (M x K) @ B (K x N) in bfloat16, with tiles
// interleaved over the DRAM banks, a reader streaming A/B tile pairs through c_0/c_1, a
// compute kernel accumulating Kt products per output tile in DST (16-bit DST, so partial
// sums are bfloat16) and a writer draining c_16. The result is checked against a CPU matmul
// of the same bfloat16 inputs; exit status 0 only on a match.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <tt-metalium/host_api.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>

#include "../common/host_utils.hpp"

using namespace tt::tt_metal;
using namespace host_utils;

namespace {

int Run() {
    // Non-square on purpose: every tile index formula is exercised.
    constexpr uint32_t M = 96, K = 128, N = 64;
    constexpr uint32_t Mt = M / kTile, Kt = K / kTile, Nt = N / kTile;

    IDevice* device = CreateDevice(0);
    CommandQueue& cq = device->command_queue();
    Program program = CreateProgram();
    const CoreCoord core{0, 0};

    auto dram = [&](uint32_t tiles) {
        return CreateBuffer(InterleavedBufferConfig{
            .device = device, .size = tiles * kBf16TileBytes, .page_size = kBf16TileBytes, .buffer_type = BufferType::DRAM});
    };
    std::shared_ptr<Buffer> src0 = dram(Mt * Kt), src1 = dram(Kt * Nt), dst = dram(Mt * Nt);

    // Double-buffered inputs and output, one bfloat16 tile per page.
    constexpr uint32_t num_input_tiles = 2, num_output_tiles = 2;
    auto make_cb = [&](uint8_t index, uint32_t tiles) {
        CreateCircularBuffer(program, core,
                             CircularBufferConfig(tiles * kBf16TileBytes, {{index, tt::DataFormat::Float16_b}})
                                 .set_page_size(index, kBf16TileBytes));
    };
    make_cb(tt::CBIndex::c_0, num_input_tiles);
    make_cb(tt::CBIndex::c_1, num_input_tiles);
    make_cb(tt::CBIndex::c_16, num_output_tiles);

    std::vector<uint32_t> reader_ct;
    TensorAccessorArgs(*src0).append_to(reader_ct);
    TensorAccessorArgs(*src1).append_to(reader_ct);
    std::vector<uint32_t> writer_ct;
    TensorAccessorArgs(*dst).append_to(writer_ct);
    const std::string dir = TTC_KERNEL_DIR;
    const KernelHandle reader = CreateKernel(
        program, dir + "/kernels/reader_single_core_mm.cpp", core,
        DataMovementConfig{.processor = DataMovementProcessor::RISCV_1, .noc = NOC::RISCV_1_default, .compile_args = reader_ct});
    const KernelHandle writer = CreateKernel(
        program, dir + "/kernels/writer_single_core_mm.cpp", core,
        DataMovementConfig{.processor = DataMovementProcessor::RISCV_0, .noc = NOC::RISCV_0_default, .compile_args = writer_ct});
    CreateKernel(program, dir + "/kernels/mm.cpp", core,
                 ComputeConfig{.math_fidelity = MathFidelity::HiFi4, .compile_args = {Mt, Kt, Nt}});

    SetRuntimeArgs(program, reader, core, {src0->address(), src1->address(), Mt, Kt, Nt});
    SetRuntimeArgs(program, writer, core, {dst->address(), Mt, Kt, Nt});

    const std::vector<float> a = DeterministicBf16Values(M * K, 1), b = DeterministicBf16Values(K * N, 2);
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
    // bfloat16 partial sums: one rounding (relative 2^-9) per K tile plus the final pack.
    const bool ok = c_tiles.size() == size_t{M} * N &&
                    CheckClose("matmul_single_core C", UntilizeBf16(c_tiles, M, N), want, scale,
                               (Kt + 1) * 0.00390625, 1e-6, 0.01, N);
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
