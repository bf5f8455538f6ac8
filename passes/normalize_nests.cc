#include "passes/normalize_nests.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/visitor.h"

namespace ttc {
namespace {

using namespace ir;

// Appends `m` to `out`, splicing its statements when it is a sequence that replaced `s`.
void Splice(const Stmt& s, const Stmt& m, std::vector<Stmt>* out) {
  if (const Seq* q = As<Seq>(m); q && m != s) {
    out->insert(out->end(), q->stmts.begin(), q->stmts.end());
  } else {
    out->push_back(m);
  }
}

class ParallelLetInliner : public StmtMutator {
 protected:
  Expr MutateVar(const Var& v, const Expr& self) override {
    auto it = values_.find(v.name);
    return it == values_.end() ? self : it->second;
  }
  Stmt MutateFor(const For& n, const Stmt& self) override {
    auto shadow = values_.extract(n.var);  // the loop variable hides a let of that name
    depth_ += n.for_kind == ForKind::kParallel;
    Stmt out = StmtMutator::MutateFor(n, self);
    depth_ -= n.for_kind == ForKind::kParallel;
    if (!shadow.empty()) values_.insert(std::move(shadow));
    return out;
  }
  Stmt MutateLet(const Let& n, const Stmt& self) override {
    if (depth_ == 0) return StmtMutator::MutateLet(n, self);
    Expr value = MutateExpr(n.value);
    auto saved = values_.extract(n.var);
    values_[n.var] = value;
    Stmt body = MutateStmt(n.body);
    values_.erase(n.var);
    if (!saved.empty()) values_.insert(std::move(saved));
    return body;
  }
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    std::vector<Stmt> out;
    bool changed = false;
    for (const Stmt& s : n.stmts) {
      Stmt m = MutateStmt(s);
      changed |= m != s;
      Splice(s, m, &out);
    }
    return changed ? MakeSeq(std::move(out), n.loc) : self;
  }

 private:
  std::map<std::string, Expr> values_;
  int depth_ = 0;
};

// A T.Parallel nest of stores: a store, or a T.Parallel loop over such nests.
bool IsParallelStores(const Stmt& s) {
  if (As<Store>(s)) return true;
  const For* f = As<For>(s);
  const Seq* q = f ? As<Seq>(f->body) : nullptr;
  if (!q || f->for_kind != ForKind::kParallel) return false;
  for (const Stmt& c : q->stmts) {
    if (!IsParallelStores(c)) return false;
  }
  return true;
}

// Distributes each T.Parallel loop over the statements of its body (innermost first), so
// `for i: {for j: s1; for j: s2}` becomes `for i: for j: s1` then `for i: for j: s2`.
class Fission : public StmtMutator {
 protected:
  Stmt MutateFor(const For& n, const Stmt& self) override {
    Stmt m = StmtMutator::MutateFor(n, self);
    const For* f = As<For>(m);
    const Seq* q = As<Seq>(f->body);
    if (f->for_kind != ForKind::kParallel || !q || q->stmts.size() < 2 || !IsParallelStores(m)) return m;
    std::vector<Stmt> out;
    for (const Stmt& c : q->stmts) {
      auto l = std::make_shared<For>(*f);
      l->body = MakeSeq({c}, c->loc);
      out.push_back(l);
    }
    return MakeSeq(std::move(out), n.loc);
  }
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    std::vector<Stmt> out;
    bool changed = false;
    for (const Stmt& s : n.stmts) {
      Stmt m = MutateStmt(s);
      changed |= m != s;
      Splice(s, m, &out);
    }
    return changed ? MakeSeq(std::move(out), n.loc) : self;
  }
};

}  // namespace

Stmt InlineParallelLets(const Stmt& s) { return ParallelLetInliner().MutateStmt(s); }

Stmt SplitParallelBodies(const Stmt& s) { return Fission().MutateStmt(s); }

}  // namespace ttc
