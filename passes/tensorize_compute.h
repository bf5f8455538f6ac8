// tensorize_tt's compute-statement half (PASSES.md section 11): the state the pass keeps while
// it lowers a compute kernel, and the emission of one statement of a DST region into TT compute
// calls (matmul_tiles for T.gemm, reduce_tile for reduction nests, DST expression trees for
// element-wise nests, fill_tile for T.fill) plus the kernel's hardware init. tensorize_tt.cc
// owns the region structure (what lives in DST together, sub-blocks, spills, packs, hand-offs)
// and derives from ComputeEmitter. Internal to passes/: not a public interface.
// Thread-safety: one instance per pass invocation.
#ifndef TTC_PASSES_TENSORIZE_COMPUTE_H_
#define TTC_PASSES_TENSORIZE_COMPUTE_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ir/stmt.h"
#include "passes/circular_buffers.h"
#include "passes/eltwise_dst.h"
#include "passes/pass.h"
#include "passes/raise_manual_matmul.h"
#include "passes/reduce_tt.h"

namespace ttc {

// Which tiles of a result a region processes: [first, first + count), DST index = offset + d.
struct TileSpan {
  ir::Expr first;
  int64_t count = 0;
};

class ComputeEmitter {
 protected:
  ComputeEmitter(PassContext& ctx, ir::PrimFunc& func) : ctx_(ctx), func_(func) {}

  // Tiles of a buffer's block (its circular buffer's, or its DST geometry's).
  int64_t Tiles(const std::string& f) const { return cbs_.at(f).block_tiles; }
  // Read from a circular buffer: copied from DRAM, or handed off after its computation.
  bool IsInput(const ir::Buffer& b) const;
  // The index of a new intermediate circular buffer: the lowest free of c_24..c_31 (TT's
  // intermediate range by convention), then of c_8..c_15 and c_16..c_23 (any index of the 32
  // serves any role in TT-Metalium; the ranges only keep kernels readable). 32 when all are
  // taken (verify_tt_ir reports it).
  int64_t NextIntermediateCbId() const {
    std::set<int64_t> used;
    for (const auto& [name, cb] : cbs_) used.insert(cb.cb_id);
    for (const CircularBuffer& cb : new_cbs_) used.insert(cb.cb_id);
    for (int64_t first : {24, 8, 16}) {
      for (int64_t id = first; id < first + 8; ++id) {
        if (!used.count(id)) return id;
      }
    }
    return 32;
  }
  // The circular buffer a buffer is read from (its hand-off CB when it has one).
  std::string CbNameOf(const std::string& buffer) const {
    auto it = hand_off_cb_.find(buffer);
    return it == hand_off_cb_.end() ? buffer : it->second;
  }
  // Lowers one compute statement of a DST region into `out`. `offsets`: DST tile offset of
  // each live result; `span`: the sub-block being processed (null = all tiles). Errors are
  // reported to ctx_.diag at the statement.
  void Emit(const ir::Stmt& s, const std::map<std::string, int64_t>& offsets, const TileSpan* span,
            std::vector<ir::Stmt>* out);
  void EmitGemm(const ir::Gemm& g, const std::map<std::string, int64_t>& offsets, const TileSpan* span,
                std::vector<ir::Stmt>* out);
  void EmitReduce(const ReductionNest& r, const ir::Store& st, const std::map<std::string, int64_t>& offsets,
                  const TileSpan* span, std::vector<ir::Stmt>* out);
  void EmitEltwise(const std::vector<const ir::For*>& loops, const ir::Store& st,
                   const std::map<std::string, int64_t>& offsets, const TileSpan* span, std::vector<ir::Stmt>* out);
  // The leaves of an element-wise expression stored to `st`: input circular buffers, the
  // results resident in DST at `offsets` (DST slot of tile d: d + offset) and broadcast vectors.
  DstExprCompiler::Leaves LeavesOf(const ir::Store& st, const std::map<std::string, int64_t>& offsets,
                                   const ir::Expr& d);
  // DST slots the element-wise nests of `region` need besides their results (the maximum).
  int64_t TempsOf(const std::vector<ir::Stmt>& region, const std::set<std::string>& group);
  // The full hardware init at the top of the kernel, chosen by the ops the kernel uses.
  std::vector<ir::Stmt> KernelInit();

  PassContext& ctx_;
  ir::PrimFunc& func_;
  std::map<std::string, CircularBuffer> cbs_;
  std::set<std::string> computed_;
  bool fp32_ = false;
  int64_t dst_capacity_ = 0;
  int64_t dst_needed_ = 0;
  std::vector<CircularBuffer> new_cbs_;
  RaisedMatmuls manual_;  // the T.gemm nodes raised from manual nests
  std::set<const void*> recorded_;
  ir::AttrValue matmuls_ = ir::AttrValue::array();
  ir::AttrValue eltwise_ = ir::AttrValue::array();
  std::set<std::string> intermediates_;  // computed, read in the block, never copied out: DST only
  std::map<std::string, int64_t> hand_off_tiles_;  // computed and read from a circular buffer: its tiles
  std::map<std::string, std::string> hand_off_cb_; // the circular buffer of each hand-off (X, or X_carry
                                                   // for a loop-carried output)
  std::map<const ir::Store*, ReductionNest> reductions_;
  std::map<std::string, bool> vectors_;  // reduction results: true = one value per row (REDUCE_ROW)
  std::string scaler_;                   // the reduce scaler's circular buffer, once a reduction needs it
  int64_t temp_base_ = 0;  // first DST slot for expression temporaries in the current region
  std::optional<std::array<std::string, 3>> matmul_cbs_;
  std::optional<std::pair<std::string, std::string>> binary_cbs_;
  std::optional<std::string> unary_cb_;
};

}  // namespace ttc

#endif  // TTC_PASSES_TENSORIZE_COMPUTE_H_
