// Element-wise binary ops on the emulated device, in the style of TT-Metalium's
// eltwise_binary example: two bfloat16 inputs of 64 x 256 (16 tiles, interleaved over the
// DRAM banks) read with InterleavedAddrGenFast, combined tile by tile by a compute kernel
// specialised through `defines` (ELTWISE_OP = add_tiles, then a second program with
// sub_tiles and one with mul_tiles), written back. Each result is checked against the CPU:
// the exact float result rounded to bfloat16; exit status 0 only on a match.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <tt-metalium/host_api.hpp>

#include "../common/host_utils.hpp"

using namespace tt::tt_metal;
using namespace host_utils;

namespace {

constexpr uint32_t kRows = 64, kCols = 256;
constexpr uint32_t kTiles = kRows * kCols / kTileElems;

struct Op {
    const char* op;
    const char* init;
    std::function<float(float, float)> fn;
};

bool RunOp(IDevice* device, const Op& op, const std::vector<float>& a, const std::vector<float>& b) {
    CommandQueue& cq = device->command_queue();
    Program program = CreateProgram();
    const CoreCoord core{1, 2};

    const InterleavedBufferConfig dram_config{
        .device = device, .size = kTiles * kBf16TileBytes, .page_size = kBf16TileBytes, .buffer_type = BufferType::DRAM};
    std::shared_ptr<Buffer> src0 = CreateBuffer(dram_config), src1 = CreateBuffer(dram_config),
                            dst = CreateBuffer(dram_config);

    constexpr uint32_t num_tiles_per_cb = 2;
    for (uint8_t index : {uint8_t{tt::CBIndex::c_0}, uint8_t{tt::CBIndex::c_1}, uint8_t{tt::CBIndex::c_16}}) {
        CreateCircularBuffer(program, core,
                             CircularBufferConfig(num_tiles_per_cb * kBf16TileBytes, {{index, tt::DataFormat::Float16_b}})
                                 .set_page_size(index, kBf16TileBytes));
    }

    const std::string dir = TTC_KERNEL_DIR;
    const KernelHandle reader = CreateKernel(
        program, dir + "/kernels/read_tiles.cpp", core,
        DataMovementConfig{.processor = DataMovementProcessor::RISCV_1, .noc = NOC::RISCV_1_default});
    const KernelHandle writer = CreateKernel(
        program, dir + "/kernels/write_tile.cpp", core,
        DataMovementConfig{.processor = DataMovementProcessor::RISCV_0, .noc = NOC::RISCV_0_default});
    const KernelHandle compute = CreateKernel(
        program, dir + "/kernels/tiles_binary.cpp", core,
        ComputeConfig{.math_fidelity = MathFidelity::HiFi4,
                      .defines = {{"ELTWISE_OP", op.op}, {"ELTWISE_OP_INIT", op.init}}});

    SetRuntimeArgs(program, reader, core, {src0->address(), src1->address(), kTiles});
    SetRuntimeArgs(program, writer, core, {dst->address(), kTiles});
    SetRuntimeArgs(program, compute, core, {kTiles});

    std::vector<uint16_t> a_tiles = TilizeBf16(a, kRows, kCols), b_tiles = TilizeBf16(b, kRows, kCols);
    EnqueueWriteBuffer(cq, src0, a_tiles, false);
    EnqueueWriteBuffer(cq, src1, b_tiles, false);
    EnqueueProgram(cq, program, false);
    Finish(cq);
    std::vector<uint16_t> out_tiles;
    EnqueueReadBuffer(cq, dst, out_tiles, true);

    std::vector<double> want(a.size()), scale(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
        want[i] = op.fn(a[i], b[i]);
        scale[i] = std::fabs(want[i]);
    }
    // One bfloat16 rounding of the exact result: at most half an ulp, 2^-8 relative.
    return CheckClose(op.op, UntilizeBf16(out_tiles, kRows, kCols), want, scale, 0.00390625, 1e-30, 0.003, kCols);
}

int Run() {
    IDevice* device = CreateDevice(0);
    const std::vector<float> a = DeterministicBf16Values(kRows * kCols, 21), b = DeterministicBf16Values(kRows * kCols, 22);
    bool ok = true;
    for (const Op& op : {Op{"add_tiles", "add_tiles_init", [](float x, float y) { return x + y; }},
                         Op{"sub_tiles", "sub_tiles_init", [](float x, float y) { return x - y; }},
                         Op{"mul_tiles", "mul_tiles_init", [](float x, float y) { return x * y; }}}) {
        ok = RunOp(device, op, a, b) && ok;
    }
    return CloseDevice(device) && ok ? 0 : 1;
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
