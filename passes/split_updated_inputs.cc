#include "passes/split_updated_inputs.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ir/builder.h"
#include "ir/visitor.h"
#include "passes/raise_manual_matmul.h"

namespace ttc {
namespace {

using namespace ir;

bool OnChip(const Buffer& b) { return b && b->scope != Scope::kGlobal; }

// On-chip buffers filled from DRAM, copied to DRAM, and written on the core; every buffer name.
class Survey : public StmtVisitor {
 public:
  std::set<std::string> from_dram, to_dram, written, names;

 protected:
  void VisitAlloc(const Alloc& a) override { names.insert(a.buffer->name); }
  void VisitCopy(const Copy& c) override {
    names.insert(c.src.buffer->name);
    names.insert(c.dst.buffer->name);
    if (!OnChip(c.src.buffer) && OnChip(c.dst.buffer)) from_dram.insert(c.dst.buffer->name);
    if (OnChip(c.src.buffer) && !OnChip(c.dst.buffer)) to_dram.insert(c.src.buffer->name);
    if (OnChip(c.src.buffer) && OnChip(c.dst.buffer)) written.insert(c.dst.buffer->name);
    StmtVisitor::VisitCopy(c);
  }
  void VisitStore(const Store& s) override {
    written.insert(s.buffer->name);
    StmtVisitor::VisitStore(s);
  }
  void VisitFill(const Fill& f) override {
    written.insert(f.buffer->name);
    StmtVisitor::VisitFill(f);
  }
  void VisitGemm(const Gemm& g) override { written.insert(g.c->name); }
};

// Every reference to `from` (loads, stores, copies, fills, gemm operands) as `to`.
class Rename : public StmtMutator {
 public:
  Rename(Buffer from, Buffer to, bool reads_too) : from_(std::move(from)), to_(std::move(to)), reads_(reads_too) {}

 protected:
  Buffer Map(const Buffer& b) const { return b == from_ ? to_ : b; }
  Expr MutateLoad(const Load& n, const Expr& self) override {
    Expr e = ExprMutator::MutateLoad(n, self);
    if (!reads_ || n.buffer != from_) return e;
    auto r = std::make_shared<Load>(*As<Load>(e));
    r->buffer = to_;
    return r;
  }
  Stmt MutateStore(const Store& n, const Stmt& self) override {
    Stmt s = StmtMutator::MutateStore(n, self);
    if (n.buffer != from_) return s;
    auto r = std::make_shared<Store>(*As<Store>(s));
    r->buffer = to_;
    return r;
  }
  Stmt MutateFill(const Fill& n, const Stmt& self) override {
    Stmt s = StmtMutator::MutateFill(n, self);
    if (n.buffer != from_) return s;
    auto r = std::make_shared<Fill>(*As<Fill>(s));
    r->buffer = to_;
    return r;
  }
  Stmt MutateCopy(const Copy& n, const Stmt& self) override {
    Stmt s = StmtMutator::MutateCopy(n, self);
    if (n.src.buffer != from_ || !reads_) return s;
    auto r = std::make_shared<Copy>(*As<Copy>(s));
    r->src.buffer = to_;
    return r;
  }
  Stmt MutateGemm(const Gemm& n, const Stmt& self) override {
    if (n.a != from_ && n.b != from_ && n.c != from_) return self;
    auto r = std::make_shared<Gemm>(n);
    if (reads_) {
      r->a = Map(r->a);
      r->b = Map(r->b);
    }
    r->c = Map(r->c);
    return r;
  }

 private:
  Buffer from_, to_;
  bool reads_;
};

bool Writes(const Stmt& s, const std::string& name) {
  Survey v;
  v.VisitStmt(s);
  return v.written.count(name) > 0;
}

// A statement the rename treats whole: not a loop, let, if or block, except a store nest.
bool IsLeaf(const Stmt& s) {
  return IsStoreNest(s) || (s->kind != StmtKind::kFor && s->kind != StmtKind::kLet && s->kind != StmtKind::kIf &&
                            s->kind != StmtKind::kSeq);
}

bool FillsFromDram(const Stmt& s, const std::string& name) {
  const Copy* c = As<Copy>(s);
  return c && !OnChip(c->src.buffer) && c->dst.buffer->name == name;
}

class Splitter : public StmtMutator {
 public:
  Splitter(std::map<std::string, Buffer> targets) : targets_(std::move(targets)) {}
  int split = 0;

 protected:
  Stmt MutateSeq(const Seq& n, const Stmt& self) override {
    Stmt inner = StmtMutator::MutateSeq(n, self);
    const Seq* seq = As<Seq>(inner);
    if (!seq) return inner;
    std::vector<Stmt> st = seq->stmts;
    bool changed = false;
    for (const auto& [name, updated] : targets_) {
      Buffer original;
      bool renamed = false;
      for (Stmt& s : st) {
        if (FillsFromDram(s, name)) {
          renamed = false;
          original = As<Copy>(s)->dst.buffer;
          continue;
        }
        if (!original) continue;
        if (renamed) {
          s = Rename(original, updated, true).MutateStmt(s);
          changed = true;
        } else if (IsLeaf(s) && Writes(s, name)) {
          s = Rename(original, updated, false).MutateStmt(s);  // reads the filled values
          renamed = true;
          changed = true;
          used_.insert(name);
        }
      }
    }
    return changed ? MakeSeq(std::move(st), n.loc) : inner;
  }
  Stmt MutateAlloc(const Alloc& n, const Stmt& self) override {
    auto it = targets_.find(n.buffer->name);
    if (it == targets_.end()) return self;
    auto twin = std::make_shared<Alloc>();
    twin->loc = n.loc;
    twin->buffer = it->second;
    allocs_[n.buffer->name] = twin;
    return self;
  }

 public:
  // The allocations of the buffers actually split, placed after their originals.
  Stmt AddAllocs(const Stmt& body) {
    class Adder : public StmtMutator {
     public:
      Adder(const std::map<std::string, Stmt>& allocs, const std::set<std::string>& used)
          : allocs_(allocs), used_(used) {}

     protected:
      Stmt MutateSeq(const Seq& n, const Stmt& self) override {
        Stmt inner = StmtMutator::MutateSeq(n, self);
        const Seq* seq = As<Seq>(inner);
        std::vector<Stmt> out;
        bool changed = false;
        for (const Stmt& s : seq->stmts) {
          out.push_back(s);
          if (const Alloc* a = As<Alloc>(s); a && used_.count(a->buffer->name) && allocs_.count(a->buffer->name)) {
            out.push_back(allocs_.at(a->buffer->name));
            changed = true;
          }
        }
        return changed ? MakeSeq(std::move(out), n.loc) : inner;
      }

     private:
      const std::map<std::string, Stmt>& allocs_;
      const std::set<std::string>& used_;
    };
    split = static_cast<int>(used_.size());
    Adder a(allocs_, used_);
    Stmt out = a.MutateStmt(body);
    return out ? out : body;
  }

 private:
  std::map<std::string, Buffer> targets_;
  std::map<std::string, Stmt> allocs_;
  std::set<std::string> used_;
};

}  // namespace

int SplitUpdatedInputs(PrimFunc& func) {
  Survey s;
  s.VisitStmt(func.body);
  std::map<std::string, Buffer> targets;
  class Find : public StmtVisitor {
   public:
    std::map<std::string, Buffer> buffers;

   protected:
    void VisitAlloc(const Alloc& a) override { buffers[a.buffer->name] = a.buffer; }
  };
  Find f;
  f.VisitStmt(func.body);
  for (const std::string& name : s.from_dram) {
    if (!s.to_dram.count(name) || !s.written.count(name) || !f.buffers.count(name)) continue;
    std::string twin = name + "_updated";
    for (int n = 2; s.names.count(twin) || f.buffers.count(twin); ++n) twin = name + "_updated" + std::to_string(n);
    auto b = std::make_shared<BufferNode>(*f.buffers.at(name));
    b->name = twin;
    b->scope = Scope::kFragment;
    targets[name] = b;
  }
  if (targets.empty()) return 0;
  Splitter sp(targets);
  Stmt body = sp.MutateStmt(func.body);
  func.body = sp.AddAllocs(body ? body : func.body);
  return sp.split;
}

}  // namespace ttc
