#include "passes/forward_onchip_copies.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/visitor.h"
#include "passes/dataflow.h"

namespace ttc {
namespace {

using namespace ir;

bool OnChip(const Buffer& b) { return b && b->scope != Scope::kGlobal; }

bool Whole(const Region& r) {
  if (r.begin.size() != r.buffer->shape.size() || r.extent != r.buffer->shape) return false;
  for (const Expr& b : r.begin) {
    const IntImm* i = As<IntImm>(b);
    if (!i || i->value != 0) return false;
  }
  return true;
}

// Program-order positions of every read and write of each buffer, and the on-chip copies.
class Accesses : public StmtVisitor {
 public:
  struct Uses {
    std::vector<int> reads, writes;
  };
  std::map<const BufferNode*, Uses> uses;
  std::vector<std::pair<const Copy*, int>> copies;
  std::set<const BufferNode*> from_dram, to_dram;  // on-chip buffers filled from / copied to DRAM
  std::map<const BufferNode*, int> other_reads;     // reads that are not a copy to DRAM
  std::map<const BufferNode*, std::set<std::string>> dram_dtypes;  // dtypes of the DRAM copies' targets

 protected:
  void VisitLoad(const Load& n) override {
    ++other_reads[n.buffer.get()];
    uses[n.buffer.get()].reads.push_back(pos_++);
    ExprVisitor::VisitLoad(n);
  }
  void VisitCopy(const Copy& n) override {
    StmtVisitor::VisitCopy(n);
    int at = pos_++;
    uses[n.src.buffer.get()].reads.push_back(at);
    uses[n.dst.buffer.get()].writes.push_back(at);
    if (OnChip(n.src.buffer) && OnChip(n.dst.buffer)) copies.emplace_back(&n, at);
    if (!OnChip(n.src.buffer) && OnChip(n.dst.buffer)) from_dram.insert(n.dst.buffer.get());
    if (OnChip(n.src.buffer) && !OnChip(n.dst.buffer)) {
      to_dram.insert(n.src.buffer.get());
      dram_dtypes[n.src.buffer.get()].insert(n.dst.buffer->dtype.name);
    } else {
      ++other_reads[n.src.buffer.get()];
    }
  }
  void VisitGemm(const Gemm& n) override {
    int at = pos_++;
    ++other_reads[n.a.get()];
    ++other_reads[n.b.get()];
    uses[n.a.get()].reads.push_back(at);
    uses[n.b.get()].reads.push_back(at);
    if (!n.clear_accum) uses[n.c.get()].reads.push_back(at);
    uses[n.c.get()].writes.push_back(at);
  }
  void VisitFill(const Fill& n) override {
    StmtVisitor::VisitFill(n);
    uses[n.buffer.get()].writes.push_back(pos_++);
  }
  void VisitStore(const Store& n) override {
    StmtVisitor::VisitStore(n);
    uses[n.buffer.get()].writes.push_back(pos_++);
  }

 private:
  int pos_ = 0;
};

// Replaces buffer `from` by `to` everywhere, drops `copy` and the T.alloc of `from`.
class Forward : public StmtMutator {
 public:
  Forward(const Copy* copy, Buffer from, Buffer to) : copy_(copy), from_(std::move(from)), to_(std::move(to)) {}

 protected:
  Buffer Map(const Buffer& b) const { return b == from_ ? to_ : b; }
  Expr MutateLoad(const Load& n, const Expr& self) override {
    Expr e = ExprMutator::MutateLoad(n, self);
    if (n.buffer != from_) return e;
    auto r = std::make_shared<Load>(*As<Load>(e));
    r->buffer = to_;
    return r;
  }
  Stmt MutateAlloc(const Alloc& n, const Stmt& self) override { return n.buffer == from_ ? nullptr : self; }
  Stmt MutateCopy(const Copy& n, const Stmt& self) override {
    if (&n == copy_) return nullptr;
    Stmt s = StmtMutator::MutateCopy(n, self);
    if (n.src.buffer != from_ && n.dst.buffer != from_) return s;
    auto r = std::make_shared<Copy>(*As<Copy>(s));
    r->src.buffer = Map(r->src.buffer);
    r->dst.buffer = Map(r->dst.buffer);
    return r;
  }
  Stmt MutateGemm(const Gemm& n, const Stmt& self) override {
    if (n.a != from_ && n.b != from_ && n.c != from_) return self;
    auto r = std::make_shared<Gemm>(n);
    r->a = Map(r->a);
    r->b = Map(r->b);
    r->c = Map(r->c);
    return r;
  }
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    std::vector<Stmt> out;
    bool changed = false;
    for (const Stmt& s : n.stmts) {
      Stmt m = MutateStmt(s);
      changed |= m != s;
      if (m) out.push_back(std::move(m));
    }
    return changed ? MakeSeq(std::move(out), n.loc) : self;
  }

 private:
  const Copy* copy_;
  Buffer from_, to_;
};

}  // namespace

int ForwardOnChipCopies(PrimFunc& func) {
  int forwarded = 0;
  while (true) {
    Accesses acc;
    acc.VisitStmt(func.body);
    bool changed = false;
    for (const auto& [copy, at] : acc.copies) {
      const Buffer& x = copy->src.buffer;
      const Buffer& y = copy->dst.buffer;
      if (x == y || x->shape != y->shape) continue;
      // A cast on the way out to DRAM (fp32 accumulator -> bf16 staging buffer -> bf16 tensor)
      // is the conversion pack_tile makes anyway.
      const bool only_to_dram = acc.other_reads[y.get()] == 0 && acc.dram_dtypes.count(y.get()) &&
                                acc.dram_dtypes[y.get()] == std::set<std::string>{y->dtype.name};
      if (!(x->dtype == y->dtype) && (!only_to_dram || acc.from_dram.count(x.get()))) continue;
      if (!Whole(copy->src) || !Whole(copy->dst)) continue;
      const Accesses::Uses& ux = acc.uses[x.get()];
      const Accesses::Uses& uy = acc.uses[y.get()];
      if (uy.writes.size() != 1) continue;
      // A copy from a DRAM-filled buffer to a DRAM-written one makes X a loopback buffer
      // (reader -> circular buffer -> writer), which works only when nothing else reads X.
      if (acc.from_dram.count(x.get()) && acc.to_dram.count(y.get()) && acc.other_reads[x.get()] > 1) continue;
      bool ordered = true;
      for (int r : uy.reads) ordered &= r > at;
      for (int w : ux.writes) ordered &= w < at;
      if (!ordered) continue;
      func.body = Forward(copy, y, x).MutateStmt(func.body);
      if (!func.body) func.body = MakeSeq({});
      ++forwarded;
      changed = true;
      break;  // positions are stale now: collect again
    }
    if (!changed) return forwarded;
  }
}

}  // namespace ttc

namespace ttc {
namespace {

// `T.copy(X, Y)` of whole same-shape on-chip buffers as `for i, j in T.Parallel: Y[i, j] = X[i, j]`.
class CopyToNest : public StmtMutator {
 public:
  int rewritten = 0;

 protected:
  Stmt MutateCopy(const Copy& n, const Stmt& self) override {
    const Buffer& x = n.src.buffer;
    const Buffer& y = n.dst.buffer;
    if (!OnChip(x) || !OnChip(y) || x->shape != y->shape || !Whole(n.src) || !Whole(n.dst)) return self;
    std::vector<Expr> idx;
    for (size_t d = 0; d < y->shape.size(); ++d) idx.push_back(MakeVar("tt_copy_" + std::to_string(d), n.loc));
    auto store = std::make_shared<Store>();
    store->loc = n.loc;
    store->buffer = y;
    store->indices = idx;
    Expr v = MakeLoad(x, idx, n.loc);
    store->value = x->dtype == y->dtype ? v : MakeCast(y->dtype, v, n.loc);
    Stmt body = store;
    for (size_t d = y->shape.size(); d-- > 0;) {
      auto loop = std::make_shared<For>();
      loop->loc = n.loc;
      loop->var = "tt_copy_" + std::to_string(d);
      loop->min = MakeInt(0);
      loop->extent = MakeInt(y->shape[d]);
      loop->for_kind = ForKind::kParallel;
      loop->body = MakeSeq({body}, n.loc);
      body = loop;
    }
    ++rewritten;
    return body;
  }
};

}  // namespace

int LowerOnChipCopies(PrimFunc& func) {
  CopyToNest m;
  Stmt body = m.MutateStmt(func.body);
  if (body) func.body = body;
  return m.rewritten;
}

namespace {

// Buffers the core reads to compute another buffer (a load in a store to a different buffer;
// an in-place update `X[i] = f(X[i])` reads X in DST), and the buffers written by a store or
// fill.
class LoadSurvey : public StmtVisitor {
 public:
  std::set<const BufferNode*> loaded, computed;

 protected:
  void VisitLoad(const Load& l) override {
    if (l.buffer.get() != storing_) loaded.insert(l.buffer.get());
    StmtVisitor::VisitLoad(l);
  }
  void VisitStore(const Store& s) override {
    computed.insert(s.buffer.get());
    storing_ = s.buffer.get();
    StmtVisitor::VisitStore(s);
    storing_ = nullptr;
  }
  void VisitFill(const Fill& f) override {
    computed.insert(f.buffer.get());
    StmtVisitor::VisitFill(f);
  }

 private:
  const BufferNode* storing_ = nullptr;
};

class Twin : public StmtMutator {
 public:
  Twin(const std::set<const BufferNode*>& targets, std::map<const BufferNode*, Buffer>* twins)
      : targets_(targets), twins_(twins) {}

 protected:
  Stmt MutateCopy(const Copy& n, const Stmt& self) override {
    if (OnChip(n.dst.buffer) || !targets_.count(n.src.buffer.get())) return self;
    Buffer& twin = (*twins_)[n.src.buffer.get()];
    if (!twin) {
      auto b = std::make_shared<BufferNode>(*n.src.buffer);
      b->name = n.src.buffer->name + "_out";
      b->scope = Scope::kFragment;
      twin = b;
    }
    auto whole = std::make_shared<Copy>();
    whole->loc = n.loc;
    whole->src = Region{n.src.buffer, {}, n.src.buffer->shape};
    whole->dst = Region{twin, {}, twin->shape};
    for (size_t d = 0; d < twin->shape.size(); ++d) {
      whole->src.begin.push_back(MakeInt(0));
      whole->dst.begin.push_back(MakeInt(0));
    }
    auto out = std::make_shared<Copy>(n);
    out->src.buffer = twin;
    return MakeSeq({whole, out}, n.loc);
  }
  Stmt MutateAlloc(const Alloc& n, const Stmt& self) override {
    if (!targets_.count(n.buffer.get())) return self;
    Buffer& twin = (*twins_)[n.buffer.get()];
    if (!twin) {
      auto b = std::make_shared<BufferNode>(*n.buffer);
      b->name = n.buffer->name + "_out";
      b->scope = Scope::kFragment;
      twin = b;
    }
    auto a = std::make_shared<Alloc>();
    a->loc = n.loc;
    a->buffer = twin;
    return MakeSeq({self, a}, n.loc);
  }
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    std::vector<Stmt> out;
    bool changed = false;
    for (const Stmt& s : n.stmts) {
      Stmt m = MutateStmt(s);
      const Seq* q = As<Seq>(m);
      if (q && m != s && !As<Seq>(s)) {
        out.insert(out.end(), q->stmts.begin(), q->stmts.end());
      } else {
        out.push_back(m);
      }
      changed |= m != s;
    }
    return changed ? MakeSeq(std::move(out), n.loc) : self;
  }

 private:
  const std::set<const BufferNode*>& targets_;
  std::map<const BufferNode*, Buffer>* twins_;
};

}  // namespace

int TwinCopiedOutResults(PrimFunc& func) {
  LoadSurvey survey;
  survey.VisitStmt(func.body);
  std::set<const BufferNode*> targets;
  for (const CopyEdge& e : CollectCopyEdges(func)) {
    const BufferNode* x = e.onchip.get();
    if (!e.reads_global && survey.computed.count(x) && survey.loaded.count(x)) targets.insert(x);
  }
  if (targets.empty()) return 0;
  std::map<const BufferNode*, Buffer> twins;
  func.body = Twin(targets, &twins).MutateStmt(func.body);
  return static_cast<int>(twins.size());
}

}  // namespace ttc
