// The circular buffers of a lowered kernel (PASSES.md section 9) and the names the lowered
// kernels use for them, shared by memory_space_lower_tt, tensorize_tt, verify_tt_ir and
// codegen so that every stage spells them the same way.
#ifndef TTC_PASSES_CIRCULAR_BUFFERS_H_
#define TTC_PASSES_CIRCULAR_BUFFERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/stmt.h"

namespace ttc {

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
// The circular buffers recorded in tt_circular_buffers, in cb_id order.
std::vector<CircularBuffer> CircularBuffersOf(const ir::PrimFunc& func);
// The circular buffer that carries on-chip buffer `name`, if any.
std::optional<CircularBuffer> FindCircularBuffer(const ir::PrimFunc& func, const std::string& name);

// Names used in lowered kernels and generated code.
inline std::string CbVar(const std::string& buffer) { return "cb_" + buffer; }
inline std::string AccessorVar(const std::string& global) { return "s_" + global; }
inline std::string AddrArg(const std::string& global) { return global + "_addr"; }

}  // namespace ttc

#endif  // TTC_PASSES_CIRCULAR_BUFFERS_H_
