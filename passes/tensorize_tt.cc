#include "passes/tensorize_tt.h"

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
#include "passes/raise_manual_matmul.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

Expr Div(const Expr& a, int64_t b) { return b == 1 ? a : Simplify(MakeBinary(BinOp::kFloorDiv, a, MakeInt(b))); }
Expr Mod(const Expr& a, int64_t b) { return Simplify(MakeBinary(BinOp::kFloorMod, a, MakeInt(b))); }

// Buffers a statement writes or reads that are computed on the core.
class RefCollector : public StmtVisitor {
 public:
  explicit RefCollector(const std::set<std::string>& computed) : computed_(computed) {}
  std::set<std::string> refs;

 protected:
  void VisitGemm(const Gemm& g) override { Add(g.a); Add(g.b); Add(g.c); }
  void VisitFill(const Fill& f) override { Add(f.buffer); StmtVisitor::VisitFill(f); }
  void VisitStore(const Store& s) override { Add(s.buffer); StmtVisitor::VisitStore(s); }
  void VisitLoad(const Load& l) override { Add(l.buffer); ExprVisitor::VisitLoad(l); }
  void VisitCopy(const Copy& c) override { Add(c.src.buffer); StmtVisitor::VisitCopy(c); }

 private:
  void Add(const Buffer& b) {
    if (computed_.count(b->name)) refs.insert(b->name);
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

// Which tiles of a result a region processes: [first, first + count), DST index = offset + d.
struct TileSpan {
  Expr first;
  int64_t count = 0;
};

class Tensorizer {
 public:
  Tensorizer(PassContext& ctx, PrimFunc& func) : ctx_(ctx), func_(func) {}

  void Run() {
    for (const CircularBuffer& cb : CircularBuffersOf(func_)) cbs_[cb.buffer] = cb;
    Stmt body = RaiseManualMatmuls(func_.kernels.at("compute"), &manual_);
    CollectComputed(body);
    if (ctx_.diag.has_errors()) return;
    dst_capacity_ = fp32_ ? ctx_.target.dst_tiles_32 : ctx_.target.dst_tiles_16;
    Stmt lowered = LowerBlock(body);
    if (ctx_.diag.has_errors()) return;
    std::vector<Stmt> top = KernelInit();
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
      void VisitGemm(const Gemm& g) override { Note(g.c, g.loc); }
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
    for (const std::string& name : computed_) {
      auto it = cbs_.find(name);
      if (it != cbs_.end() && it->second.role == "output") continue;
      const Loc& at = c.first_write.at(name);
      if (!c.read.count(name)) {
        ctx_.diag.Error(at, absl::StrCat("'", name, "' is computed on the Tensix core but never copied to DRAM nor "
                                         "read; the TT lowering keeps results in DST until they are packed out, so "
                                         "copy it to a global buffer in the block that computes it"));
        continue;
      }
      // An intermediate value: it lives in DST from its computation to its last use in the block.
      const Buffer& b = c.buffers.at(name);
      const int64_t th = GetInt(func_.attrs, "tt_tile_height", 32), tw = GetInt(func_.attrs, "tt_tile_width", 32);
      const int64_t rows = b->shape.size() >= 2 ? b->shape[b->shape.size() - 2] : 1;
      const int64_t cols = b->shape.empty() ? 1 : b->shape.back();
      int64_t batch = 1;
      for (size_t i = 0; i + 2 < b->shape.size(); ++i) batch *= b->shape[i];
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
      geometry.tile_rows = rows / th;
      geometry.tile_cols = cols / tw;
      geometry.block_tiles = geometry.tile_rows * geometry.tile_cols;
      cbs_[name] = geometry;
      intermediates_.insert(name);
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

  int64_t Tiles(const std::string& f) const { return cbs_.at(f).block_tiles; }

  // ---- lowering ----

  // Copy-out of a computed buffer directly in `stmts` at or after `from`, or -1.
  int FindCopyOut(const std::vector<Stmt>& stmts, size_t from, const std::string& f) const {
    for (size_t j = from; j < stmts.size(); ++j) {
      if (const Copy* c = As<Copy>(stmts[j]); c && c->src.buffer->name == f) return static_cast<int>(j);
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

     private:
      const std::string& f_;
    };
    Finder fd(f);
    fd.VisitStmt(s);
    return fd.found;
  }

  std::set<std::string> Refs(const Stmt& s) const {
    RefCollector r(computed_);
    r.VisitStmt(s);
    return r.refs;
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

  std::vector<Stmt> LowerRegion(const std::vector<Stmt>& region, const std::set<std::string>& group) {
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
          if (const Copy* c = As<Copy>(s)) {
            const std::string& f = c->src.buffer->name;
            for (Stmt& p : Pack(f, {MakeInt(0), Tiles(f)}, plan.offsets.at(f), f)) packs.push_back(p);
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
          if (const Copy* c = As<Copy>(s)) {
            const std::string& f = c->src.buffer->name;
            for (Stmt& p : Pack(f, span, offsets.at(f), f)) packs.push_back(p);
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
      canonical = !w.found && !As<Copy>(region[k]);
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
    part.cb_id = 24 + static_cast<int64_t>(new_cbs_.size());
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

  // Lowers one compute statement of a DST region into `out`. `offsets`: DST tile offset of
  // each live result; `span`: the sub-block being processed (null = all tiles).
  void Emit(const Stmt& s, const std::map<std::string, int64_t>& offsets, const TileSpan* span,
            std::vector<Stmt>* out) {
    switch (s->kind) {
      case StmtKind::kSeq:
        for (const Stmt& c : As<Seq>(s)->stmts) Emit(c, offsets, span, out);
        return;
      case StmtKind::kFor: {
        const For* f = As<For>(s);
        auto [loops, inner] = PerfectNest(*f);
        if (const Store* st = As<Store>(inner); st && computed_.count(st->buffer->name)) {
          EmitEltwise(loops, *st, offsets, span, out);
          return;
        }
        std::vector<Stmt> body;
        Emit(f->body, offsets, span, &body);
        auto n = std::make_shared<For>(*f);
        n->body = MakeSeq(std::move(body));
        out->push_back(n);
        return;
      }
      case StmtKind::kLet: {
        std::vector<Stmt> body;
        Emit(As<Let>(s)->body, offsets, span, &body);
        auto n = std::make_shared<Let>(*As<Let>(s));
        n->body = MakeSeq(std::move(body));
        out->push_back(n);
        return;
      }
      case StmtKind::kEvaluate: out->push_back(s); return;
      case StmtKind::kFill: {
        const Fill* f = As<Fill>(s);
        auto v = ConstValue(f->value);
        if (v && *v == 0) return;  // DST is zeroed on acquire
        const FloatImm* fv = As<FloatImm>(f->value);
        if (!v && !fv) {
          ctx_.diag.Error(s->loc, absl::StrCat("T.fill of '", f->buffer->name, "' needs a constant value"));
          return;
        }
        const double value = fv ? fv->value : static_cast<double>(*v);
        const TileSpan all{MakeInt(0), Tiles(f->buffer->name)};
        const TileSpan& sp = span ? *span : all;
        out->push_back(MakeIntrinsic("fill_tile_init"));
        for (Stmt& c : Repeat("tt_d", sp.count, [&](Expr d) {
               return std::vector<Stmt>{MakeIntrinsic("fill_tile", {Add(d, offsets.at(f->buffer->name)), MakeFloat(value)})};
             })) {
          out->push_back(c);
        }
        return;
      }
      case StmtKind::kGemm: EmitGemm(*As<Gemm>(s), offsets, span, out); return;
      case StmtKind::kStore:
        ctx_.diag.Error(s->loc, absl::StrCat("the store to '", As<Store>(s)->buffer->name,
                                             "' is not inside a loop nest over whole tiles; TT computes whole "
                                             "tiles: write it as a T.grid/T.Parallel nest over the buffer"));
        return;
      default:
        ctx_.diag.InternalError(s->loc, "unexpected statement in a DST region");
        return;
    }
  }

  bool IsInput(const Buffer& b) const {
    auto it = cbs_.find(b->name);
    return it != cbs_.end() && it->second.role == "input";
  }

  void EmitGemm(const Gemm& g, const std::map<std::string, int64_t>& offsets, const TileSpan* span,
                std::vector<Stmt>* out) {
    for (const Buffer& op : {g.a, g.b}) {
      if (!IsInput(op)) {
        ctx_.diag.Error(g.loc, absl::StrCat("T.gemm operand '", op->name, "' must be copied from DRAM into its ",
                                            "buffer (a circular buffer); it is computed on the core"));
        return;
      }
    }
    if (g.transpose_a) {
      ctx_.diag.Error(g.loc, absl::StrCat("T.gemm with transpose_A is not supported: matmul_tiles transposes only ",
                                          "its second operand; store '", g.a->name, "' untransposed"));
      return;
    }
    const CircularBuffer& a = cbs_.at(g.a->name);
    const CircularBuffer& b = cbs_.at(g.b->name);
    const CircularBuffer& c = cbs_.at(g.c->name);
    const int64_t mb = c.tile_rows, nb = c.tile_cols, kb = a.tile_cols;
    const int64_t off = offsets.at(g.c->name);
    const TileSpan all{MakeInt(0), mb * nb};
    const TileSpan& sp = span ? *span : all;
    const Expr cba = MakeVar(CbVar(a.buffer)), cbb = MakeVar(CbVar(b.buffer));
    if (!matmul_cbs_) matmul_cbs_ = std::array<std::string, 3>{a.buffer, b.buffer, c.buffer};
    for (Stmt& st : Repeat("tt_d", sp.count, [&](Expr d) {
           Expr t = Add(sp.first, d);
           Expr mt = Div(t, nb), nt = Mod(t, nb);
           return Repeat("tt_k", kb, [&](Expr k) {
             Expr ia = Add(Mul(mt, kb), k);
             Expr ib = g.transpose_b ? Add(Mul(nt, kb), k) : Add(Mul(k, nb), nt);
             return std::vector<Stmt>{
                 MakeIntrinsic("matmul_tiles", {cba, cbb, ia, ib, Add(d, off), MakeInt(g.transpose_b ? 1 : 0)})};
           });
         })) {
      out->push_back(st);
    }
    AttrValue p = {{"source", "gemm"}, {"buffer_a", g.a->name}, {"buffer_b", g.b->name}, {"buffer_c", g.c->name},
                   {"cb_in0", a.cb_id}, {"cb_in1", b.cb_id}, {"cb_out", c.cb_id}, {"tiles_mnk", {mb, nb, kb}},
                   {"transpose_b", g.transpose_b}, {"accumulate", true}};
    if (auto it = manual_.find(&g); it != manual_.end()) {
      p["source"] = "loop";
      p["reduction_var"] = it->second.reduction_var;
      p["A_indices"] = it->second.a_indices;
      p["B_indices"] = it->second.b_indices;
      p["C_indices"] = it->second.c_indices;
    }
    if (!recorded_.count(&g)) {
      recorded_.insert(&g);
      matmuls_.push_back(p);
    }
  }

  // Element-wise nest: loops over every element of the result, one store.
  void EmitEltwise(const std::vector<const For*>& loops, const Store& st,
                   const std::map<std::string, int64_t>& offsets, const TileSpan* span, std::vector<Stmt>* out) {
    const Buffer& f = st.buffer;
    std::vector<std::string> vars;
    for (const For* l : loops) vars.push_back(l->var);
    const std::string nest = absl::StrCat("the loop nest over ", absl::StrJoin(vars, ", "), " storing to '", f->name, "'");
    bool covers = loops.size() == f->shape.size() && st.indices.size() == loops.size();
    for (size_t i = 0; covers && i < loops.size(); ++i) {
      const Var* v = As<Var>(st.indices[i]);
      covers = v && v->name == loops[i]->var && ConstValue(loops[i]->min) == 0 &&
               ConstValue(loops[i]->extent) == f->shape[i];
    }
    if (!covers) {
      ctx_.diag.Error(st.loc, absl::StrCat(nest, " matches no TT intrinsic: TT computes whole tiles, so the loops must ",
                                           "run over every element of '", f->name, "' (", f->shape.size(),
                                           " loops from 0 to its shape, indices in loop order)"));
      return;
    }
    AttrValue ops = AttrValue::array();
    const TileSpan all{MakeInt(0), Tiles(f->name)};
    const TileSpan& sp = span ? *span : all;
    auto body = [&](Expr d) {
      std::vector<Stmt> s;
      ops = AttrValue::array();
      DstExprCompiler dc(LeavesOf(st, offsets, d));
      absl::Status status = dc.Emit(st.value, Add(sp.first, d), Add(d, offsets.at(f->name)), MakeInt(temp_base_),
                                    &s, &ops);
      if (!status.ok()) {
        ctx_.diag.Error(st.loc, absl::StrCat(nest, " matches no TT intrinsic: ", status.message()));
      }
      const DstExprCompiler::Usage& u = dc.usage();
      if (u.fpu_binary_cbs && !binary_cbs_) {  // variables cb_<buffer>
        binary_cbs_ = std::pair<std::string, std::string>{u.fpu_binary_cbs->first.substr(3),
                                                          u.fpu_binary_cbs->second.substr(3)};
      }
      if (u.copy_cb && !unary_cb_) unary_cb_ = u.copy_cb->substr(3);
      return s;
    };
    for (Stmt& s : Repeat("tt_d", sp.count, body)) out->push_back(s);
    if (!recorded_.count(&st)) {
      recorded_.insert(&st);
      eltwise_.push_back({{"buffer", f->name}, {"loop_vars", vars}, {"ops", ops}, {"tiles", Tiles(f->name)}});
    }
  }

  // The leaves of an element-wise expression stored to `st`: input circular buffers and the
  // results resident in DST at `offsets` (DST slot of tile d: d + offset).
  DstExprCompiler::Leaves LeavesOf(const Store& st, const std::map<std::string, int64_t>& offsets, const Expr& d) {
    auto same_indices = [&st](const Load& l) {
      if (l.buffer->shape != st.buffer->shape || l.indices.size() != st.indices.size()) return false;
      for (size_t i = 0; i < l.indices.size(); ++i) {
        const Var* a = As<Var>(l.indices[i]);
        const Var* b = As<Var>(st.indices[i]);
        if (!a || !b || a->name != b->name) return false;
      }
      return true;
    };
    DstExprCompiler::Leaves leaves;
    leaves.self = st.buffer->name;
    leaves.input_cb = [this, same_indices](const Load& l) -> std::optional<std::string> {
      if (!IsInput(l.buffer) || !same_indices(l)) return std::nullopt;
      return CbVar(l.buffer->name);
    };
    leaves.resident_slot = [offsets, d, same_indices](const Load& l) -> std::optional<Expr> {
      auto it = offsets.find(l.buffer->name);
      if (it == offsets.end() || !same_indices(l)) return std::nullopt;
      return Add(d, it->second);
    };
    return leaves;
  }

  // DST slots the element-wise nests of `region` need besides their results (the maximum).
  int64_t TempsOf(const std::vector<Stmt>& region, const std::set<std::string>& group) {
    std::map<std::string, int64_t> offsets;
    for (const std::string& f : group) offsets[f] = 0;
    int64_t temps = 0;
    std::function<void(const Stmt&)> walk = [&](const Stmt& s) {
      if (const Seq* q = As<Seq>(s)) {
        for (const Stmt& c : q->stmts) walk(c);
      } else if (const Let* l = As<Let>(s)) {
        walk(l->body);
      } else if (const For* f = As<For>(s)) {
        auto [loops, inner] = PerfectNest(*f);
        if (const Store* st = As<Store>(inner); st && computed_.count(st->buffer->name)) {
          DstExprCompiler dc(LeavesOf(*st, offsets, MakeInt(0)));
          absl::StatusOr<int64_t> t = dc.Temps(st->value);
          if (t.ok()) temps = std::max(temps, *t);
        } else {
          walk(f->body);
        }
      }
    };
    for (const Stmt& s : region) walk(s);
    return temps;
  }

  // The full hardware init at the top of the kernel, chosen by the ops the kernel uses.
  std::vector<Stmt> KernelInit() {
    std::string out_cb;
    for (const auto& [name, cb] : cbs_) {
      if (cb.role == "output" && (out_cb.empty() || cb.cb_id < cbs_.at(out_cb).cb_id)) out_cb = name;
    }
    if (out_cb.empty()) return {};
    const Expr ov = MakeVar(CbVar(out_cb));
    if (matmul_cbs_) {
      return {MakeIntrinsic("mm_init", {MakeVar(CbVar((*matmul_cbs_)[0])), MakeVar(CbVar((*matmul_cbs_)[1])),
                                 MakeVar(CbVar((*matmul_cbs_)[2]))})};
    }
    if (binary_cbs_) {
      return {MakeIntrinsic("binary_op_init_common",
                     {MakeVar(CbVar(binary_cbs_->first)), MakeVar(CbVar(binary_cbs_->second)), ov})};
    }
    return {MakeIntrinsic("init_sfpu", {unary_cb_ ? MakeVar(CbVar(*unary_cb_)) : ov, ov})};
  }

  PassContext& ctx_;
  PrimFunc& func_;
  std::map<std::string, CircularBuffer> cbs_;
  std::set<std::string> computed_;
  bool fp32_ = false;
  int64_t dst_capacity_ = 0;
  int64_t dst_needed_ = 0;
  std::vector<CircularBuffer> new_cbs_;
  RaisedMatmuls manual_;  // the T.gemm nodes raised from manual nests
  std::set<const void*> recorded_;
  AttrValue matmuls_ = AttrValue::array();
  AttrValue eltwise_ = AttrValue::array();
  std::set<std::string> intermediates_;  // computed, read in the block, never copied out: DST only
  int64_t temp_base_ = 0;  // first DST slot for expression temporaries in the current region
  std::optional<std::array<std::string, 3>> matmul_cbs_;
  std::optional<std::pair<std::string, std::string>> binary_cbs_;
  std::optional<std::string> unary_cb_;
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
