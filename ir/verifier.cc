#include "ir/verifier.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/checked_math.h"

namespace ttc::ir {
namespace {

std::string ShapeStr(const std::vector<int64_t>& s) { return absl::StrCat("[", absl::StrJoin(s, ", "), "]"); }

class Verifier {
 public:
  explicit Verifier(LocatedError* error) : error_(error) {}

  bool Func(const PrimFunc& f) {
    Enclose func(this, f.loc);
    for (const Buffer& b : f.params) {
      if (!CheckBuffer(b, /*is_param=*/true)) return false;
    }
    const LaunchGrid& g = f.grid;
    {
      Enclose grid(this, g.loc);
      if (g.extents.empty() || g.extents.size() > 3) {
        return Fail(At(g.loc, ".extents"), absl::StrCat("T.Kernel takes 1 to 3 extents, got ", g.extents.size()));
      }
      if (g.vars.size() != g.extents.size()) {
        return Fail(At(g.loc, ".vars"), absl::StrCat("expected ", g.extents.size(),
                                                     " block index names (one per extent), got ", g.vars.size()));
      }
      for (size_t i = 0; i < g.extents.size(); ++i) {
        if (g.extents[i] <= 0) {
          return Fail(At(g.loc, absl::StrCat(".extents[", i, "]")),
                      absl::StrCat("extent must be positive, got ", g.extents[i]));
        }
      }
      if (g.threads < 0) return Fail(At(g.loc, ".threads"), "threads must not be negative");
    }
    const Seq* body = As<Seq>(f.body);
    if (!f.body || (body && body->stmts.empty())) {
      Loc loc = f.body && !f.body->loc.path.empty() ? f.body->loc : Loc{0, 0, FieldPath(f.loc.path, ".body")};
      return Fail(At(loc, ""), "empty kernel body: the T.Kernel block has no statements");
    }
    return CheckStmt(f.body);
  }

 // The buffer checks of VerifyBuffer.
  bool BufferDecl(const Buffer& b, bool is_param) { return CheckBuffer(b, is_param); }

 private:
  // Makes `loc`'s line:col the fallback of the nodes below while in scope (when it has one).
  class Enclose {
   public:
    Enclose(Verifier* v, const Loc& loc) : v_(v), saved_(v->enclosing_) {
      if (loc.line > 0) v_->enclosing_ = loc;
    }
    ~Enclose() { v_->enclosing_ = saved_; }

   private:
    Verifier* v_;
    Loc saved_;
  };

  static std::string FieldPath(const std::string& path, const std::string& field) {
    if (!path.empty()) return path + field;
    return !field.empty() && field[0] == '.' ? field.substr(1) : field;
  }

  // The location of `field` of the node at `node`.
  Loc At(const Loc& node, const std::string& field) const {
    Loc l{node.line, node.col, FieldPath(node.path, field)};
    if (l.line == 0) {
      l.line = enclosing_.line;
      l.col = enclosing_.col;
    }
    return l;
  }

  bool Fail(Loc loc, std::string message) {
    *error_ = LocatedError{std::move(loc), std::move(message)};
    return false;
  }

  bool CheckBuffer(const Buffer& b, bool is_param) {
    if (b->shape.empty()) return Fail(At(b->loc, ".shape"), absl::StrCat("buffer '", b->name, "' has no shape"));
    for (size_t i = 0; i < b->shape.size(); ++i) {
      if (b->shape[i] <= 0) {
        return Fail(At(b->loc, absl::StrCat(".shape[", i, "]")),
                    absl::StrCat("extent must be positive, got ", b->shape[i]));
      }
    }
    if (is_param && b->scope != Scope::kGlobal) {
      return Fail(At(b->loc, ".scope"),
                  absl::StrCat("parameter '", b->name, "' must be global, got ", ScopeName(b->scope)));
    }
    if (!is_param && b->scope == Scope::kGlobal) {
      return Fail(At(b->loc, ".scope"),
                  absl::StrCat("allocation '", b->name, "' cannot be global; use shared, fragment or local"));
    }
    return true;
  }

  bool CheckIndexCount(const Buffer& b, size_t n, const Loc& loc) {
    if (n != b->shape.size()) {
      return Fail(loc, absl::StrCat("buffer '", b->name, "' has rank ", b->shape.size(), " but ", n,
                                    n == 1 ? " index was" : " indices were", " given"));
    }
    return true;
  }

  bool CheckExprs(const std::vector<Expr>& es) {
    for (const Expr& e : es) {
      if (!CheckExpr(e)) return false;
    }
    return true;
  }

  bool CheckExpr(const Expr& e) {
    Enclose here(this, e->loc);
    switch (e->kind) {
      case ExprKind::kIntImm:
      case ExprKind::kFloatImm:
      case ExprKind::kVar: return true;
      case ExprKind::kBinary: return CheckExpr(As<Binary>(e)->a) && CheckExpr(As<Binary>(e)->b);
      case ExprKind::kCast: return CheckExpr(As<Cast>(e)->value);
      case ExprKind::kLoad: {
        const Load* l = As<Load>(e);
        return CheckIndexCount(l->buffer, l->indices.size(), At(e->loc, ".load.indices")) && CheckExprs(l->indices);
      }
      case ExprKind::kCall: {
        const Call* c = As<Call>(e);
        const int arity = CallArity(c->name);
        if (arity < 0) {
          return Fail(At(e->loc, ".call.name"), absl::StrCat("unknown function '", c->name,
                                                             "'; known: exp, exp2, sqrt, rsqrt, log, log2, abs, relu, "
                                                             "recip, tanh, sigmoid, neg, not, select"));
        }
        if (c->args.size() != static_cast<size_t>(arity)) {
          return Fail(At(e->loc, ".call.args"), absl::StrCat("'", c->name, "' takes ", arity, " argument",
                                                             arity == 1 ? "" : "s", ", got ", c->args.size()));
        }
        return CheckExprs(c->args);
      }
    }
    return true;
  }

  bool CheckRegion(const Region& r, const Loc& loc) {
    const size_t rank = r.buffer->shape.size();
    if (!CheckIndexCount(r.buffer, r.begin.size(), Loc{loc.line, loc.col, FieldPath(loc.path, ".begin")})) return false;
    if (!CheckExprs(r.begin)) return false;
    if (r.extent.size() != rank) {
      return Fail(Loc{loc.line, loc.col, FieldPath(loc.path, ".extent")},
                  absl::StrCat("buffer '", r.buffer->name, "' has rank ", rank, " but ", r.extent.size(),
                               " extents were given"));
    }
    for (size_t i = 0; i < r.extent.size(); ++i) {
      if (r.extent[i] <= 0) {
        return Fail(Loc{loc.line, loc.col, FieldPath(loc.path, absl::StrCat(".extent[", i, "]"))},
                    absl::StrCat("extent must be positive, got ", r.extent[i]));
      }
    }
    return true;
  }

  bool CheckBounds(const Region& r, const Loc& loc) {
    for (size_t i = 0; i < r.extent.size(); ++i) {
      const IntImm* c = As<IntImm>(r.begin[i]);
      int64_t lo = c ? c->value : 0;
      if ((c && c->value < 0) || SaturatingAdd(lo, r.extent[i]) > r.buffer->shape[i]) {
        std::vector<std::string> parts;
        for (size_t j = 0; j < r.extent.size(); ++j) {
          const IntImm* cj = As<IntImm>(r.begin[j]);
          const std::optional<int64_t> end = cj ? CheckedAdd(cj->value, r.extent[j]) : std::nullopt;
          parts.push_back(cj ? (end ? absl::StrCat(cj->value, ":", *end) : absl::StrCat(cj->value, ":", cj->value, "+", r.extent[j]))
                             : absl::StrCat("?:?+", r.extent[j]));
        }
        return Fail(loc, absl::StrCat("region [", absl::StrJoin(parts, ", "), "] is out of bounds of '",
                                      r.buffer->name, "' with shape ", ShapeStr(r.buffer->shape)));
      }
    }
    return true;
  }

  bool CheckCopy(const Copy& c) {
    const Loc src = At(c.loc, ".src"), dst = At(c.loc, ".dst");
    if (!CheckRegion(c.src, src) || !CheckRegion(c.dst, dst)) return false;
    int64_t se = 1, de = 1;
    for (int64_t e : c.src.extent) se = SaturatingMul(se, e);
    for (int64_t e : c.dst.extent) de = SaturatingMul(de, e);
    if (se != de) {
      return Fail(At(c.loc, ""), absl::StrCat("source region ", ShapeStr(c.src.extent), " of '", c.src.buffer->name,
                                              "' and destination region ", ShapeStr(c.dst.extent), " of '",
                                              c.dst.buffer->name, "' have different sizes (", se, " vs ", de,
                                              " elements)"));
    }
    return CheckBounds(c.src, src) && CheckBounds(c.dst, dst);
  }

  bool CheckGemm(const Gemm& g) {
    const std::pair<const Buffer*, const char*> ops[] = {{&g.a, ".a"}, {&g.b, ".b"}, {&g.c, ".c"}};
    for (const auto& [b, field] : ops) {
      if ((*b)->shape.size() != 2) {
        return Fail(At(g.loc, field), absl::StrCat("T.gemm operand '", (*b)->name, "' must be 2-D, has shape ",
                                                   ShapeStr((*b)->shape)));
      }
      if ((*b)->scope == Scope::kGlobal) {
        return Fail(At(g.loc, field), absl::StrCat("T.gemm operand '", (*b)->name,
                                                   "' is a global buffer; copy it into T.alloc_shared/"
                                                   "T.alloc_fragment first"));
      }
    }
    const auto& A = g.a->shape;
    const auto& B = g.b->shape;
    const auto& C = g.c->shape;
    int64_t m = g.transpose_a ? A[1] : A[0], ka = g.transpose_a ? A[0] : A[1];
    int64_t kb = g.transpose_b ? B[1] : B[0], nn = g.transpose_b ? B[0] : B[1];
    if (ka != kb || C[0] != m || C[1] != nn) {
      return Fail(At(g.loc, ""), absl::StrCat("T.gemm shapes do not agree: op(A) '", g.a->name, "' is [", m, ", ",
                                              ka, "], op(B) '", g.b->name, "' is [", kb, ", ", nn, "], C '",
                                              g.c->name, "' is ", ShapeStr(C),
                                              "; expected [M, K] x [K, N] -> [M, N]"));
    }
    return true;
  }

  bool CheckStmt(const Stmt& s) {
    if (!s) return true;
    Enclose here(this, s->loc);
    switch (s->kind) {
      case StmtKind::kSeq:
        for (const Stmt& c : As<Seq>(s)->stmts) {
          if (!CheckStmt(c)) return false;
        }
        return true;
      case StmtKind::kFor: {
        const For* f = As<For>(s);
        if (!CheckExpr(f->min) || !CheckExpr(f->extent)) return false;
        if (const IntImm* c = As<IntImm>(f->extent); c && c->value < 0) {
          return Fail(At(s->loc, ".extent"), absl::StrCat("loop extent must not be negative, got ", c->value));
        }
        if (f->for_kind == ForKind::kPipelined) {
          if (f->num_stages < 1) {
            return Fail(At(s->loc, ".num_stages"),
                        absl::StrCat("T.Pipelined needs num_stages >= 1, got ", f->num_stages));
          }
        } else if (f->num_stages != 0) {
          return Fail(At(s->loc, ".num_stages"), "num_stages is only meaningful for a pipelined loop");
        }
        return CheckStmt(f->body);
      }
      case StmtKind::kAlloc: return CheckBuffer(As<Alloc>(s)->buffer, /*is_param=*/false);
      case StmtKind::kCopy: return CheckCopy(*As<Copy>(s));
      case StmtKind::kGemm: return CheckGemm(*As<Gemm>(s));
      case StmtKind::kFill: return CheckExpr(As<Fill>(s)->value);
      case StmtKind::kStore: {
        const Store* st = As<Store>(s);
        return CheckIndexCount(st->buffer, st->indices.size(), At(s->loc, ".indices")) &&
               CheckExprs(st->indices) && CheckExpr(st->value);
      }
      case StmtKind::kIf: {
        const IfThenElse* i = As<IfThenElse>(s);
        return CheckExpr(i->condition) && CheckStmt(i->then_body) && CheckStmt(i->else_body);
      }
      case StmtKind::kLet: return CheckExpr(As<Let>(s)->value) && CheckStmt(As<Let>(s)->body);
      case StmtKind::kEvaluate: {
        const Expr& v = As<Evaluate>(s)->value;
        if (!CheckExpr(v)) return false;
        if (!As<Call>(v)) return Fail(At(s->loc, ".value"), "T.evaluate needs a call");
        return true;
      }
    }
    return true;
  }

  LocatedError* error_;
  Loc enclosing_;
};

}  // namespace

absl::Status VerifyBuffer(const Buffer& buffer, bool is_param, LocatedError* error) {
  LocatedError e;
  if (Verifier(&e).BufferDecl(buffer, is_param)) return absl::OkStatus();
  if (error) *error = e;
  return e.ToStatus();
}

absl::Status VerifyFunc(const PrimFunc& func, LocatedError* error) {
  LocatedError e;
  if (Verifier(&e).Func(func)) return absl::OkStatus();
  if (error) *error = e;
  return e.ToStatus();
}

}  // namespace ttc::ir
