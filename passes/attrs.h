// Every attribute key the TT passes read or write, spelled once, and typed views of the
// structured ones. Keys and shapes are those of PASSES.md (the TileLang TT backend's names,
// so its users recognise them). Passes access attributes only through these names/structs.
#ifndef TTC_PASSES_ATTRS_H_
#define TTC_PASSES_ATTRS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/stmt.h"

namespace ttc::attr {

// ---- Function attributes ----
// apply_tt_defaults (PASSES.md section 1)
inline constexpr char kSchedulePolicy[] = "tt_schedule_policy";
inline constexpr char kScheduleOrder[] = "tt_schedule_order";
inline constexpr char kLayoutType[] = "tt_layout_type";
inline constexpr char kTileHeight[] = "tt_tile_height";
inline constexpr char kTileWidth[] = "tt_tile_width";
// infer_default_tt_schedule (section 2)
inline constexpr char kGridX[] = "tt_grid_x";
inline constexpr char kGridY[] = "tt_grid_y";
inline constexpr char kGridZ[] = "tt_grid_z";
inline constexpr char kNumTiles[] = "tt_num_tiles";
inline constexpr char kNumCores[] = "tt_num_cores";
inline constexpr char kTilesPerCore[] = "tt_tiles_per_core";
inline constexpr char kSchedule[] = "tt_schedule";
inline constexpr char kRuntimeArgsSchema[] = "tt_runtime_args_schema";
// infer_default_tt_shard (section 3)
inline constexpr char kShard[] = "tt_shard";
// infer_tt_layout / propagate_tt_layout (sections 4, 5): per-buffer keys, see BufferKey/CbKey
inline constexpr char kBufferPrefix[] = "tt.buffer.";
inline constexpr char kCbPrefix[] = "tt.cb.";
// layout_aware_work_partition_tt (section 6)
inline constexpr char kPartitionMode[] = "tt.partition_mode";
inline constexpr char kOrder[] = "tt.order";
inline constexpr char kGridTiles[] = "tt.grid_tiles";
inline constexpr char kShardGrid[] = "tt.shard_grid";
inline constexpr char kLocalShapeTiles[] = "tt.local_shape_tiles";
inline constexpr char kCoreRanges[] = "tt.core_ranges";
inline constexpr char kRuntimeArgs[] = "tt.runtime_args";
inline constexpr char kRuntimeConstants[] = "tt.runtime_constants";
inline constexpr char kCoreRuntimeArgs[] = "tt_core_runtime_args";

// grid_to_persistent_tt (section 7)
inline constexpr char kPersistentLoop[] = "tt_persistent_loop";
inline constexpr char kPersistentIterationNdims[] = "tt_persistent_iteration_ndims";
inline constexpr char kPersistentRuntimeArgs[] = "tt_runtime_args";
inline constexpr char kIterVar[] = "tt_iter";        // the persistent loop's variable
inline constexpr char kTileIdVar[] = "tt_tile_id";   // the work unit of an iteration
// tt_tiles_to_core_map (section 8)
inline constexpr char kCoreRangesLegacy[] = "tt_core_ranges";
inline constexpr char kCoreCoords[] = "tt_core_coords";
// memory_space_lower_tt (section 9)
inline constexpr char kCircularBuffers[] = "tt_circular_buffers";
inline constexpr char kNumCbs[] = "tt_num_cbs";
inline constexpr char kL1Bytes[] = "tt_l1_bytes";
// tile_pad_tt (section 10)
inline constexpr char kPaddingInfo[] = "tt_padding_info";
// tensorize_tt (section 11)
inline constexpr char kMatmulPatterns[] = "tt_matmul_patterns";
inline constexpr char kNumMatmuls[] = "tt_num_matmuls";
inline constexpr char kEltwisePatterns[] = "tt_eltwise_patterns";
inline constexpr char kHasTensorize[] = "tt_has_tensorize";
inline constexpr char kFp32DestAcc[] = "tt_fp32_dest_acc_en";
inline constexpr char kDstTilesNeeded[] = "tt_dst_tiles_needed";
// verify_tt_ir (section 12)
inline constexpr char kIrValidated[] = "tt_ir_validated";
inline constexpr char kValidationErrorCount[] = "tt_validation_error_count";
inline constexpr char kValidationWarningCount[] = "tt_validation_warning_count";

inline std::string BufferKey(const std::string& buffer) { return kBufferPrefix + buffer; }
inline std::string CbKey(const std::string& buffer) { return kCbPrefix + buffer; }

// ---- Buffer attributes (ir::PrimFunc::buffer_attrs), infer_default_tt_shard ----
inline constexpr char kBufLayout[] = "tt_layout";
inline constexpr char kBufTileShape[] = "tt_tile_shape";
inline constexpr char kBufNumTilesHeight[] = "tt_num_tiles_height";
inline constexpr char kBufNumTilesWidth[] = "tt_num_tiles_width";
inline constexpr char kBufNeedsPadding[] = "tt_needs_padding";
inline constexpr char kBufPaddedShape[] = "tt_padded_shape";
inline constexpr char kBufTensorAccessorConfig[] = "tt_tensor_accessor_config";

// Partition modes and orders (section 6).
inline constexpr char kModeGlobal[] = "global";
inline constexpr char kModeLocalShard[] = "local_shard";
inline constexpr char kOrderRowMajor[] = "row_major";
inline constexpr char kOrderMatchShard[] = "match_shard";

}  // namespace ttc::attr

namespace ttc {

// tt.buffer.<B>.nd_shard (section 4).
struct NdShardAttr {
  std::vector<std::string> axes;
  std::vector<int64_t> grid;
  std::vector<int64_t> shard_shape_elems;
  std::string order = "row_major";
  bool align_tiles = true;
  std::vector<int64_t> projected_grid;         // [Gy, Gx]
  std::vector<int64_t> projected_shard_tiles;  // [Sm, Sn]
};

// tt.buffer.<B> (section 4): the resolved layout of one global buffer.
struct BufferLayoutAttr {
  std::string memory;                // "DRAM" or "L1"
  std::string layout;                // "interleaved" or "sharded"
  std::vector<int64_t> tile_shape;   // [th, tw], elements
  std::string dtype;                 // device dtype name
  bool needs_padding = false;
  std::vector<int64_t> padded_shape; // set when needs_padding
  std::optional<NdShardAttr> nd_shard;

  bool is_l1_sharded() const { return memory == "L1" && layout == "sharded" && nd_shard.has_value(); }
};

// tt.cb.<B> (section 5).
struct CbAttr {
  int64_t page_size = 0;  // bytes of one tile page
  int64_t depth = 0;      // pages
  std::string data_format;  // tt::DataFormat name
};

ir::AttrValue ToAttr(const NdShardAttr& a);
ir::AttrValue ToAttr(const BufferLayoutAttr& a);
ir::AttrValue ToAttr(const CbAttr& a);
// Parse the structured attributes back. nullopt when the value is missing or malformed
// (which, for attributes written by an earlier pass, is an internal error for the caller).
std::optional<BufferLayoutAttr> BufferLayoutFromAttr(const ir::AttrValue& v);
std::optional<CbAttr> CbFromAttr(const ir::AttrValue& v);

// Reads an integer function attribute; `fallback` when absent or not an integer.
int64_t GetInt(const ir::AttrValue& attrs, const char* key, int64_t fallback);

}  // namespace ttc

#endif  // TTC_PASSES_ATTRS_H_
