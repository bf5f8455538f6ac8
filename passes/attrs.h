// Every attribute key the TT passes read or write, spelled once, and typed views of the
// structured ones. Keys and shapes are those of PASSES.md (the TileLang TT backend's names,
// so its users recognise them). Passes access attributes only through these names/structs.
#ifndef TTC_PASSES_ATTRS_H_
#define TTC_PASSES_ATTRS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/stmt.h"
#include "ir/tile_geometry.h"

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

// ---- Untyped scalars: the only way passes touch a function attribute that has no struct ----

// Whether `attrs` (a PrimFunc::attrs object) has `key`.
bool HasAttr(const ir::AttrValue& attrs, const std::string& key);
// Sets `key` to `value`, replacing any previous value.
void SetAttr(ir::AttrValue& attrs, const std::string& key, ir::AttrValue value);
// An integer / bool attribute; `fallback` when absent or of another type.
int64_t GetInt(const ir::AttrValue& attrs, const char* key, int64_t fallback);
bool GetBool(const ir::AttrValue& attrs, const char* key, bool fallback);
// A string / integer-list attribute; nullopt when absent or of another type.
std::optional<std::string> GetString(const ir::AttrValue& attrs, const char* key);
std::optional<std::vector<int64_t>> GetInts(const ir::AttrValue& attrs, const std::string& key);
// The keys of `attrs`, sorted.
std::vector<std::string> AttrKeys(const ir::AttrValue& attrs);
// The attribute as JSON text for messages ("null" when absent).
std::string DumpAttr(const ir::AttrValue& attrs, const std::string& key);

// ---- infer_default_tt_shard (section 3) ----

// One buffer's default interleaved layout, written both on the buffer (buffer_attrs) and as
// its tt_shard entry.
struct DefaultShardAttr {
  ir::TileGeometry geometry;  // tile shape, tile grid, padding, pages
  int64_t bank_count = 0;     // DRAM banks of the target
};
// Writes the buffer attributes of every entry of `shards` (merged into existing buffer
// attributes) and tt_shard = {buffer: entry} (replacing it).
void SetDefaultShards(ir::PrimFunc& func, const std::map<std::string, DefaultShardAttr>& shards);

// A request's legacy tt_shard entry for a buffer (read by infer_tt_layout as a fallback).
struct LegacyShardAttr {
  std::optional<std::string> layout;
  std::optional<std::vector<int64_t>> tile_shape;
};
std::optional<LegacyShardAttr> LegacyShardOf(const ir::AttrValue& attrs, const std::string& buffer);

// ---- infer_tt_layout / propagate_tt_layout (sections 4, 5) ----

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

// tt.buffer.<B> (section 4): the resolved layout of one global buffer, resolved once by
// infer_tt_layout; every later pass and codegen read it through BufferLayoutOf.
struct BufferLayoutAttr {
  std::string memory;                // "DRAM" or "L1"
  std::string layout;                // "interleaved" or "sharded"
  std::vector<int64_t> tile_shape;   // [th, tw], elements
  std::string dtype;                 // device dtype name
  bool needs_padding = false;
  std::vector<int64_t> padded_shape; // set when needs_padding (the [1, N'] view for rank 1)
  std::optional<NdShardAttr> nd_shard;
  // The annotation's circular-buffer options; serialized only when the request sets them.
  std::string data_format;           // tt::DataFormat override; empty: the dtype's format
  std::optional<int64_t> cb_depth;   // pages per tile of the buffer's CBs; unset: by direction
  // Derived from the buffer's shape and the fields above, never serialized: set by
  // BufferLayoutOf (and by infer_tt_layout, which computes it first).
  ir::TileGeometry geometry;

  bool is_l1_sharded() const { return memory == "L1" && layout == "sharded" && nd_shard.has_value(); }
  // data_format, or the dtype's tt::DataFormat (empty when the device has none).
  std::string ResolvedDataFormat() const;
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
// BufferLayoutFromAttr leaves `geometry` default; use BufferLayoutOf for a buffer of a function.
std::optional<BufferLayoutAttr> BufferLayoutFromAttr(const ir::AttrValue& v);
std::optional<CbAttr> CbFromAttr(const ir::AttrValue& v);
// tt.buffer.<b> of `func` with its geometry (ir::TileGeometryOf of b's shape, the tile shape,
// the dtype and the padded shape); nullopt when absent or malformed.
std::optional<BufferLayoutAttr> BufferLayoutOf(const ir::PrimFunc& func, const ir::BufferNode& b);
// tt.cb.<buffer> of `attrs`; nullopt when absent or malformed.
std::optional<CbAttr> CbOf(const ir::AttrValue& attrs, const std::string& buffer);

// ---- layout_aware_work_partition_tt (section 6), tt_tiles_to_core_map (section 8) ----

// An inclusive rectangle of cores (TT-Metalium's CoreRange) on the logical compute grid,
// cores (y, x) with core id = y * cols + x. Serialized flat in tt.core_ranges as
// [y0, x0, y1, x1, ...] (see passes/core_ranges.h) and nested in tt_core_ranges.
struct CoreRange {
  int64_t y0, x0, y1, x1;  // inclusive
};

// The runtime arguments every core receives (tt.runtime_args, tt.runtime_constants,
// tt_core_runtime_args).
struct RuntimeArgsAttr {
  std::vector<std::string> names;               // argument names, in argument order
  std::map<std::string, int64_t> constants;     // arguments equal on every core
  std::vector<std::vector<int64_t>> per_core;   // one row of values (as `names`) per core,
                                                // cores in CoresOf(core_ranges) order
};

// The work partition (section 6).
struct WorkPartitionAttr {
  std::string mode;                     // kModeGlobal or kModeLocalShard
  std::string order;                    // "row_major", "block_linear(k)", "match_shard"
  std::vector<int64_t> grid_tiles;      // [Mt, Nt]
  std::vector<CoreRange> core_ranges;
  RuntimeArgsAttr runtime_args;
  std::vector<int64_t> shard_grid;        // [Gy, Gx], local_shard only
  std::vector<int64_t> local_shape_tiles; // [Sm, Sn], local_shard only
};
void SetWorkPartition(ir::AttrValue& attrs, const WorkPartitionAttr& p);
// The partition written by SetWorkPartition; nullopt when absent or malformed.
std::optional<WorkPartitionAttr> WorkPartitionOf(const ir::AttrValue& attrs);
// tt.core_ranges alone; empty when absent.
std::vector<CoreRange> CoreRangesOf(const ir::AttrValue& attrs);
// tt.runtime_args alone; empty when absent.
std::vector<std::string> RuntimeArgNamesOf(const ir::AttrValue& attrs);
// The number of rows of tt_core_runtime_args (cores with work); 0 when absent.
int64_t CoresWithWork(const ir::AttrValue& attrs);
// tt_core_ranges: the ranges as [[y0, x0, y1, x1], ...].
ir::AttrValue NestedCoreRanges(const std::vector<CoreRange>& ranges);

// ---- memory_space_lower_tt (section 9), tensorize_tt (section 11) ----

// One circular buffer. Roles (TT-Metalium's CB index convention): "input" (filled by the
// reader from DRAM, c_0..c_7), "output" (packed by compute, drained by the writer to DRAM,
// c_16..c_23), "intermediate" (written and read by compute, c_24..c_31).
struct CircularBuffer {
  int64_t cb_id = 0;
  std::string buffer;       // the on-chip buffer it carries ("C_local"), or a synthetic name
  std::string role;
  int64_t page_size = 0;    // bytes of one tile page
  int64_t num_pages = 0;    // capacity in pages
  std::string data_format;  // tt::DataFormat name
  int64_t block_tiles = 0;  // tiles moved per reserve/push (the buffer's tile count)
  int64_t tile_rows = 0, tile_cols = 0;  // the block's tile grid (block_tiles = rows * cols)
};

ir::AttrValue ToAttr(const CircularBuffer& cb);
// tt_circular_buffers in stored order; empty when absent.
std::vector<CircularBuffer> CircularBuffersFromAttrs(const ir::AttrValue& attrs);
// Writes tt_circular_buffers = `cbs` (in this order), tt_num_cbs and tt_l1_bytes (the sum of
// page_size * num_pages, bytes per core).
void SetCircularBuffers(ir::AttrValue& attrs, const std::vector<CircularBuffer>& cbs);

}  // namespace ttc

#endif  // TTC_PASSES_ATTRS_H_
