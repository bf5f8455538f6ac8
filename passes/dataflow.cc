#include "passes/dataflow.h"

#include <algorithm>
#include <set>

#include "ir/printer.h"
#include "ir/visitor.h"
#include "passes/simplify.h"

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

bool SameAccess(const Load& l, const Store& s) {
  if (l.buffer->name != s.buffer->name || l.indices.size() != s.indices.size()) return false;
  for (size_t i = 0; i < l.indices.size(); ++i) {
    const Var* a = As<Var>(StripCasts(l.indices[i]));
    const Var* b = As<Var>(StripCasts(s.indices[i]));
    if (!a || !b || a->name != b->name) return false;
  }
  return true;
}

std::vector<std::string> IndexNames(const std::vector<Expr>& idx) {
  std::vector<std::string> out;
  for (const Expr& e : idx) {
    const Var* v = As<Var>(StripCasts(e));
    out.push_back(v ? v->name : PrintExpr(e));
  }
  return out;
}

class MatmulFinder : public StmtVisitor {
 public:
  std::vector<MatmulInfo> found;

 protected:
  void VisitGemm(const Gemm& g) override {
    MatmulInfo m;
    m.a = g.a;
    m.b = g.b;
    m.c = g.c;
    m.transpose_a = g.transpose_a;
    m.transpose_b = g.transpose_b;
    m.loc = g.loc;
    found.push_back(m);
  }
  void VisitStore(const Store& s) override {
    if (auto m = MatchMatmulStore(s)) found.push_back(*m);
    StmtVisitor::VisitStore(s);
  }
};

}  // namespace

std::optional<MatmulInfo> MatchMatmulStore(const Store& s) {
  const Binary* add = As<Binary>(StripCasts(s.value));
  if (!add || add->op != BinOp::kAdd) return std::nullopt;
  Expr acc = StripCasts(add->a), prod = StripCasts(add->b);
  const Load* acc_load = As<Load>(acc);
  if (!acc_load || !SameAccess(*acc_load, s)) {
    std::swap(acc, prod);
    acc_load = As<Load>(acc);
    if (!acc_load || !SameAccess(*acc_load, s)) return std::nullopt;
  }
  const Binary* mul = As<Binary>(prod);
  if (!mul || mul->op != BinOp::kMul) return std::nullopt;
  const Load* x = As<Load>(StripCasts(mul->a));
  const Load* y = As<Load>(StripCasts(mul->b));
  if (!x || !y || x->indices.size() != 2 || y->indices.size() != 2 || s.indices.size() != 2) return std::nullopt;
  std::set<std::string> cvars = VarsOf(s.indices);
  std::set<std::string> red;
  for (const auto& v : VarsOf(x->indices)) if (!cvars.count(v)) red.insert(v);
  for (const auto& v : VarsOf(y->indices)) if (!cvars.count(v)) red.insert(v);
  if (red.size() != 1) return std::nullopt;
  const std::string k = *red.begin();
  auto is_k = [&](const Expr& e) {
    const Var* v = As<Var>(StripCasts(e));
    return v && v->name == k;
  };
  // A is the operand that shares the output's row index (C[i, j] = A[i, k] * B[k, j]).
  const Load* a = x;
  const Load* b = y;
  const std::set<std::string> row = VarsOf({s.indices[0]});
  auto has_row = [&](const Load* l) {
    for (const auto& v : VarsOf(l->indices)) if (row.count(v)) return true;
    return false;
  };
  if (!has_row(a)) std::swap(a, b);
  if (!(is_k(a->indices[0]) || is_k(a->indices[1])) || !(is_k(b->indices[0]) || is_k(b->indices[1]))) {
    return std::nullopt;
  }
  MatmulInfo m;
  m.a = a->buffer;
  m.b = b->buffer;
  m.c = s.buffer;
  m.transpose_a = !is_k(a->indices[1]);
  m.transpose_b = !is_k(b->indices[0]);
  m.reduction_var = k;
  m.a_indices = IndexNames(a->indices);
  m.b_indices = IndexNames(b->indices);
  m.c_indices = IndexNames(s.indices);
  m.loc = s.loc;
  return m;
}

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
