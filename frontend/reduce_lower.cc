// T.reduce_sum / reduce_max / reduce_min / reduce_abssum / reduce_absmax lowered to a
// reduction loop nest in the IR (tilelang/language/reduce.py semantics):
//   T.reduce_sum(src, dst, dim=-1, clear=True)
// dst has src's shape without dimension `dim` (or with it as 1). With clear=True dst starts
// from the reduction's identity (0; -inf for max; +inf for min); with clear=False the
// reduction is combined with what dst holds. The IR form, for src [M, N] and dim=1:
//   T.fill(dst, init)                        (clear=True only)
//   for i in T.Parallel(M): for j in T.serial(N): dst[i] = op(dst[i], src[i, j])
// with op `+` or T.max (the pools of TT's reduce_tile). T.reduce_min is -max(-x) and the
// absolute forms reduce |x|: the negated or absolute operand is first computed into a
// fragment of its own, `tt_<src>_neg_<line>_<col>` / `tt_<src>_abs_<line>_<col>`.
// tensorize_tt recognises the nest (by analysis, as it does manual matmuls) and the reference
// interpreter runs it as written.
#include <functional>
#include <limits>

#include "absl/strings/str_cat.h"
#include "frontend/kernel_lower.h"

namespace ttc::frontend {

namespace {

v1::Expr VarExpr(const std::string& name, SourceLoc loc) {
  v1::Expr e;
  e.set_var(name);
  SetLoc(loc, e.mutable_loc());
  return e;
}

}  // namespace

bool KernelLowerer::LowerReduce(const ast::Expr& e, const std::string& op, const std::shared_ptr<Scope>& scope,
                                Stmts* out) {
  const std::string fn = "T." + op;
  const ast::Expr* src_arg = e.items.size() > 0 ? e.items[0].get() : nullptr;
  const ast::Expr* dst_arg = e.items.size() > 1 ? e.items[1].get() : nullptr;
  const ast::Expr* dim_arg = e.items.size() > 2 ? e.items[2].get() : nullptr;
  const ast::Expr* clear_arg = e.items.size() > 3 ? e.items[3].get() : nullptr;
  if (e.items.size() > 4) return ev_.Fail(e.loc, absl::StrCat(fn, " expects (buffer, out, dim=-1, clear=True)"));
  for (const ast::Keyword& kw : e.keywords) {
    const ast::Expr** slot = kw.name == "buffer" ? &src_arg
                             : kw.name == "out"  ? &dst_arg
                             : kw.name == "dim"  ? &dim_arg
                             : kw.name == "clear" ? &clear_arg
                                                  : nullptr;
    if (!slot) {
      return ev_.Fail(kw.loc, absl::StrCat(fn, " keyword '", kw.name, "' is not supported; ", fn,
                                           " accepts buffer, out, dim and clear"));
    }
    if (*slot) return ev_.Fail(kw.loc, absl::StrCat(fn, " got two values for ", kw.name));
    *slot = kw.value.get();
  }
  if (!src_arg || !dst_arg) return ev_.Fail(e.loc, absl::StrCat(fn, " expects (buffer, out, dim=-1, clear=True)"));
  Value src, dst;
  if (!ev_.Eval(*src_arg, scope, &src) || !ev_.Eval(*dst_arg, scope, &dst)) return false;
  if (src.kind != Value::kBuffer) return ev_.Fail(src_arg->loc, absl::StrCat(fn, " reduces a buffer, got ", src.Describe()));
  if (dst.kind != Value::kBuffer) return ev_.Fail(dst_arg->loc, absl::StrCat(fn, " writes a buffer, got ", dst.Describe()));
  const std::vector<int64_t>& shape = src.buffer->shape;
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t dim = -1;
  if (dim_arg && !ev_.ConstInt(*dim_arg, scope, "dim", &dim)) return false;
  if (dim < -rank || dim >= rank || rank == 0) {
    return ev_.Fail(dim_arg ? dim_arg->loc : e.loc,
                    absl::StrCat(fn, " dim=", dim, " is out of range for '", src.buffer->name, "' of rank ", rank));
  }
  if (dim < 0) dim += rank;
  bool clear = true;
  if (clear_arg) {
    Value c;
    if (!ev_.Eval(*clear_arg, scope, &c)) return false;
    if (c.kind != Value::kBool && c.kind != Value::kInt) {
      return ev_.Fail(clear_arg->loc, absl::StrCat(fn, " clear= must be True or False, got ", c.Describe()));
    }
    clear = c.kind == Value::kBool ? c.b : c.i != 0;
  }
  // dst: src's shape without `dim`, or with it as 1 (keepdim).
  std::vector<int64_t> reduced, kept = shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != dim) reduced.push_back(shape[d]);
  }
  kept[dim] = 1;
  const bool keepdim = dst.buffer->shape == kept && dst.buffer->shape != reduced;
  if (dst.buffer->shape != reduced && !keepdim) {
    auto list = [](const std::vector<int64_t>& v) {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) absl::StrAppend(&s, i ? ", " : "", v[i]);
      return s + "]";
    };
    return ev_.Fail(dst_arg->loc, absl::StrCat(fn, " of '", src.buffer->name, "' ", list(shape), " over dim ", dim,
                                               " writes shape ", list(reduced), ", but '", dst.buffer->name,
                                               "' has shape ", list(dst.buffer->shape)));
  }
  const bool is_abs = op == "reduce_abssum" || op == "reduce_absmax";
  const bool is_min = op == "reduce_min";
  const bool is_sum = op == "reduce_sum" || op == "reduce_abssum";
  const SourceLoc at = e.loc;
  auto load = [&](const std::string& buffer, const std::vector<v1::Expr>& idx) {
    v1::Expr x;
    x.mutable_load()->set_buffer(buffer);
    for (const v1::Expr& i : idx) *x.mutable_load()->add_indices() = i;
    return x;
  };
  auto call = [&](const char* name, const v1::Expr& arg) {
    v1::Expr x;
    x.mutable_call()->set_name(name);
    *x.mutable_call()->add_args() = arg;
    return x;
  };
  // `for idx in T.Parallel(shape): buffer[idx] = make(idx)`.
  auto elementwise = [&](const std::string& buffer, const std::vector<int64_t>& dims,
                         const std::function<v1::Expr(const std::vector<v1::Expr>&)>& make) {
    Stmts* body = out;
    std::vector<v1::Expr> idx;
    for (size_t d = 0; d < dims.size(); ++d) {
      const std::string var = absl::StrCat("tt_reduce_", d);
      v1::For* f = NewStmt(body, at)->mutable_for_loop();
      f->set_var(var);
      f->mutable_extent()->set_int_imm(dims[d]);
      f->set_kind(v1::PARALLEL);
      body = f->mutable_body();
      idx.push_back(VarExpr(var, at));
    }
    v1::BufferStore* st = NewStmt(body, at)->mutable_store();
    st->set_buffer(buffer);
    for (const v1::Expr& i : idx) *st->add_indices() = i;
    *st->mutable_value() = make(idx);
  };
  // min(x) = -max(-x); the absolute forms reduce |x|: TT's reduce_tile has SUM and MAX, so the
  // operand is first made in a block of its own (named after the statement, so deterministic).
  std::string source = src.buffer->name;
  if (is_min || is_abs) {
    BufferInfo tmp = *src.buffer;
    tmp.name = absl::StrCat("tt_", src.buffer->name, is_abs ? "_abs_" : "_neg_", at.line, "_", at.col);
    tmp.dtype = dst.buffer->dtype;
    tmp.scope = "fragment";
    tmp.loc = at;
    FillBuffer(tmp, NewStmt(out, at)->mutable_alloc()->mutable_buffer());
    elementwise(tmp.name, shape, [&](const std::vector<v1::Expr>& idx) {
      return call(is_abs ? "abs" : "neg", load(src.buffer->name, idx));
    });
    source = tmp.name;
    if (is_min && !clear) {
      elementwise(dst.buffer->name, dst.buffer->shape,
                  [&](const std::vector<v1::Expr>& idx) { return call("neg", load(dst.buffer->name, idx)); });
    }
  }
  if (clear) {
    v1::Fill* f = NewStmt(out, at)->mutable_fill();
    f->set_buffer(dst.buffer->name);
    if (is_sum || is_abs) {
      f->mutable_value()->set_int_imm(0);
    } else {
      f->mutable_value()->set_float_imm(-std::numeric_limits<double>::infinity());
    }
  }
  // The reduction nest over src's dimensions, in order; the reduced one is serial.
  std::vector<v1::Expr> src_idx, dst_idx;
  Stmts* body = out;
  for (int64_t d = 0; d < rank; ++d) {
    const std::string var = absl::StrCat("tt_reduce_", d);
    v1::For* f = NewStmt(body, at)->mutable_for_loop();
    f->set_var(var);
    f->mutable_extent()->set_int_imm(shape[d]);
    f->set_kind(d == dim ? v1::SERIAL : v1::PARALLEL);
    body = f->mutable_body();
    src_idx.push_back(VarExpr(var, at));
    if (d != dim) {
      dst_idx.push_back(VarExpr(var, at));
    } else if (keepdim) {
      v1::Expr zero;
      zero.set_int_imm(0);
      dst_idx.push_back(zero);
    }
  }
  v1::BufferStore* st = NewStmt(body, at)->mutable_store();
  st->set_buffer(dst.buffer->name);
  for (const v1::Expr& i : dst_idx) *st->add_indices() = i;
  v1::BinaryExpr* b = st->mutable_value()->mutable_binary();
  b->set_op(is_sum ? v1::ADD : v1::MAX);
  *b->mutable_a() = load(dst.buffer->name, dst_idx);
  *b->mutable_b() = load(source, src_idx);
  SetLoc(at, st->mutable_value()->mutable_loc());
  if (is_min) {
    elementwise(dst.buffer->name, dst.buffer->shape,
                [&](const std::vector<v1::Expr>& idx) { return call("neg", load(dst.buffer->name, idx)); });
  }
  return true;
}

}  // namespace ttc::frontend
