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
const char kReload[] = "tt.ttc_reload";

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
  // A copy to DRAM packs the buffer like a write group's end: it belongs to the group.
  void VisitCopy(const Copy& c) override {
    if (c.dst.buffer->scope == Scope::kGlobal) Note(&writes, c.src.buffer->name);
    StmtVisitor::VisitCopy(c);
  }

 private:
  void Note(std::set<std::string>* set, const std::string& name) {
    if (names_.count(name)) set->insert(name);
  }
  const std::map<std::string, int64_t>& names_;
};

// Versioned hand-offs (see reduce_tt.h). `inside`: a version of each buffer is in its circular
// buffer when the sequence starts.
class HandOffs {
 public:
  HandOffs(const std::map<std::string, int64_t>& tiles, const std::map<std::string, std::string>& cbs)
      : tiles_(tiles), cbs_(cbs) {}

  Stmt Rewrite(const Stmt& s, std::map<std::string, bool>& in_cb) {
    switch (s->kind) {
      case StmtKind::kSeq: return RewriteSeq(*As<Seq>(s), in_cb);
      case StmtKind::kFor: {
        auto n = std::make_shared<For>(*As<For>(s));
        std::map<std::string, bool> body_state = in_cb;  // every iteration starts and ends so
        n->body = Rewrite(n->body, body_state);
        return n;
      }
      case StmtKind::kLet: {
        auto n = std::make_shared<Let>(*As<Let>(s));
        n->body = Rewrite(n->body, in_cb);
        return n;
      }
      case StmtKind::kIf: {
        auto n = std::make_shared<IfThenElse>(*As<IfThenElse>(s));
        std::map<std::string, bool> else_state = in_cb;
        n->then_body = Rewrite(n->then_body, in_cb);
        n->else_body = Rewrite(n->else_body, else_state);
        return n;
      }
      default: return s;
    }
  }

 private:
  Stmt Marker(const char* name, const std::string& buffer, const Loc& loc) const {
    auto m = std::make_shared<Evaluate>();
    m->value = MakeCall(name, {MakeVar(buffer)});
    m->loc = loc;
    return m;
  }
  Stmt Cb(const char* call, const std::string& buffer) const {
    return MakeIntrinsic(call, {MakeVar(CbVar(cbs_.at(buffer))), MakeInt(tiles_.at(buffer))});
  }

  Stmt RewriteSeq(const Seq& seq, std::map<std::string, bool>& in_cb) {
    const std::map<std::string, bool> entry = in_cb;
    std::map<std::string, bool> open;  // a write group whose marker is not placed yet
    std::map<std::string, bool> had_old;
    std::vector<Stmt> out;
    auto close = [&](const std::string& x, const Loc& loc) {
      out.push_back(Marker(kMarker, x, loc));
      if (had_old[x]) {  // the previous version (waited for: a pop needs it)
        out.push_back(Cb("cb_wait_front", x));
        out.push_back(Cb("cb_pop_front", x));
      }
      open[x] = false;
      in_cb[x] = true;
    };
    // A loop nest around one store (an element-wise or reduction nest) is one statement.
    auto is_compound = [](const Stmt& st) {
      return !IsStoreNest(st) && (st->kind == StmtKind::kFor || st->kind == StmtKind::kLet ||
                                  st->kind == StmtKind::kIf || st->kind == StmtKind::kSeq);
    };
    std::vector<Uses> uses;  // of each statement, once
    for (const Stmt& st : seq.stmts) {
      uses.emplace_back(tiles_);
      uses.back().VisitStmt(st);
    }
    for (size_t i = 0; i < seq.stmts.size(); ++i) {
      const Stmt& st = seq.stmts[i];
      const Uses& u = uses[i];
      const bool compound = is_compound(st);
      if (compound) {
        for (const auto& [x, n] : tiles_) {
          if ((u.writes.count(x) || u.reads.count(x)) && open[x]) close(x, st->loc);
        }
        out.push_back(Rewrite(st, in_cb));
        continue;
      }
      for (const auto& [x, n] : tiles_) {
        const bool w = u.writes.count(x), r = u.reads.count(x);
        if (r && !w && open[x]) close(x, st->loc);
        if (r && in_cb[x] && !open[x]) out.push_back(Cb("cb_wait_front", x));
        if (w && !open[x]) {
          open[x] = true;
          had_old[x] = in_cb[x];
          if (r && in_cb[x]) out.push_back(Marker(kReload, x, st->loc));
        }
      }
      out.push_back(st);
      // A write group ends right after its last write: the next statement does not write x.
      for (const auto& [x, n] : tiles_) {
        if (!open[x]) continue;
        const bool next_writes =
            i + 1 < seq.stmts.size() && !is_compound(seq.stmts[i + 1]) && uses[i + 1].writes.count(x) > 0;
        if (!next_writes) close(x, st->loc);
      }
    }
    const Loc end = seq.stmts.empty() ? seq.loc : seq.stmts.back()->loc;
    for (const auto& [x, n] : tiles_) {
      if (open[x]) close(x, end);
      if (!entry.at(x) && in_cb[x]) {  // the last version made here is read no further
        out.push_back(Cb("cb_wait_front", x));
        out.push_back(Cb("cb_pop_front", x));
        in_cb[x] = false;
      }
    }
    return MakeSeq(std::move(out), seq.loc);
  }

  const std::map<std::string, int64_t>& tiles_;
  const std::map<std::string, std::string>& cbs_;
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

// Whether `s` is the marker `name(buffer)`; its buffer into `buffer` (when not null).
static bool IsMarker(const Stmt& s, const char* name, std::string* buffer) {
  const Evaluate* e = As<Evaluate>(s);
  const Call* c = e ? As<Call>(e->value) : nullptr;
  if (!c || c->name != name || c->args.size() != 1) return false;
  if (buffer) *buffer = As<Var>(c->args[0])->name;
  return true;
}

bool IsHandOffMarker(const Stmt& s, std::string* buffer) { return IsMarker(s, kMarker, buffer); }
bool IsReloadMarker(const Stmt& s, std::string* buffer) { return IsMarker(s, kReload, buffer); }

Stmt InsertHandOffs(const Stmt& body, const std::map<std::string, int64_t>& tiles,
                    const std::map<std::string, std::string>& cbs) {
  if (tiles.empty()) return body;
  std::map<std::string, bool> in_cb;
  for (const auto& [x, n] : tiles) in_cb[x] = false;
  return HandOffs(tiles, cbs).Rewrite(body, in_cb);
}

std::set<std::string> LoopCarried(const Stmt& body, const std::map<std::string, int64_t>& computed,
                                  const std::set<std::string>& handed_off) {
  std::set<std::string> out;
  std::function<void(const Stmt&)> walk = [&](const Stmt& s) {
    if (!s) return;
    if (const Seq* q = As<Seq>(s)) {
      for (const Stmt& c : q->stmts) walk(c);
    } else if (const Let* l = As<Let>(s)) {
      walk(l->body);
    } else if (const IfThenElse* i = As<IfThenElse>(s)) {
      walk(i->then_body);
      walk(i->else_body);
    } else if (const For* f = As<For>(s)) {
      // In the loop body: the first statement that touches x reads it, and some statement
      // writes it: each iteration reads the value the previous one left.
      const Seq* body = As<Seq>(f->body);
      std::vector<Stmt> stmts = body ? body->stmts : std::vector<Stmt>{f->body};
      // Only a loop whose body hands values off (packs them, so DST is released between its
      // statements) needs it; otherwise the carried value stays in DST across the loop.
      Uses all(computed);
      all.VisitStmt(f->body);
      std::vector<Uses> uses;  // of each statement of the body, once
      for (const Stmt& st : stmts) {
        uses.emplace_back(computed);
        uses.back().VisitStmt(st);
      }
      for (const auto& [x, n] : computed) {
        bool hands_off = false;
        for (const std::string& h : handed_off) hands_off |= h != x && all.writes.count(h) > 0;
        if (!hands_off) continue;
        bool first = true, reads_first = false, writes = false;
        for (const Uses& u : uses) {
          if (first && (u.reads.count(x) || u.writes.count(x))) {
            reads_first = u.reads.count(x) > 0;
            first = false;
          }
          writes |= u.writes.count(x) > 0;
        }
        if (reads_first && writes) out.insert(x);
      }
      walk(f->body);
    }
  };
  walk(body);
  return out;
}

}  // namespace ttc
