#include "emu/reference_interpreter_engine.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ir/tile_geometry.h"

namespace ttc::emu::reference {
namespace {

IndexPlan PlanIndices(const std::vector<CExpr>& idx) {
  IndexPlan p;
  p.direct = true;
  for (const CExpr& e : idx) {
    if (e.kind == ir::ExprKind::kVar && e.is_int) {
      p.slot.push_back(e.slot);
      p.cst.push_back(0);
    } else if (e.kind == ir::ExprKind::kIntImm) {
      p.slot.push_back(-1);
      p.cst.push_back(e.ival);
    } else {
      p.direct = false;
    }
  }
  return p;
}

}  // namespace

// ir::TileGeometryOf with the layout annotation's tile_shape (default 32x32) and padded_shape.
std::vector<int64_t> PaddedShape(const ir::PrimFunc& func, const ir::BufferNode& b) {
  if (b.shape.empty()) return b.shape;
  int64_t th = 32, tw = 32;
  std::vector<int64_t> padded;
  if (auto it = func.layouts.find(b.name); it != func.layouts.end()) {
    const v1::BufferLayout& layout = it->second;
    if (layout.tile_shape_size() == 2 && layout.tile_shape(0) > 0 && layout.tile_shape(1) > 0) {
      th = layout.tile_shape(0);
      tw = layout.tile_shape(1);
    }
    padded.assign(layout.padded_shape().begin(), layout.padded_shape().end());
  }
  return ir::TileGeometryOf(b.shape, th, tw, b.dtype, padded).PaddedInRank(b.shape.size());
}

absl::StatusOr<int> Interpreter::AddBuffer(const ir::BufferNode& b, bool global) {
  auto type = TypeOf(b.dtype, absl::StrCat("buffer '", b.name, "'"));
  if (!type.ok()) return type.status();
  BufState s;
  s.name = b.name;
  s.shape = b.shape;
  s.global = global;
  s.type = *type;
  s.bound = global ? PaddedShape(func_, b) : b.shape;
  s.strides.assign(b.shape.size(), 1);
  for (size_t i = b.shape.size(); i-- > 1;) s.strides[i - 1] = s.strides[i] * b.shape[i];
  s.size = b.NumElements();
  for (int64_t d : b.shape) {
    if (d <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("buffer '", b.name, "' has shape ", ShapeStr(b.shape), "; extents must be positive"));
    }
  }
  bufs_.push_back(std::move(s));
  return static_cast<int>(bufs_.size()) - 1;
}

int Interpreter::NewVar(const std::string& name, bool is_int) {
  vars_.push_back(VarSlot{is_int, 0, 0});
  var_names_[name] = static_cast<int>(vars_.size()) - 1;
  return static_cast<int>(vars_.size()) - 1;
}

absl::StatusOr<int> Interpreter::LookupBuffer(const ir::Buffer& b, const ir::Loc& loc) {
  if (!b) return absl::InvalidArgumentError(absl::StrCat("statement without a buffer", At(loc)));
  auto it = buf_names_.find(b->name);
  if (it == buf_names_.end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown buffer '", b->name, "'", At(loc)));
  }
  return it->second;
}

absl::Status Interpreter::NotWellFormed(const std::string& msg, const ir::Loc& loc) {
  return absl::InvalidArgumentError(absl::StrCat(msg, At(loc)));
}

absl::Status Interpreter::CheckRank(const BufState& b, Access access, size_t indices, size_t extents,
                                    const ir::Loc& loc) {
  const size_t rank = b.shape.size();
  switch (access) {
    case Access::kLoad:
    case Access::kStore:
      if (indices == rank) return absl::OkStatus();
      return NotWellFormed(absl::StrCat(access == Access::kLoad ? "load of '" : "store to '", b.name, "' has ",
                                        indices, " indices; the buffer has rank ", rank),
                           loc);
    case Access::kCopySource:
    case Access::kCopyDestination:
      // No offsets means offset 0 in every dimension.
      if (extents == rank && (indices == 0 || indices == rank)) return absl::OkStatus();
      return NotWellFormed(absl::StrCat("copy ", access == Access::kCopySource ? "source" : "destination",
                                        " region of '", b.name, "' has ", indices, " offsets and ", extents,
                                        " extents; the buffer has rank ", rank),
                           loc);
    case Access::kGemmOperand:
      if (rank == 2) return absl::OkStatus();
      return NotWellFormed(absl::StrCat("T.gemm operand '", b.name, "' must be 2-D, has shape ", ShapeStr(b.shape)),
                           loc);
  }
  return absl::OkStatus();
}

absl::StatusOr<CExpr> Interpreter::CompileExpr(const ir::Expr& e) {
  if (!e) return absl::InvalidArgumentError("missing expression");
  CExpr c;
  c.kind = e->kind;
  c.node = e.get();
  switch (e->kind) {
    case ir::ExprKind::kIntImm:
      c.is_int = true;
      c.ival = ir::As<ir::IntImm>(e)->value;
      return c;
    case ir::ExprKind::kFloatImm:
      c.is_int = false;
      c.fval = ir::As<ir::FloatImm>(e)->value;
      return c;
    case ir::ExprKind::kVar: {
      const std::string& name = ir::As<ir::Var>(e)->name;
      auto it = var_names_.find(name);
      if (it == var_names_.end()) return NotWellFormed(absl::StrCat("undefined variable '", name, "'"), e->loc);
      c.slot = it->second;
      c.is_int = vars_[c.slot].is_int;
      return c;
    }
    case ir::ExprKind::kBinary: {
      const ir::Binary* b = ir::As<ir::Binary>(e);
      c.op = b->op;
      for (const ir::Expr& k : {b->a, b->b}) {
        auto ck = CompileExpr(k);
        if (!ck.ok()) return ck.status();
        c.kids.push_back(std::move(*ck));
      }
      const bool logical = ir::IsComparison(b->op) || b->op == ir::BinOp::kAnd || b->op == ir::BinOp::kOr;
      c.is_int = logical || (c.kids[0].is_int && c.kids[1].is_int);
      return c;
    }
    case ir::ExprKind::kCast: {
      const ir::Cast* n = ir::As<ir::Cast>(e);
      auto t = TypeOf(n->dtype, absl::StrCat("cast", At(e->loc)));
      if (!t.ok()) return t.status();
      c.cast = *t;
      c.is_int = t->is_int;
      auto v = CompileExpr(n->value);
      if (!v.ok()) return v.status();
      c.kids.push_back(std::move(*v));
      return c;
    }
    case ir::ExprKind::kLoad: {
      const ir::Load* n = ir::As<ir::Load>(e);
      auto slot = LookupBuffer(n->buffer, e->loc);
      if (!slot.ok()) return slot.status();
      c.slot = *slot;
      const BufState& b = bufs_[c.slot];
      if (auto st = CheckRank(b, Access::kLoad, n->indices.size(), 0, e->loc); !st.ok()) return st;
      c.is_int = b.type.is_int;
      for (const ir::Expr& i : n->indices) {
        auto ci = CompileIndex(i, absl::StrCat("index of '", b.name, "'"));
        if (!ci.ok()) return ci.status();
        c.kids.push_back(std::move(*ci));
      }
      c.plan = PlanIndices(c.kids);
      return c;
    }
    case ir::ExprKind::kCall: {
      const ir::Call* n = ir::As<ir::Call>(e);
      static const std::pair<const char*, CallOp> kCalls[] = {
          {"exp", CallOp::kExp},     {"sqrt", CallOp::kSqrt},     {"rsqrt", CallOp::kRsqrt},
          {"log", CallOp::kLog},     {"abs", CallOp::kAbs},       {"relu", CallOp::kRelu},
          {"recip", CallOp::kRecip}, {"tanh", CallOp::kTanh},     {"sigmoid", CallOp::kSigmoid},
          {"neg", CallOp::kNeg},     {"not", CallOp::kNot},       {"select", CallOp::kSelect},
          {"exp2", CallOp::kExp2},   {"log2", CallOp::kLog2}};
      bool found = false;
      for (const auto& [name, op] : kCalls) {
        if (n->name == name) {
          c.call = op;
          found = true;
        }
      }
      if (!found) {
        return NotWellFormed(ir::IsIntrinsic(n->name)
                                 ? absl::StrCat("intrinsic '", n->name,
                                                "' belongs to lowered IR; the reference interpreter runs the "
                                                "source IR only")
                                 : absl::StrCat("unknown function '", n->name, "'"),
                             e->loc);
      }
      const int arity = ir::CallArity(n->name);
      if (static_cast<int>(n->args.size()) != arity) {
        return NotWellFormed(absl::StrCat("'", n->name, "' takes ", arity, " arguments, got ", n->args.size()),
                             e->loc);
      }
      for (const ir::Expr& a : n->args) {
        auto ca = CompileExpr(a);
        if (!ca.ok()) return ca.status();
        c.kids.push_back(std::move(*ca));
      }
      switch (c.call) {
        case CallOp::kAbs:
        case CallOp::kRelu:
        case CallOp::kNeg: c.is_int = c.kids[0].is_int; break;
        case CallOp::kNot: c.is_int = true; break;
        case CallOp::kSelect: c.is_int = c.kids[1].is_int && c.kids[2].is_int; break;
        default: c.is_int = false; break;
      }
      return c;
    }
  }
  return absl::InvalidArgumentError("unknown expression kind");
}

absl::StatusOr<CExpr> Interpreter::CompileIndex(const ir::Expr& e, const std::string& what) {
  auto c = CompileExpr(e);
  if (!c.ok()) return c.status();
  if (!c->is_int) return NotWellFormed(absl::StrCat(what, " is not an integer expression"), e->loc);
  return c;
}

absl::StatusOr<CRegion> Interpreter::CompileRegion(const ir::Region& r, const ir::Loc& loc, const char* side) {
  CRegion out;
  auto slot = LookupBuffer(r.buffer, loc);
  if (!slot.ok()) return slot.status();
  out.buf = *slot;
  const BufState& b = bufs_[out.buf];
  const size_t rank = b.shape.size();
  const Access access = std::string_view(side) == "source" ? Access::kCopySource : Access::kCopyDestination;
  if (auto st = CheckRank(b, access, r.begin.size(), r.extent.size(), loc); !st.ok()) return st;
  for (size_t d = 0; d < rank; ++d) {
    if (r.extent[d] <= 0) {
      return NotWellFormed(absl::StrCat("copy ", side, " region of '", b.name, "' has extent ",
                                        ShapeStr(r.extent), "; extents must be positive"),
                           loc);
    }
    if (r.begin.empty()) {
      CExpr zero;
      out.begin.push_back(zero);
    } else {
      auto c = CompileIndex(r.begin[d], absl::StrCat("copy ", side, " offset of '", b.name, "'"));
      if (!c.ok()) return c.status();
      out.begin.push_back(std::move(*c));
    }
  }
  out.extent = r.extent;
  return out;
}

absl::StatusOr<std::vector<CStmt>> Interpreter::CompileBody(const ir::Stmt& s) {
  std::vector<CStmt> out;
  if (!s) return out;
  // Allocations and lets are visible until the end of the enclosing body.
  auto saved_vars = var_names_;
  auto saved_bufs = buf_names_;
  absl::Status st = CompileInto(s, &out);
  var_names_ = std::move(saved_vars);
  buf_names_ = std::move(saved_bufs);
  if (!st.ok()) return st;
  return out;
}

absl::Status Interpreter::CompileInto(const ir::Stmt& s, std::vector<CStmt>* out) {
  if (const ir::Seq* seq = ir::As<ir::Seq>(s)) {
    for (const ir::Stmt& x : seq->stmts) {
      if (auto st = CompileInto(x, out); !st.ok()) return st;
    }
    return absl::OkStatus();
  }
  auto c = CompileStmt(s);
  if (!c.ok()) return c.status();
  out->push_back(std::move(*c));
  return absl::OkStatus();
}

absl::StatusOr<CStmt> Interpreter::CompileStmt(const ir::Stmt& s) {
  CStmt c;
  c.kind = s->kind;
  c.node = s.get();
  auto push = [&c](absl::StatusOr<CExpr> e) -> absl::Status {
    if (!e.ok()) return e.status();
    c.exprs.push_back(std::move(*e));
    return absl::OkStatus();
  };
  switch (s->kind) {
    case ir::StmtKind::kFor: {
      const ir::For* n = ir::As<ir::For>(s);
      if (auto st = push(n->min ? CompileIndex(n->min, "loop start") : absl::StatusOr<CExpr>(CExpr{}));
          !st.ok()) {
        return st;
      }
      if (auto st = push(CompileIndex(n->extent, "loop extent")); !st.ok()) return st;
      auto saved = var_names_;
      c.slot = NewVar(n->var, /*is_int=*/true);
      auto body = CompileBody(n->body);
      var_names_ = std::move(saved);
      if (!body.ok()) return body.status();
      c.body = std::move(*body);
      return c;
    }
    case ir::StmtKind::kAlloc: {
      const ir::Alloc* n = ir::As<ir::Alloc>(s);
      if (!n->buffer) return NotWellFormed("allocation without a buffer", s->loc);
      auto slot = AddBuffer(*n->buffer, /*global=*/false);
      if (!slot.ok()) return slot.status();
      c.slot = *slot;
      buf_names_[n->buffer->name] = c.slot;
      return c;
    }
    case ir::StmtKind::kCopy: {
      const ir::Copy* n = ir::As<ir::Copy>(s);
      auto src = CompileRegion(n->src, s->loc, "source");
      if (!src.ok()) return src.status();
      auto dst = CompileRegion(n->dst, s->loc, "destination");
      if (!dst.ok()) return dst.status();
      int64_t se = 1, de = 1;
      for (int64_t e : src->extent) se *= e;
      for (int64_t e : dst->extent) de *= e;
      if (se != de) {
        return NotWellFormed(absl::StrCat("copy source region ", ShapeStr(src->extent), " of '",
                                          bufs_[src->buf].name, "' and destination region ", ShapeStr(dst->extent),
                                          " of '", bufs_[dst->buf].name, "' have different sizes"),
                             s->loc);
      }
      c.src = std::move(*src);
      c.dst = std::move(*dst);
      return c;
    }
    case ir::StmtKind::kGemm: {
      const ir::Gemm* n = ir::As<ir::Gemm>(s);
      int* slots[] = {&c.a, &c.b, &c.c};
      const ir::Buffer* ops[] = {&n->a, &n->b, &n->c};
      for (int i = 0; i < 3; ++i) {
        auto slot = LookupBuffer(*ops[i], s->loc);
        if (!slot.ok()) return slot.status();
        if (auto st = CheckRank(bufs_[*slot], Access::kGemmOperand, 0, 0, s->loc); !st.ok()) return st;
        *slots[i] = *slot;
      }
      c.ta = n->transpose_a;
      c.tb = n->transpose_b;
      c.clear = n->clear_accum;
      const auto& A = bufs_[c.a].shape;
      const auto& B = bufs_[c.b].shape;
      const auto& C = bufs_[c.c].shape;
      c.m = c.ta ? A[1] : A[0];
      c.k = c.ta ? A[0] : A[1];
      const int64_t kb = c.tb ? B[1] : B[0];
      c.n = c.tb ? B[0] : B[1];
      if (kb != c.k || C[0] != c.m || C[1] != c.n) {
        return NotWellFormed(absl::StrCat("T.gemm shapes do not agree: op(A) is [", c.m, ", ", c.k,
                                          "], op(B) is [", kb, ", ", c.n, "], C is ", ShapeStr(C)),
                             s->loc);
      }
      return c;
    }
    case ir::StmtKind::kFill: {
      const ir::Fill* n = ir::As<ir::Fill>(s);
      auto slot = LookupBuffer(n->buffer, s->loc);
      if (!slot.ok()) return slot.status();
      c.slot = *slot;
      if (auto st = push(CompileExpr(n->value)); !st.ok()) return st;
      return c;
    }
    case ir::StmtKind::kStore: {
      const ir::Store* n = ir::As<ir::Store>(s);
      auto slot = LookupBuffer(n->buffer, s->loc);
      if (!slot.ok()) return slot.status();
      c.slot = *slot;
      const BufState& b = bufs_[c.slot];
      if (auto st = CheckRank(b, Access::kStore, n->indices.size(), 0, s->loc); !st.ok()) return st;
      if (auto st = push(CompileExpr(n->value)); !st.ok()) return st;
      for (const ir::Expr& i : n->indices) {
        auto ci = CompileIndex(i, absl::StrCat("index of '", b.name, "'"));
        if (!ci.ok()) return ci.status();
        c.store_indices.push_back(std::move(*ci));
      }
      c.store_plan = PlanIndices(c.store_indices);
      return c;
    }
    case ir::StmtKind::kIf: {
      const ir::IfThenElse* n = ir::As<ir::IfThenElse>(s);
      if (auto st = push(CompileExpr(n->condition)); !st.ok()) return st;
      auto then_body = CompileBody(n->then_body);
      if (!then_body.ok()) return then_body.status();
      auto else_body = CompileBody(n->else_body);
      if (!else_body.ok()) return else_body.status();
      c.body = std::move(*then_body);
      c.else_body = std::move(*else_body);
      return c;
    }
    case ir::StmtKind::kLet: {
      const ir::Let* n = ir::As<ir::Let>(s);
      if (auto st = push(CompileExpr(n->value)); !st.ok()) return st;
      auto saved = var_names_;
      c.slot = NewVar(n->var, c.exprs[0].is_int);
      auto body = CompileBody(n->body);
      var_names_ = std::move(saved);
      if (!body.ok()) return body.status();
      c.body = std::move(*body);
      return c;
    }
    case ir::StmtKind::kEvaluate: {
      const ir::Evaluate* n = ir::As<ir::Evaluate>(s);
      if (auto st = push(CompileExpr(n->value)); !st.ok()) return st;
      return c;
    }
    case ir::StmtKind::kSeq: {
      auto body = CompileBody(s);
      if (!body.ok()) return body.status();
      c.body = std::move(*body);
      return c;
    }
  }
  return absl::InvalidArgumentError("unknown statement kind");
}

}  // namespace ttc::emu::reference
