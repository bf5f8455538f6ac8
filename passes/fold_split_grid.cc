#include "passes/fold_split_grid.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "ir/structural_equal.h"
#include "ir/visitor.h"
#include "passes/raise_manual_matmul.h"
#include "passes/simplify.h"
#include "passes/stage_global_accesses.h"

namespace ttc {
namespace {

using namespace ir;

bool IsGlobal(const Buffer& b) { return b && b->scope == Scope::kGlobal; }

// The read-modify-write add `G[idx] = G[idx] + x` (either order, casts looked through) to a
// global buffer: x, or null.
Expr UpdateAddend(const Store& s) {
  if (!IsGlobal(s.buffer)) return nullptr;
  const Binary* b = As<Binary>(StripCasts(s.value));
  if (!b || b->op != BinOp::kAdd) return nullptr;
  auto same = [&](const Expr& e) {
    const Load* l = As<Load>(StripCasts(e));
    if (!l || l->buffer != s.buffer || l->indices.size() != s.indices.size()) return false;
    for (size_t d = 0; d < s.indices.size(); ++d) {
      if (!StructuralEqual(l->indices[d], s.indices[d])) return false;
    }
    return true;
  };
  if (same(b->a)) return b->b;
  if (same(b->b)) return b->a;
  return nullptr;
}

// Global writes (stores and copy destinations) and the variables their indices use.
class Writes : public StmtVisitor {
 public:
  std::vector<const Store*> updates;  // read-modify-write adds
  std::vector<Loc> others;            // every other global write
  std::set<std::string> index_vars;
  std::map<std::string, Expr> lets;   // let variable -> value

 protected:
  void VisitStore(const Store& s) override {
    if (IsGlobal(s.buffer)) {
      if (UpdateAddend(s)) {
        updates.push_back(&s);
      } else {
        others.push_back(s.loc);
      }
      for (const Expr& i : s.indices) Vars(i);
    }
    StmtVisitor::VisitStore(s);
  }
  void VisitCopy(const Copy& c) override {
    if (IsGlobal(c.dst.buffer)) {
      others.push_back(c.loc);
      for (const Expr& i : c.dst.begin) Vars(i);
    }
    StmtVisitor::VisitCopy(c);
  }
  void VisitLet(const Let& l) override {
    lets[l.var] = l.value;
    StmtVisitor::VisitLet(l);
  }

 private:
  void Vars(const Expr& e) {
    class V : public ExprVisitor {
     public:
      std::set<std::string>* out;

     protected:
      void VisitVar(const Var& v) override { out->insert(v.name); }
    };
    V v;
    v.out = &index_vars;
    v.VisitExpr(e);
  }
};

// Whether statement `s` mentions one of `vars`.
bool StmtMentions(const Stmt& s, const std::set<std::string>& vars) {
  class V : public StmtVisitor {
   public:
    explicit V(const std::set<std::string>& vars) : vars_(vars) {}
    bool found = false;

   protected:
    void VisitVar(const Var& v) override { found |= vars_.count(v.name) > 0; }
    void VisitFor(const For& f) override {
      found |= vars_.count(f.var) > 0;
      StmtVisitor::VisitFor(f);
    }

   private:
    const std::set<std::string>& vars_;
  };
  V v(vars);
  v.VisitStmt(s);
  return v.found;
}

// Buffers the statement accumulates into: T.gemm outputs and `X[i] = X[i] + ...` stores.
// `bad` receives the first write that makes the split loop unfoldable.
void Accumulators(const Stmt& s, std::set<Buffer>* acc, std::string* bad) {
  class V : public StmtVisitor {
   public:
    std::set<Buffer>* acc;
    std::string* bad;

   protected:
    void VisitGemm(const Gemm& g) override {
      acc->insert(g.c);
      if (g.clear_accum && bad->empty()) *bad = absl::StrCat("T.gemm at ", g.loc.ToString(), " clears its accumulator");
    }
    void VisitStore(const Store& st) override {
      if (IsGlobal(st.buffer) && bad->empty()) {
        *bad = absl::StrCat("the K loop writes DRAM buffer '", st.buffer->name, "' at ", st.loc.ToString());
      }
      if (const Binary* b = As<Binary>(StripCasts(st.value)); b && b->op == BinOp::kAdd) {
        for (const Expr& x : {b->a, b->b}) {
          const Load* l = As<Load>(StripCasts(x));
          if (l && l->buffer == st.buffer) acc->insert(st.buffer);
        }
      }
      StmtVisitor::VisitStore(st);
    }
    void VisitCopy(const Copy& c) override {
      if (IsGlobal(c.dst.buffer) && bad->empty()) {
        *bad = absl::StrCat("the K loop writes DRAM buffer '", c.dst.buffer->name, "' at ", c.loc.ToString());
      }
      StmtVisitor::VisitCopy(c);
    }
  };
  V v;
  v.acc = acc;
  v.bad = bad;
  v.VisitStmt(s);
}

bool IsZero(const Expr& e) {
  if (const IntImm* i = As<IntImm>(e)) return i->value == 0;
  if (const FloatImm* f = As<FloatImm>(e)) return f->value == 0;
  return false;
}

// Rewrites `s * cs + k * ck` (cs == nk * ck) as `k * ck` over the fused loop `k`; `ok` turns
// false at a use of s or k that does not have this form.
class Fuser : public StmtMutator {
 public:
  Fuser(std::string s, std::string k, int64_t nk) : s_(std::move(s)), k_(std::move(k)), nk_(nk) {}
  bool ok = true;

 protected:
  Expr MutateVar(const Var& v, const Expr& self) override {
    if (v.name == s_ || v.name == k_) ok = false;
    return self;
  }
  Expr MutateBinary(const Binary& b, const Expr& self) override {
    std::map<std::string, int64_t> coeff;
    Expr offset;
    if (MentionsVars(self, {s_, k_}) && AffineTerms(self, {s_, k_}, &coeff, &offset) &&
        coeff[s_] == nk_ * coeff[k_] && coeff[k_] != 0) {
      Expr k = Mul(MakeVar(k_, self->loc), coeff[k_]);
      return offset ? Simplify(MakeBinary(BinOp::kAdd, offset, k, self->loc)) : k;
    }
    return ExprMutator::MutateBinary(b, self);
  }

 private:
  std::string s_, k_;
  int64_t nk_;
};

// The epilogue with the accumulator read directly: whole copies of it (`T.copy(C_local,
// C_shared)`, checked by Folding::Epilogue) are dropped and their reads read it (with the
// copy's cast), so the update is one element-wise nest on the accumulator.
class ReadAccumulator : public StmtMutator {
 public:
  explicit ReadAccumulator(std::map<Buffer, Buffer> root) : root_(std::move(root)) {}

 protected:
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    std::vector<Stmt> out;
    for (const Stmt& s : n.stmts) {
      const Copy* c = As<Copy>(s);
      if (c && root_.count(c->dst.buffer)) continue;
      out.push_back(MutateStmt(s));
    }
    return MakeSeq(std::move(out), n.loc);
  }
  Expr MutateLoad(const Load& n, const Expr& self) override {
    auto it = root_.find(n.buffer);
    if (it == root_.end()) return ExprMutator::MutateLoad(n, self);
    Expr l = MakeLoad(it->second, n.indices, n.loc);
    return it->second->dtype == n.buffer->dtype ? l : MakeCast(n.buffer->dtype, l, n.loc);
  }

 private:
  std::map<Buffer, Buffer> root_;
};

struct Folding {
  PassContext& ctx;
  std::string var;                 // the split grid index
  int64_t extent;
  std::set<std::string> derived;   // var and the lets computed from it
  std::vector<Stmt> prefix;        // statements before the K loop (all levels)
  std::set<const Store*> accepted; // updates in the epilogue
  std::string why;                 // the first mismatch with the supported form

  bool Fail(std::string reason) {
    if (why.empty()) why = std::move(reason);
    return false;
  }

  std::map<Buffer, Buffer> root;   // a whole copy of an accumulator -> the accumulator

  // The epilogue: copies of accumulators, and update nests that add one of them.
  bool Epilogue(const std::vector<Stmt>& stmts, std::set<Buffer>* linear) {
    for (const Stmt& s : stmts) {
      if (StmtMentions(s, derived)) {
        return Fail(absl::StrCat("the statement at ", s->loc.ToString(), " after the K loop uses ", var));
      }
      if (s->kind == StmtKind::kAlloc) continue;
      if (const Let* l = As<Let>(s)) {
        if (!Epilogue(As<Seq>(l->body)->stmts, linear)) return false;
        continue;
      }
      if (const Copy* c = As<Copy>(s); c && !IsGlobal(c->src.buffer) && !IsGlobal(c->dst.buffer) &&
                                       linear->count(c->src.buffer) && c->src.extent == c->src.buffer->shape &&
                                       c->dst.extent == c->dst.buffer->shape && c->src.extent == c->dst.extent &&
                                       !linear->count(c->dst.buffer)) {
        linear->insert(c->dst.buffer);
        root[c->dst.buffer] = root.count(c->src.buffer) ? root[c->src.buffer] : c->src.buffer;
        continue;
      }
      if (IsStoreNest(s)) {
        const Store* st = As<Store>(PerfectNest(*As<For>(s)).second);
        const Load* l = st ? As<Load>(StripCasts(UpdateAddend(*st))) : nullptr;
        if (l && linear->count(l->buffer)) {
          accepted.insert(st);
          continue;
        }
        if (st && UpdateAddend(*st)) {
          return Fail(absl::StrCat("the update at ", st->loc.ToString(), " adds `", PrintExpr(UpdateAddend(*st)),
                                   "`, not the accumulator or a whole copy of it"));
        }
      }
      return Fail(absl::StrCat("the statement at ", s->loc.ToString(),
                               " after the K loop is neither a whole copy of the accumulator nor an update "
                               "that adds (a copy of) the accumulator"));
    }
    return true;
  }

  // Folds the split loop into `seq` (one level of the body; a trailing let continues it).
  std::optional<std::vector<Stmt>> Level(const std::vector<Stmt>& stmts) {
    std::vector<size_t> uses;
    for (size_t i = 0; i < stmts.size(); ++i) {
      if (StmtMentions(stmts[i], derived)) uses.push_back(i);
    }
    if (uses.empty()) {
      Fail(absl::StrCat("nothing in the block uses ", var, ", so every split adds the same values"));
      return std::nullopt;
    }
    if (uses.size() > 1) {
      Fail(absl::StrCat("the statements at ", stmts[uses[0]]->loc.ToString(), " and ", stmts[uses[1]]->loc.ToString(),
                        " both use ", var, "; only the K loop may"));
      return std::nullopt;
    }
    const size_t p = uses[0];
    std::vector<Stmt> out(stmts.begin(), stmts.begin() + static_cast<long>(p));
    prefix.insert(prefix.end(), out.begin(), out.end());
    if (const Let* l = As<Let>(stmts[p]); l && p + 1 == stmts.size() && !MentionsVars(l->value, derived)) {
      auto inner = Level(As<Seq>(l->body)->stmts);
      if (!inner) return std::nullopt;
      auto nl = std::make_shared<Let>(*l);
      nl->body = MakeSeq(std::move(*inner), l->body->loc);
      out.push_back(nl);
      return out;
    }
    const For* k = As<For>(stmts[p]);
    if (!k) {
      Fail(absl::StrCat("the statement at ", stmts[p]->loc.ToString(), " uses ", var, " outside the K loop"));
      return std::nullopt;
    }
    std::set<Buffer> acc;
    std::string bad;
    Accumulators(stmts[p], &acc, &bad);
    if (!bad.empty()) {
      Fail(bad);
      return std::nullopt;
    }
    if (acc.empty()) {
      Fail(absl::StrCat("the K loop at ", k->loc.ToString(), " accumulates into no on-chip buffer"));
      return std::nullopt;
    }
    for (const Buffer& a : acc) {
      bool cleared = false;
      for (const Stmt& s : prefix) {
        const Fill* f = As<Fill>(s);
        cleared |= f && f->buffer == a && IsZero(f->value);
      }
      if (!cleared) {
        Fail(absl::StrCat("the accumulator '", a->name, "' is not cleared (T.clear) before the K loop"));
        return std::nullopt;
      }
    }
    std::vector<Stmt> epilogue(stmts.begin() + static_cast<long>(p) + 1, stmts.end());
    if (!Epilogue(epilogue, &acc)) return std::nullopt;
    out.push_back(SplitLoop(*k, stmts[p]));
    Stmt e = ReadAccumulator(root).MutateStmt(MakeSeq(epilogue));
    out.insert(out.end(), As<Seq>(e)->stmts.begin(), As<Seq>(e)->stmts.end());
    return out;
  }

  // `for var in T.serial(extent): K`, or one K loop over both when the indices combine affinely.
  Stmt SplitLoop(const For& k, const Stmt& self) {
    const std::optional<int64_t> lo = ConstValue(k.min), nk = ConstValue(k.extent);
    if (lo == 0 && nk && *nk > 0 && derived.size() == 1) {
      Fuser f(var, k.var, *nk);
      Stmt body = f.MutateStmt(k.body);
      if (f.ok) {
        auto fused = std::make_shared<For>(k);
        fused->extent = MakeInt(*nk * extent, k.extent->loc);
        fused->body = body;
        return fused;
      }
    }
    auto loop = std::make_shared<For>();
    loop->var = var;
    loop->min = MakeInt(0);
    loop->extent = MakeInt(extent);
    loop->for_kind = ForKind::kSerial;
    loop->body = MakeSeq({self}, k.loc);
    loop->loc = k.loc;
    return loop;
  }
};

}  // namespace

int FoldSplitGrid(PassContext& ctx, PrimFunc& func) {
  Writes w;
  w.VisitStmt(func.body);
  if (w.updates.empty()) return 0;
  // Grid indices (extent > 1) that no write index uses, through lets too.
  std::vector<size_t> split;
  std::map<size_t, std::set<std::string>> derived;
  for (size_t d = 0; d < func.grid.vars.size(); ++d) {
    std::set<std::string> vars = {func.grid.vars[d]};
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [name, value] : w.lets) {
        if (!vars.count(name) && MentionsVars(value, vars)) grew = vars.insert(name).second;
      }
    }
    bool used = false;
    for (const std::string& v : vars) used |= w.index_vars.count(v) > 0;
    if (!used && func.grid.extents[d] > 1) {
      split.push_back(d);
      derived[d] = vars;
    }
  }
  if (split.empty()) return 0;
  const Store* first = w.updates[0];
  const std::string head = absl::StrCat(
      "this update of DRAM buffer '", first->buffer->name, "' (T.atomic_add) does not depend on grid index ",
      func.grid.vars[split[0]], ": TT has no DRAM atomics, so the TT lowering runs the ",
      func.grid.extents[split[0]], " splits of ", func.grid.vars[split[0]],
      " one after another on one core, adding them on the core before one update; supported is the split-K form "
      "`T.clear(acc); for k in T.serial/T.Pipelined(n): (T.copy, T.gemm(..., acc)); [T.copy(acc, X)]; "
      "for i, j in T.Parallel(...): T.atomic_add(C[...], X[i, j])` with the split index used only in the K loop");
  if (split.size() > 1) {
    ctx.diag.Error(first->loc, absl::StrCat(head, "; here grid indices ", func.grid.vars[split[0]], " and ",
                                            func.grid.vars[split[1]], " are both unused by the writes"));
    return 0;
  }
  const size_t d = split[0];
  Folding f{ctx, func.grid.vars[d], func.grid.extents[d], derived[d], {}, {}, "", {}};
  std::optional<std::vector<Stmt>> body = f.Level(As<Seq>(func.body)->stmts);
  if (body && !w.others.empty()) {
    f.Fail(absl::StrCat("the statement at ", w.others[0].ToString(), " also writes DRAM"));
  } else if (body && f.accepted.size() != w.updates.size()) {
    for (const Store* u : w.updates) {
      if (!f.accepted.count(u)) f.Fail(absl::StrCat("the update at ", u->loc.ToString(), " is not in the epilogue"));
    }
  }
  if (!f.why.empty()) {
    ctx.diag.Error(first->loc, absl::StrCat(head, "; here ", f.why));
    return 0;
  }
  func.body = MakeSeq(std::move(*body), func.body->loc);
  func.grid.extents.erase(func.grid.extents.begin() + static_cast<long>(d));
  func.grid.vars.erase(func.grid.vars.begin() + static_cast<long>(d));
  if (func.grid.extents.empty()) {
    func.grid.extents.push_back(1);
    func.grid.vars.push_back("tt_block");
  }
  return 1;
}

}  // namespace ttc
