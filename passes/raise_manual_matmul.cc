#include "passes/raise_manual_matmul.h"

#include <string>
#include <utility>
#include <vector>

#include "ir/visitor.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

// The T.gemm that nest `f` computes, or null.
Stmt MatchManualNest(const For& f, RaisedMatmuls* raised) {
  auto [loops, inner] = PerfectNest(f);
  const Store* s = As<Store>(inner);
  if (loops.size() != 3 || !s) return nullptr;
  auto mm = MatchMatmulStore(*s);
  if (!mm) return nullptr;
  std::map<std::string, int64_t> extent;
  for (const For* l : loops) {
    auto e = ConstValue(l->extent);
    if (!e || ConstValue(l->min) != 0) return nullptr;
    extent[l->var] = *e;
  }
  const auto& A = mm->a->shape;
  const auto& B = mm->b->shape;
  const auto& C = mm->c->shape;
  auto ext = [&](const std::string& v) { return extent.count(v) ? extent[v] : -1; };
  // Accesses must be exactly the loop variables and cover the whole buffers.
  if (ext(mm->c_indices[0]) != C[0] || ext(mm->c_indices[1]) != C[1] || ext(mm->a_indices[0]) != A[0] ||
      ext(mm->a_indices[1]) != A[1] || ext(mm->b_indices[0]) != B[0] || ext(mm->b_indices[1]) != B[1] ||
      extent.size() != 3) {
    return nullptr;
  }
  auto g = std::make_shared<Gemm>();
  g->a = mm->a;
  g->b = mm->b;
  g->c = mm->c;
  g->transpose_a = mm->transpose_a;
  g->transpose_b = mm->transpose_b;
  g->loc = f.loc;
  (*raised)[g.get()] = *mm;
  return g;
}

class Raiser : public StmtMutator {
 public:
  explicit Raiser(RaisedMatmuls* raised) : raised_(raised) {}

 protected:
  Stmt MutateFor(const For& f, const Stmt& self) override {
    if (Stmt g = MatchManualNest(f, raised_)) return g;
    return StmtMutator::MutateFor(f, self);
  }

 private:
  RaisedMatmuls* raised_;
};

}  // namespace

bool IsStoreNest(const Stmt& s) {
  const For* f = As<For>(s);
  return f && As<Store>(PerfectNest(*f).second) != nullptr;
}

std::pair<std::vector<const ir::For*>, ir::Stmt> PerfectNest(const ir::For& f) {
  std::vector<const For*> loops = {&f};
  Stmt inner = f.body;
  while (true) {
    const Seq* q = As<Seq>(inner);
    if (!q || q->stmts.size() != 1) break;
    if (const For* g = As<For>(q->stmts[0])) {
      loops.push_back(g);
      inner = g->body;
      continue;
    }
    inner = q->stmts[0];
    break;
  }
  return {loops, inner};
}

ir::Stmt RaiseManualMatmuls(const ir::Stmt& body, RaisedMatmuls* raised) { return Raiser(raised).MutateStmt(body); }

}  // namespace ttc
