// T.atomic_add (tilelang/language/atomic.py) lowered to the read-modify-write it performs:
//   T.atomic_add(C[i, j], v)          ->  C[i, j] = C[i, j] + v
//   T.atomic_add(C[y, x], X)          ->  for i, j in T.Parallel(X's shape):
//   T.atomic_add(C[y:y+m, x:x+n], X)          C[y + i, x + j] = C[y + i, x + j] + X[i, j]
// (the region form: X a whole on-chip buffer, the destination a whole buffer, element offsets
// or slices of X's extents, of X's rank). The reference interpreter runs the blocks of a grid
// one after another, so the plain update is exactly the atomic semantics there. On TT there are
// no DRAM atomics: the TT passes make every element's updates happen on one core
// (passes/split_grid_tt: a split-K grid dimension becomes a serial loop inside the block) and
// stage the update through circular buffers (passes/stage_global_accesses).
// memory_order= is accepted (the update is not concurrent on TT); return_prev=True (the value
// before the update) is refused; use_tma= is a GPU hint (warning).
#include "absl/strings/str_cat.h"
#include "frontend/kernel_lower.h"

namespace ttc::frontend {

namespace {

v1::Expr Var(const std::string& name, SourceLoc loc) {
  v1::Expr e;
  e.set_var(name);
  SetLoc(loc, e.mutable_loc());
  return e;
}

v1::Expr Sum(const v1::Expr& a, const v1::Expr& b, SourceLoc loc) {
  if (a.has_int_imm() && a.int_imm() == 0) return b;
  v1::Expr e;
  v1::BinaryExpr* x = e.mutable_binary();
  x->set_op(v1::ADD);
  *x->mutable_a() = a;
  *x->mutable_b() = b;
  SetLoc(loc, e.mutable_loc());
  return e;
}

}  // namespace

bool KernelLowerer::LowerAtomicAdd(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out) {
  const ast::Expr* dst_arg = e.items.size() > 0 ? e.items[0].get() : nullptr;
  const ast::Expr* value_arg = e.items.size() > 1 ? e.items[1].get() : nullptr;
  if (e.items.size() > 2) {
    return ev_.Fail(e.items[2]->loc, "T.atomic_add expects (dst, value); give memory_order= as a keyword");
  }
  for (const ast::Keyword& kw : e.keywords) {
    if (kw.name == "dst" || kw.name == "value") {
      const ast::Expr** slot = kw.name == "dst" ? &dst_arg : &value_arg;
      if (*slot) return ev_.Fail(kw.loc, absl::StrCat("T.atomic_add got two values for ", kw.name));
      *slot = kw.value.get();
    } else if (kw.name == "memory_order") {
      continue;  // one core performs every update of an element on TT: no ordering to choose
    } else if (kw.name == "use_tma") {
      ev_.Warn(kw.loc, "T.atomic_add use_tma= selects a GPU copy engine; the TT backend ignores it");
    } else if (kw.name == "return_prev") {
      Value v;
      if (!ev_.Eval(*kw.value, scope, &v)) return false;
      if ((v.kind == Value::kBool && v.b) || (v.kind == Value::kInt && v.i != 0)) {
        return ev_.Fail(kw.loc, "T.atomic_add return_prev=True is not supported by the TT backend: the statement "
                                "form (the update itself) is lowered");
      }
    } else {
      return ev_.Fail(kw.loc, absl::StrCat("T.atomic_add keyword '", kw.name, "' is not supported by the TT backend; "
                                           "T.atomic_add accepts (dst, value, memory_order=)"));
    }
  }
  if (!dst_arg || !value_arg) return ev_.Fail(e.loc, "T.atomic_add expects (dst, value)");
  Value value;
  if (!ev_.Eval(*value_arg, scope, &value)) return false;
  if (value.kind != Value::kBuffer) {
    // The element form: dst is one buffer element.
    if (dst_arg->kind != ast::ExprKind::kSubscript) {
      return ev_.Fail(dst_arg->loc, "T.atomic_add of a value updates one buffer element, `T.atomic_add(C[i, j], v)`; "
                                    "to update a region, give a buffer as the value");
    }
    for (const ast::ExprPtr& i : dst_arg->items) {
      if (i->kind == ast::ExprKind::kSlice) {
        return ev_.Fail(i->loc, "T.atomic_add of a value updates one element; a region (slice) is updated from a "
                                "buffer of its shape, `T.atomic_add(C[y:y+m, x:x+n], X)`");
      }
    }
    Value cur, sum;
    if (!ev_.Eval(*dst_arg, scope, &cur)) return false;
    if (!ev_.BinaryOp("+", cur, value, e.loc, &sum)) return false;
    return LowerStore(*dst_arg, sum, e.loc, scope, out);
  }
  // The region form: dst (whole, offsets or slices) += the whole buffer `value`.
  const BufferInfo& src = *value.buffer;
  v1::Region region;
  if (!LowerRegion(*dst_arg, scope, &region)) return false;
  Value dst;
  if (!ev_.Eval(dst_arg->kind == ast::ExprKind::kSubscript ? *dst_arg->base : *dst_arg, scope, &dst)) return false;
  const BufferInfo& d = *dst.buffer;
  if (d.shape.size() != src.shape.size()) {
    return ev_.Fail(e.loc, absl::StrCat("T.atomic_add of buffer '", src.name, "' (rank ", src.shape.size(),
                                        ") into '", d.name, "' (rank ", d.shape.size(),
                                        "): the TT backend lowers the region form between regions of one rank"));
  }
  for (size_t k = 0; k < src.shape.size(); ++k) {
    const int64_t extent = region.extent_size() > 0 ? region.extent(static_cast<int>(k))
                           : region.begin_size() > 0 ? src.shape[k]
                                                     : d.shape[k];
    if (extent != src.shape[k]) {
      return ev_.Fail(dst_arg->loc, absl::StrCat("T.atomic_add updates a region of extent ", extent, " in dimension ",
                                                 k, " from buffer '", src.name, "' of extent ", src.shape[k],
                                                 "; the region must have the value's shape"));
    }
  }
  const SourceLoc at = e.loc;
  Stmts* body = out;
  std::vector<v1::Expr> dst_idx, src_idx;
  for (size_t k = 0; k < src.shape.size(); ++k) {
    const std::string var = absl::StrCat("tt_atomic_", k);
    v1::For* f = NewStmt(body, at)->mutable_for_loop();
    f->set_var(var);
    f->mutable_extent()->set_int_imm(src.shape[k]);
    f->set_kind(v1::PARALLEL);
    body = f->mutable_body();
    src_idx.push_back(Var(var, at));
    dst_idx.push_back(region.begin_size() > 0 ? Sum(region.begin(static_cast<int>(k)), Var(var, at), at) : Var(var, at));
  }
  v1::BufferStore* st = NewStmt(body, at)->mutable_store();
  st->set_buffer(d.name);
  v1::Expr old, add;
  v1::BufferLoad* l = old.mutable_load();
  l->set_buffer(d.name);
  for (const v1::Expr& i : dst_idx) *l->add_indices() = i;
  *st->mutable_indices() = l->indices();
  v1::BufferLoad* r = add.mutable_load();
  r->set_buffer(src.name);
  for (const v1::Expr& i : src_idx) *r->add_indices() = i;
  *st->mutable_value() = Sum(old, add, at);
  return true;
}

}  // namespace ttc::frontend
