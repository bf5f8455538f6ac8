// Element-wise expression trees over whole tiles compiled into TT-Metalium DST operations, for
// tensorize_tt (PASSES.md section 11). One call computes the right-hand side of a store
// `F[i, j] = e` for one tile into one DST slot.
//
// Leaves of `e` (casts between float types are looked through: DST holds fp32 or bf16 values
// and pack_tile converts to the output circular buffer's format):
// - a load of an input circular buffer at the store's own indices: `copy_tile(cb, tile, slot)`;
// - a load of a buffer that is resident in DST in this region (computed earlier in the block,
//   or F itself when it is updated in place): its DST slot, read without a copy;
// - a number: a scalar operand (`add_unary_tile(slot, bits)` and the other binop-with-scalar
//   calls, `relu_tile` for max(x, 0)) or, where a tile is needed, `fill_tile(slot, value)`.
// Operations: + - * / of two tiles (`add_tiles`/`sub_tiles`/`mul_tiles` on the FPU when both
// are input circular buffer loads, else the SFPU `add/sub/mul/div_binary_tile(i0, i1, odst)`),
// T.max / T.min (`binary_max_tile` / `binary_min_tile`, in place on the first operand), and the
// unary SFPU ops (exp, sqrt, rsqrt, recip, relu, log, abs, tanh, sigmoid, negation), each
// preceded by its `*_init`. Sources: TT-Metalium compute_kernel_api eltwise_binary.h,
// eltwise_binary_sfpu.h, binary_max_min.h, eltwise_unary/binop_with_scalar.h, fill.h
// (TT_METALIUM_API.md 2.4).
//
// DST use: the result slot plus `temps` slots at temp_base.. (a stack; the evaluation order
// of each binary node puts the operand needing more slots first, Sethi-Ullman). DST has no
// tile-to-tile copy on the targets ttc emits for, so a resident tile that must move is copied
// with fill_tile(0) + add_binary_tile (exact for every value but -0).
// Thread-safety: none needed (a value type used by one pass invocation).
#ifndef TTC_PASSES_ELTWISE_DST_H_
#define TTC_PASSES_ELTWISE_DST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/expr.h"
#include "ir/stmt.h"

namespace ttc {

class DstExprCompiler {
 public:
  struct Leaves {
    // The circular buffer variable of an input buffer loaded at the store's indices, or
    // nullopt when `load` is not such a load.
    std::function<std::optional<std::string>(const ir::Load& load)> input_cb;
    // DST slot (as an expression of the tile being computed) of each buffer resident in DST;
    // the buffer must be loaded at the store's indices.
    std::function<std::optional<ir::Expr>(const ir::Load& load)> resident_slot;
    // The store's own buffer: when resident, its slot is the `dst` of Emit (updated in place).
    std::string self;
    // A vector (one value per row or per column of the block) read from a circular buffer
    // and broadcast over the tile: `unary_bcast<BroadcastType::COL|ROW>(cb, tile, slot)`.
    struct Bcast {
      std::string cb;    // circular buffer variable
      ir::Expr tile;     // the vector's tile for the stored tile
      std::string type;  // "COL" (column 0 across the columns) or "ROW" (row 0 down the rows)
    };
    std::function<std::optional<Bcast>(const ir::Load& load, const ir::Expr& tile)> bcast;
  };
  // What the compiled code used, for the kernel's hardware init.
  struct Usage {
    std::optional<std::pair<std::string, std::string>> fpu_binary_cbs;  // first add/sub/mul_tiles
    std::optional<std::string> copy_cb;                                  // first copy_tile
  };

  explicit DstExprCompiler(Leaves leaves) : leaves_(std::move(leaves)) {}

  // DST slots `e` needs besides its result slot, or an error saying which part of `e` no TT
  // operation computes.
  absl::StatusOr<int64_t> Temps(const ir::Expr& e);

  // Appends to `out` the calls computing `e` for the tile `tile` (its index in the input
  // circular buffers) into DST slot `dst`, with temporaries from `temp_base` (Temps(e) of
  // them). `ops` gets the operation names in order. Errors as Temps.
  absl::Status Emit(const ir::Expr& e, const ir::Expr& tile, const ir::Expr& dst, const ir::Expr& temp_base,
                    std::vector<ir::Stmt>* out, ir::AttrValue* ops);

  const Usage& usage() const { return usage_; }

 private:
  struct Ctx;
  absl::Status Compile(const ir::Expr& e, const ir::Expr& want, Ctx& c);
  absl::Status CompileBinary(const std::string& op, const ir::Expr& a, const ir::Expr& b, const ir::Expr& want,
                             Ctx& c);
  // Slots needed to compute `e` into a slot of its own (including it); 0 for a resident leaf.
  absl::StatusOr<int64_t> Need(const ir::Expr& e);
  // The DST slot of a resident leaf (the store's own buffer: `dst`), or nullopt.
  std::optional<ir::Expr> Resident(const ir::Expr& e, const Ctx& c) const;
  void Move(const ir::Expr& from, const ir::Expr& to, Ctx& c);
  absl::Status Run(const ir::Expr& e, Ctx& c);

  Leaves leaves_;
  Usage usage_;
};

}  // namespace ttc

#endif  // TTC_PASSES_ELTWISE_DST_H_
