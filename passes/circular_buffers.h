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
#include "passes/attrs.h"

namespace ttc {

// The circular buffers recorded in tt_circular_buffers (struct CircularBuffer: passes/attrs.h),
// in cb_id order.
std::vector<CircularBuffer> CircularBuffersOf(const ir::PrimFunc& func);
// The circular buffer that carries on-chip buffer `name`, if any.
std::optional<CircularBuffer> FindCircularBuffer(const ir::PrimFunc& func, const std::string& name);

// Names used in lowered kernels and generated code.
inline std::string CbVar(const std::string& buffer) { return "cb_" + buffer; }
inline std::string AccessorVar(const std::string& global) { return "s_" + global; }
inline std::string AddrArg(const std::string& global) { return global + "_addr"; }

}  // namespace ttc

#endif  // TTC_PASSES_CIRCULAR_BUFFERS_H_
