// The reference interpreter's compiled form of a PrimFunc: names resolved to slots,
// expression types fixed once (see emu/reference_interpreter.h, "Cost"), and the buffers and
// variables it runs on. Internal to the interpreter.
#ifndef TTC_EMU_REFERENCE_INTERPRETER_PROGRAM_H_
#define TTC_EMU_REFERENCE_INTERPRETER_PROGRAM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "emu/reference_interpreter_rounding.h"
#include "ir/expr.h"
#include "ir/stmt.h"

namespace ttc::emu::reference {

// A shape or index for messages: "[2, 3]".
inline std::string ShapeStr(const std::vector<int64_t>& v) { return absl::StrCat("[", absl::StrJoin(v, ", "), "]"); }

// " (at <location>)" for messages; empty when the node has no location.
inline std::string At(const ir::Loc& loc) {
  const std::string s = loc.ToString();
  return s.empty() ? std::string() : absl::StrCat(" (at ", s, ")");
}

// The math calls the interpreter knows (see the header, "Expressions").
enum class CallOp { kExp, kExp2, kLog2, kSqrt, kRsqrt, kLog, kAbs, kRelu, kRecip, kTanh, kSigmoid, kNeg, kNot, kSelect };

// Indices that are all loop/block variables or constants (the common case) are read straight
// from the variable slots instead of through EvalI.
struct IndexPlan {
  bool direct = false;
  std::vector<int> slot;     // variable slot per dimension, or -1 for a constant
  std::vector<int64_t> cst;  // the constant when slot is -1
};

// A compiled expression: a node with its static type and resolved slots.
struct CExpr {
  ir::ExprKind kind = ir::ExprKind::kIntImm;
  bool is_int = true;  // static type: integer (int64) or floating (double)
  int64_t ival = 0;
  double fval = 0;
  int slot = -1;  // variable slot (kVar) or buffer slot (kLoad)
  ir::BinOp op = ir::BinOp::kAdd;
  CallOp call = CallOp::kExp;
  TypeInfo cast;                // kCast
  std::vector<CExpr> kids;      // operands, cast value, load indices, call args
  IndexPlan plan;               // kLoad
  const ir::ExprNode* node = nullptr;
};

// A compiled T.copy region: buffer slot, per-dimension offset expressions and extents.
struct CRegion {
  int buf = -1;
  std::vector<CExpr> begin;
  std::vector<int64_t> extent;
};

// A compiled statement.
struct CStmt {
  ir::StmtKind kind = ir::StmtKind::kSeq;
  const ir::StmtNode* node = nullptr;
  int slot = -1;                 // For/Let: variable; Alloc/Fill/Store: buffer
  std::vector<CExpr> exprs;      // For: min, extent; Let/Fill/Store/Evaluate: value; If: condition
  std::vector<CExpr> store_indices;
  IndexPlan store_plan;
  CRegion src, dst;              // Copy
  int a = -1, b = -1, c = -1;    // Gemm
  int64_t m = 0, n = 0, k = 0;   // Gemm: C is m x n, the reduction has k terms
  bool ta = false, tb = false, clear = false;
  std::vector<CStmt> body, else_body;
};

// A buffer while the interpreter runs: its shape, accessible bound, strides, type and data.
struct BufState {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<int64_t> bound;  // accessible extent: the tile-padded shape for parameters
  std::vector<int64_t> strides;
  int64_t size = 0;
  TypeInfo type;
  bool global = false;
  std::vector<double> data;
};

// A loop, block or let variable; `i` or `f` by its static type.
struct VarSlot {
  bool is_int = true;
  int64_t i = 0;
  double f = 0;
};

}  // namespace ttc::emu::reference

#endif  // TTC_EMU_REFERENCE_INTERPRETER_PROGRAM_H_
