// Data-flow facts about a kernel that several passes need, derived from the IR (never from
// buffer names): which copies move tiles between DRAM and on-chip buffers and in which
// direction, which global buffers the kernel writes, and where its matrix multiplications
// are (T.gemm, or a manual `C[i, j] += A[i, k] * B[k, j]` nest).
#ifndef TTC_PASSES_DATAFLOW_H_
#define TTC_PASSES_DATAFLOW_H_

#include <optional>
#include <string>
#include <vector>

#include "ir/stmt.h"

namespace ttc {

// A T.copy between a global buffer and an on-chip (shared/fragment/local) buffer.
struct CopyEdge {
  ir::Buffer global;
  ir::Buffer onchip;
  bool reads_global = true;  // DRAM -> L1 (the kernel reads `global`); false: L1 -> DRAM
  ir::Loc loc;
};

// Every global<->on-chip copy, in program order. On-chip<->on-chip and global<->global
// copies are not edges.
std::vector<CopyEdge> CollectCopyEdges(const ir::PrimFunc& func);

// Parameters the kernel writes (copy destination or element store), in parameter order.
std::vector<ir::Buffer> WrittenParams(const ir::PrimFunc& func);

// One matrix multiplication C (+)= op(A) @ op(B).
struct MatmulInfo {
  ir::Buffer a, b, c;             // the buffers as the kernel names them
  bool transpose_a = false, transpose_b = false;
  std::string reduction_var;      // manual nests: the loop variable reduced over ("" for T.gemm)
  // Manual nests: the index variables of each access, e.g. [i, k] / [k, j] / [i, j].
  std::vector<std::string> a_indices, b_indices, c_indices;
  ir::Loc loc;
};

// The matmul that element store `s` performs, when it has the manual form described at
// FindMatmuls.
std::optional<MatmulInfo> MatchMatmulStore(const ir::Store& s);

// T.gemm statements and manual multiply-accumulate stores, in program order. A manual store
// matches `C[ic] = C[ic] + X[ix] * Y[iy]` (either order of the sum and product, casts looked
// through) where exactly one variable appears in X's and Y's indices but not in C's: the
// reduction variable. X is A (its last index is the reduction variable) and Y is B.
std::vector<MatmulInfo> FindMatmuls(const ir::PrimFunc& func);

// The global buffer that is copied into on-chip buffer `onchip` (first such copy), or the
// buffer itself when it is global; nullptr when it is filled from nothing global.
ir::Buffer GlobalSource(const std::vector<CopyEdge>& edges, const ir::Buffer& onchip);

}  // namespace ttc

#endif  // TTC_PASSES_DATAFLOW_H_
