#include "ir/from_proto.h"

#include <cctype>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/request_limits.h"
#include "ir/verifier.h"

namespace ttc::ir {
namespace {

bool IsIdentifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::string ShapeStr(const std::vector<int64_t>& s) { return absl::StrCat("[", absl::StrJoin(s, ", "), "]"); }

Loc LocOf(std::string path, const v1::SourceLoc& l) { return Loc{l.line(), l.column(), std::move(path)}; }

// Proto -> IR with a lexical environment of buffers and variables. Errors carry the field
// path of the offending field and the line:col of the innermost located node around it.
class Converter {
 public:
  explicit Converter(LocatedError* error) : error_(error) {}

  absl::StatusOr<PrimFunc> Run(const v1::PrimFunc& p) {
    PrimFunc f;
    f.name = p.name().empty() ? "main" : p.name();
    f.loc = LocOf("func", p.loc());
    Here func(this, p.loc());
    if (!IsIdentifier(f.name)) return Err("func.name", absl::StrCat("'", f.name, "' is not an identifier"));
    for (int i = 0; i < p.params_size(); ++i) {
      std::string path = absl::StrCat("func.params[", i, "]");
      auto b = ConvertBuffer(p.params(i), path, /*is_param=*/true);
      if (!b.ok()) return b.status();
      f.params.push_back(*b);
    }
    if (!p.has_grid()) return Err("func.grid", "missing launch grid: a kernel needs T.Kernel(gx[, gy[, gz]])");
    const v1::LaunchGrid& g = p.grid();
    {
      Here grid(this, g.loc());
      if (g.extents_size() < 1 || g.extents_size() > 3) {
        return Err("func.grid.extents", absl::StrCat("T.Kernel takes 1 to 3 extents, got ", g.extents_size()));
      }
      static const char* kDefaultVars[] = {"bx", "by", "bz"};
      if (g.vars_size() != 0 && g.vars_size() != g.extents_size()) {
        return Err("func.grid.vars", absl::StrCat("expected ", g.extents_size(),
                                                  " block index names (one per extent), got ", g.vars_size()));
      }
      for (int i = 0; i < g.extents_size(); ++i) {
        f.grid.extents.push_back(g.extents(i));
        std::string v = g.vars_size() ? g.vars(i) : kDefaultVars[i];
        std::string vpath = absl::StrCat("func.grid.vars[", i, "]");
        if (!IsIdentifier(v)) return Err(vpath, absl::StrCat("'", v, "' is not an identifier"));
        if (vars_.count(v)) return Err(vpath, absl::StrCat("block index '", v, "' is declared twice"));
        if (auto st = CheckNotABuffer(v, vpath); !st.ok()) return st;
        vars_.insert(v);
        f.grid.vars.push_back(v);
      }
      f.grid.threads = g.threads();
      f.grid.loc = LocOf("func.grid", g.loc());
    }
    auto body = ConvertBody(p.body(), "func.body");
    if (!body.ok()) return body.status();
    f.body = *body;
    for (const auto& [key, value] : p.attrs()) {
      auto v = ConvertAttr(value, absl::StrCat("func.attrs[\"", key, "\"]"));
      if (!v.ok()) return v.status();
      f.attrs[key] = *v;
    }
    if (auto st = VerifyFunc(f, error_); !st.ok()) return st;
    return f;
  }

 private:
  // While in scope, errors without a closer location are located at `loc` (when it has a line).
  class Here {
   public:
    Here(Converter* c, const v1::SourceLoc& loc) : c_(c), saved_(c->here_) {
      if (loc.line() > 0) c_->here_ = Loc{loc.line(), loc.column(), ""};
    }
    ~Here() { c_->here_ = saved_; }

   private:
    Converter* c_;
    Loc saved_;
  };

  absl::Status Err(const std::string& path, const std::string& msg) {
    LocatedError e{Loc{here_.line, here_.col, path}, msg};
    if (error_) *error_ = e;
    return e.ToStatus();
  }

  absl::StatusOr<Buffer> ConvertBuffer(const v1::Buffer& b, const std::string& path, bool is_param) {
    Here here(this, b.loc());
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
    n->shape.assign(b.shape().begin(), b.shape().end());
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
    LocatedError verified;
    if (!VerifyBuffer(n, is_param, &verified).ok()) {
      if (verified.loc.line == 0) verified.loc = Loc{here_.line, here_.col, verified.loc.path};
      if (error_) *error_ = verified;
      return verified.ToStatus();
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

  absl::StatusOr<Region> ConvertRegion(const v1::Region& r, const std::string& path) {
    Region out;
    auto b = Lookup(r.buffer(), path + ".buffer");
    if (!b.ok()) return Err(path, absl::StrCat("unknown buffer '", r.buffer(), "'"));
    out.buffer = *b;
    auto es = ConvertExprs(r.begin(), path + ".begin");
    if (!es.ok()) return es.status();
    out.begin = *es;
    out.extent.assign(r.extent().begin(), r.extent().end());
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
      *ops[i].second = *b;
    }
    n->transpose_a = g.transpose_a();
    n->transpose_b = g.transpose_b();
    n->clear_accum = g.clear_accum();
    return Stmt(n);
  }

  absl::StatusOr<Stmt> ConvertFor(const v1::For& f, const std::string& p, Loc loc) {
    auto n = std::make_shared<For>();
    n->loc = std::move(loc);
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
    n->num_stages = f.num_stages();
    auto saved = vars_;
    vars_.insert(f.var());
    auto body = ConvertBody(f.body(), p + ".body");
    vars_ = std::move(saved);
    if (!body.ok()) return body.status();
    n->body = *body;
    return Stmt(n);
  }

  absl::StatusOr<Stmt> ConvertStmt(const v1::Stmt& s, const std::string& path) {
    Here here(this, s.loc());
    switch (s.kind_case()) {
      case v1::Stmt::kForLoop: return ConvertFor(s.for_loop(), path + ".for_loop", LocOf(path + ".for_loop", s.loc()));
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
        n->value = *v;
        return Stmt(n);
      }
      case v1::Stmt::KIND_NOT_SET: break;
    }
    return Err(path, "empty statement: set one of for_loop, alloc, copy, gemm, fill, store, if_then_else, let, evaluate");
  }

  absl::StatusOr<Expr> ConvertExpr(const v1::Expr& e, const std::string& path) {
    Here here(this, e.loc());
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
        auto idx = ConvertExprs(e.load().indices(), path + ".load.indices");
        if (!idx.ok()) return idx.status();
        return MakeLoad(*b, *idx, loc);
      }
      case v1::Expr::kCall: {
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

  LocatedError* error_;
  Loc here_;                                     // line:col of the innermost located node
  std::map<std::string, Buffer> scope_buffers_;  // buffers visible at this point
  std::set<std::string> all_buffers_;            // every buffer name declared so far
  std::set<std::string> vars_;                   // variables visible at this point
};

}  // namespace

absl::StatusOr<PrimFunc> FuncFromProto(const v1::PrimFunc& func, LocatedError* error) {
  return Converter(error).Run(func);
}

absl::StatusOr<CompileUnit> FromProto(const v1::KernelRequest& req, std::string_view target_override,
                                      LocatedError* error) {
  auto fail = [error](LocatedError e) -> absl::Status {
    if (error) *error = e;
    return e.ToStatus();
  };
  if (!req.has_func()) return fail({Loc{0, 0, "func"}, "missing: the request has no kernel"});
  if (auto st = CheckRequestLimits(req, error); !st.ok()) return st;
  auto f = FuncFromProto(req.func(), error);
  if (!f.ok()) return f.status();
  for (const auto& [name, layout] : req.layouts()) {
    Loc loc = LocOf(absl::StrCat("layouts[\"", name, "\"]"), layout.loc());
    if (!f->FindParam(name)) {
      std::vector<std::string> names;
      for (const Buffer& b : f->params) names.push_back(b->name);
      return fail({loc, absl::StrCat("unknown buffer '", name, "'; layouts annotate kernel parameters (",
                                     absl::StrJoin(names, ", "), ")")});
    }
    v1::BufferLayout& stored = f->layouts[name];
    stored = layout;
    stored.clear_loc();  // kept in layout_locs; the layout itself is what the passes read
    f->layout_locs[name] = std::move(loc);
  }
  if (req.has_schedule()) {
    f->schedule = req.schedule();
    f->schedule.clear_loc();
    f->has_schedule = true;
    f->schedule_loc = LocOf("schedule", req.schedule().loc());
  }
  auto t = ResolveTarget(req.target(), target_override, error);
  if (!t.ok()) return t.status();
  return CompileUnit{std::move(*f), std::move(*t)};
}

}  // namespace ttc::ir
