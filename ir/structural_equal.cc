#include "ir/structural_equal.h"

#include <google/protobuf/util/message_differencer.h>

namespace ttc::ir {
namespace {

template <typename T, typename Eq>
bool AllEqual(const std::vector<T>& a, const std::vector<T>& b, Eq eq) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!eq(a[i], b[i])) return false;
  }
  return true;
}

bool ExprsEqual(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  return AllEqual(a, b, [](const Expr& x, const Expr& y) { return StructuralEqual(x, y); });
}

bool RegionEqual(const Region& a, const Region& b) {
  return StructuralEqual(a.buffer, b.buffer) && ExprsEqual(a.begin, b.begin) &&
         a.extent == b.extent;
}

// nlohmann's == treats 1 and 1.0 as equal, but an integer and a float attribute print and
// serialize differently (and passes read them differently), so the JSON types must match too.
// Signed and unsigned integers are one type.
bool AttrEqual(const AttrValue& a, const AttrValue& b) {
  auto type = [](const AttrValue& v) {
    return v.is_number_integer() ? AttrValue::value_t::number_integer : v.type();
  };
  if (type(a) != type(b)) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!AttrEqual(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto jt = b.find(it.key());
      if (jt == b.end() || !AttrEqual(it.value(), *jt)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

bool StructuralEqual(const Buffer& a, const Buffer& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return a->name == b->name && a->shape == b->shape && a->dtype == b->dtype &&
         a->scope == b->scope;
}

bool StructuralEqual(const Expr& a, const Expr& b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind) return false;
  switch (a->kind) {
    case ExprKind::kIntImm: return As<IntImm>(a)->value == As<IntImm>(b)->value;
    case ExprKind::kFloatImm: return As<FloatImm>(a)->value == As<FloatImm>(b)->value;
    case ExprKind::kVar: return As<Var>(a)->name == As<Var>(b)->name;
    case ExprKind::kBinary: {
      const Binary *x = As<Binary>(a), *y = As<Binary>(b);
      return x->op == y->op && StructuralEqual(x->a, y->a) && StructuralEqual(x->b, y->b);
    }
    case ExprKind::kCast: {
      const Cast *x = As<Cast>(a), *y = As<Cast>(b);
      return x->dtype == y->dtype && StructuralEqual(x->value, y->value);
    }
    case ExprKind::kLoad: {
      const Load *x = As<Load>(a), *y = As<Load>(b);
      return StructuralEqual(x->buffer, y->buffer) && ExprsEqual(x->indices, y->indices);
    }
    case ExprKind::kCall: {
      const Call *x = As<Call>(a), *y = As<Call>(b);
      return x->name == y->name && ExprsEqual(x->args, y->args);
    }
  }
  return false;
}

bool StructuralEqual(const Stmt& a, const Stmt& b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind) return false;
  switch (a->kind) {
    case StmtKind::kFor: {
      const For *x = As<For>(a), *y = As<For>(b);
      return x->var == y->var && x->for_kind == y->for_kind && x->num_stages == y->num_stages &&
             StructuralEqual(x->min, y->min) && StructuralEqual(x->extent, y->extent) &&
             StructuralEqual(x->body, y->body);
    }
    case StmtKind::kAlloc: return StructuralEqual(As<Alloc>(a)->buffer, As<Alloc>(b)->buffer);
    case StmtKind::kCopy: {
      const Copy *x = As<Copy>(a), *y = As<Copy>(b);
      return RegionEqual(x->src, y->src) && RegionEqual(x->dst, y->dst);
    }
    case StmtKind::kGemm: {
      const Gemm *x = As<Gemm>(a), *y = As<Gemm>(b);
      return StructuralEqual(x->a, y->a) && StructuralEqual(x->b, y->b) &&
             StructuralEqual(x->c, y->c) && x->transpose_a == y->transpose_a &&
             x->transpose_b == y->transpose_b && x->clear_accum == y->clear_accum;
    }
    case StmtKind::kFill: {
      const Fill *x = As<Fill>(a), *y = As<Fill>(b);
      return StructuralEqual(x->buffer, y->buffer) && StructuralEqual(x->value, y->value);
    }
    case StmtKind::kStore: {
      const Store *x = As<Store>(a), *y = As<Store>(b);
      return StructuralEqual(x->buffer, y->buffer) && ExprsEqual(x->indices, y->indices) &&
             StructuralEqual(x->value, y->value);
    }
    case StmtKind::kIf: {
      const IfThenElse *x = As<IfThenElse>(a), *y = As<IfThenElse>(b);
      return StructuralEqual(x->condition, y->condition) &&
             StructuralEqual(x->then_body, y->then_body) &&
             StructuralEqual(x->else_body, y->else_body);
    }
    case StmtKind::kLet: {
      const Let *x = As<Let>(a), *y = As<Let>(b);
      return x->var == y->var && StructuralEqual(x->value, y->value) &&
             StructuralEqual(x->body, y->body);
    }
    case StmtKind::kSeq:
      return AllEqual(As<Seq>(a)->stmts, As<Seq>(b)->stmts,
                      [](const Stmt& x, const Stmt& y) { return StructuralEqual(x, y); });
    case StmtKind::kEvaluate:
      return StructuralEqual(As<Evaluate>(a)->value, As<Evaluate>(b)->value);
  }
  return false;
}

bool StructuralEqual(const PrimFunc& a, const PrimFunc& b) {
  using google::protobuf::util::MessageDifferencer;
  if (a.name != b.name || !AttrEqual(a.attrs, b.attrs) || a.buffer_attrs.size() != b.buffer_attrs.size()) {
    return false;
  }
  for (const auto& [name, attrs] : a.buffer_attrs) {
    auto it = b.buffer_attrs.find(name);
    if (it == b.buffer_attrs.end() || !AttrEqual(attrs, it->second)) return false;
  }
  if (!AllEqual(a.params, b.params,
                [](const Buffer& x, const Buffer& y) { return StructuralEqual(x, y); })) {
    return false;
  }
  if (a.grid.extents != b.grid.extents || a.grid.vars != b.grid.vars ||
      a.grid.threads != b.grid.threads) {
    return false;
  }
  if (!StructuralEqual(a.body, b.body) || a.persistent != b.persistent || a.kernels.size() != b.kernels.size()) {
    return false;
  }
  for (const auto& [role, body] : a.kernels) {
    auto it = b.kernels.find(role);
    if (it == b.kernels.end() || !StructuralEqual(body, it->second)) return false;
  }
  if (a.layouts.size() != b.layouts.size()) return false;
  for (const auto& [name, layout] : a.layouts) {
    auto it = b.layouts.find(name);
    if (it == b.layouts.end() || !MessageDifferencer::Equals(layout, it->second)) return false;
  }
  return a.has_schedule == b.has_schedule &&
         MessageDifferencer::Equals(a.schedule, b.schedule);
}

}  // namespace ttc::ir
