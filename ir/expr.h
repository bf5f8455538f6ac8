// Expressions of the kernel IR: immediates, variables, arithmetic and comparisons, casts,
// buffer loads and math calls (ARCHITECTURE.md "Kernel IR"). Nodes are immutable and shared
// (`Expr` is a shared_ptr to const); build them with the Make* helpers and rewrite them with
// ir::ExprMutator. Thread-safety: immutable nodes may be read from any thread.
#ifndef TTC_IR_EXPR_H_
#define TTC_IR_EXPR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/loc.h"

namespace ttc::ir {

// Storage scope of a buffer: `global` = DRAM tensor (kernel parameter), `shared` = L1 (a
// circular buffer after lowering), `fragment` = register tile in DST, `local` = scalars.
enum class Scope { kGlobal, kShared, kFragment, kLocal };
const char* ScopeName(Scope s);
// Parses "global" / "shared" / "fragment" / "local"; false for anything else.
bool ParseScope(const std::string& name, Scope* out);

// A buffer: name, shape in elements (row-major), dtype and scope.
struct BufferNode {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype;
  Scope scope = Scope::kGlobal;
  Loc loc;

  int64_t NumElements() const;
};
using Buffer = std::shared_ptr<const BufferNode>;

enum class ExprKind { kIntImm, kFloatImm, kVar, kBinary, kCast, kLoad, kCall };

enum class BinOp {
  kAdd, kSub, kMul, kDiv, kFloorDiv, kFloorMod, kMin, kMax, kCeilDiv,
  kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr,
};
// The operator's script spelling: "+", "//", "T.min", ...
const char* BinOpName(BinOp op);
bool IsComparison(BinOp op);

struct ExprNode {
  explicit ExprNode(ExprKind k) : kind(k) {}
  virtual ~ExprNode() = default;
  const ExprKind kind;
  Loc loc;
};
using Expr = std::shared_ptr<const ExprNode>;

struct IntImm : ExprNode {
  IntImm() : ExprNode(ExprKind::kIntImm) {}
  int64_t value = 0;
};
struct FloatImm : ExprNode {
  FloatImm() : ExprNode(ExprKind::kFloatImm) {}
  double value = 0;
};
struct Var : ExprNode {
  Var() : ExprNode(ExprKind::kVar) {}
  std::string name;
};
struct Binary : ExprNode {
  Binary() : ExprNode(ExprKind::kBinary) {}
  BinOp op = BinOp::kAdd;
  Expr a, b;
};
struct Cast : ExprNode {
  Cast() : ExprNode(ExprKind::kCast) {}
  DType dtype;
  Expr value;
};
struct Load : ExprNode {
  Load() : ExprNode(ExprKind::kLoad) {}
  Buffer buffer;
  std::vector<Expr> indices;  // one per buffer dimension, elements
};
// Math call; names are those of ir::IsKnownCall.
struct Call : ExprNode {
  Call() : ExprNode(ExprKind::kCall) {}
  std::string name;
  std::vector<Expr> args;
};

// Math call; names are those of ir::IsKnownCall. Calls whose name starts with "tt." are
// TT-Metalium intrinsics inserted by the lowering passes (never accepted from requests):
// `tt.cb_wait_front(cb, n)` is the kernel API call `cb_wait_front(cb, n)`.
bool IsIntrinsic(const std::string& name);

// Known math calls and their arity: exp, exp2, sqrt, rsqrt, log, log2, abs, relu, recip, tanh,
// sigmoid, neg, not (1); select (3). Returns -1 for an unknown name.
int CallArity(const std::string& name);

// Downcast helper: the node as T when its kind matches, else nullptr.
template <typename T>
const T* As(const Expr& e);
template <> inline const IntImm* As<IntImm>(const Expr& e) { return e && e->kind == ExprKind::kIntImm ? static_cast<const IntImm*>(e.get()) : nullptr; }
template <> inline const FloatImm* As<FloatImm>(const Expr& e) { return e && e->kind == ExprKind::kFloatImm ? static_cast<const FloatImm*>(e.get()) : nullptr; }
template <> inline const Var* As<Var>(const Expr& e) { return e && e->kind == ExprKind::kVar ? static_cast<const Var*>(e.get()) : nullptr; }
template <> inline const Binary* As<Binary>(const Expr& e) { return e && e->kind == ExprKind::kBinary ? static_cast<const Binary*>(e.get()) : nullptr; }
template <> inline const Cast* As<Cast>(const Expr& e) { return e && e->kind == ExprKind::kCast ? static_cast<const Cast*>(e.get()) : nullptr; }
template <> inline const Load* As<Load>(const Expr& e) { return e && e->kind == ExprKind::kLoad ? static_cast<const Load*>(e.get()) : nullptr; }
template <> inline const Call* As<Call>(const Expr& e) { return e && e->kind == ExprKind::kCall ? static_cast<const Call*>(e.get()) : nullptr; }

// Builders.
Expr MakeInt(int64_t v, Loc loc = {});
Expr MakeFloat(double v, Loc loc = {});
Expr MakeVar(std::string name, Loc loc = {});
Expr MakeBinary(BinOp op, Expr a, Expr b, Loc loc = {});
Expr MakeCast(DType dtype, Expr value, Loc loc = {});
Expr MakeLoad(Buffer buffer, std::vector<Expr> indices, Loc loc = {});
Expr MakeCall(std::string name, std::vector<Expr> args, Loc loc = {});

}  // namespace ttc::ir

#endif  // TTC_IR_EXPR_H_
