// emit_tt_kernels (PASSES.md section 13): the last step of the pipeline. Writes a complete
// TT-Metalium program for the pinned API dialect "metalium-classic" (TensorAccessor kernels,
// classic host API) into ctx.artifacts:
// - reader.cpp / writer.cpp (`void kernel_main()`), compute.cpp (`namespace NAMESPACE {
//   void MAIN { ... } }`): printed from the lowered kernels, each reading its own
//   runtime-argument table (passes/kernel_args.h) with named constants for circular buffers
//   and tensor accessors;
// - main.cpp: `main --inputs DIR --outputs DIR` opens the device, creates the buffers (DRAM
//   interleaved, or L1 sharded as annotated), circular buffers on the used cores, the three
//   kernels with their TensorAccessorArgs compile-time arguments and per-core runtime
//   arguments (rows generated from the same tables), reads `<inputs>/<buffer>.bin`
//   (row-major, little-endian, the buffer's dtype), pads and tilizes (32x32 tiles of 16x16
//   faces), runs, untilizes, and writes `<outputs>/<buffer>.bin` of the original shape;
// - plan.json: schema version, target, grid, partition, core ranges, per-core work, circular
//   buffers, runtime-argument tables, buffers;
// - CMakeLists.txt: builds main.cpp against TT-Metalium or against ttc's emulator.
// Output is byte-identical for identical input. Errors: internal when the kernels are not
// fully lowered; user errors for dtypes the host cannot convert (bfp8_b).
#ifndef TTC_CODEGEN_EMIT_TT_KERNELS_H_
#define TTC_CODEGEN_EMIT_TT_KERNELS_H_

#include "passes/pass.h"

namespace ttc {

// The files of a program, in the order they are listed: reader.cpp, compute.cpp,
// writer.cpp, main.cpp, plan.json, CMakeLists.txt.
const std::vector<std::string>& ProgramFileNames();

void EmitTTKernels(PassContext& ctx, ir::PrimFunc& func);

}  // namespace ttc

#endif  // TTC_CODEGEN_EMIT_TT_KERNELS_H_
