#include "ir/expr.h"

#include <array>
#include <utility>

namespace ttc::ir {

const char* ScopeName(Scope s) {
  switch (s) {
    case Scope::kGlobal: return "global";
    case Scope::kShared: return "shared";
    case Scope::kFragment: return "fragment";
    case Scope::kLocal: return "local";
  }
  return "?";
}

bool ParseScope(const std::string& name, Scope* out) {
  for (Scope s : {Scope::kGlobal, Scope::kShared, Scope::kFragment, Scope::kLocal}) {
    if (name == ScopeName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

int64_t BufferNode::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

const char* BinOpName(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    case BinOp::kDiv: return "/";
    case BinOp::kFloorDiv: return "//";
    case BinOp::kFloorMod: return "%";
    case BinOp::kMin: return "T.min";
    case BinOp::kMax: return "T.max";
    case BinOp::kCeilDiv: return "T.ceildiv";
    case BinOp::kEq: return "==";
    case BinOp::kNe: return "!=";
    case BinOp::kLt: return "<";
    case BinOp::kLe: return "<=";
    case BinOp::kGt: return ">";
    case BinOp::kGe: return ">=";
    case BinOp::kAnd: return "and";
    case BinOp::kOr: return "or";
  }
  return "?";
}

bool IsComparison(BinOp op) {
  return op == BinOp::kEq || op == BinOp::kNe || op == BinOp::kLt || op == BinOp::kLe ||
         op == BinOp::kGt || op == BinOp::kGe;
}

bool IsIntrinsic(const std::string& name) { return name.rfind("tt.", 0) == 0; }

int CallArity(const std::string& name) {
  static constexpr std::array<const char*, 13> kUnary = {
      "exp", "exp2", "sqrt", "rsqrt", "log", "log2", "abs", "relu", "recip", "tanh", "sigmoid", "neg", "not"};
  for (const char* n : kUnary) {
    if (name == n) return 1;
  }
  if (name == "select") return 3;
  return -1;
}

Expr MakeInt(int64_t v, Loc loc) {
  auto n = std::make_shared<IntImm>();
  n->value = v;
  n->loc = std::move(loc);
  return n;
}
Expr MakeFloat(double v, Loc loc) {
  auto n = std::make_shared<FloatImm>();
  n->value = v;
  n->loc = std::move(loc);
  return n;
}
Expr MakeVar(std::string name, Loc loc) {
  auto n = std::make_shared<Var>();
  n->name = std::move(name);
  n->loc = std::move(loc);
  return n;
}
Expr MakeBinary(BinOp op, Expr a, Expr b, Loc loc) {
  auto n = std::make_shared<Binary>();
  n->op = op;
  n->a = std::move(a);
  n->b = std::move(b);
  n->loc = std::move(loc);
  return n;
}
Expr MakeCast(DType dtype, Expr value, Loc loc) {
  auto n = std::make_shared<Cast>();
  n->dtype = std::move(dtype);
  n->value = std::move(value);
  n->loc = std::move(loc);
  return n;
}
Expr MakeLoad(Buffer buffer, std::vector<Expr> indices, Loc loc) {
  auto n = std::make_shared<Load>();
  n->buffer = std::move(buffer);
  n->indices = std::move(indices);
  n->loc = std::move(loc);
  return n;
}
Expr MakeCall(std::string name, std::vector<Expr> args, Loc loc) {
  auto n = std::make_shared<Call>();
  n->name = std::move(name);
  n->args = std::move(args);
  n->loc = std::move(loc);
  return n;
}

}  // namespace ttc::ir
