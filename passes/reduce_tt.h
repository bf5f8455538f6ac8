// Reductions and circular-buffer hand-offs for tensorize_tt (PASSES.md section 11).
//
// Reduction nests. The frontend lowers T.reduce_sum / reduce_max / reduce_min / reduce_abssum /
// reduce_absmax to `for i, j: R[i] = op(R[i], g(S[i, j]))` (op `+`, T.max or T.min; g the
// identity or T.abs); hand-written nests of that form are the same thing. MatchReduction
// recognises one by analysis of the IR (never by names). TT computes it with reduce_tile
// (compute_kernel_api/reduce.h, TT_METALIUM_API.md 2.4): REDUCE_ROW (one value per row, in
// column 0 of each result tile) when R is indexed by S's first index, REDUCE_COL (one value
// per column, in row 0) when by its second; SUM or MAX. The result R is a vector kept as
// tiles: S's tile rows (REDUCE_ROW) or tile columns (REDUCE_COL).
//
// Hand-offs. matmul_tiles, reduce_tile and the broadcast unpack (unary_bcast) read circular
// buffers, never DST, so a value computed on the core that one of them reads, or that a loop
// carries across iterations, is packed into an intermediate circular buffer (c_24..c_31) after
// each group of writes and read from it elsewhere (InsertHandOffs places the points;
// tensorize_tt packs and reloads at the markers).
// Thread-safety: pure functions.
#ifndef TTC_PASSES_REDUCE_TT_H_
#define TTC_PASSES_REDUCE_TT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/stmt.h"

namespace ttc {

struct ReductionNest {
  ir::Buffer result;  // R: rank 1 (or rank 2 with a dimension of 1)
  ir::Buffer source;  // S: rank 2
  std::string pool;   // TT PoolType: "SUM", "MAX" or "MIN"
  bool row = true;    // true: R[i] reduces S[i, :] (REDUCE_ROW); false: R[j] reduces S[:, j] (REDUCE_COL)
  bool abs = false;   // g is T.abs
};

// The reduction a perfect loop nest `loops` around the store `st` computes, or nullopt.
std::optional<ReductionNest> MatchReduction(const std::vector<const ir::For*>& loops, const ir::Store& st);

// Every reduction nest in `body`, by its store.
std::map<const ir::Store*, ReductionNest> FindReductions(const ir::Stmt& body);

// Whether the computed buffer `name` is read by a circular-buffer reader in `body`: a T.gemm
// operand, a reduction's source, or a vector broadcast over a block (loaded with fewer indices
// than the store it feeds).
bool ReadThroughCircularBuffer(const ir::Stmt& body, const std::string& name,
                               const std::map<const ir::Store*, ReductionNest>& reductions);

// The reduce_tile calls computing `r` into DST: for result tiles [first, first + count) at
// DST slots offset + d, from source tiles of a `src_rows` x `src_cols` block in circular
// buffer `src_cb`, with the scaler tile in `scaler_cb` (classic compute_kernel_api/reduce.h:
// reduce_init<true, PoolType, ReduceDim>, reduce_tile<PoolType, ReduceDim>,
// reduce_revert_delta<ReduceDim>). `pool` must be SUM or MAX.
std::vector<ir::Stmt> ReduceTiles(const ReductionNest& r, const std::string& src_cb, const std::string& scaler_cb,
                                  int64_t src_rows, int64_t src_cols, const ir::Expr& first, int64_t count,
                                  int64_t offset);

// The statements that fill the scaler tile (1.0 everywhere, so row 0 of each face holds the
// scaler reduce_tile reads) once at the start of the compute kernel: fill_tile into DST,
// pack_tile into `scaler_cb`, and the cb_wait_front that keeps it for every reduction.
std::vector<ir::Stmt> ScalerInit(const std::string& scaler_cb);

// The marker InsertHandOffs puts after each write group of a handed-off buffer (pack the
// block into its circular buffer), and the one before a write group that updates the previous
// version (copy it from the circular buffer into DST first).
bool IsHandOffMarker(const ir::Stmt& s, std::string* buffer);
bool IsReloadMarker(const ir::Stmt& s, std::string* buffer);

// Versions of handed-off buffers (`tiles`: block tiles by name; `cbs`: the circular buffer of
// each, by buffer name). In every statement sequence, each write group of a buffer (the
// statements writing it up to the next statement that only reads it) ends with the hand-off
// marker, followed by a `cb_pop_front` of the previous version when one is in the circular
// buffer; a write group that reads the previous version starts with the reload marker; a
// statement reading the buffer outside a write group is preceded by `cb_wait_front`; a
// sequence pops, at its end, the version it made last when none was there at its start.
// Loops keep the state they start with, so a value carried across iterations stays in its
// circular buffer between them (the buffer needs room for two versions).
ir::Stmt InsertHandOffs(const ir::Stmt& body, const std::map<std::string, int64_t>& tiles,
                        const std::map<std::string, std::string>& cbs);

// Computed buffers (of `computed`) whose value a loop carries from one iteration to the next
// through a circular buffer: in the loop's body, the first statement that touches the buffer
// reads it and some statement writes it (a running max or sum, an accumulator rescaled in the
// loop), and the body also writes another buffer of `handed_off` (so DST does not stay
// acquired across the body; a plain K loop keeps its accumulator in DST instead).
std::set<std::string> LoopCarried(const ir::Stmt& body, const std::map<std::string, int64_t>& computed,
                                  const std::set<std::string>& handed_off);

}  // namespace ttc

#endif  // TTC_PASSES_REDUCE_TT_H_
