#include "passes/dataflow.h"

#include <algorithm>
#include <set>

#include "ir/visitor.h"

namespace ttc {
namespace {

using namespace ir;

class EdgeCollector : public StmtVisitor {
 public:
  std::vector<CopyEdge> edges;
  std::set<std::string> written;

 protected:
  void VisitCopy(const Copy& n) override {
    const bool src_g = n.src.buffer->scope == Scope::kGlobal;
    const bool dst_g = n.dst.buffer->scope == Scope::kGlobal;
    if (dst_g) written.insert(n.dst.buffer->name);
    if (src_g && !dst_g) edges.push_back({n.src.buffer, n.dst.buffer, true, n.loc});
    if (!src_g && dst_g) edges.push_back({n.dst.buffer, n.src.buffer, false, n.loc});
    StmtVisitor::VisitCopy(n);
  }
  void VisitStore(const Store& n) override {
    if (n.buffer->scope == Scope::kGlobal) written.insert(n.buffer->name);
    StmtVisitor::VisitStore(n);
  }
};

class VarCollector : public ExprVisitor {
 public:
  std::set<std::string> vars;

 protected:
  void VisitVar(const Var& v) override { vars.insert(v.name); }
};

std::set<std::string> VarsOf(const std::vector<Expr>& es) {
  VarCollector c;
  for (const Expr& e : es) c.VisitExpr(e);
  return c.vars;
}

Expr StripCasts(Expr e) {
  while (const Cast* c = As<Cast>(e)) e = c->value;
  return e;
}

bool SameAccess(const Load& l, const Store& s) {
  if (l.buffer->name != s.buffer->name || l.indices.size() != s.indices.size()) return false;
  for (size_t i = 0; i < l.indices.size(); ++i) {
    const Var* a = As<Var>(StripCasts(l.indices[i]));
    const Var* b = As<Var>(StripCasts(s.indices[i]));
    if (!a || !b || a->name != b->name) return false;
  }
  return true;
}

class MatmulFinder : public StmtVisitor {
 public:
  std::vector<MatmulInfo> found;

 protected:
  void VisitGemm(const Gemm& g) override {
    found.push_back({g.a, g.b, g.c, g.transpose_a, g.transpose_b, "", g.loc});
  }
  void VisitStore(const Store& s) override {
    Match(s);
    StmtVisitor::VisitStore(s);
  }

 private:
  void Match(const Store& s) {
    const Binary* add = As<Binary>(StripCasts(s.value));
    if (!add || add->op != BinOp::kAdd) return;
    Expr acc = StripCasts(add->a), prod = StripCasts(add->b);
    const Load* acc_load = As<Load>(acc);
    if (!acc_load || !SameAccess(*acc_load, s)) {
      std::swap(acc, prod);
      acc_load = As<Load>(acc);
      if (!acc_load || !SameAccess(*acc_load, s)) return;
    }
    const Binary* mul = As<Binary>(prod);
    if (!mul || mul->op != BinOp::kMul) return;
    const Load* x = As<Load>(StripCasts(mul->a));
    const Load* y = As<Load>(StripCasts(mul->b));
    if (!x || !y || x->indices.size() != 2 || y->indices.size() != 2 || s.indices.size() != 2) return;
    std::set<std::string> cvars = VarsOf(s.indices);
    std::set<std::string> red;
    for (const auto& v : VarsOf(x->indices)) if (!cvars.count(v)) red.insert(v);
    for (const auto& v : VarsOf(y->indices)) if (!cvars.count(v)) red.insert(v);
    if (red.size() != 1) return;
    const std::string k = *red.begin();
    auto is_k = [&](const Expr& e) {
      const Var* v = As<Var>(StripCasts(e));
      return v && v->name == k;
    };
    // A is the operand indexed [i, k] (or [k, i] transposed); B is [k, j] (or [j, k]).
    const Load* a = x;
    const Load* b = y;
    if (!(is_k(a->indices[1]) || is_k(a->indices[0]))) std::swap(a, b);
    MatmulInfo m;
    m.a = a->buffer;
    m.b = b->buffer;
    m.c = s.buffer;
    m.transpose_a = !is_k(a->indices[1]);
    m.transpose_b = !is_k(b->indices[0]);
    if (m.transpose_a == true && !is_k(a->indices[0])) return;
    m.reduction_var = k;
    m.loc = s.loc;
    found.push_back(m);
  }
};

}  // namespace

std::vector<CopyEdge> CollectCopyEdges(const PrimFunc& func) {
  EdgeCollector c;
  c.VisitStmt(func.body);
  return c.edges;
}

std::vector<Buffer> WrittenParams(const PrimFunc& func) {
  EdgeCollector c;
  c.VisitStmt(func.body);
  std::vector<Buffer> out;
  for (const Buffer& p : func.params) {
    if (c.written.count(p->name)) out.push_back(p);
  }
  return out;
}

std::vector<MatmulInfo> FindMatmuls(const PrimFunc& func) {
  MatmulFinder f;
  f.VisitStmt(func.body);
  return f.found;
}

Buffer GlobalSource(const std::vector<CopyEdge>& edges, const Buffer& onchip) {
  if (onchip->scope == Scope::kGlobal) return onchip;
  for (const CopyEdge& e : edges) {
    if (e.reads_global && e.onchip->name == onchip->name) return e.global;
  }
  return nullptr;
}

}  // namespace ttc
