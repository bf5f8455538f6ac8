#include "ir/to_proto.h"

namespace ttc::ir {
namespace {

void SetLoc(const Loc& l, v1::SourceLoc* out) {
  if (l.line > 0) {
    out->set_line(l.line);
    out->set_column(l.col);
  }
}

void BufferToProto(const Buffer& b, v1::Buffer* out) {
  out->set_name(b->name);
  for (int64_t d : b->shape) out->add_shape(d);
  out->set_dtype(b->dtype.name);
  out->set_scope(ScopeName(b->scope));
  if (b->loc.line > 0) SetLoc(b->loc, out->mutable_loc());
}

void ExprToProto(const Expr& e, v1::Expr* out) {
  if (e->loc.line > 0) SetLoc(e->loc, out->mutable_loc());
  switch (e->kind) {
    case ExprKind::kIntImm: out->set_int_imm(As<IntImm>(e)->value); return;
    case ExprKind::kFloatImm: out->set_float_imm(As<FloatImm>(e)->value); return;
    case ExprKind::kVar: out->set_var(As<Var>(e)->name); return;
    case ExprKind::kBinary: {
      static const v1::BinaryOp kOps[] = {v1::ADD, v1::SUB, v1::MUL, v1::DIV, v1::FLOOR_DIV, v1::FLOOR_MOD,
                                          v1::MIN, v1::MAX, v1::CEIL_DIV, v1::EQ, v1::NE, v1::LT,
                                          v1::LE, v1::GT, v1::GE, v1::AND, v1::OR};
      const Binary* b = As<Binary>(e);
      auto* m = out->mutable_binary();
      m->set_op(kOps[static_cast<int>(b->op)]);
      ExprToProto(b->a, m->mutable_a());
      ExprToProto(b->b, m->mutable_b());
      return;
    }
    case ExprKind::kCast: {
      const Cast* c = As<Cast>(e);
      out->mutable_cast()->set_dtype(c->dtype.name);
      ExprToProto(c->value, out->mutable_cast()->mutable_value());
      return;
    }
    case ExprKind::kLoad: {
      const Load* l = As<Load>(e);
      out->mutable_load()->set_buffer(l->buffer->name);
      for (const Expr& i : l->indices) ExprToProto(i, out->mutable_load()->add_indices());
      return;
    }
    case ExprKind::kCall: {
      const Call* c = As<Call>(e);
      out->mutable_call()->set_name(c->name);
      for (const Expr& a : c->args) ExprToProto(a, out->mutable_call()->add_args());
      return;
    }
  }
}

void BodyToProto(const Stmt& s, google::protobuf::RepeatedPtrField<v1::Stmt>* out);

void RegionToProto(const Region& r, v1::Region* out) {
  out->set_buffer(r.buffer->name);
  for (const Expr& b : r.begin) ExprToProto(b, out->add_begin());
  for (int64_t e : r.extent) out->add_extent(e);
}

void StmtToProto(const Stmt& s, v1::Stmt* out) {
  if (s->loc.line > 0) SetLoc(s->loc, out->mutable_loc());
  switch (s->kind) {
    case StmtKind::kFor: {
      const For* f = As<For>(s);
      auto* m = out->mutable_for_loop();
      static const v1::ForKind kKinds[] = {v1::SERIAL, v1::PIPELINED, v1::PARALLEL, v1::UNROLLED, v1::GRID};
      m->set_var(f->var);
      const IntImm* mn = As<IntImm>(f->min);
      if (!(mn && mn->value == 0)) ExprToProto(f->min, m->mutable_min());
      ExprToProto(f->extent, m->mutable_extent());
      m->set_kind(kKinds[static_cast<int>(f->for_kind)]);
      m->set_num_stages(f->num_stages);
      BodyToProto(f->body, m->mutable_body());
      return;
    }
    case StmtKind::kAlloc: BufferToProto(As<Alloc>(s)->buffer, out->mutable_alloc()->mutable_buffer()); return;
    case StmtKind::kCopy: {
      const Copy* c = As<Copy>(s);
      RegionToProto(c->src, out->mutable_copy()->mutable_src());
      RegionToProto(c->dst, out->mutable_copy()->mutable_dst());
      return;
    }
    case StmtKind::kGemm: {
      const Gemm* g = As<Gemm>(s);
      auto* m = out->mutable_gemm();
      m->set_a(g->a->name);
      m->set_b(g->b->name);
      m->set_c(g->c->name);
      m->set_transpose_a(g->transpose_a);
      m->set_transpose_b(g->transpose_b);
      m->set_clear_accum(g->clear_accum);
      return;
    }
    case StmtKind::kFill: {
      const Fill* f = As<Fill>(s);
      out->mutable_fill()->set_buffer(f->buffer->name);
      ExprToProto(f->value, out->mutable_fill()->mutable_value());
      return;
    }
    case StmtKind::kStore: {
      const Store* st = As<Store>(s);
      auto* m = out->mutable_store();
      m->set_buffer(st->buffer->name);
      for (const Expr& i : st->indices) ExprToProto(i, m->add_indices());
      ExprToProto(st->value, m->mutable_value());
      return;
    }
    case StmtKind::kIf: {
      const IfThenElse* i = As<IfThenElse>(s);
      auto* m = out->mutable_if_then_else();
      ExprToProto(i->condition, m->mutable_condition());
      BodyToProto(i->then_body, m->mutable_then_body());
      BodyToProto(i->else_body, m->mutable_else_body());
      return;
    }
    case StmtKind::kLet: {
      const Let* l = As<Let>(s);
      auto* m = out->mutable_let();
      m->set_var(l->var);
      ExprToProto(l->value, m->mutable_value());
      BodyToProto(l->body, m->mutable_body());
      return;
    }
    case StmtKind::kSeq: return;  // handled by BodyToProto
    case StmtKind::kEvaluate: ExprToProto(As<Evaluate>(s)->value, out->mutable_evaluate()->mutable_value()); return;
  }
}

void BodyToProto(const Stmt& s, google::protobuf::RepeatedPtrField<v1::Stmt>* out) {
  if (!s) return;
  if (const Seq* seq = As<Seq>(s)) {
    for (const Stmt& c : seq->stmts) BodyToProto(c, out);
    return;
  }
  StmtToProto(s, out->Add());
}

void AttrToProto(const AttrValue& v, v1::AttrValue* out) {
  switch (v.type()) {
    case AttrValue::value_t::null: out->set_null_value(true); return;
    case AttrValue::value_t::boolean: out->set_bool_value(v.get<bool>()); return;
    case AttrValue::value_t::number_integer:
    case AttrValue::value_t::number_unsigned: out->set_int_value(v.get<int64_t>()); return;
    case AttrValue::value_t::number_float: out->set_float_value(v.get<double>()); return;
    case AttrValue::value_t::string: out->set_string_value(v.get<std::string>()); return;
    case AttrValue::value_t::array:
      out->mutable_list_value();
      for (const AttrValue& item : v) AttrToProto(item, out->mutable_list_value()->add_items());
      return;
    case AttrValue::value_t::object:
      out->mutable_map_value();
      for (auto it = v.begin(); it != v.end(); ++it) {
        AttrToProto(it.value(), &(*out->mutable_map_value()->mutable_entries())[it.key()]);
      }
      return;
    default: out->set_null_value(true); return;
  }
}

}  // namespace

v1::PrimFunc FuncToProto(const PrimFunc& func) {
  v1::PrimFunc out;
  out.set_name(func.name);
  if (func.loc.line > 0) SetLoc(func.loc, out.mutable_loc());
  for (const Buffer& b : func.params) BufferToProto(b, out.add_params());
  auto* g = out.mutable_grid();
  for (int64_t e : func.grid.extents) g->add_extents(e);
  for (const std::string& v : func.grid.vars) g->add_vars(v);
  g->set_threads(func.grid.threads);
  if (func.grid.loc.line > 0) SetLoc(func.grid.loc, g->mutable_loc());
  BodyToProto(func.body, out.mutable_body());
  for (auto it = func.attrs.begin(); it != func.attrs.end(); ++it) {
    AttrToProto(it.value(), &(*out.mutable_attrs())[it.key()]);
  }
  return out;
}

v1::KernelRequest ToProto(const PrimFunc& func, const v1::Target& target) {
  v1::KernelRequest req;
  *req.mutable_func() = FuncToProto(func);
  for (const auto& [name, layout] : func.layouts) {
    v1::BufferLayout& out = (*req.mutable_layouts())[name];
    out = layout;
    if (auto it = func.layout_locs.find(name); it != func.layout_locs.end() && it->second.line > 0) {
      SetLoc(it->second, out.mutable_loc());
    }
  }
  if (func.has_schedule) {
    *req.mutable_schedule() = func.schedule;
    if (func.schedule_loc.line > 0) SetLoc(func.schedule_loc, req.mutable_schedule()->mutable_loc());
  }
  *req.mutable_target() = target;
  return req;
}

}  // namespace ttc::ir
