#include "passes/coarsen_row_blocks.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ir/builder.h"
#include "ir/visitor.h"
#include "passes/attrs.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

bool OnChip(const Buffer& b) { return b && b->scope != Scope::kGlobal; }

// Whether `e` (or a statement) mentions variable `var` or loads one of `buffers`.
class Mentions : public StmtVisitor {
 public:
  Mentions(std::string var, const std::set<const BufferNode*>* buffers) : var_(std::move(var)), buffers_(buffers) {}
  bool found = false;

 protected:
  void VisitVar(const Var& v) override { found |= v.name == var_; }
  void VisitLoad(const Load& l) override {
    found |= buffers_ && buffers_->count(l.buffer.get());
    StmtVisitor::VisitLoad(l);
  }
  void VisitStore(const Store& s) override {
    found |= buffers_ && buffers_->count(s.buffer.get());
    StmtVisitor::VisitStore(s);
  }
  void VisitFill(const Fill& f) override {
    found |= buffers_ && buffers_->count(f.buffer.get());
    StmtVisitor::VisitFill(f);
  }
  void VisitCopy(const Copy& c) override {
    found |= buffers_ && (buffers_->count(c.src.buffer.get()) || buffers_->count(c.dst.buffer.get()));
    StmtVisitor::VisitCopy(c);
  }
  void VisitGemm(const Gemm& g) override {
    found |= buffers_ && (buffers_->count(g.a.get()) || buffers_->count(g.b.get()) || buffers_->count(g.c.get()));
  }

 private:
  std::string var_;
  const std::set<const BufferNode*>* buffers_;
};

bool ExprMentions(const Expr& e, const std::string& var, const std::set<const BufferNode*>* buffers = nullptr) {
  Mentions m(var, buffers);
  m.VisitExpr(e);
  return m.found;
}
bool StmtMentions(const Stmt& s, const std::string& var, const std::set<const BufferNode*>* buffers) {
  Mentions m(var, buffers);
  m.VisitStmt(s);
  return m.found;
}

// Replaces variable `var` by `value`.
class SubstVar : public StmtMutator {
 public:
  SubstVar(std::string var, Expr value) : var_(std::move(var)), value_(std::move(value)) {}

 protected:
  Expr MutateVar(const Var& v, const Expr& self) override { return v.name == var_ ? value_ : self; }

 private:
  std::string var_;
  Expr value_;
};

// `for i in T.Parallel(1): body` -> body[i := 0], spliced into the enclosing sequence.
class DropUnitParallel : public StmtMutator {
 protected:
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    std::vector<Stmt> out;
    bool changed = false;
    for (const Stmt& s : n.stmts) {
      Stmt m = MutateStmt(s);
      changed |= m != s;
      const For* f = As<For>(m);
      if (f && f->for_kind == ForKind::kParallel && ConstValue(f->extent) == 1 && ConstValue(f->min) == 0) {
        Stmt body = SubstVar(f->var, MakeInt(0)).MutateStmt(f->body);
        const Seq* q = As<Seq>(body);
        for (const Stmt& c : q ? q->stmts : std::vector<Stmt>{body}) out.push_back(c);
        changed = true;
        continue;
      }
      out.push_back(m);
    }
    return changed ? MakeSeq(std::move(out), n.loc) : self;
  }
};

enum class Kind { kRow2D, kScalar, kVector, kGlobalColumn, kGlobalRow };

struct Remap {
  Kind kind;
  Buffer to;
};

Buffer Reshaped(const Buffer& b, std::vector<int64_t> shape) {
  auto n = std::make_shared<BufferNode>(*b);
  n->shape = std::move(shape);
  return n;
}

// Rewrites buffer references: per-row buffers and reshaped DRAM tensors get their new shape
// and indices. Inside a per-row statement `row` is the row variable and the grid variable
// is substituted first; outside one (copies), there is no row.
class Rewriter : public StmtMutator {
 public:
  Rewriter(const std::map<const BufferNode*, Remap>& remap, std::string grid_var, int64_t c)
      : remap_(remap), grid_var_(std::move(grid_var)), c_(c) {}

  // The statement for row `row` (a fresh variable) of the stacked block.
  Stmt PerRow(const Stmt& s, const std::string& row) {
    row_ = row;
    Stmt body = SubstVar(grid_var_, Add(Mul(MakeVar(grid_var_), c_), MakeVar(row))).MutateStmt(s);
    body = MutateStmt(body);
    row_.clear();
    auto f = std::make_shared<For>();
    f->var = row;
    f->min = MakeInt(0);
    f->extent = MakeInt(c_);
    f->for_kind = ForKind::kParallel;
    f->body = MakeSeq({body}, s->loc);
    f->loc = s->loc;
    return f;
  }

  std::string error;  // set when an index cannot be rewritten
  Loc error_loc;

 protected:
  std::vector<Expr> Indices(const Remap& m, const std::vector<Expr>& in, const Loc& loc) {
    auto zero = [&](const Expr& e) {
      if (ConstValue(e) != 0 && error.empty()) {
        error = "a per-row buffer of one row is indexed by something other than 0 in its row";
        error_loc = loc;
      }
    };
    switch (m.kind) {
      case Kind::kRow2D:
        zero(in[0]);
        return {MakeVar(row_), in[1]};
      case Kind::kScalar:
        zero(in[0]);
        return {MakeVar(row_)};
      case Kind::kVector:
        return {MakeVar(row_), in[0]};
      case Kind::kGlobalColumn:
        return {in[0], MakeInt(0)};
      case Kind::kGlobalRow:
        return {MakeInt(0), in[0]};
    }
    return in;
  }
  const Remap* Find(const Buffer& b) {
    auto it = remap_.find(b.get());
    if (it == remap_.end()) return nullptr;
    const bool per_row = it->second.kind == Kind::kRow2D || it->second.kind == Kind::kScalar ||
                         it->second.kind == Kind::kVector;
    if (per_row && row_.empty()) {
      if (error.empty()) error = "a per-row buffer is accessed outside a per-row statement";
      return nullptr;
    }
    return &it->second;
  }
  Expr MutateLoad(const Load& n, const Expr& self) override {
    Expr e = ExprMutator::MutateLoad(n, self);
    const Remap* m = Find(n.buffer);
    if (!m) return e;
    std::vector<Expr> idx = Indices(*m, As<Load>(e)->indices, n.loc);
    for (Expr& i : idx) i = Simplify(i);
    return MakeLoad(m->to, std::move(idx), n.loc);
  }
  Stmt MutateStore(const Store& n, const Stmt& self) override {
    Stmt s = StmtMutator::MutateStore(n, self);
    const Remap* m = Find(n.buffer);
    if (!m) return s;
    auto r = std::make_shared<Store>(*As<Store>(s));
    r->buffer = m->to;
    r->indices = Indices(*m, r->indices, n.loc);
    for (Expr& i : r->indices) i = Simplify(i);
    return r;
  }
  Stmt MutateFill(const Fill& n, const Stmt& self) override {
    Stmt s = StmtMutator::MutateFill(n, self);
    auto it = remap_.find(n.buffer.get());
    if (it == remap_.end()) return s;
    auto r = std::make_shared<Fill>(*As<Fill>(s));
    r->buffer = it->second.to;
    return r;
  }
  Stmt MutateAlloc(const Alloc& n, const Stmt& self) override {
    auto it = remap_.find(n.buffer.get());
    if (it == remap_.end()) return self;
    auto r = std::make_shared<Alloc>(n);
    r->buffer = it->second.to;
    return r;
  }

 public:
  // A copy's region with the block's rows: per-row on-chip buffers gain their 32 rows, a DRAM
  // row at bx becomes the 32 rows from bx*32.
  bool StackRegion(Region& r, const Loc& loc) {
    auto it = remap_.find(r.buffer.get());
    const size_t rank = r.buffer->shape.size();
    if (it != remap_.end()) {
      const Remap& m = it->second;
      r.buffer = m.to;
      switch (m.kind) {
        case Kind::kRow2D:
          if (ConstValue(r.begin[0]) != 0 || r.extent[0] != 1) return Fail(loc, "copies part of a per-row buffer's row");
          r.extent[0] = c_;
          return true;
        case Kind::kScalar:
          if (ConstValue(r.begin[0]) != 0) return Fail(loc, "copies part of a per-row buffer's row");
          r.extent[0] = c_;
          return true;
        case Kind::kVector:
          r.begin.insert(r.begin.begin(), MakeInt(0));
          r.extent.insert(r.extent.begin(), c_);
          return true;
        case Kind::kGlobalColumn:
          if (r.extent[0] != 1) return Fail(loc, "copies several values of a per-row DRAM vector");
          r.begin = {Simplify(SubstVar(grid_var_, Mul(MakeVar(grid_var_), c_)).MutateExpr(r.begin[0])), MakeInt(0)};
          r.extent = {c_, 1};
          return true;
        case Kind::kGlobalRow:
          r.begin.insert(r.begin.begin(), MakeInt(0));
          r.extent.insert(r.extent.begin(), 1);
          return true;
      }
    }
    if (OnChip(r.buffer) || rank < 2) return true;
    for (size_t d = 0; d < rank; ++d) {
      if (!ExprMentions(r.begin[d], grid_var_)) continue;
      if (d != rank - 2 || r.extent[d] != 1) {
        return Fail(loc, "copies a DRAM region whose columns or batch depend on the block index");
      }
      r.begin[d] = Simplify(SubstVar(grid_var_, Mul(MakeVar(grid_var_), c_)).MutateExpr(r.begin[d]));
      r.extent[d] = c_;
    }
    return true;
  }
  bool Fail(const Loc& loc, const std::string& why) {
    if (error.empty()) {
      error = why;
      error_loc = loc;
    }
    return false;
  }

 private:
  const std::map<const BufferNode*, Remap>& remap_;
  std::string grid_var_;
  int64_t c_;
  std::string row_;
};

bool HasCopies(const Stmt& s) {
  class Finder : public StmtVisitor {
   public:
    bool found = false;

   protected:
    void VisitCopy(const Copy&) override { found = true; }
    void VisitGemm(const Gemm&) override { found = true; }
    void VisitAlloc(const Alloc&) override { found = true; }
  } f;
  f.VisitStmt(s);
  return f.found;
}

// The grid variable whose one-row DRAM blocks are copied (`T.copy(X[bx, 0], X_s)`), or "".
std::string RowGridVar(const PrimFunc& func) {
  std::string found;
  class Finder : public StmtVisitor {
   public:
    explicit Finder(const PrimFunc& f) : f_(f) {}
    std::string var;

   protected:
    void VisitCopy(const Copy& c) override {
      for (const Region* r : {&c.src, &c.dst}) {
        const size_t rank = r->buffer->shape.size();
        if (OnChip(r->buffer) || rank < 2 || r->extent[rank - 2] != 1) continue;
        const Expr row = Simplify(r->begin[rank - 2]);
        for (const std::string& g : f_.grid.vars) {
          const Var* v = As<Var>(row);
          if (v && v->name == g) var = g;
        }
      }
    }

   private:
    const PrimFunc& f_;
  } finder(func);
  finder.VisitStmt(func.body);
  return finder.var;
}

}  // namespace

int RowViewOfVectors(PrimFunc& func) {
  std::map<const BufferNode*, Remap> remap;
  for (Buffer& p : func.params) {
    if (p->shape.size() != 1) continue;
    Buffer to = Reshaped(p, {1, p->shape[0]});
    remap[p.get()] = {Kind::kGlobalRow, to};
    p = to;
  }
  if (remap.empty()) return 0;
  Rewriter rw(remap, "", 1);
  class CopyRows : public StmtMutator {
   public:
    explicit CopyRows(Rewriter& rw) : rw_(rw) {}

   protected:
    Stmt MutateCopy(const Copy& n, const Stmt& self) override {
      auto c = std::make_shared<Copy>(n);
      rw_.StackRegion(c->src, n.loc);
      rw_.StackRegion(c->dst, n.loc);
      return c;
    }

   private:
    Rewriter& rw_;
  } copies(rw);
  func.body = rw.MutateStmt(copies.MutateStmt(func.body));
  return static_cast<int>(remap.size());
}

int CoarsenRowBlocks(PassContext& ctx, PrimFunc& func) {
  if (func.persistent) return 0;
  const std::string g = RowGridVar(func);
  if (g.empty()) return 0;
  const int64_t c = GetInt(func.attrs, attr::kTileHeight, 32);
  size_t axis = 0;
  while (func.grid.vars[axis] != g) ++axis;
  auto report = [&](const Loc& loc, const std::string& why) {
    ctx.diag.Error(loc, absl::StrCat("one-row blocks (T.copy of the row at '", g, "') are stacked ", c,
                                     " to a tile row for TT circular buffers, but this statement prevents it: ",
                                     why));
    return 0;
  };
  Stmt body = DropUnitParallel().MutateStmt(func.body);

  // Per-row on-chip buffers: filled from a DRAM region at the row, or computed from one.
  std::set<const BufferNode*> rows;
  std::set<const BufferNode*> column_params;
  for (bool grew = true; grew;) {
    grew = false;
    class Flow : public StmtVisitor {
     public:
      Flow(const std::string& g, std::set<const BufferNode*>& rows, std::set<const BufferNode*>& cols, bool& grew)
          : g_(g), rows_(rows), cols_(cols), grew_(grew) {}

     protected:
      void Add(const Buffer& b) { grew_ |= rows_.insert(b.get()).second; }
      void VisitCopy(const Copy& c) override {
        bool src_row = rows_.count(c.src.buffer.get()) > 0;
        for (const Expr& e : c.src.begin) src_row |= ExprMentions(e, g_);
        if (src_row && OnChip(c.dst.buffer)) Add(c.dst.buffer);
        // A per-row vector copied to a rank-1 tensor at the row: one value per row.
        bool dst_row = src_row;
        for (const Expr& e : c.dst.begin) dst_row |= ExprMentions(e, g_);
        if (dst_row && !OnChip(c.dst.buffer) && c.dst.buffer->shape.size() == 1) cols_.insert(c.dst.buffer.get());
      }
      void VisitStore(const Store& s) override {
        bool row = ExprMentions(s.value, g_, &rows_);
        for (const Expr& e : s.indices) row |= ExprMentions(e, g_, &rows_);
        if (!row) return;
        if (OnChip(s.buffer)) {
          Add(s.buffer);
        } else if (s.buffer->shape.size() == 1) {
          cols_.insert(s.buffer.get());
        }
      }

     private:
      const std::string& g_;
      std::set<const BufferNode*>& rows_;
      std::set<const BufferNode*>& cols_;
      bool& grew_;
    } flow(g, rows, column_params, grew);
    flow.VisitStmt(body);
  }

  std::map<const BufferNode*, Remap> remap;
  class Allocs : public StmtVisitor {
   public:
    std::vector<Buffer> all;

   protected:
    void VisitAlloc(const Alloc& a) override { all.push_back(a.buffer); }
  } allocs;
  allocs.VisitStmt(body);
  for (const Buffer& b : allocs.all) {
    if (!rows.count(b.get())) continue;
    const auto& s = b->shape;
    if (s.size() == 2 && s[0] == 1) {
      remap[b.get()] = {Kind::kRow2D, Reshaped(b, {c, s[1]})};
    } else if (s.size() == 1 && s[0] == 1) {
      remap[b.get()] = {Kind::kScalar, Reshaped(b, {c})};
    } else if (s.size() == 1) {
      remap[b.get()] = {Kind::kVector, Reshaped(b, {c, s[0]})};
    } else {
      return report(b->loc, absl::StrCat("per-row buffer '", b->name, "' has ", s[0], " rows; only one-row ",
                                         "buffers are stacked"));
    }
  }
  for (Buffer& p : func.params) {
    if (column_params.count(p.get())) {
      Buffer to = Reshaped(p, {p->shape[0], 1});
      remap[p.get()] = {Kind::kGlobalColumn, to};
      p = to;
    }
  }

  std::set<const BufferNode*> touched;
  for (const auto& [from, m] : remap) touched.insert(from);
  Rewriter rw(remap, g, c);
  int next_row = 0;
  std::function<Stmt(const Stmt&)> lower = [&](const Stmt& s) -> Stmt {
    if (!rw.error.empty()) return s;
    if (As<Alloc>(s)) return rw.MutateStmt(s);
    const bool per_row = StmtMentions(s, g, &touched);
    if (const Seq* q = As<Seq>(s)) {
      std::vector<Stmt> out;
      for (const Stmt& x : q->stmts) out.push_back(lower(x));
      return MakeSeq(std::move(out), q->loc);
    }
    if (!per_row) return s;
    if (const For* f = As<For>(s)) {
      if (ExprMentions(f->min, g) || ExprMentions(f->extent, g)) {
        rw.Fail(f->loc, absl::StrCat("the bounds of loop '", f->var, "' depend on '", g, "'"));
        return s;
      }
      // A nest of loops around stores (an element-wise nest, a reduction over the row) runs
      // per row as a whole; a loop holding copies (a pipelined K loop) is entered.
      if (f->for_kind == ForKind::kParallel || !HasCopies(f->body)) {
        return rw.PerRow(s, absl::StrCat("tt_row", next_row++));
      }
      auto n = std::make_shared<For>(*f);
      n->body = lower(f->body);
      return n;
    }
    if (As<Store>(s)) return rw.PerRow(s, absl::StrCat("tt_row", next_row++));
    if (const Copy* cp = As<Copy>(s)) {
      auto n = std::make_shared<Copy>(*cp);
      rw.StackRegion(n->src, cp->loc);
      rw.StackRegion(n->dst, cp->loc);
      return n;
    }
    if (As<Fill>(s)) return rw.MutateStmt(s);
    if (const Let* l = As<Let>(s); l && !ExprMentions(l->value, g, &touched)) {
      auto n = std::make_shared<Let>(*l);
      n->body = lower(l->body);
      return n;
    }
    if (const IfThenElse* i = As<IfThenElse>(s); i && !ExprMentions(i->condition, g, &touched)) {
      auto n = std::make_shared<IfThenElse>(*i);
      n->then_body = lower(i->then_body);
      n->else_body = i->else_body ? lower(i->else_body) : i->else_body;
      return n;
    }
    if (As<Gemm>(s)) {
      rw.Fail(s->loc, "T.gemm on per-row buffers");
    } else if (const Let* l = As<Let>(s)) {
      rw.Fail(s->loc, absl::StrCat("let '", l->var, "' depends on the row"));
    } else {
      rw.Fail(s->loc, "a condition that depends on the row");
    }
    return s;
  };
  Stmt out = lower(body);
  if (!rw.error.empty()) return report(rw.error_loc, rw.error);
  func.body = out;
  func.grid.extents[axis] = (func.grid.extents[axis] + c - 1) / c;
  return 1;
}

}  // namespace ttc
