#include "passes/tensorize_tt.h"

#include "passes/tensorize_compute.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/builder.h"
#include "ir/printer.h"
#include "ir/visitor.h"
#include "passes/attrs.h"
#include "passes/circular_buffers.h"
#include "passes/dataflow.h"
#include "passes/dead_code.h"
#include "passes/dst_plan.h"
#include "passes/eltwise_dst.h"
#include "passes/fold_bounds.h"
#include "passes/raise_manual_matmul.h"
#include "passes/reduce_tt.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

// Buffers a statement writes or reads that are computed on the core (`writes`: computed, or
// packed by a copy or a hand-off marker).
class RefCollector : public StmtVisitor {
 public:
  explicit RefCollector(const std::set<std::string>& computed) : computed_(computed) {}
  std::set<std::string> refs, writes;

 protected:
  void VisitGemm(const Gemm& g) override {
    Add(g.a);
    Add(g.b);
    Add(g.c, true);
  }
  void VisitFill(const Fill& f) override {
    Add(f.buffer, true);
    StmtVisitor::VisitFill(f);
  }
  void VisitStore(const Store& s) override {
    Add(s.buffer, true);
    StmtVisitor::VisitStore(s);
  }
  void VisitLoad(const Load& l) override {
    Add(l.buffer);
    ExprVisitor::VisitLoad(l);
  }
  void VisitCopy(const Copy& c) override {
    Add(c.src.buffer, true);
    StmtVisitor::VisitCopy(c);
  }
  void VisitEvaluate(const Evaluate& e) override {
    std::string b;
    if (IsHandOffMarker(std::make_shared<Evaluate>(e), &b) && computed_.count(b)) {
      refs.insert(b);
      writes.insert(b);
    }
    StmtVisitor::VisitEvaluate(e);
  }

 private:
  void Add(const Buffer& b, bool write = false) {
    if (!computed_.count(b->name)) return;
    refs.insert(b->name);
    if (write) writes.insert(b->name);
  }
  const std::set<std::string>& computed_;
};

class HasWaits : public StmtVisitor {
 public:
  bool found = false;

 protected:
  void VisitCall(const Call& c) override {
    if (c.name == "tt.cb_wait_front") found = true;
    ExprVisitor::VisitCall(c);
  }
};

class Tensorizer : public ComputeEmitter {
 public:
  Tensorizer(PassContext& ctx, PrimFunc& func) : ComputeEmitter(ctx, func) {}

  void Run() {
    for (const CircularBuffer& cb : CircularBuffersOf(func_)) cbs_[cb.buffer] = cb;
    Stmt body = FoldIndexComparisons(RaiseManualMatmuls(func_.kernels.at("compute"), &manual_));
    reductions_ = FindReductions(body);
    for (const auto& [store, r] : reductions_) vectors_[r.result->name] = r.row;
    // A vector read from DRAM: a column of an (N, 1) tensor (one value per row) or a row of a
    // (1, N) one (coarsen_row_blocks gives rank-1 tensors these shapes).
    for (const CopyEdge& e : CollectCopyEdges(func_)) {
      const std::vector<int64_t>& g = e.global->shape;
      if (!e.reads_global || e.onchip->shape.size() != 1 || g.size() < 2) continue;
      vectors_[e.onchip->name] = g.back() == 1 && g[g.size() - 2] != 1;
    }
    CollectComputed(body);
    if (ctx_.diag.has_errors()) return;
    body = InsertHandOffs(body, hand_off_tiles_, hand_off_cb_);
    dst_capacity_ = fp32_ ? ctx_.target.dst_tiles_32 : ctx_.target.dst_tiles_16;
    Stmt lowered = LowerBlock(body);
    if (ctx_.diag.has_errors()) return;
    std::vector<Stmt> top = KernelInit();
    if (!scaler_.empty()) {
      for (Stmt& st : ScalerInit(CbVar(scaler_))) top.push_back(st);
    }
    top.push_back(lowered);
    func_.kernels["compute"] = RemoveUnusedLets(MakeSeq(std::move(top)));
    if (!new_cbs_.empty()) {
      std::vector<CircularBuffer> all = CircularBuffersFromAttrs(func_.attrs);
      all.insert(all.end(), new_cbs_.begin(), new_cbs_.end());
      SetCircularBuffers(func_.attrs, all);
    }
    SetAttr(func_.attrs, attr::kMatmulPatterns, matmuls_);
    SetAttr(func_.attrs, attr::kNumMatmuls, static_cast<int64_t>(matmuls_.size()));
    SetAttr(func_.attrs, attr::kEltwisePatterns, eltwise_);
    SetAttr(func_.attrs, attr::kHasTensorize, !matmuls_.empty() || !eltwise_.empty());
    SetAttr(func_.attrs, attr::kFp32DestAcc, fp32_);
    SetAttr(func_.attrs, attr::kDstTilesNeeded, dst_needed_);
  }

 private:
  // ---- analysis ----

  void CollectComputed(const Stmt& body) {
    class Collector : public StmtVisitor {
     public:
      std::set<std::string> computed;
      std::set<std::string> float32;
      std::set<std::string> read;
      std::map<std::string, Buffer> buffers;
      std::map<std::string, Loc> first_write;

     protected:
      void VisitGemm(const Gemm& g) override {
        Note(g.c, g.loc);
        read.insert(g.a->name);
        read.insert(g.b->name);
      }
      void VisitFill(const Fill& f) override { Note(f.buffer, f.loc); }
      void VisitStore(const Store& s) override {
        Note(s.buffer, s.loc);
        StmtVisitor::VisitStore(s);
      }
      void VisitLoad(const Load& l) override {
        read.insert(l.buffer->name);
        ExprVisitor::VisitLoad(l);
      }

     private:
      void Note(const Buffer& b, const Loc& loc) {
        computed.insert(b->name);
        buffers.emplace(b->name, b);
        first_write.emplace(b->name, loc);
        if (b->dtype.name == "float32") float32.insert(b->name);
      }
    };
    Collector c;
    c.VisitStmt(body);
    computed_ = c.computed;
    fp32_ = !c.float32.empty();
    std::map<std::string, int64_t> names;
    for (const std::string& name : computed_) names[name] = 0;
    // Hand-offs: read by a circular-buffer reader, or carried by a loop that hands off others.
    std::set<std::string> through_cb, carried;
    for (const std::string& name : computed_) {
      if (ReadThroughCircularBuffer(body, name, reductions_)) through_cb.insert(name);
    }
    for (size_t round = 0; round <= computed_.size(); ++round) {
      std::set<std::string> all = through_cb;
      all.insert(carried.begin(), carried.end());
      std::set<std::string> next = LoopCarried(body, names, all);
      if (next == carried) break;
      carried = next;
    }
    const int64_t th = GetInt(func_.attrs, "tt_tile_height", 32), tw = GetInt(func_.attrs, "tt_tile_width", 32);
    // A hand-off's circular buffer holds two versions: a write group packs the new one before
    // the previous one is popped.
    auto hand_off = [&](const std::string& name, const CircularBuffer& geometry, const Buffer& b,
                        const std::string& cb_name) {
      CircularBuffer cb = geometry;
      cb.buffer = cb_name;
      cb.role = "intermediate";
      cb.cb_id = NextIntermediateCbId();
      cb.page_size = b->dtype.TileBytes(th, tw);
      cb.data_format = b->dtype.tt_data_format;
      cb.num_pages = 2 * geometry.block_tiles;
      new_cbs_.push_back(cb);
      hand_off_tiles_[name] = geometry.block_tiles;
      hand_off_cb_[name] = cb_name;
      if (cb_name != name) cbs_[cb_name] = cb;
    };
    for (const std::string& name : computed_) {
      auto it = cbs_.find(name);
      if (it != cbs_.end() && it->second.role == "output") {
        // An output that a loop carries keeps its running value in a circular buffer of its own.
        if (carried.count(name)) hand_off(name, it->second, c.buffers.at(name), name + "_carry");
        continue;
      }
      const Loc& at = c.first_write.at(name);
      if (!c.read.count(name)) {
        ctx_.diag.Error(at, absl::StrCat("'", name, "' is computed on the Tensix core but never copied to DRAM nor "
                                         "read; the TT lowering keeps results in DST until they are packed out, so "
                                         "copy it to a global buffer in the block that computes it"));
        continue;
      }
      // An intermediate value: it lives in DST from its computation to its last use in the block
      // (or, when a circular-buffer reader consumes it, is handed off through a circular buffer).
      const Buffer& b = c.buffers.at(name);
      int64_t rows = b->shape.size() >= 2 ? b->shape[b->shape.size() - 2] : 1;
      int64_t cols = b->shape.empty() ? 1 : b->shape.back();
      // A 1-D value is a vector of one value per row of its block (as a row reduction leaves
      // it) unless a column reduction computes it.
      if (b->shape.size() == 1) vectors_.emplace(name, true);
      int64_t tile_rows = 0, tile_cols = 0;  // a vector: one tile per 32 values
      if (auto v = vectors_.find(name); v != vectors_.end()) {
        int64_t len = 1;
        for (int64_t d : b->shape) len *= d;
        rows = v->second ? len : th;
        cols = v->second ? tw : len;
        tile_rows = v->second ? len / th : 1;
        tile_cols = v->second ? 1 : len / tw;
      }
      int64_t batch = 1;
      for (size_t i = 0; i + 2 < b->shape.size() && !vectors_.count(name); ++i) batch *= b->shape[i];
      if (batch != 1 || rows % th != 0 || cols % tw != 0) {
        ctx_.diag.Error(b->loc.line > 0 ? b->loc : at,
                        absl::StrCat("'", name, "' of shape [", absl::StrJoin(b->shape, ", "), "] is an intermediate ",
                                     "value kept in DST, which holds whole ", th, "x", tw, " tiles: give it a shape ",
                                     "of whole tiles"));
        continue;
      }
      CircularBuffer geometry;  // the tile grid only: an intermediate has no circular buffer
      geometry.buffer = name;
      geometry.role = "dst";
      geometry.cb_id = -1;
      geometry.tile_rows = tile_rows ? tile_rows : rows / th;
      geometry.tile_cols = tile_cols ? tile_cols : cols / tw;
      geometry.block_tiles = geometry.tile_rows * geometry.tile_cols;
      if (through_cb.count(name) || carried.count(name)) {
        hand_off(name, geometry, b, name);
        geometry = new_cbs_.back();
      } else {
        intermediates_.insert(name);
      }
      cbs_[name] = geometry;
    }
    // The converse: an output circular buffer that nothing computes would never be packed,
    // and the writer would wait for it forever.
    class CopyOutFinder : public StmtVisitor {
     public:
      std::map<std::string, Loc> first;

     protected:
      void VisitCopy(const Copy& c) override {
        if (c.dst.buffer->scope == Scope::kGlobal) first.emplace(c.src.buffer->name, c.loc);
      }
    };
    CopyOutFinder copies;
    copies.VisitStmt(body);
    for (const auto& [name, cb] : cbs_) {
      if (cb.role != "output" || computed_.count(name)) continue;
      auto it = copies.first.find(name);
      ctx_.diag.Error(it != copies.first.end() ? it->second : func_.loc,
                      absl::StrCat("'", name, "' is copied to DRAM but nothing computes it on the Tensix core, so ",
                                   "its circular buffer would never be filled and the writer would wait forever; ",
                                   "compute it (T.gemm, T.fill/T.clear or a T.grid/T.Parallel nest) before the copy"));
    }
  }


  // ---- lowering ----

  // Copy-out of a computed buffer directly in `stmts` at or after `from`, or -1.
  int FindCopyOut(const std::vector<Stmt>& stmts, size_t from, const std::string& f) const {
    for (size_t j = from; j < stmts.size(); ++j) {
      if (PackedBuffer(stmts[j]) != f) continue;
      // A copy to DRAM and a hand-off of the same block pack it together.
      while (j + 1 < stmts.size() && PackedBuffer(stmts[j + 1]) == f) ++j;
      return static_cast<int>(j);
    }
    return -1;
  }

  static bool ContainsCopyOut(const Stmt& s, const std::string& f) {
    class Finder : public StmtVisitor {
     public:
      explicit Finder(const std::string& f) : f_(f) {}
      bool found = false;

     protected:
      void VisitCopy(const Copy& c) override { found |= c.src.buffer->name == f_; }
      void VisitEvaluate(const Evaluate& e) override {
        std::string b;
        auto self = std::make_shared<Evaluate>(e);
        found |= IsHandOffMarker(self, &b) && b == f_;
      }

     private:
      const std::string& f_;
    };
    Finder fd(f);
    fd.VisitStmt(s);
    return fd.found;
  }

  // The computed buffers `s` touches in DST (those handed off to a circular buffer by now are
  // read from it instead).
  std::set<std::string> Refs(const Stmt& s) const {
    std::string reload;
    if (IsReloadMarker(s, &reload)) return {reload};  // the write group it starts
    RefCollector r(computed_);
    r.VisitStmt(s);
    // A statement that only reads a handed-off buffer reads its circular buffer.
    for (const auto& [f, n] : hand_off_tiles_) {
      if (!r.writes.count(f)) r.refs.erase(f);
    }
    // A hand-off that happens inside `s` (a loop whose body computes and consumes it) is
    // nothing the enclosing region keeps in DST.
    for (auto it = r.refs.begin(); it != r.refs.end();) {
      const bool compound = s->kind == StmtKind::kFor || s->kind == StmtKind::kLet || s->kind == StmtKind::kIf ||
                            s->kind == StmtKind::kSeq;
      it = hand_off_tiles_.count(*it) && compound && ContainsCopyOut(s, *it) ? r.refs.erase(it) : std::next(it);
    }
    return r.refs;
  }

  // The circular buffer a packing statement fills: the output CB of a copy to DRAM, the
  // hand-off CB of a marker.
  std::string PackTarget(const Stmt& s) const {
    std::string b;
    if (IsHandOffMarker(s, &b)) return CbNameOf(b);
    return PackedBuffer(s);
  }

  // The buffer a region statement packs: the source of a copy to DRAM or a hand-off marker.
  static std::string PackedBuffer(const Stmt& s) {
    if (const Copy* c = As<Copy>(s)) return c->src.buffer->name;
    std::string b;
    return IsHandOffMarker(s, &b) ? b : "";
  }

  Stmt LowerBlock(const Stmt& s) {
    const Seq* seq = As<Seq>(s);
    if (!seq) return LowerOther(s);
    const auto& st = seq->stmts;
    std::vector<Stmt> out;
    for (size_t i = 0; i < st.size();) {
      std::set<std::string> group = Refs(st[i]);
      bool nested = !group.empty() && !As<Copy>(st[i]);
      for (const std::string& f : group) {
        if (intermediates_.count(f)) {  // contained when no other statement here uses it
          for (size_t k = 0; k < st.size(); ++k) nested = nested && (k == i || !Refs(st[k]).count(f));
        } else {
          nested = nested && ContainsCopyOut(st[i], f);
        }
      }
      if (group.empty() || nested) {
        out.push_back(LowerOther(st[i]));
        ++i;
        continue;
      }
      // The region: from here to the last copy-out of every result it touches.
      size_t end = i;
      for (bool grew = true; grew;) {
        grew = false;
        for (const std::string& f : std::set<std::string>(group)) {
          if (intermediates_.count(f)) {  // up to its last use
            for (size_t k = i; k < st.size(); ++k) {
              if (Refs(st[k]).count(f)) end = std::max(end, k);
            }
            continue;
          }
          int j = FindCopyOut(st, i, f);
          if (j < 0 && cbs_.at(f).role != "output") {
            class FirstWrite : public StmtVisitor {
             public:
              explicit FirstWrite(const std::string& f) : f_(f) {}
              std::optional<Loc> loc;

             protected:
              void VisitFill(const Fill& n) override { Note(n.buffer, n.loc); }
              void VisitStore(const Store& n) override { Note(n.buffer, n.loc); }
              void VisitGemm(const Gemm& n) override { Note(n.c, n.loc); }

             private:
              void Note(const Buffer& b, const Loc& at) {
                if (!loc && b->name == f_) loc = at;
              }
              const std::string& f_;
            };
            FirstWrite fw(f);
            for (size_t k = i; k < st.size() && !fw.loc; ++k) fw.VisitStmt(st[k]);
            ctx_.diag.Error(fw.loc ? *fw.loc : st[i]->loc, absl::StrCat(
                "'", f, "' is computed here and still used after a loop that reads and updates it (a value ",
                "carried across loop iterations, such as a running max, a running sum or an accumulator ",
                "rescaled in the loop); ttc keeps a computed value in DST, or hands it to a circular buffer, only ",
                "within one iteration of a block, so loop-carried values are not lowered yet"));
            return MakeSeq({});
          }
          if (j < 0) {
            ctx_.diag.Error(st[i]->loc, absl::StrCat("the result '", f, "' is not copied out to DRAM in the block ",
                                                     "that computes it; TT keeps results in DST only within one "
                                                     "block, so move its T.copy to DRAM next to its computation"));
            return MakeSeq({});
          }
          end = std::max(end, static_cast<size_t>(j));
        }
        for (size_t k = i; k <= end; ++k) {
          for (const std::string& f : Refs(st[k])) grew |= group.insert(f).second;
        }
      }
      std::vector<Stmt> region(st.begin() + i, st.begin() + end + 1);
      for (Stmt& r : LowerRegion(region, group)) out.push_back(r);
      i = end + 1;
    }
    return MakeSeq(std::move(out), s->loc);
  }

  Stmt LowerOther(const Stmt& s) {
    switch (s->kind) {
      case StmtKind::kSeq: return LowerBlock(s);
      case StmtKind::kFor: {
        auto n = std::make_shared<For>(*As<For>(s));
        n->body = LowerBlock(n->body);
        return n;
      }
      case StmtKind::kLet: {
        auto n = std::make_shared<Let>(*As<Let>(s));
        n->body = LowerBlock(n->body);
        return n;
      }
      case StmtKind::kIf: {
        auto n = std::make_shared<IfThenElse>(*As<IfThenElse>(s));
        n->then_body = LowerBlock(n->then_body);
        n->else_body = LowerBlock(n->else_body);
        return n;
      }
      default: return s;
    }
  }

  std::vector<Stmt> Pack(const std::string& f, const TileSpan& span, int64_t offset, const std::string& cb) {
    const Expr cbv = MakeVar(CbVar(cb));
    std::vector<Stmt> out = {MakeIntrinsic("cb_reserve_back", {cbv, MakeInt(span.count)})};
    for (Stmt& s : Repeat("tt_d", span.count, [&](Expr d) {
           return std::vector<Stmt>{MakeIntrinsic("pack_tile", {Add(d, offset), cbv})};
         })) {
      out.push_back(s);
    }
    out.push_back(MakeIntrinsic("cb_push_back", {cbv, MakeInt(span.count)}));
    return out;
  }

  // A region's own circular-buffer waits go before it and its pops after it (a hand-off's
  // cb_wait_front / cb_pop_front land between the statements of the region that reads it).
  std::vector<Stmt> LowerRegion(const std::vector<Stmt>& all, const std::set<std::string>& group) {
    std::vector<Stmt> region, before, after;
    std::set<std::string> packed;  // circular buffers a hand-off marker fills earlier in the region
    auto call_of = [](const Stmt& s) -> const Call* {
      const Evaluate* ev = As<Evaluate>(s);
      return ev ? As<Call>(ev->value) : nullptr;
    };
    auto cb_of = [](const Call* c) -> std::string {
      const Var* v = c && !c->args.empty() ? As<Var>(c->args[0]) : nullptr;
      return v ? v->name : "";
    };
    for (size_t k = 0; k < all.size(); ++k) {
      const Stmt& s = all[k];
      const Call* c = call_of(s);
      std::string b;
      if (IsHandOffMarker(s, &b)) packed.insert(CbVar(CbNameOf(b)));
      const Call* next = k + 1 < all.size() ? call_of(all[k + 1]) : nullptr;
      if (c && c->name == "tt.cb_wait_front" && next && next->name == "tt.cb_pop_front" && cb_of(c) == cb_of(next)) {
        after.push_back(s);  // the wait that a pop needs goes with it
      } else if (c && c->name == "tt.cb_wait_front") {
        // A read after the hand-off in the same region reads DST (the result is resident here).
        if (!packed.count(cb_of(c))) before.push_back(s);
      } else if (c && c->name == "tt.cb_pop_front") {
        after.push_back(s);
      } else {
        region.push_back(s);
      }
    }
    std::vector<Stmt> out = std::move(before);
    for (Stmt& s : LowerRegionBody(region, group)) out.push_back(std::move(s));
    out.insert(out.end(), after.begin(), after.end());
    return out;
  }

  std::vector<Stmt> LowerRegionBody(const std::vector<Stmt>& region, const std::set<std::string>& group) {
    std::map<std::string, int64_t> tiles;
    for (const std::string& f : group) tiles[f] = Tiles(f);
    HasWaits w;
    for (const Stmt& s : region) w.VisitStmt(s);
    const int64_t temps = TempsOf(region, group);
    if (temps >= dst_capacity_) {
      ctx_.diag.Error(region.front()->loc,
                      absl::StrCat("an element-wise expression here needs ", temps, " DST tiles for intermediate values ",
                                   "besides its result, but DST holds ", dst_capacity_,
                                   fp32_ ? " with fp32 accumulation" : "", "; split it into several loop nests"));
      return {};
    }
    const DstPlan plan = PlanDst(tiles, dst_capacity_ - temps, w.found);
    temp_base_ = plan.dst_tiles();
    dst_needed_ = std::max(dst_needed_, plan.dst_tiles() + temps);
    switch (plan.kind) {
      case DstPlan::Kind::kResident: {
        std::vector<Stmt> out = {MakeIntrinsic("tile_regs_acquire")};
        std::vector<Stmt> packs;
        for (const Stmt& s : region) {
          if (const std::string f = PackedBuffer(s); !f.empty()) {
            for (Stmt& p : Pack(f, {MakeInt(0), Tiles(f)}, plan.offsets.at(f), PackTarget(s))) packs.push_back(p);
            continue;
          }
          Emit(s, plan.offsets, nullptr, &out);
        }
        out.push_back(MakeIntrinsic("tile_regs_commit"));
        out.push_back(MakeIntrinsic("tile_regs_wait"));
        out.insert(out.end(), packs.begin(), packs.end());
        out.push_back(MakeIntrinsic("tile_regs_release"));
        return out;
      }
      case DstPlan::Kind::kOverflow:
        ctx_.diag.Error(region.front()->loc,
                        absl::StrCat("DST overflow that cannot be split: results ", absl::StrJoin(group, ", "),
                                     " are live together and need ", plan.total, " tiles but DST holds ",
                                     dst_capacity_, fp32_ ? " with fp32 accumulation" : "",
                                     "; compute them in separate blocks or use smaller blocks"));
        return {};
      case DstPlan::Kind::kSubBlocks: {
        // Nothing is consumed inside the region: repeat it for each DST-sized sub-block (tile t
        // of every result together).
        std::map<std::string, int64_t> offsets = plan.offsets;
        if (offsets.empty()) offsets[plan.result] = 0;
        const int64_t n = plan.sub_block;
        TileSpan span{Mul(MakeVar("tt_sb"), n), n};
        std::vector<Stmt> body = {MakeIntrinsic("tile_regs_acquire")};
        std::vector<Stmt> packs;
        for (const Stmt& s : region) {
          if (const std::string f = PackedBuffer(s); !f.empty()) {
            for (Stmt& p : Pack(f, span, offsets.at(f), PackTarget(s))) packs.push_back(p);
            continue;
          }
          Emit(s, offsets, &span, &body);
        }
        body.push_back(MakeIntrinsic("tile_regs_commit"));
        body.push_back(MakeIntrinsic("tile_regs_wait"));
        body.insert(body.end(), packs.begin(), packs.end());
        body.push_back(MakeIntrinsic("tile_regs_release"));
        return {MakeSerialLoop("tt_sb", Tiles(offsets.begin()->first) / n, std::move(body))};
      }
      case DstPlan::Kind::kSpill: return SpillRegion(region, plan.result, plan.sub_block);
    }
    return {};
  }

  // A matmul accumulator larger than DST whose K loop consumes operands: partial sums of each
  // sub-block live in an intermediate circular buffer between K steps.
  std::vector<Stmt> SpillRegion(const std::vector<Stmt>& region, const std::string& f, int64_t n) {
    const int64_t tiles = Tiles(f);
    size_t i = 0;
    const Fill* fill = region.size() >= 3 ? As<Fill>(region[0]) : nullptr;
    if (fill) ++i;
    const For* kloop = i < region.size() ? As<For>(region[i]) : nullptr;
    // Statements between the K loop and the copy-out are an epilogue on the accumulator
    // (ReLU, scale, bias, cast): applied to each sub-block after its last K step.
    std::vector<Stmt> epilogue;
    bool canonical = kloop && i + 2 <= region.size() && As<Copy>(region.back());
    for (size_t k = i + 1; canonical && k + 1 < region.size(); ++k) {
      HasWaits w;
      w.VisitStmt(region[k]);
      canonical = !w.found && PackedBuffer(region[k]).empty();
      epilogue.push_back(region[k]);
    }
    if (!canonical) {
      ctx_.diag.Error(region.front()->loc,
                      absl::StrCat("DST overflow that cannot be split: '", f, "' needs ", tiles,
                                   " tiles but DST holds ", dst_capacity_,
                                   " and its computation is not a single K loop that can keep partial sums in a "
                                   "circular buffer; use a smaller block"));
      return {};
    }
    const Buffer& fb = As<Copy>(region.back())->src.buffer;
    CircularBuffer part;
    part.buffer = f + "_partials";
    part.role = "intermediate";
    part.cb_id = NextIntermediateCbId();
    const CircularBuffer& out_cb = cbs_.at(f);
    const int64_t th = fb->shape[fb->shape.size() - 2] / out_cb.tile_rows;
    const int64_t tw = fb->shape.back() / out_cb.tile_cols;
    part.page_size = fb->dtype.TileBytes(th, tw);
    part.data_format = fb->dtype.tt_data_format;
    part.num_pages = tiles;
    part.block_tiles = n;
    part.tile_rows = 1;
    part.tile_cols = n;
    if (part.data_format.empty()) {
      ctx_.diag.Error(fb->loc, absl::StrCat("'", f, "' has dtype ", fb->dtype.name,
                                            ", which no TT circular buffer can hold for its partial sums"));
      return {};
    }
    new_cbs_.push_back(part);
    cbs_[part.buffer] = part;
    const Expr pv = MakeVar(CbVar(part.buffer));
    const int64_t nsb = tiles / n;
    auto span_of = [&](Expr sb) { return TileSpan{Mul(sb, n), n}; };
    auto reload = [&]() {
      std::vector<Stmt> s = {MakeIntrinsic("cb_wait_front", {pv, MakeInt(n)}), MakeIntrinsic("copy_tile_init", {pv})};
      for (Stmt& c : Repeat("tt_d", n, [&](Expr d) {
             return std::vector<Stmt>{MakeIntrinsic("copy_tile", {pv, d, d})};
           })) {
        s.push_back(c);
      }
      s.push_back(MakeIntrinsic("cb_pop_front", {pv, MakeInt(n)}));
      return s;
    };
    auto pass = [&](std::vector<Stmt> work, const std::string& dest) {
      std::vector<Stmt> body = {MakeIntrinsic("tile_regs_acquire")};
      body.insert(body.end(), work.begin(), work.end());
      body.push_back(MakeIntrinsic("tile_regs_commit"));
      body.push_back(MakeIntrinsic("tile_regs_wait"));
      for (Stmt& p : Pack(f, {MakeInt(0), n}, 0, dest)) body.push_back(p);
      body.push_back(MakeIntrinsic("tile_regs_release"));
      return body;
    };
    std::vector<Stmt> out;
    // Partial sums start as the fill value (zero: DST is zeroed on acquire).
    {
      std::vector<Stmt> work;
      if (fill) {
        TileSpan sp = span_of(MakeVar("tt_sb"));
        Emit(region[0], {{f, 0}}, &sp, &work);
      }
      out.push_back(MakeSerialLoop("tt_sb", nsb, pass(work, part.buffer)));
    }
    // Each K step: reload a sub-block, accumulate this step's products, spill it again.
    class GemmSpill : public StmtMutator {
     public:
      GemmSpill(Tensorizer* t, const std::string& f, std::function<std::vector<Stmt>(const Stmt&)> make)
          : t_(t), f_(f), make_(std::move(make)) {}

     protected:
      Stmt MutateGemm(const Gemm& g, const Stmt& self) override {
        if (g.c->name != f_) return self;
        return MakeSeq(make_(self));
      }
      Stmt MutateStore(const Store& s, const Stmt& self) override {
        if (s.buffer->name == f_) t_->ctx_.diag.Error(s.loc, "DST overflow that cannot be split: '" + f_ +
                                                                  "' is also written outside its matmul");
        return self;
      }

     private:
      Tensorizer* t_;
      std::string f_;
      std::function<std::vector<Stmt>(const Stmt&)> make_;
    };
    GemmSpill spill(this, f, [&](const Stmt& gemm) {
      std::vector<Stmt> work = reload();
      const Gemm* g = As<Gemm>(gemm);
      work.push_back(MakeIntrinsic("mm_init_short", {MakeVar(CbVar(g->a->name)), MakeVar(CbVar(g->b->name)),
                                              MakeInt(g->transpose_b ? 1 : 0)}));
      TileSpan sp = span_of(MakeVar("tt_sb"));
      Emit(gemm, {{f, 0}}, &sp, &work);
      return std::vector<Stmt>{MakeSerialLoop("tt_sb", nsb, pass(work, part.buffer))};
    });
    out.push_back(spill.MutateStmt(region[i]));
    // The copy-out: reload each sub-block, apply the epilogue and pack it into the output
    // circular buffer.
    {
      std::vector<Stmt> work = reload();
      TileSpan sp = span_of(MakeVar("tt_sb"));
      for (const Stmt& e : epilogue) Emit(e, {{f, 0}}, &sp, &work);
      out.push_back(MakeSerialLoop("tt_sb", nsb, pass(work, f)));
    }
    return out;
  }

};

}  // namespace

void TensorizeTT(PassContext& ctx, PrimFunc& func) {
  if (!func.kernels.count("compute")) {
    ctx.diag.InternalError(func.loc, "tensorize_tt needs the compute kernel of memory_space_lower_tt");
    return;
  }
  Tensorizer(ctx, func).Run();
}

}  // namespace ttc
