#include "ir/proto_convert.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ttc::ir {
namespace {

bool IsIdentifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::string ShapeStr(const std::vector<int64_t>& s) {
  return absl::StrCat("[", absl::StrJoin(s, ", "), "]");
}

// Proto -> IR with a lexical environment of buffers and variables. Errors carry the field
// path of the offending node.
class Converter {
 public:
  absl::StatusOr<PrimFunc> Run(const v1::PrimFunc& p) {
    PrimFunc f;
    f.name = p.name().empty() ? "main" : p.name();
    f.loc = LocOf("func", p.loc());
    if (!IsIdentifier(f.name)) return Err("func.name", absl::StrCat("'", f.name, "' is not an identifier"));
    for (int i = 0; i < p.params_size(); ++i) {
      std::string path = absl::StrCat("func.params[", i, "]");
      auto b = ConvertBuffer(p.params(i), path, /*is_param=*/true);
      if (!b.ok()) return b.status();
      f.params.push_back(*b);
    }
    if (!p.has_grid()) return Err("func.grid", "missing launch grid: a kernel needs T.Kernel(gx[, gy[, gz]])");
    const v1::LaunchGrid& g = p.grid();
    if (g.extents_size() < 1 || g.extents_size() > 3) {
      return Err("func.grid.extents", absl::StrCat("T.Kernel takes 1 to 3 extents, got ", g.extents_size()));
    }
    static const char* kDefaultVars[] = {"bx", "by", "bz"};
    if (g.vars_size() != 0 && g.vars_size() != g.extents_size()) {
      return Err("func.grid.vars", absl::StrCat("expected ", g.extents_size(),
                                                " block index names (one per extent), got ", g.vars_size()));
    }
    for (int i = 0; i < g.extents_size(); ++i) {
      if (g.extents(i) <= 0) {
        return Err(absl::StrCat("func.grid.extents[", i, "]"),
                   absl::StrCat("extent must be positive, got ", g.extents(i)));
      }
      f.grid.extents.push_back(g.extents(i));
      std::string v = g.vars_size() ? g.vars(i) : kDefaultVars[i];
      std::string vpath = absl::StrCat("func.grid.vars[", i, "]");
      if (!IsIdentifier(v)) return Err(vpath, absl::StrCat("'", v, "' is not an identifier"));
      if (vars_.count(v)) return Err(vpath, absl::StrCat("block index '", v, "' is declared twice"));
      if (auto st = CheckNotABuffer(v, vpath); !st.ok()) return st;
      vars_.insert(v);
      f.grid.vars.push_back(v);
    }
    if (g.threads() < 0) return Err("func.grid.threads", "threads must not be negative");
    f.grid.threads = g.threads();
    f.grid.loc = LocOf("func.grid", g.loc());
    if (p.body_size() == 0) return Err("func.body", "empty kernel body: the T.Kernel block has no statements");
    auto body = ConvertBody(p.body(), "func.body");
    if (!body.ok()) return body.status();
    f.body = *body;
    for (const auto& [key, value] : p.attrs()) {
      auto v = ConvertAttr(value, absl::StrCat("func.attrs[\"", key, "\"]"));
      if (!v.ok()) return v.status();
      f.attrs[key] = *v;
    }
    return f;
  }

 private:
  static Loc LocOf(std::string path, const v1::SourceLoc& l) {
    Loc loc;
    loc.path = std::move(path);
    loc.line = l.line();
    loc.col = l.column();
    return loc;
  }

  static absl::Status Err(const std::string& path, const std::string& msg) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", msg));
  }

  absl::StatusOr<Buffer> ConvertBuffer(const v1::Buffer& b, const std::string& path, bool is_param) {
    auto n = std::make_shared<BufferNode>();
    n->name = b.name();
    n->loc = LocOf(path, b.loc());
    if (!IsIdentifier(b.name())) {
      return Err(path + ".name", b.name().empty() ? "buffer has no name"
                                                  : absl::StrCat("'", b.name(), "' is not an identifier"));
    }
    if (all_buffers_.count(b.name()) || vars_.count(b.name())) {
      return Err(path + ".name", absl::StrCat("name '", b.name(), "' is already declared"));
    }
    if (b.shape_size() == 0) return Err(path + ".shape", absl::StrCat("buffer '", b.name(), "' has no shape"));
    for (int i = 0; i < b.shape_size(); ++i) {
      if (b.shape(i) <= 0) {
        return Err(absl::StrCat(path, ".shape[", i, "]"),
                   absl::StrCat("extent must be positive, got ", b.shape(i)));
      }
      n->shape.push_back(b.shape(i));
    }
    auto dt = ParseDType(b.dtype());
    if (!dt) {
      return Err(path + ".dtype", absl::StrCat("unknown dtype '", b.dtype(), "'; known: ", KnownDTypeNames()));
    }
    n->dtype = *dt;
    std::string scope = b.scope().empty() ? (is_param ? "global" : "") : b.scope();
    if (!ParseScope(scope, &n->scope)) {
      return Err(path + ".scope", absl::StrCat("unknown scope '", b.scope(),
                                               "'; expected global, shared, fragment or local"));
    }
    if (is_param && n->scope != Scope::kGlobal) {
      return Err(path + ".scope", absl::StrCat("parameter '", b.name(), "' must be global, got ", scope));
    }
    if (!is_param && n->scope == Scope::kGlobal) {
      return Err(path + ".scope", absl::StrCat("allocation '", b.name(),
                                               "' cannot be global; use shared, fragment or local"));
    }
    all_buffers_.insert(b.name());
    scope_buffers_[b.name()] = n;
    return Buffer(n);
  }

  // Buffers and variables share one namespace in the script: a block index, loop or let
  // variable must not shadow a visible buffer (ConvertBuffer checks the other direction).
  absl::Status CheckNotABuffer(const std::string& var, const std::string& path) {
    if (scope_buffers_.count(var)) return Err(path, absl::StrCat("name '", var, "' is already declared"));
    return absl::OkStatus();
  }

  absl::StatusOr<Buffer> Lookup(const std::string& name, const std::string& path) {
    auto it = scope_buffers_.find(name);
    if (it == scope_buffers_.end()) {
      return Err(path, name.empty() ? "no buffer named" : absl::StrCat("unknown buffer '", name, "'"));
    }
    return it->second;
  }

  absl::StatusOr<Stmt> ConvertBody(const google::protobuf::RepeatedPtrField<v1::Stmt>& body,
                                   const std::string& path) {
    // Allocations and lets are visible until the end of the enclosing body.
    auto saved_buffers = scope_buffers_;
    auto saved_vars = vars_;
    std::vector<Stmt> out;
    for (int i = 0; i < body.size(); ++i) {
      auto s = ConvertStmt(body.Get(i), absl::StrCat(path, "[", i, "]"));
      if (!s.ok()) return s.status();
      out.push_back(*s);
    }
    scope_buffers_ = std::move(saved_buffers);
    vars_ = std::move(saved_vars);
    return MakeSeq(std::move(out), Loc{0, 0, path});
  }

  absl::StatusOr<std::vector<Expr>> ConvertExprs(const google::protobuf::RepeatedPtrField<v1::Expr>& es,
                                                 const std::string& path) {
    std::vector<Expr> out;
    for (int i = 0; i < es.size(); ++i) {
      auto e = ConvertExpr(es.Get(i), absl::StrCat(path, "[", i, "]"));
      if (!e.ok()) return e.status();
      out.push_back(*e);
    }
    return out;
  }

  absl::Status CheckIndexCount(const Buffer& b, size_t n, const std::string& path) {
    if (n != b->shape.size()) {
      return Err(path, absl::StrCat("buffer '", b->name, "' has rank ", b->shape.size(), " but ", n,
                                    n == 1 ? " index was" : " indices were", " given"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Region> ConvertRegion(const v1::Region& r, const std::string& path) {
    Region out;
    auto b = Lookup(r.buffer(), path + ".buffer");
    if (!b.ok()) return Err(path, absl::StrCat("unknown buffer '", r.buffer(), "'"));
    out.buffer = *b;
    const size_t rank = out.buffer->shape.size();
    if (r.begin_size() != 0) {
      if (auto s = CheckIndexCount(out.buffer, r.begin_size(), path + ".begin"); !s.ok()) return s;
      auto es = ConvertExprs(r.begin(), path + ".begin");
      if (!es.ok()) return es.status();
      out.begin = *es;
    }
    if (r.extent_size() != 0) {
      if (static_cast<size_t>(r.extent_size()) != rank) {
        return Err(path + ".extent", absl::StrCat("buffer '", out.buffer->name, "' has rank ", rank,
                                                  " but ", r.extent_size(), " extents were given"));
      }
      for (int i = 0; i < r.extent_size(); ++i) {
        if (r.extent(i) <= 0) {
          return Err(absl::StrCat(path, ".extent[", i, "]"),
                     absl::StrCat("extent must be positive, got ", r.extent(i)));
        }
        out.extent.push_back(r.extent(i));
      }
    }
    return out;
  }

  // TileLang's rule: a region given by offsets only takes its extent from the other side's
  // extent (leading 1s added or dropped when ranks differ); a bare buffer is the whole buffer.
  static bool InferExtent(Region* r, const std::vector<int64_t>& other) {
    const size_t rank = r->buffer->shape.size();
    std::vector<int64_t> e = other;
    while (e.size() > rank && e.front() == 1) e.erase(e.begin());
    while (e.size() < rank) e.insert(e.begin(), 1);
    if (e.size() != rank) return false;
    r->extent = e;
    return true;
  }

  absl::Status CheckBounds(const Region& r, const std::string& path) {
    for (size_t i = 0; i < r.extent.size(); ++i) {
      const IntImm* c = As<IntImm>(r.begin[i]);
      int64_t lo = c ? c->value : 0;
      if ((c && c->value < 0) || lo + r.extent[i] > r.buffer->shape[i]) {
        std::vector<std::string> parts;
        for (size_t j = 0; j < r.extent.size(); ++j) {
          const IntImm* cj = As<IntImm>(r.begin[j]);
          parts.push_back(cj ? absl::StrCat(cj->value, ":", cj->value + r.extent[j])
                             : absl::StrCat("?:?+", r.extent[j]));
        }
        return Err(path, absl::StrCat("region [", absl::StrJoin(parts, ", "), "] is out of bounds of '",
                                      r.buffer->name, "' with shape ", ShapeStr(r.buffer->shape)));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Stmt> ConvertCopy(const v1::Copy& c, const std::string& path, Loc loc) {
    auto n = std::make_shared<Copy>();
    n->loc = std::move(loc);
    if (!c.has_src()) return Err(path + ".src", "missing source region");
    if (!c.has_dst()) return Err(path + ".dst", "missing destination region");
    auto src = ConvertRegion(c.src(), path + ".src");
    if (!src.ok()) return src.status();
    auto dst = ConvertRegion(c.dst(), path + ".dst");
    if (!dst.ok()) return dst.status();
    n->src = *src;
    n->dst = *dst;
    for (Region* r : {&n->src, &n->dst}) {
      if (r->begin.empty() && r->extent.empty()) r->extent = r->buffer->shape;
    }
    if (n->src.extent.empty() && n->dst.extent.empty()) {
      return Err(path, "cannot infer the copy extent: give the extent of one side, or copy a whole buffer");
    }
    if (n->src.extent.empty() && !InferExtent(&n->src, n->dst.extent)) {
      return Err(path + ".src", absl::StrCat("cannot take the extent ", ShapeStr(n->dst.extent),
                                             " of the destination for rank-", n->src.buffer->shape.size(), " '",
                                             n->src.buffer->name, "'"));
    }
    if (n->dst.extent.empty() && !InferExtent(&n->dst, n->src.extent)) {
      return Err(path + ".dst", absl::StrCat("cannot take the extent ", ShapeStr(n->src.extent),
                                             " of the source for rank-", n->dst.buffer->shape.size(), " '",
                                             n->dst.buffer->name, "'"));
    }
    for (Region* r : {&n->src, &n->dst}) {
      if (r->begin.empty()) r->begin.assign(r->buffer->shape.size(), MakeInt(0));
    }
    int64_t se = 1, de = 1;
    for (int64_t e : n->src.extent) se *= e;
    for (int64_t e : n->dst.extent) de *= e;
    if (se != de) {
      return Err(path, absl::StrCat("source region ", ShapeStr(n->src.extent), " of '", n->src.buffer->name,
                                    "' and destination region ", ShapeStr(n->dst.extent), " of '",
                                    n->dst.buffer->name, "' have different sizes (", se, " vs ", de,
                                    " elements)"));
    }
    if (auto s = CheckBounds(n->src, path + ".src"); !s.ok()) return s;
    if (auto s = CheckBounds(n->dst, path + ".dst"); !s.ok()) return s;
    return Stmt(n);
  }

  absl::StatusOr<Stmt> ConvertGemm(const v1::Gemm& g, const std::string& path, Loc loc) {
    auto n = std::make_shared<Gemm>();
    n->loc = std::move(loc);
    const std::pair<const std::string*, Buffer*> ops[] = {{&g.a(), &n->a}, {&g.b(), &n->b}, {&g.c(), &n->c}};
    const char* names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; ++i) {
      auto b = Lookup(*ops[i].first, path + "." + names[i]);
      if (!b.ok()) return b.status();
      if ((*b)->shape.size() != 2) {
        return Err(path + "." + names[i], absl::StrCat("T.gemm operand '", (*b)->name, "' must be 2-D, has shape ",
                                                     ShapeStr((*b)->shape)));
      }
      if ((*b)->scope == Scope::kGlobal) {
        return Err(path + "." + names[i],
                   absl::StrCat("T.gemm operand '", (*b)->name,
                                "' is a global buffer; copy it into T.alloc_shared/T.alloc_fragment first"));
      }
      *ops[i].second = *b;
    }
    n->transpose_a = g.transpose_a();
    n->transpose_b = g.transpose_b();
    n->clear_accum = g.clear_accum();
    const auto& A = n->a->shape;
    const auto& B = n->b->shape;
    const auto& C = n->c->shape;
    int64_t m = n->transpose_a ? A[1] : A[0], ka = n->transpose_a ? A[0] : A[1];
    int64_t kb = n->transpose_b ? B[1] : B[0], nn = n->transpose_b ? B[0] : B[1];
    if (ka != kb || C[0] != m || C[1] != nn) {
      return Err(path, absl::StrCat("T.gemm shapes do not agree: op(A) '", n->a->name, "' is [", m, ", ", ka,
                                    "], op(B) '", n->b->name, "' is [", kb, ", ", nn, "], C '", n->c->name,
                                    "' is ", ShapeStr(C), "; expected [M, K] x [K, N] -> [M, N]"));
    }
    return Stmt(n);
  }

  absl::StatusOr<Stmt> ConvertStmt(const v1::Stmt& s, const std::string& path) {
    switch (s.kind_case()) {
      case v1::Stmt::kForLoop: {
        const std::string p = path + ".for_loop";
        const v1::For& f = s.for_loop();
        auto n = std::make_shared<For>();
        n->loc = LocOf(p, s.loc());
        if (!IsIdentifier(f.var())) {
          return Err(p + ".var", f.var().empty() ? "loop has no variable" : absl::StrCat("'", f.var(), "' is not an identifier"));
        }
        n->var = f.var();
        if (auto st = CheckNotABuffer(n->var, p + ".var"); !st.ok()) return st;
        if (f.has_min()) {
          auto mn = ConvertExpr(f.min(), p + ".min");
          if (!mn.ok()) return mn.status();
          n->min = *mn;
        } else {
          n->min = MakeInt(0);
        }
        if (!f.has_extent()) return Err(p + ".extent", "loop has no extent");
        auto ext = ConvertExpr(f.extent(), p + ".extent");
        if (!ext.ok()) return ext.status();
        if (const IntImm* c = As<IntImm>(*ext); c && c->value < 0) {
          return Err(p + ".extent", absl::StrCat("loop extent must not be negative, got ", c->value));
        }
        n->extent = *ext;
        switch (f.kind()) {
          case v1::FOR_KIND_UNSPECIFIED:
          case v1::SERIAL: n->for_kind = ForKind::kSerial; break;
          case v1::PIPELINED: n->for_kind = ForKind::kPipelined; break;
          case v1::PARALLEL: n->for_kind = ForKind::kParallel; break;
          case v1::UNROLLED: n->for_kind = ForKind::kUnrolled; break;
          case v1::GRID: n->for_kind = ForKind::kGrid; break;
          default: return Err(p + ".kind", absl::StrCat("unknown loop kind ", static_cast<int>(f.kind())));
        }
        if (n->for_kind == ForKind::kPipelined) {
          if (f.num_stages() < 1) {
            return Err(p + ".num_stages", absl::StrCat("T.Pipelined needs num_stages >= 1, got ", f.num_stages()));
          }
        } else if (f.num_stages() != 0) {
          return Err(p + ".num_stages", "num_stages is only meaningful for a pipelined loop");
        }
        n->num_stages = f.num_stages();
        auto saved = vars_;
        vars_.insert(f.var());
        auto body = ConvertBody(f.body(), p + ".body");
        vars_ = std::move(saved);
        if (!body.ok()) return body.status();
        n->body = *body;
        return Stmt(n);
      }
      case v1::Stmt::kAlloc: {
        const std::string p = path + ".alloc";
        if (!s.alloc().has_buffer()) return Err(p + ".buffer", "allocation has no buffer");
        auto b = ConvertBuffer(s.alloc().buffer(), p + ".buffer", /*is_param=*/false);
        if (!b.ok()) return b.status();
        auto n = std::make_shared<Alloc>();
        n->loc = LocOf(p, s.loc());
        n->buffer = *b;
        return Stmt(n);
      }
      case v1::Stmt::kCopy: return ConvertCopy(s.copy(), path + ".copy", LocOf(path + ".copy", s.loc()));
      case v1::Stmt::kGemm: return ConvertGemm(s.gemm(), path + ".gemm", LocOf(path + ".gemm", s.loc()));
      case v1::Stmt::kFill: {
        const std::string p = path + ".fill";
        auto n = std::make_shared<Fill>();
        n->loc = LocOf(p, s.loc());
        auto b = Lookup(s.fill().buffer(), p + ".buffer");
        if (!b.ok()) return b.status();
        n->buffer = *b;
        if (s.fill().has_value()) {
          auto v = ConvertExpr(s.fill().value(), p + ".value");
          if (!v.ok()) return v.status();
          n->value = *v;
        } else {
          n->value = MakeInt(0);
        }
        return Stmt(n);
      }
      case v1::Stmt::kStore: {
        const std::string p = path + ".store";
        auto n = std::make_shared<Store>();
        n->loc = LocOf(p, s.loc());
        auto b = Lookup(s.store().buffer(), p + ".buffer");
        if (!b.ok()) return b.status();
        n->buffer = *b;
        if (auto st = CheckIndexCount(n->buffer, s.store().indices_size(), p + ".indices"); !st.ok()) return st;
        auto idx = ConvertExprs(s.store().indices(), p + ".indices");
        if (!idx.ok()) return idx.status();
        n->indices = *idx;
        if (!s.store().has_value()) return Err(p + ".value", "store has no value");
        auto v = ConvertExpr(s.store().value(), p + ".value");
        if (!v.ok()) return v.status();
        n->value = *v;
        return Stmt(n);
      }
      case v1::Stmt::kIfThenElse: {
        const std::string p = path + ".if_then_else";
        auto n = std::make_shared<IfThenElse>();
        n->loc = LocOf(p, s.loc());
        if (!s.if_then_else().has_condition()) return Err(p + ".condition", "if has no condition");
        auto c = ConvertExpr(s.if_then_else().condition(), p + ".condition");
        if (!c.ok()) return c.status();
        n->condition = *c;
        auto t = ConvertBody(s.if_then_else().then_body(), p + ".then_body");
        if (!t.ok()) return t.status();
        auto e = ConvertBody(s.if_then_else().else_body(), p + ".else_body");
        if (!e.ok()) return e.status();
        n->then_body = *t;
        n->else_body = *e;
        return Stmt(n);
      }
      case v1::Stmt::kLet: {
        const std::string p = path + ".let";
        auto n = std::make_shared<Let>();
        n->loc = LocOf(p, s.loc());
        if (!IsIdentifier(s.let().var())) return Err(p + ".var", absl::StrCat("'", s.let().var(), "' is not an identifier"));
        n->var = s.let().var();
        if (auto st = CheckNotABuffer(n->var, p + ".var"); !st.ok()) return st;
        if (!s.let().has_value()) return Err(p + ".value", "let has no value");
        auto v = ConvertExpr(s.let().value(), p + ".value");
        if (!v.ok()) return v.status();
        n->value = *v;
        auto saved = vars_;
        vars_.insert(n->var);
        auto body = ConvertBody(s.let().body(), p + ".body");
        vars_ = std::move(saved);
        if (!body.ok()) return body.status();
        n->body = *body;
        return Stmt(n);
      }
      case v1::Stmt::kEvaluate: {
        const std::string p = path + ".evaluate";
        auto n = std::make_shared<Evaluate>();
        n->loc = LocOf(p, s.loc());
        auto v = ConvertExpr(s.evaluate().value(), p + ".value");
        if (!v.ok()) return v.status();
        if (!As<Call>(*v)) return Err(p + ".value", "T.evaluate needs a call");
        n->value = *v;
        return Stmt(n);
      }
      case v1::Stmt::KIND_NOT_SET: break;
    }
    return Err(path, "empty statement: set one of for_loop, alloc, copy, gemm, fill, store, if_then_else, let, evaluate");
  }

  absl::StatusOr<Expr> ConvertExpr(const v1::Expr& e, const std::string& path) {
    Loc loc = LocOf(path, e.loc());
    switch (e.kind_case()) {
      case v1::Expr::kIntImm: return MakeInt(e.int_imm(), loc);
      case v1::Expr::kFloatImm: return MakeFloat(e.float_imm(), loc);
      case v1::Expr::kVar:
        if (!vars_.count(e.var())) {
          return Err(path + ".var", absl::StrCat("undefined variable '", e.var(), "'"));
        }
        return MakeVar(e.var(), loc);
      case v1::Expr::kBinary: {
        const v1::BinaryExpr& b = e.binary();
        static const std::pair<v1::BinaryOp, BinOp> kOps[] = {
            {v1::ADD, BinOp::kAdd}, {v1::SUB, BinOp::kSub}, {v1::MUL, BinOp::kMul},
            {v1::DIV, BinOp::kDiv}, {v1::FLOOR_DIV, BinOp::kFloorDiv}, {v1::FLOOR_MOD, BinOp::kFloorMod},
            {v1::MIN, BinOp::kMin}, {v1::MAX, BinOp::kMax}, {v1::CEIL_DIV, BinOp::kCeilDiv},
            {v1::EQ, BinOp::kEq}, {v1::NE, BinOp::kNe}, {v1::LT, BinOp::kLt}, {v1::LE, BinOp::kLe},
            {v1::GT, BinOp::kGt}, {v1::GE, BinOp::kGe}, {v1::AND, BinOp::kAnd}, {v1::OR, BinOp::kOr}};
        const BinOp* op = nullptr;
        for (const auto& [wire, ir] : kOps) {
          if (wire == b.op()) op = &ir;
        }
        if (!op) {
          return Err(path + ".binary.op", b.op() == v1::BINARY_OP_UNSPECIFIED
                                              ? "operator is unspecified"
                                              : absl::StrCat("unknown operator ", static_cast<int>(b.op())));
        }
        if (!b.has_a()) return Err(path + ".binary.a", "missing operand");
        if (!b.has_b()) return Err(path + ".binary.b", "missing operand");
        auto a = ConvertExpr(b.a(), path + ".binary.a");
        if (!a.ok()) return a.status();
        auto c = ConvertExpr(b.b(), path + ".binary.b");
        if (!c.ok()) return c.status();
        return MakeBinary(*op, *a, *c, loc);
      }
      case v1::Expr::kCast: {
        auto dt = ParseDType(e.cast().dtype());
        if (!dt) {
          return Err(path + ".cast.dtype", absl::StrCat("unknown dtype '", e.cast().dtype(), "'; known: ", KnownDTypeNames()));
        }
        if (!e.cast().has_value()) return Err(path + ".cast.value", "cast has no value");
        auto v = ConvertExpr(e.cast().value(), path + ".cast.value");
        if (!v.ok()) return v.status();
        return MakeCast(*dt, *v, loc);
      }
      case v1::Expr::kLoad: {
        auto b = Lookup(e.load().buffer(), path + ".load.buffer");
        if (!b.ok()) return b.status();
        if (auto s = CheckIndexCount(*b, e.load().indices_size(), path + ".load.indices"); !s.ok()) return s;
        auto idx = ConvertExprs(e.load().indices(), path + ".load.indices");
        if (!idx.ok()) return idx.status();
        return MakeLoad(*b, *idx, loc);
      }
      case v1::Expr::kCall: {
        const int arity = CallArity(e.call().name());
        if (arity < 0) {
          return Err(path + ".call.name", absl::StrCat("unknown function '", e.call().name(),
                                                       "'; known: exp, sqrt, rsqrt, log, abs, relu, recip, tanh, "
                                                       "sigmoid, neg, not, select"));
        }
        if (e.call().args_size() != arity) {
          return Err(path + ".call.args", absl::StrCat("'", e.call().name(), "' takes ", arity, " argument",
                                                       arity == 1 ? "" : "s", ", got ", e.call().args_size()));
        }
        auto args = ConvertExprs(e.call().args(), path + ".call.args");
        if (!args.ok()) return args.status();
        return MakeCall(e.call().name(), *args, loc);
      }
      case v1::Expr::KIND_NOT_SET: break;
    }
    return Err(path, "empty expression: set one of int_imm, float_imm, var, binary, cast, load, call");
  }

  absl::StatusOr<AttrValue> ConvertAttr(const v1::AttrValue& v, const std::string& path) {
    switch (v.kind_case()) {
      case v1::AttrValue::kNullValue: return AttrValue(nullptr);
      case v1::AttrValue::kBoolValue: return AttrValue(v.bool_value());
      case v1::AttrValue::kIntValue: return AttrValue(v.int_value());
      case v1::AttrValue::kFloatValue: return AttrValue(v.float_value());
      case v1::AttrValue::kStringValue: return AttrValue(v.string_value());
      case v1::AttrValue::kListValue: {
        AttrValue out = AttrValue::array();
        for (int i = 0; i < v.list_value().items_size(); ++i) {
          auto item = ConvertAttr(v.list_value().items(i), absl::StrCat(path, "[", i, "]"));
          if (!item.ok()) return item.status();
          out.push_back(*item);
        }
        return out;
      }
      case v1::AttrValue::kMapValue: {
        AttrValue out = AttrValue::object();
        for (const auto& [k, item] : v.map_value().entries()) {
          auto c = ConvertAttr(item, absl::StrCat(path, "[\"", k, "\"]"));
          if (!c.ok()) return c.status();
          out[k] = *c;
        }
        return out;
      }
      case v1::AttrValue::KIND_NOT_SET: break;
    }
    return Err(path, "attribute value has no kind");
  }

  std::map<std::string, Buffer> scope_buffers_;  // buffers visible at this point
  std::set<std::string> all_buffers_;            // every buffer name declared so far
  std::set<std::string> vars_;                   // variables visible at this point
};

// ---- IR -> proto ----

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

absl::StatusOr<PrimFunc> FuncFromProto(const v1::PrimFunc& func) { return Converter().Run(func); }

absl::StatusOr<CompileUnit> FromProto(const v1::KernelRequest& req, std::string_view target_override) {
  if (!req.has_func()) return absl::InvalidArgumentError("func: missing: the request has no kernel");
  auto f = FuncFromProto(req.func());
  if (!f.ok()) return f.status();
  for (const auto& [name, layout] : req.layouts()) {
    const std::string path = absl::StrCat("layouts[\"", name, "\"]");
    if (!f->FindParam(name)) {
      std::vector<std::string> names;
      for (const Buffer& b : f->params) names.push_back(b->name);
      return absl::InvalidArgumentError(absl::StrCat(path, ": unknown buffer '", name,
                                                     "'; layouts annotate kernel parameters (",
                                                     absl::StrJoin(names, ", "), ")"));
    }
    f->layouts[name] = layout;
    f->layout_locs[name] = Loc{0, 0, path};
  }
  if (req.has_schedule()) {
    f->schedule = req.schedule();
    f->has_schedule = true;
    f->schedule_loc = Loc{0, 0, "schedule"};
  }
  auto t = ResolveTarget(req.target(), target_override);
  if (!t.ok()) return t.status();
  return CompileUnit{std::move(*f), std::move(*t)};
}

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
  for (const auto& [name, layout] : func.layouts) (*req.mutable_layouts())[name] = layout;
  if (func.has_schedule) *req.mutable_schedule() = func.schedule;
  *req.mutable_target() = target;
  return req;
}

}  // namespace ttc::ir
