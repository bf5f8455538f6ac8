#include "passes/simplify.h"

#include <vector>

namespace ttc {
namespace {

using namespace ir;

std::optional<int64_t> Fold(BinOp op, int64_t a, int64_t b) {
  switch (op) {
    case BinOp::kAdd: return a + b;
    case BinOp::kSub: return a - b;
    case BinOp::kMul: return a * b;
    case BinOp::kFloorDiv:
      if (b == 0) return std::nullopt;
      return (a >= 0) == (b > 0) ? a / b : -((-a + b - 1) / b);
    case BinOp::kFloorMod:
      if (b == 0) return std::nullopt;
      return ((a % b) + b) % b;
    case BinOp::kMin: return std::min(a, b);
    case BinOp::kMax: return std::max(a, b);
    case BinOp::kCeilDiv:
      if (b <= 0) return std::nullopt;
      return (a + b - 1) / b;
    default: return std::nullopt;
  }
}

// Splits a sum into its additive terms (only through +).
void Terms(const Expr& e, std::vector<Expr>* out) {
  if (const Binary* b = As<Binary>(e); b && b->op == BinOp::kAdd) {
    Terms(b->a, out);
    Terms(b->b, out);
    return;
  }
  out->push_back(e);
}

}  // namespace

std::optional<int64_t> ConstValue(const Expr& e) {
  Expr s = Simplify(e);
  if (const IntImm* i = As<IntImm>(s)) return i->value;
  return std::nullopt;
}

Expr Simplify(const Expr& e) {
  const Binary* b = As<Binary>(e);
  if (!b) return e;
  Expr x = Simplify(b->a), y = Simplify(b->b);
  const IntImm* cx = As<IntImm>(x);
  const IntImm* cy = As<IntImm>(y);
  if (cx && cy) {
    if (auto v = Fold(b->op, cx->value, cy->value)) return MakeInt(*v, e->loc);
  }
  switch (b->op) {
    case BinOp::kAdd:
      if (cx && cx->value == 0) return y;
      if (cy && cy->value == 0) return x;
      // (a + c1) + c2 -> a + (c1 + c2)
      if (const Binary* bx = As<Binary>(x); cy && bx && bx->op == BinOp::kAdd) {
        if (const IntImm* c1 = As<IntImm>(bx->b)) return Add(bx->a, c1->value + cy->value);
      }
      break;
    case BinOp::kSub:
      if (cy && cy->value == 0) return x;
      break;
    case BinOp::kMul:
      if ((cx && cx->value == 0) || (cy && cy->value == 0)) return MakeInt(0, e->loc);
      if (cx && cx->value == 1) return y;
      if (cy && cy->value == 1) return x;
      if (cx && !cy) return Mul(y, cx->value);  // constants on the right
      // (a * c1) * c2 -> a * (c1 * c2)
      if (const Binary* bx = As<Binary>(x); cy && bx && bx->op == BinOp::kMul) {
        if (const IntImm* c1 = As<IntImm>(bx->b)) return Mul(bx->a, c1->value * cy->value);
      }
      break;
    case BinOp::kFloorDiv:
      if (cy && cy->value == 1) return x;
      if (cy && cy->value > 0) {
        if (auto q = DivideExact(x, cy->value)) return *q;
      }
      break;
    case BinOp::kFloorMod:
      if (cy && cy->value == 1) return MakeInt(0, e->loc);
      if (cy && cy->value > 0 && DivideExact(x, cy->value)) return MakeInt(0, e->loc);
      break;
    default: break;
  }
  if (x == b->a && y == b->b) return e;
  return MakeBinary(b->op, x, y, e->loc);
}

std::optional<Expr> DivideExact(const Expr& e, int64_t d) {
  if (d == 1) return Simplify(e);
  std::vector<Expr> terms;
  Terms(Simplify(e), &terms);
  Expr out;
  for (const Expr& t : terms) {
    Expr q;
    if (const IntImm* c = As<IntImm>(t)) {
      if (c->value % d != 0) return std::nullopt;
      q = MakeInt(c->value / d);
    } else if (const Binary* m = As<Binary>(t); m && m->op == BinOp::kMul) {
      const IntImm* c = As<IntImm>(m->b);
      if (!c || c->value % d != 0) return std::nullopt;
      q = Mul(m->a, c->value / d);
    } else {
      return std::nullopt;
    }
    out = out ? Add(out, q) : q;
  }
  return out ? out : MakeInt(0);
}

Expr Add(const Expr& a, const Expr& b) { return Simplify(MakeBinary(BinOp::kAdd, a, b)); }
Expr Mul(const Expr& a, const Expr& b) { return Simplify(MakeBinary(BinOp::kMul, a, b)); }
Expr Add(const Expr& a, int64_t b) { return Add(a, MakeInt(b)); }
Expr Mul(const Expr& a, int64_t b) { return Mul(a, MakeInt(b)); }

ir::Expr StripCasts(ir::Expr e) {
  while (const ir::Cast* c = ir::As<ir::Cast>(e)) e = c->value;
  return e;
}

}  // namespace ttc
