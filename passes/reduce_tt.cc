#include "passes/reduce_tt.h"

#include <functional>

#include "ir/builder.h"
#include "ir/structural_equal.h"
#include "ir/visitor.h"
#include "passes/circular_buffers.h"
#include "passes/raise_manual_matmul.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

const char kMarker[] = "tt.ttc_hand_off";

// Which of `names` a statement writes (store, fill, gemm accumulator) and reads (load, gemm operand).
class Uses : public StmtVisitor {
 public:
  explicit Uses(const std::map<std::string, int64_t>& names) : names_(names) {}
  std::set<std::string> writes, reads;

 protected:
  void VisitGemm(const Gemm& g) override {
    Note(&writes, g.c->name);
    Note(&reads, g.a->name);
    Note(&reads, g.b->name);
    if (!g.clear_accum) Note(&reads, g.c->name);
  }
  void VisitFill(const Fill& f) override {
    Note(&writes, f.buffer->name);
    StmtVisitor::VisitFill(f);
  }
  void VisitStore(const Store& s) override {
    Note(&writes, s.buffer->name);
    StmtVisitor::VisitStore(s);
  }
  void VisitLoad(const Load& l) override {
    Note(&reads, l.buffer->name);
    ExprVisitor::VisitLoad(l);
  }

 private:
  void Note(std::set<std::string>* set, const std::string& name) {
    if (names_.count(name)) set->insert(name);
  }
  const std::map<std::string, int64_t>& names_;
};

class HandOffs : public StmtMutator {
 public:
  explicit HandOffs(const std::map<std::string, int64_t>& tiles) : tiles_(tiles) {}

 protected:
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    Stmt inner = StmtMutator::MutateSeq(n, self);
    const Seq* seq = As<Seq>(inner);
    if (!seq) return inner;
    std::vector<Stmt> st = seq->stmts;
    for (const auto& [name, tiles] : tiles_) {
      int last_write = -1;
      std::vector<int> reads;
      for (size_t i = 0; i < st.size(); ++i) {
        Uses u(tiles_);
        u.VisitStmt(st[i]);
        if (u.writes.count(name)) {
          last_write = static_cast<int>(i);
          reads.clear();
        } else if (u.reads.count(name) && last_write >= 0) {
          reads.push_back(static_cast<int>(i));
        }
      }
      if (last_write < 0 || reads.empty()) continue;
      const Expr cb = MakeVar(CbVar(name));
      std::vector<Stmt> out;
      for (size_t i = 0; i < st.size(); ++i) {
        if (static_cast<int>(i) == reads.front()) out.push_back(MakeIntrinsic("cb_wait_front", {cb, MakeInt(tiles)}));
        out.push_back(st[i]);
        if (static_cast<int>(i) == last_write) {
          auto marker = std::make_shared<Evaluate>();
          marker->value = MakeCall(kMarker, {MakeVar(name)});
          marker->loc = st[i]->loc;
          out.push_back(marker);
        }
        if (static_cast<int>(i) == reads.back()) out.push_back(MakeIntrinsic("cb_pop_front", {cb, MakeInt(tiles)}));
      }
      st = std::move(out);
    }
    return MakeSeq(std::move(st), n.loc);
  }

 private:
  const std::map<std::string, int64_t>& tiles_;
};

}  // namespace

std::optional<ReductionNest> MatchReduction(const std::vector<const For*>& loops, const Store& st) {
  const Binary* b = As<Binary>(StripCasts(st.value));
  if (!b || (b->op != BinOp::kAdd && b->op != BinOp::kMax && b->op != BinOp::kMin)) return std::nullopt;
  auto is_acc = [&](const Expr& e) {
    const Load* l = As<Load>(StripCasts(e));
    if (!l || l->buffer != st.buffer || l->indices.size() != st.indices.size()) return false;
    for (size_t i = 0; i < l->indices.size(); ++i) {
      if (!StructuralEqual(l->indices[i], st.indices[i])) return false;
    }
    return true;
  };
  Expr elem;
  if (is_acc(b->a)) {
    elem = StripCasts(b->b);
  } else if (is_acc(b->b)) {
    elem = StripCasts(b->a);
  } else {
    return std::nullopt;
  }
  ReductionNest r;
  r.result = st.buffer;
  if (const Call* c = As<Call>(elem); c && c->name == "abs" && c->args.size() == 1) {
    r.abs = true;
    elem = StripCasts(c->args[0]);
  }
  const Load* src = As<Load>(elem);
  if (!src || src->buffer->shape.size() != 2 || src->indices.size() != 2 || loops.size() != 2) return std::nullopt;
  const Var* v0 = As<Var>(src->indices[0]);
  const Var* v1 = As<Var>(src->indices[1]);
  if (!v0 || !v1 || v0->name == v1->name) return std::nullopt;
  // The loops run over S's whole shape, one per index.
  for (const For* l : loops) {
    if (ConstValue(l->min) != 0) return std::nullopt;
    const std::optional<int64_t> ext = ConstValue(l->extent);
    if (l->var == v0->name ? ext != src->buffer->shape[0] : l->var == v1->name ? ext != src->buffer->shape[1] : true) {
      return std::nullopt;
    }
  }
  // R's indices: the kept variable, and constants 0 for a kept dimension of 1.
  std::string kept;
  for (size_t i = 0; i < st.indices.size(); ++i) {
    if (const Var* v = As<Var>(st.indices[i])) {
      if (!kept.empty()) return std::nullopt;
      kept = v->name;
    } else if (ConstValue(st.indices[i]) != 0 || st.buffer->shape[i] != 1) {
      return std::nullopt;
    }
  }
  if (kept == v0->name) {
    r.row = true;
  } else if (kept == v1->name) {
    r.row = false;
  } else {
    return std::nullopt;
  }
  r.source = src->buffer;
  r.pool = b->op == BinOp::kAdd ? "SUM" : b->op == BinOp::kMax ? "MAX" : "MIN";
  return r;
}

std::map<const Store*, ReductionNest> FindReductions(const Stmt& body) {
  std::map<const Store*, ReductionNest> out;
  std::function<void(const Stmt&)> walk = [&](const Stmt& s) {
    if (!s) return;
    switch (s->kind) {
      case StmtKind::kSeq:
        for (const Stmt& c : As<Seq>(s)->stmts) walk(c);
        return;
      case StmtKind::kLet: walk(As<Let>(s)->body); return;
      case StmtKind::kIf:
        walk(As<IfThenElse>(s)->then_body);
        walk(As<IfThenElse>(s)->else_body);
        return;
      case StmtKind::kFor: {
        auto [loops, inner] = PerfectNest(*As<For>(s));
        if (const Store* st = As<Store>(inner)) {
          if (auto r = MatchReduction(loops, *st)) out.emplace(st, *r);
          return;
        }
        walk(As<For>(s)->body);
        return;
      }
      default: return;
    }
  };
  walk(body);
  return out;
}

bool ReadThroughCircularBuffer(const Stmt& body, const std::string& name,
                               const std::map<const Store*, ReductionNest>& reductions) {
  class Finder : public StmtVisitor {
   public:
    Finder(const std::string& name, const std::map<const Store*, ReductionNest>& reductions)
        : name_(name), reductions_(reductions) {}
    bool found = false;

   protected:
    void VisitGemm(const Gemm& g) override { found |= g.a->name == name_ || g.b->name == name_; }
    void VisitStore(const Store& s) override {
      if (auto it = reductions_.find(&s); it != reductions_.end() && it->second.source->name == name_) found = true;
      rank_ = s.indices.size();
      StmtVisitor::VisitStore(s);
    }
    void VisitLoad(const Load& l) override {
      if (l.buffer->name == name_ && l.indices.size() < rank_) found = true;
      ExprVisitor::VisitLoad(l);
    }

   private:
    const std::string& name_;
    const std::map<const Store*, ReductionNest>& reductions_;
    size_t rank_ = 0;
  };
  Finder f(name, reductions);
  f.VisitStmt(body);
  return f.found;
}

std::vector<Stmt> ReduceTiles(const ReductionNest& r, const std::string& src_cb, const std::string& scaler_cb,
                              int64_t src_rows, int64_t src_cols, const Expr& first, int64_t count, int64_t offset) {
  const std::string dim = r.row ? "ReduceDim::REDUCE_ROW" : "ReduceDim::REDUCE_COL";
  const std::string args = "<PoolType::" + r.pool + ", " + dim + ">";
  const Expr src = MakeVar(src_cb), scaler = MakeVar(scaler_cb);
  std::vector<Stmt> out = {MakeIntrinsic("reduce_init<true, PoolType::" + r.pool + ", " + dim + ">", {src, scaler, src})};
  const int64_t reduced = r.row ? src_cols : src_rows;
  for (Stmt& s : Repeat("tt_d", count, [&](Expr d) {
         const Expr t = Add(first, d);
         return Repeat("tt_k", reduced, [&](Expr k) {
           const Expr tile = r.row ? Add(Mul(t, src_cols), k) : Add(Mul(k, src_cols), t);
           return std::vector<Stmt>{MakeIntrinsic("reduce_tile" + args, {src, scaler, tile, MakeInt(0), Add(d, offset)})};
         });
       })) {
    out.push_back(s);
  }
  out.push_back(MakeIntrinsic("reduce_revert_delta<" + dim + ">", {src}));
  return out;
}

std::vector<Stmt> ScalerInit(const std::string& scaler_cb) {
  const Expr cb = MakeVar(scaler_cb);
  return {MakeIntrinsic("tile_regs_acquire"),
          MakeIntrinsic("fill_tile_init"),
          MakeIntrinsic("fill_tile", {MakeInt(0), MakeFloat(1.0)}),
          MakeIntrinsic("tile_regs_commit"),
          MakeIntrinsic("tile_regs_wait"),
          MakeIntrinsic("cb_reserve_back", {cb, MakeInt(1)}),
          MakeIntrinsic("pack_tile", {MakeInt(0), cb}),
          MakeIntrinsic("cb_push_back", {cb, MakeInt(1)}),
          MakeIntrinsic("tile_regs_release"),
          MakeIntrinsic("cb_wait_front", {cb, MakeInt(1)})};
}

bool IsHandOffMarker(const Stmt& s, std::string* buffer) {
  const Evaluate* e = As<Evaluate>(s);
  const Call* c = e ? As<Call>(e->value) : nullptr;
  if (!c || c->name != kMarker || c->args.size() != 1) return false;
  if (buffer) *buffer = As<Var>(c->args[0])->name;
  return true;
}

Stmt InsertHandOffs(const Stmt& body, const std::map<std::string, int64_t>& tiles) {
  if (tiles.empty()) return body;
  HandOffs h(tiles);
  Stmt out = h.MutateStmt(body);
  return out ? out : body;
}

}  // namespace ttc
