#include "passes/stage_global_accesses.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/printer.h"
#include "ir/structural_equal.h"
#include "ir/visitor.h"
#include "passes/raise_manual_matmul.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

bool IsGlobal(const Buffer& b) { return b && b->scope == Scope::kGlobal; }

}  // namespace

bool MentionsVars(const Expr& e, const std::set<std::string>& vars) {
  class V : public ExprVisitor {
   public:
    explicit V(const std::set<std::string>& vars) : vars_(vars) {}
    bool found = false;

   protected:
    void VisitVar(const Var& v) override { found |= vars_.count(v.name) > 0; }

   private:
    const std::set<std::string>& vars_;
  };
  V v(vars);
  v.VisitExpr(e);
  return v.found;
}

namespace {

bool Decompose(const Expr& e, const std::set<std::string>& vars, std::map<std::string, int64_t>* coeff,
               Expr* offset, int64_t scale) {
  auto add_offset = [&](const Expr& x) {
    Expr term = scale == 1 ? x : MakeBinary(BinOp::kMul, x, MakeInt(scale));
    *offset = *offset ? MakeBinary(BinOp::kAdd, *offset, term) : term;
  };
  if (!MentionsVars(e, vars)) {
    add_offset(e);
    return true;
  }
  if (const Var* v = As<Var>(e)) {
    (*coeff)[v->name] += scale;
    return true;
  }
  if (const Cast* c = As<Cast>(e)) return Decompose(c->value, vars, coeff, offset, scale);
  const Binary* b = As<Binary>(e);
  if (!b) return false;
  switch (b->op) {
    case BinOp::kAdd:
      return Decompose(b->a, vars, coeff, offset, scale) && Decompose(b->b, vars, coeff, offset, scale);
    case BinOp::kSub:
      return Decompose(b->a, vars, coeff, offset, scale) && Decompose(b->b, vars, coeff, offset, -scale);
    case BinOp::kMul: {
      const bool ma = MentionsVars(b->a, vars), mb = MentionsVars(b->b, vars);
      if (ma && mb) return false;
      const std::optional<int64_t> c = ConstValue(ma ? b->b : b->a);
      if (!c) return false;
      return Decompose(ma ? b->a : b->b, vars, coeff, offset, scale * *c);
    }
    default:
      return false;
  }
}

}  // namespace

bool AffineTerms(const Expr& e, const std::set<std::string>& vars, std::map<std::string, int64_t>* coeff,
                 Expr* offset) {
  return Decompose(e, vars, coeff, offset, 1);
}

namespace {

// One global access of a nest: per dimension, the offset and the nest's loop variable ("" for
// none; extent 1).
struct Access {
  Buffer buffer;
  std::vector<Expr> offsets;
  std::vector<std::string> vars;

  bool SameElements(const Access& o) const {
    if (buffer != o.buffer || vars != o.vars) return false;
    for (size_t d = 0; d < offsets.size(); ++d) {
      if (!StructuralEqual(offsets[d], o.offsets[d])) return false;
    }
    return true;
  }
};

std::string AccessText(const Buffer& b, const std::vector<Expr>& indices) {
  std::vector<std::string> parts;
  for (const Expr& i : indices) parts.push_back(PrintExpr(i));
  return absl::StrCat(b->name, "[", absl::StrJoin(parts, ", "), "]");
}

// The access `b[indices]` in the nest over `vars`; on failure, the reason.
std::optional<Access> Analyze(const Buffer& b, const std::vector<Expr>& indices, const std::set<std::string>& vars,
                              std::string* why) {
  Access a;
  a.buffer = b;
  std::map<std::string, size_t> dim_of;
  for (size_t d = 0; d < indices.size(); ++d) {
    std::map<std::string, int64_t> coeff;
    Expr offset;
    const std::string idx = PrintExpr(indices[d]);
    if (!AffineTerms(indices[d], vars, &coeff, &offset)) {
      *why = absl::StrCat("index `", idx, "` (dimension ", d, ") is not an offset plus a loop variable of the nest");
      return std::nullopt;
    }
    std::string var;
    for (const auto& [v, c] : coeff) {
      if (c == 0) continue;
      if (!var.empty()) {
        *why = absl::StrCat("index `", idx, "` (dimension ", d, ") combines the loop variables ", var, " and ", v,
                            ": the elements are not a rectangular block");
        return std::nullopt;
      }
      if (c != 1) {
        *why = absl::StrCat("index `", idx, "` (dimension ", d, ") steps by ", c, " with loop variable ", v,
                            ": the elements are not a contiguous block");
        return std::nullopt;
      }
      var = v;
    }
    if (!var.empty()) {
      auto [it, fresh] = dim_of.emplace(var, d);
      if (!fresh) {
        *why = absl::StrCat("loop variable ", var, " indexes dimensions ", it->second, " and ", d,
                            ": the elements are not a rectangular block");
        return std::nullopt;
      }
    }
    a.offsets.push_back(offset ? Simplify(offset) : MakeInt(0));
    a.vars.push_back(var);
  }
  return a;
}

// Every load of a global buffer in `e` (loads inside indices included), in evaluation order.
std::vector<const Load*> GlobalLoads(const std::vector<Expr>& exprs) {
  class V : public ExprVisitor {
   public:
    std::vector<const Load*> loads;

   protected:
    void VisitLoad(const Load& l) override {
      if (IsGlobal(l.buffer)) loads.push_back(&l);
      ExprVisitor::VisitLoad(l);
    }
  };
  V v;
  for (const Expr& e : exprs) v.VisitExpr(e);
  return v.loads;
}

// Loads replaced by loads of their staging buffers (keyed by node).
class ReplaceLoads : public ExprMutator {
 public:
  explicit ReplaceLoads(std::map<const Load*, Expr> with) : with_(std::move(with)) {}

 protected:
  Expr MutateLoad(const Load& n, const Expr& self) override {
    auto it = with_.find(&n);
    return it != with_.end() ? it->second : ExprMutator::MutateLoad(n, self);
  }

 private:
  std::map<const Load*, Expr> with_;
};

class Stager : public StmtMutator {
 public:
  Stager(PassContext& ctx, std::set<std::string> names) : ctx_(ctx), names_(std::move(names)) {}
  std::vector<Stmt> allocs;
  int staged = 0;

 protected:
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    std::vector<Stmt> out;
    bool changed = false;
    for (size_t i = 0; i < n.stmts.size(); ++i) {
      const Stmt& s = n.stmts[i];
      later_.emplace_back(n.stmts.begin() + static_cast<long>(i) + 1, n.stmts.end());
      std::vector<Stmt> ins, repl;
      if (IsStoreNest(s) && StageNest(*As<For>(s), &ins, &repl)) {
        // Each read goes as early as the last write of its buffer in this sequence allows.
        size_t floor = 0;  // after the previous read: the reads keep their order
        for (const Stmt& c : ins) {
          size_t at = out.size();
          while (at > floor && out[at - 1]->kind != StmtKind::kAlloc &&
                 !Writes(out[at - 1], As<Copy>(c)->src.buffer)) {
            --at;
          }
          out.insert(out.begin() + static_cast<long>(at), c);
          floor = at + 1;
        }
        out.insert(out.end(), repl.begin(), repl.end());
        changed = true;
      } else {
        Stmt m = MutateStmt(s);
        changed |= m != s;
        out.push_back(m);
      }
      later_.pop_back();
    }
    return changed ? MakeSeq(std::move(out), n.loc) : self;
  }
  Stmt MutateFor(const For& n, const Stmt& self) override {
    ++loops_;
    Stmt out = StmtMutator::MutateFor(n, self);
    --loops_;
    return out;
  }

 private:
  // A fresh buffer name from `base`.
  std::string Fresh(const std::string& base) {
    std::string name = base;
    for (int k = 2; names_.count(name); ++k) name = absl::StrCat(base, "_", k);
    names_.insert(name);
    return name;
  }

  Buffer NewBuffer(const Access& a, const std::map<std::string, int64_t>& extent, const std::string& role,
                   Scope scope, const Loc& loc) {
    auto b = std::make_shared<BufferNode>();
    b->name = Fresh(absl::StrCat("tt_", a.buffer->name, "_", role, "_", loc.line, "_", loc.col));
    for (const std::string& v : a.vars) {
      if (!v.empty()) b->shape.push_back(extent.at(v));
    }
    if (b->shape.empty()) b->shape.push_back(1);
    b->dtype = a.buffer->dtype;
    b->scope = scope;
    b->loc = loc;
    auto alloc = std::make_shared<Alloc>();
    alloc->buffer = b;
    alloc->loc = loc;
    allocs.push_back(alloc);
    return b;
  }

  static std::vector<Expr> StageIndices(const Access& a) {
    std::vector<Expr> idx;
    for (const std::string& v : a.vars) {
      if (!v.empty()) idx.push_back(MakeVar(v));
    }
    if (idx.empty()) idx.push_back(MakeInt(0));
    return idx;
  }

  // T.copy between the global region of `a` and the whole staging buffer `stage`.
  static Stmt StageCopy(const Access& a, const std::map<std::string, int64_t>& extent, const Buffer& stage,
                        bool to_global, const Loc& loc) {
    Region g, s;
    g.buffer = a.buffer;
    g.begin = a.offsets;
    for (const std::string& v : a.vars) g.extent.push_back(v.empty() ? 1 : extent.at(v));
    s.buffer = stage;
    s.begin.assign(stage->shape.size(), MakeInt(0));
    s.extent = stage->shape;
    auto c = std::make_shared<Copy>();
    c->src = to_global ? s : g;
    c->dst = to_global ? g : s;
    c->loc = loc;
    return c;
  }

  // Stages the global accesses of the store nest `f` into `out`; false when it has none or
  // cannot be staged (then an error is reported).
  bool StageNest(const For& f, std::vector<Stmt>* ins, std::vector<Stmt>* out) {
    auto [loops, inner] = PerfectNest(f);
    const Store* st = As<Store>(inner);
    std::vector<Expr> exprs = st->indices;
    exprs.push_back(st->value);
    const std::vector<const Load*> loads = GlobalLoads(exprs);
    if (!IsGlobal(st->buffer) && loads.empty()) return false;
    const Loc loc = st->loc.empty() ? f.loc : st->loc;
    const Buffer& first = IsGlobal(st->buffer) ? st->buffer : loads[0]->buffer;
    auto fail = [&](const Buffer& b, const std::string& why) {
      ctx_.diag.Error(loc, absl::StrCat("cannot stage the element accesses of DRAM buffer '", b->name,
                                        "' in this nest through an on-chip buffer: ", why,
                                        "; copy the block with T.copy and compute on the on-chip buffer"));
      return false;
    };
    std::set<std::string> vars;
    std::map<std::string, int64_t> extent;
    for (const For* l : loops) {
      const std::optional<int64_t> lo = ConstValue(l->min), n = ConstValue(l->extent);
      if (lo != 0 || !n || *n <= 0) {
        return fail(first, absl::StrCat("loop ", l->var, " of the nest does not run over a constant range from 0"));
      }
      vars.insert(l->var);
      extent[l->var] = *n;
    }
    std::string why;
    std::optional<Access> store;
    if (IsGlobal(st->buffer)) {
      store = Analyze(st->buffer, st->indices, vars, &why);
      if (!store) return fail(st->buffer, absl::StrCat("the store to ", AccessText(st->buffer, st->indices), ": ", why));
      for (const For* l : loops) {
        if (std::find(store->vars.begin(), store->vars.end(), l->var) == store->vars.end()) {
          return fail(st->buffer, absl::StrCat("the store to ", AccessText(st->buffer, st->indices),
                                               " does not use loop variable ", l->var,
                                               ", so the nest writes its elements more than once"));
        }
      }
    }
    // Input staging buffers: one per distinct region read.
    std::vector<std::pair<Access, Buffer>> inputs;
    std::map<const Load*, Expr> repl;
    for (const Load* l : loads) {
      std::optional<Access> a = Analyze(l->buffer, l->indices, vars, &why);
      if (!a) return fail(l->buffer, absl::StrCat("the read of ", AccessText(l->buffer, l->indices), ": ", why));
      if (store && l->buffer == store->buffer && !a->SameElements(*store)) {
        return fail(l->buffer, absl::StrCat("the nest reads ", AccessText(l->buffer, l->indices),
                                            " besides writing other elements of it, ",
                                            AccessText(st->buffer, st->indices),
                                            "; a read of a written buffer must be of the element the iteration writes"));
      }
      Buffer stage;
      for (const auto& [b, s] : inputs) {
        if (b.SameElements(*a)) stage = s;
      }
      if (!stage) {
        stage = NewBuffer(*a, extent, "in", Scope::kShared, loc);
        inputs.emplace_back(*a, stage);
      }
      repl[l] = MakeLoad(stage, StageIndices(*a), l->loc);
    }
    for (const auto& [a, stage] : inputs) ins->push_back(StageCopy(a, extent, stage, false, loc));
    ReplaceLoads r(repl);
    auto ns = std::make_shared<Store>(*st);
    ns->value = r.MutateExpr(st->value);
    Buffer out_stage;
    if (store) out_stage = DeadFragmentRead(*st, *store, extent);
    if (store) {
      if (!out_stage) out_stage = NewBuffer(*store, extent, "out", Scope::kFragment, loc);
      ns->buffer = out_stage;
      ns->indices = StageIndices(*store);
    } else {
      std::vector<Expr> idx;
      for (const Expr& i : st->indices) idx.push_back(r.MutateExpr(i));
      ns->indices = idx;
    }
    Stmt body = ns;
    for (auto it = loops.rbegin(); it != loops.rend(); ++it) {
      auto l = std::make_shared<For>(**it);
      l->body = MakeSeq({body}, (*it)->body ? (*it)->body->loc : Loc{});
      body = l;
    }
    out->push_back(body);
    if (store) out->push_back(StageCopy(*store, extent, out_stage, true, loc));
    ++staged;
    return true;
  }

  // A fragment the nest reads only at the element each iteration writes (the stage's indices),
  // of the stage's shape, and that nothing reads after the nest (not in a loop): the update can
  // be written into it in place instead of a new buffer (`acc[i, j] = G_in[i, j] + acc[i, j]`,
  // then acc is copied out), keeping one result per element live. Its dtype must be the
  // buffer's or float32.
  Buffer DeadFragmentRead(const Store& st, const Access& store, const std::map<std::string, int64_t>& extent) {
    if (loops_ > 0) return nullptr;
    std::vector<int64_t> shape;
    for (const std::string& v : store.vars) {
      if (!v.empty()) shape.push_back(extent.at(v));
    }
    const std::vector<Expr> idx = StageIndices(store);
    class Reads : public ExprVisitor {
     public:
      std::map<Buffer, bool> at_stage;  // fragment -> every read at the stage's indices
      const std::vector<Expr>* idx;

     protected:
      void VisitLoad(const Load& l) override {
        if (l.buffer->scope == Scope::kFragment) {
          bool same = l.indices.size() == idx->size();
          for (size_t d = 0; same && d < idx->size(); ++d) same = StructuralEqual(l.indices[d], (*idx)[d]);
          auto [it, fresh] = at_stage.emplace(l.buffer, same);
          it->second = it->second && same;
        }
        ExprVisitor::VisitLoad(l);
      }
    };
    Reads r;
    r.idx = &idx;
    r.VisitExpr(st.value);
    for (const auto& [b, same] : r.at_stage) {
      if (!same || b->shape != shape || !(b->dtype == store.buffer->dtype || b->dtype.name == "float32")) continue;
      bool used = false;
      for (const std::vector<Stmt>& rest : later_) {
        for (const Stmt& x : rest) used = used || References(x, b);
      }
      if (!used) return b;
    }
    return nullptr;
  }

  // Whether `s` writes global buffer `b` (a copy to it or a store).
  static bool Writes(const Stmt& s, const Buffer& b) {
    class V : public StmtVisitor {
     public:
      Buffer b;
      bool found = false;

     protected:
      void VisitStore(const Store& st) override { found |= st.buffer == b; }
      void VisitCopy(const Copy& c) override { found |= c.dst.buffer == b; }
    };
    V v;
    v.b = b;
    v.VisitStmt(s);
    return v.found;
  }

  static bool References(const Stmt& s, const Buffer& b) {
    class V : public StmtVisitor {
     public:
      Buffer b;
      bool found = false;

     protected:
      void VisitLoad(const Load& l) override {
        found |= l.buffer == b;
        StmtVisitor::VisitLoad(l);
      }
      void VisitStore(const Store& st) override {
        found |= st.buffer == b;
        StmtVisitor::VisitStore(st);
      }
      void VisitCopy(const Copy& c) override {
        found |= c.src.buffer == b || c.dst.buffer == b;
        StmtVisitor::VisitCopy(c);
      }
      void VisitFill(const Fill& f) override {
        found |= f.buffer == b;
        StmtVisitor::VisitFill(f);
      }
      void VisitGemm(const Gemm& g) override { found |= g.a == b || g.b == b || g.c == b; }
    };
    V v;
    v.b = b;
    v.VisitStmt(s);
    return v.found;
  }

  PassContext& ctx_;
  std::set<std::string> names_;
  std::vector<std::vector<Stmt>> later_;  // the statements after each enclosing one
  int loops_ = 0;
};

// The first element access to a global buffer left in `body`, reported at its statement.
class Leftovers : public StmtVisitor {
 public:
  explicit Leftovers(PassContext& ctx) : ctx_(ctx) {}

 protected:
  void VisitLoad(const Load& l) override {
    if (IsGlobal(l.buffer)) Report(l.buffer, "reads", l.indices);
    StmtVisitor::VisitLoad(l);
  }
  void VisitStore(const Store& s) override {
    At(s.loc);
    if (IsGlobal(s.buffer)) Report(s.buffer, "writes", s.indices);
    StmtVisitor::VisitStore(s);
  }
  void VisitFor(const For& n) override { At(n.loc), StmtVisitor::VisitFor(n); }
  void VisitIf(const IfThenElse& n) override { At(n.loc), StmtVisitor::VisitIf(n); }
  void VisitLet(const Let& n) override { At(n.loc), StmtVisitor::VisitLet(n); }
  void VisitFill(const Fill& n) override { At(n.loc), StmtVisitor::VisitFill(n); }
  void VisitCopy(const Copy& n) override { At(n.loc), StmtVisitor::VisitCopy(n); }
  void VisitEvaluate(const Evaluate& n) override { At(n.loc), StmtVisitor::VisitEvaluate(n); }

 private:
  void At(const Loc& loc) {
    if (!loc.empty()) loc_ = loc;
  }
  void Report(const Buffer& b, const char* verb, const std::vector<Expr>& indices) {
    if (reported_) return;
    reported_ = true;
    ctx_.diag.Error(loc_, absl::StrCat("this statement ", verb, " DRAM buffer '", b->name, "' element by element (",
                                       AccessText(b, indices), ") outside a store nest; the TT lowering stages "
                                       "element accesses only in a nest of loops around one store (`for i, j in "
                                       "T.Parallel(m, n): ...`); copy the block with T.copy instead"));
  }

  PassContext& ctx_;
  Loc loc_;
  bool reported_ = false;
};

}  // namespace

int StageGlobalAccesses(PassContext& ctx, PrimFunc& func) {
  std::set<std::string> names;
  for (const Buffer& p : func.params) names.insert(p->name);
  class Allocs : public StmtVisitor {
   public:
    std::set<std::string>* names;

   protected:
    void VisitAlloc(const Alloc& a) override { names->insert(a.buffer->name); }
  };
  Allocs a;
  a.names = &names;
  a.VisitStmt(func.body);
  const int errors = ctx.diag.error_count();
  Stager s(ctx, std::move(names));
  Stmt body = s.MutateStmt(func.body);
  if (ctx.diag.error_count() > errors) return 0;
  if (s.staged > 0) {
    const Seq* seq = As<Seq>(body);
    std::vector<Stmt> stmts = s.allocs;
    if (seq) {
      stmts.insert(stmts.end(), seq->stmts.begin(), seq->stmts.end());
    } else {
      stmts.push_back(body);
    }
    func.body = MakeSeq(std::move(stmts), func.body->loc);
  }
  Leftovers(ctx).VisitStmt(func.body);
  return ctx.diag.error_count() > errors ? 0 : s.staged;
}

}  // namespace ttc
