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
#include "passes/raise_manual_matmul.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

Expr Div(const Expr& a, int64_t b) { return b == 1 ? a : Simplify(MakeBinary(BinOp::kFloorDiv, a, MakeInt(b))); }
Expr Mod(const Expr& a, int64_t b) { return Simplify(MakeBinary(BinOp::kFloorMod, a, MakeInt(b))); }

// SFPU op for a unary math call: (init, op) kernel API names.
std::optional<std::string> SfpuOp(const std::string& call) {
  static const std::map<std::string, std::string> kOps = {
      {"exp", "exp"},   {"sqrt", "sqrt"}, {"rsqrt", "rsqrt"}, {"recip", "recip"},     {"relu", "relu"},
      {"log", "log"},   {"abs", "abs"},   {"tanh", "tanh"},   {"sigmoid", "sigmoid"}, {"neg", "negative"}};
  auto it = kOps.find(call);
  if (it == kOps.end()) return std::nullopt;
  return it->second;
}

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

     protected:
      void VisitGemm(const Gemm& g) override { Note(g.c); }
      void VisitFill(const Fill& f) override { Note(f.buffer); }
      void VisitStore(const Store& s) override { Note(s.buffer); }

     private:
      void Note(const Buffer& b) {
        computed.insert(b->name);
        if (b->dtype.name == "float32") float32.insert(b->name);
      }
    };
    Collector c;
    c.VisitStmt(body);
    computed_ = c.computed;
    fp32_ = !c.float32.empty();
    for (const std::string& name : computed_) {
      auto it = cbs_.find(name);
      if (it == cbs_.end() || it->second.role != "output") {
        ctx_.diag.Error(func_.loc, absl::StrCat("'", name, "' is computed on the Tensix core but never copied to "
                                                "DRAM; the TT lowering keeps results in DST until they are packed "
                                                "out, so copy it to a global buffer in the block that computes it"));
      }
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
      for (const std::string& f : group) nested = nested && ContainsCopyOut(st[i], f);
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
    const DstPlan plan = PlanDst(tiles, dst_capacity_, w.found);
    dst_needed_ = std::max(dst_needed_, plan.dst_tiles());
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
        // Nothing is consumed inside the region: repeat it for each DST-sized sub-block.
        const std::string& f = plan.result;
        const int64_t n = plan.sub_block;
        TileSpan span{Mul(MakeVar("tt_sb"), n), n};
        std::vector<Stmt> body = {MakeIntrinsic("tile_regs_acquire")};
        std::vector<Stmt> packs;
        for (const Stmt& s : region) {
          if (As<Copy>(s)) {
            packs = Pack(f, span, 0, f);
            continue;
          }
          Emit(s, {{f, 0}}, &span, &body);
        }
        body.push_back(MakeIntrinsic("tile_regs_commit"));
        body.push_back(MakeIntrinsic("tile_regs_wait"));
        body.insert(body.end(), packs.begin(), packs.end());
        body.push_back(MakeIntrinsic("tile_regs_release"));
        return {MakeSerialLoop("tt_sb", Tiles(f) / n, std::move(body))};
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
    const Fill* fill = region.size() == 3 ? As<Fill>(region[0]) : nullptr;
    if (fill) ++i;
    const For* kloop = i < region.size() ? As<For>(region[i]) : nullptr;
    const bool canonical = kloop && i + 2 == region.size() && As<Copy>(region.back());
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
    // The copy-out: reload each sub-block and pack it into the output circular buffer.
    out.push_back(MakeSerialLoop("tt_sb", nsb, pass(reload(), f)));
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
    std::vector<Stmt> probe;
    auto body = [&](Expr d) {
      std::vector<Stmt> s;
      ops = AttrValue::array();
      if (!Compute(st.value, st, Add(sp.first, d), Add(d, offsets.at(f->name)), &s, &ops)) {
        ctx_.diag.Error(st.loc, absl::StrCat(nest, " matches no TT intrinsic: `", PrintExpr(st.value),
                                             "` is not supported; TT maps X[i, j] + - * Y[i, j] of two buffers ",
                                             "copied from DRAM (same shape) to add/sub/mul_tiles and unary T.exp, ",
                                             "T.sqrt, T.rsqrt, T.recip, T.relu, T.log, T.abs, T.tanh, T.sigmoid and ",
                                             "negation to SFPU ops, possibly applied to one such binary result"));
      }
      return s;
    };
    for (Stmt& s : Repeat("tt_d", sp.count, body)) out->push_back(s);
    if (!recorded_.count(&st)) {
      recorded_.insert(&st);
      eltwise_.push_back({{"buffer", f->name}, {"loop_vars", vars}, {"ops", ops}, {"tiles", Tiles(f->name)}});
    }
  }

  // Computes `e` for tile `tile` of the operands into DST index `dst`.
  bool Compute(const Expr& e, const Store& st, const Expr& tile, const Expr& dst, std::vector<Stmt>* out,
               AttrValue* ops) {
    auto operand = [&](const Expr& x) -> const Load* {
      const Load* l = As<Load>(x);
      if (!l || !IsInput(l->buffer) || l->buffer->shape != st.buffer->shape || l->indices.size() != st.indices.size()) {
        return nullptr;
      }
      for (size_t i = 0; i < l->indices.size(); ++i) {
        const Var* a = As<Var>(l->indices[i]);
        const Var* b = As<Var>(st.indices[i]);
        if (!a || !b || a->name != b->name) return nullptr;
      }
      return l;
    };
    Expr x = e;
    while (const Cast* c = As<Cast>(x)) x = c->value;
    if (const Load* l = operand(x)) {
      const Expr cb = MakeVar(CbVar(l->buffer->name));
      out->push_back(MakeIntrinsic("copy_tile_init", {cb}));
      out->push_back(MakeIntrinsic("copy_tile", {cb, tile, dst}));
      ops->push_back("copy");
      kinds_.insert("unary");
      if (!unary_cb_) unary_cb_ = l->buffer->name;
      return true;
    }
    if (const Binary* b = As<Binary>(x)) {
      static const std::map<BinOp, std::string> kOps = {{BinOp::kAdd, "add"}, {BinOp::kSub, "sub"}, {BinOp::kMul, "mul"}};
      auto it = kOps.find(b->op);
      Expr xa = b->a, xb = b->b;
      while (const Cast* c = As<Cast>(xa)) xa = c->value;
      while (const Cast* c = As<Cast>(xb)) xb = c->value;
      const Load* la = operand(xa);
      const Load* lb = operand(xb);
      if (it == kOps.end() || !la || !lb) return false;
      const Expr ca = MakeVar(CbVar(la->buffer->name)), cbb = MakeVar(CbVar(lb->buffer->name));
      out->push_back(MakeIntrinsic(it->second + "_tiles_init", {ca, cbb}));
      out->push_back(MakeIntrinsic(it->second + "_tiles", {ca, cbb, tile, tile, dst}));
      ops->push_back(it->second);
      kinds_.insert("binary");
      if (!binary_cbs_) binary_cbs_ = std::pair<std::string, std::string>{la->buffer->name, lb->buffer->name};
      return true;
    }
    if (const Call* c = As<Call>(x); c && c->args.size() == 1) {
      auto op = SfpuOp(c->name);
      if (!op || !Compute(c->args[0], st, tile, dst, out, ops)) return false;
      out->push_back(MakeIntrinsic(*op + "_tile_init"));
      out->push_back(MakeIntrinsic(*op + "_tile", {dst}));
      ops->push_back(*op);
      return true;
    }
    return false;
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
  std::set<std::string> kinds_;
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
