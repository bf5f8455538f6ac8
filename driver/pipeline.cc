#include "driver/pipeline.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codegen/emit_tt_kernels.h"
#include "passes/apply_tt_defaults.h"
#include "passes/attrs.h"
#include "passes/infer_default_tt_schedule.h"
#include "passes/infer_default_tt_shard.h"
#include "passes/infer_tt_layout.h"
#include "passes/layout_aware_work_partition_tt.h"
#include "passes/propagate_tt_layout.h"
#include "passes/grid_to_persistent_tt.h"
#include "passes/memory_space_lower_tt.h"
#include "passes/tensorize_tt.h"
#include "passes/tile_pad_tt.h"
#include "passes/tt_tiles_to_core_map.h"
#include "passes/verify_tt_ir.h"

namespace ttc {

const std::vector<PassInfo>& TTPipeline() {
  using namespace attr;
  // The pipeline reads top to bottom. Ordering constraints:
  // - defaults first: every later pass reads the tile shape and policy they set;
  // - the schedule and the legacy shard metadata feed infer_tt_layout, which merges them
  //   with the user's annotations;
  // - propagate_tt_layout needs every tt.buffer.* entry to size circular buffers;
  // - layout_aware_work_partition_tt needs the resolved layouts to choose the partition.
  static const std::vector<PassInfo> kPasses = {
      {"apply_tt_defaults", "Add the default TT schedule and layout attributes when none are set",
       {}, {kSchedulePolicy, kScheduleOrder, kLayoutType, kTileHeight, kTileWidth}, &ApplyTTDefaults},
      {"infer_default_tt_schedule", "Split the launch grid's work units contiguously over the target's cores",
       {kSchedulePolicy, kScheduleOrder},
       {kGridX, kGridY, kGridZ, kNumTiles, kNumCores, kTilesPerCore, kSchedule, kRuntimeArgsSchema},
       &InferDefaultTTSchedule},
      {"infer_default_tt_shard", "Describe every global buffer as DRAM-interleaved tiles, with padding",
       {kTileHeight, kTileWidth}, {kShard}, &InferDefaultTTShard},
      {"infer_tt_layout", "Resolve each buffer's layout from annotations, shard metadata and defaults",
       {kShard}, {"tt.buffer.<B>"}, &InferTTLayout},
      {"propagate_tt_layout", "Derive circular-buffer page size, depth and format for DRAM<->L1 copies",
       {}, {"tt.cb.<B>"}, &PropagateTTLayout},
      {"layout_aware_work_partition_tt", "Choose global or local_shard partition and per-core work rows",
       {kNumTiles}, {kPartitionMode, kOrder, kGridTiles, kShardGrid, kLocalShapeTiles, kCoreRanges, kRuntimeArgs, kRuntimeConstants,
        kCoreRuntimeArgs},
       &LayoutAwareWorkPartitionTT},
      {"grid_to_persistent_tt", "Replace the block launch with a persistent loop over each core's work units",
       {kPartitionMode, kGridTiles}, {kPersistentLoop, kPersistentIterationNdims, kPersistentRuntimeArgs},
       &GridToPersistentTT},
      {"tt_tiles_to_core_map", "Map used cores to logical and NoC coordinates",
       {kCoreRanges}, {kCoreRangesLegacy, kCoreCoords}, &TTTilesToCoreMap},
      // Needs the persistent body (it projects it onto three kernels) and tt.cb.* for sizes.
      {"memory_space_lower_tt", "Assign circular buffers by role; split reader/compute/writer with the CB protocol",
       {kPersistentLoop}, {kCircularBuffers, kNumCbs, kL1Bytes}, &MemorySpaceLowerTT},
      {"tile_pad_tt", "Record padding of buffers whose shapes are not whole tiles",
       {kShard}, {kPaddingInfo}, &TilePadTT},
      // Needs the compute kernel and its circular buffers.
      {"tensorize_tt", "Map tile computations to TT compute intrinsics and manage DST",
       {kCircularBuffers}, {kMatmulPatterns, kNumMatmuls, kEltwisePatterns, kHasTensorize, kFp32DestAcc,
                            kDstTilesNeeded}, &TensorizeTT},
      {"verify_tt_ir", "Check the lowered program against the target's limits",
       {kHasTensorize}, {kIrValidated, kValidationErrorCount, kValidationWarningCount}, &VerifyTTIR},
      // Last: prints the verified kernels and the host program (codegen/).
      {"emit_tt_kernels", "Write reader/compute/writer kernels, host main.cpp, plan.json and CMakeLists.txt",
       {kIrValidated}, {}, &EmitTTKernels},
  };
  return kPasses;
}

std::string PassesMarkdown() {
  std::string out =
      "# Passes\n\nGenerated from the pipeline table (`driver/pipeline.cc`) by `ttc passes --markdown`;\n"
      "do not edit by hand. Semantics and diagnostics: the design's pass spec (PASSES.md).\n\n"
      "| # | pass | what it does | requires | produces |\n|---|---|---|---|---|\n";
  int i = 0;
  auto keys = [](const std::vector<std::string>& ks) {
    if (ks.empty()) return std::string("-");
    std::vector<std::string> q;
    for (const auto& k : ks) q.push_back("`" + k + "`");
    return absl::StrJoin(q, ", ");
  };
  for (const PassInfo& p : TTPipeline()) {
    absl::StrAppend(&out, "| ", ++i, " | `", p.name, "` | ", p.summary, " | ", keys(p.requires_attrs), " | ",
                    keys(p.produces_attrs), " |\n");
  }
  return out;
}

}  // namespace ttc
