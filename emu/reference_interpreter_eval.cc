#include "emu/reference_interpreter_engine.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"

namespace ttc::emu::reference {

void Interpreter::Fail(absl::Status st) {
  if (ok_) {
    status_ = std::move(st);
    ok_ = false;
  }
}

std::string Interpreter::ShapeDesc(const BufState& b) const {
  std::string s = absl::StrCat("shape ", ShapeStr(b.shape));
  if (b.bound != b.shape) absl::StrAppend(&s, " (tile-padded to ", ShapeStr(b.bound), ")");
  return s;
}

bool Interpreter::Truthy(const CExpr& e) { return e.is_int ? EvalI(e) != 0 : EvalF(e) != 0; }

// Fails with the out-of-bounds message for an access of `b` at the indices `idx` (evaluated
// again here: the hot paths do not keep them).
void Interpreter::FailIndex(const BufState& b, const std::vector<CExpr>& idx, const char* what, const ir::Loc& loc) {
  std::vector<int64_t> v;
  for (const CExpr& i : idx) v.push_back(EvalI(i));
  Fail(absl::InvalidArgumentError(absl::StrCat(what, " '", b.name, "' at index ", ShapeStr(v),
                                               " is out of bounds of its ", ShapeDesc(b), At(loc))));
}

// The flat offset of element `idx` of `b`; -1 for an element of a parameter's tile padding
// (reads 0, writes dropped); -2 (and the interpreter fails) for an index outside the buffer
// or when evaluating an index failed.
int64_t Interpreter::Offset(const BufState& b, const std::vector<CExpr>& idx, const IndexPlan& plan, const char* what,
               const ir::Loc& loc) {
  int64_t off = 0;
  bool pad = false;
  const size_t rank = idx.size();
  for (size_t d = 0; d < rank; ++d) {
    int64_t i;
    if (plan.direct) {
      i = plan.slot[d] >= 0 ? vars_[plan.slot[d]].i : plan.cst[d];
    } else {
      i = EvalI(idx[d]);
    }
    if (static_cast<uint64_t>(i) >= static_cast<uint64_t>(b.shape[d])) {
      if (i < 0 || i >= b.bound[d]) {
        if (ok_) FailIndex(b, idx, what, loc);
        return -2;
      }
      pad = true;
    }
    off += i * b.strides[d];
  }
  if (!ok_) return -2;
  return pad ? -1 : off;
}

double Interpreter::LoadValue(const CExpr& e) {
  const BufState& b = bufs_[e.slot];
  const int64_t off = Offset(b, e.kids, e.plan, "load of", e.node->loc);
  return off >= 0 ? b.data[off] : 0.0;
}

int64_t Interpreter::IntBinary(const CExpr& e) {
  const ir::BinOp op = e.op;
  const CExpr& ka = e.kids[0];
  const CExpr& kb = e.kids[1];
  if (op == ir::BinOp::kAnd) return Truthy(ka) && Truthy(kb);
  if (op == ir::BinOp::kOr) return Truthy(ka) || Truthy(kb);
  if (ir::IsComparison(op) && !(ka.is_int && kb.is_int)) {
    const double a = EvalF(ka), b = EvalF(kb);
    switch (op) {
      case ir::BinOp::kEq: return a == b;
      case ir::BinOp::kNe: return a != b;
      case ir::BinOp::kLt: return a < b;
      case ir::BinOp::kLe: return a <= b;
      case ir::BinOp::kGt: return a > b;
      default: return a >= b;
    }
  }
  const int64_t a = EvalI(ka), b = EvalI(kb);
  const auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  switch (op) {
    case ir::BinOp::kAdd: return static_cast<int64_t>(ua + ub);
    case ir::BinOp::kSub: return static_cast<int64_t>(ua - ub);
    case ir::BinOp::kMul: return static_cast<int64_t>(ua * ub);
    case ir::BinOp::kDiv:
    case ir::BinOp::kFloorDiv:
    case ir::BinOp::kFloorMod:
    case ir::BinOp::kCeilDiv: {
      if (b == 0) {
        Fail(absl::InvalidArgumentError(absl::StrCat("integer division by zero: ", a, " ",
                                                     ir::BinOpName(op), " 0", At(e.node->loc))));
        return 0;
      }
      if (a == std::numeric_limits<int64_t>::min() && b == -1) {
        return op == ir::BinOp::kFloorMod ? 0 : a;  // wraps
      }
      const int64_t q = a / b, r = a % b;
      const bool inexact = r != 0;
      const bool neg = (a < 0) != (b < 0);
      switch (op) {
        case ir::BinOp::kDiv: return q;
        case ir::BinOp::kFloorDiv: return inexact && neg ? q - 1 : q;
        case ir::BinOp::kFloorMod: return inexact && ((r < 0) != (b < 0)) ? r + b : r;
        default: return inexact && !neg ? q + 1 : q;
      }
    }
    case ir::BinOp::kMin: return std::min(a, b);
    case ir::BinOp::kMax: return std::max(a, b);
    case ir::BinOp::kEq: return a == b;
    case ir::BinOp::kNe: return a != b;
    case ir::BinOp::kLt: return a < b;
    case ir::BinOp::kLe: return a <= b;
    case ir::BinOp::kGt: return a > b;
    case ir::BinOp::kGe: return a >= b;
    default: return 0;
  }
}

int64_t Interpreter::EvalI(const CExpr& e) {
  switch (e.kind) {
    case ir::ExprKind::kIntImm: return e.ival;
    case ir::ExprKind::kVar: return vars_[e.slot].i;
    case ir::ExprKind::kBinary: return IntBinary(e);
    case ir::ExprKind::kLoad: return ToInt64(LoadValue(e));
    case ir::ExprKind::kCast: {
      const CExpr& v = e.kids[0];
      if (v.is_int) return ToInt64(Convert(static_cast<double>(EvalI(v)), true, e.cast));
      return ToInt64(Convert(EvalF(v), false, e.cast));
    }
    case ir::ExprKind::kCall:
      switch (e.call) {
        case CallOp::kAbs: {
          const int64_t v = EvalI(e.kids[0]);
          return v < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(v)) : v;
        }
        case CallOp::kRelu: return std::max<int64_t>(EvalI(e.kids[0]), 0);
        case CallOp::kNeg: return static_cast<int64_t>(0 - static_cast<uint64_t>(EvalI(e.kids[0])));
        case CallOp::kNot: return !Truthy(e.kids[0]);
        case CallOp::kSelect: return Truthy(e.kids[0]) ? EvalI(e.kids[1]) : EvalI(e.kids[2]);
        default: return ToInt64(EvalF(e));
      }
    case ir::ExprKind::kFloatImm: return ToInt64(e.fval);
  }
  return 0;
}

double Interpreter::EvalF(const CExpr& e) {
  if (e.is_int) return static_cast<double>(EvalI(e));
  switch (e.kind) {
    case ir::ExprKind::kFloatImm: return e.fval;
    case ir::ExprKind::kVar: return vars_[e.slot].f;
    case ir::ExprKind::kLoad: return LoadValue(e);
    case ir::ExprKind::kCast: {
      const CExpr& v = e.kids[0];
      return Convert(EvalF(v), v.is_int, e.cast);
    }
    case ir::ExprKind::kBinary: {
      const double a = EvalF(e.kids[0]), b = EvalF(e.kids[1]);
      switch (e.op) {
        case ir::BinOp::kAdd: return a + b;
        case ir::BinOp::kSub: return a - b;
        case ir::BinOp::kMul: return a * b;
        case ir::BinOp::kDiv: return a / b;
        case ir::BinOp::kFloorDiv: return std::floor(a / b);
        case ir::BinOp::kFloorMod: {
          double r = std::fmod(a, b);
          if (r != 0 && ((r < 0) != (b < 0))) r += b;
          return r;
        }
        case ir::BinOp::kCeilDiv: return std::ceil(a / b);
        case ir::BinOp::kMin: return b < a ? b : a;
        case ir::BinOp::kMax: return a < b ? b : a;
        default: return 0;  // comparisons and logic are integer-typed
      }
    }
    case ir::ExprKind::kCall: {
      if (e.call == CallOp::kSelect) return Truthy(e.kids[0]) ? EvalF(e.kids[1]) : EvalF(e.kids[2]);
      const double x = EvalF(e.kids[0]);
      switch (e.call) {
        case CallOp::kExp: return std::exp(x);
        case CallOp::kExp2: return std::exp2(x);
        case CallOp::kLog2: return std::log2(x);
        case CallOp::kSqrt: return std::sqrt(x);
        case CallOp::kRsqrt: return 1.0 / std::sqrt(x);
        case CallOp::kLog: return std::log(x);
        case CallOp::kAbs: return std::fabs(x);
        case CallOp::kRelu: return x > 0 ? x : 0.0;
        case CallOp::kRecip: return 1.0 / x;
        case CallOp::kTanh: return std::tanh(x);
        case CallOp::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
        case CallOp::kNeg: return -x;
        default: return 0;  // not is integer-typed
      }
    }
    case ir::ExprKind::kIntImm: return static_cast<double>(e.ival);
  }
  return 0;
}

void Interpreter::ExecBody(const std::vector<CStmt>& body) {
  for (const CStmt& s : body) {
    Exec(s);
    if (!ok_) return;
  }
}

void Interpreter::Exec(const CStmt& s) {
  switch (s.kind) {
    case ir::StmtKind::kFor: {
      const int64_t lo = EvalI(s.exprs[0]);
      const int64_t n = EvalI(s.exprs[1]);
      if (!ok_) return;
      VarSlot& v = vars_[s.slot];
      for (int64_t i = 0; i < n; ++i) {
        v.i = lo + i;
        ExecBody(s.body);
        if (!ok_) return;
      }
      return;
    }
    case ir::StmtKind::kAlloc: {
      BufState& b = bufs_[s.slot];
      b.data.assign(b.size, 0.0);
      return;
    }
    case ir::StmtKind::kCopy: ExecCopy(s); return;
    case ir::StmtKind::kGemm: ExecGemm(s); return;
    case ir::StmtKind::kFill: {
      BufState& b = bufs_[s.slot];
      const CExpr& v = s.exprs[0];
      const double x = Convert(EvalF(v), v.is_int, b.type);
      if (!ok_) return;
      std::fill(b.data.begin(), b.data.end(), x);
      return;
    }
    case ir::StmtKind::kStore: {
      BufState& b = bufs_[s.slot];
      const CExpr& v = s.exprs[0];
      const double x = Convert(EvalF(v), v.is_int, b.type);
      const int64_t off = Offset(b, s.store_indices, s.store_plan, "store to", s.node->loc);
      if (off >= 0) b.data[off] = x;
      return;
    }
    case ir::StmtKind::kIf:
      if (Truthy(s.exprs[0])) {
        if (ok_) ExecBody(s.body);
      } else if (ok_) {
        ExecBody(s.else_body);
      }
      return;
    case ir::StmtKind::kLet: {
      const CExpr& v = s.exprs[0];
      VarSlot& slot = vars_[s.slot];
      if (v.is_int) {
        slot.i = EvalI(v);
      } else {
        slot.f = EvalF(v);
      }
      if (!ok_) return;
      ExecBody(s.body);
      return;
    }
    case ir::StmtKind::kEvaluate:
      if (s.exprs[0].is_int) {
        EvalI(s.exprs[0]);
      } else {
        EvalF(s.exprs[0]);
      }
      return;
    case ir::StmtKind::kSeq: ExecBody(s.body); return;
  }
}

}  // namespace ttc::emu::reference
