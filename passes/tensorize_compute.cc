#include "passes/tensorize_compute.h"

#include <algorithm>
#include <functional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/builder.h"
#include "ir/printer.h"
#include "passes/attrs.h"
#include "passes/simplify.h"

namespace ttc {

using namespace ir;

namespace {

Expr Div(const Expr& a, int64_t b) { return b == 1 ? a : Simplify(MakeBinary(BinOp::kFloorDiv, a, MakeInt(b))); }
Expr Mod(const Expr& a, int64_t b) { return Simplify(MakeBinary(BinOp::kFloorMod, a, MakeInt(b))); }

}  // namespace

// Lowers one compute statement of a DST region into `out`. `offsets`: DST tile offset of
// each live result; `span`: the sub-block being processed (null = all tiles).
void ComputeEmitter::Emit(const Stmt& s, const std::map<std::string, int64_t>& offsets, const TileSpan* span,
          std::vector<Stmt>* out) {
  switch (s->kind) {
    case StmtKind::kSeq:
      for (const Stmt& c : As<Seq>(s)->stmts) Emit(c, offsets, span, out);
      return;
    case StmtKind::kFor: {
      const For* f = As<For>(s);
      auto [loops, inner] = PerfectNest(*f);
      if (const Store* st = As<Store>(inner); st && reductions_.count(st)) {
        EmitReduce(reductions_.at(st), *st, offsets, span, out);
        return;
      }
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
    case StmtKind::kEvaluate: {
      std::string x;
      if (IsReloadMarker(s, &x)) {
        // The previous version of a hand-off, copied from its circular buffer into its DST tiles.
        const TileSpan all{MakeInt(0), Tiles(x)};
        const TileSpan& sp = span ? *span : all;
        const Expr cb = MakeVar(CbVar(CbNameOf(x)));
        out->push_back(MakeIntrinsic("copy_tile_init", {cb}));
        for (Stmt& c : Repeat("tt_d", sp.count, [&](Expr d) {
               return std::vector<Stmt>{MakeIntrinsic("copy_tile", {cb, Add(sp.first, d), Add(d, offsets.at(x))})};
             })) {
          out->push_back(c);
        }
        return;
      }
      out->push_back(s);
      return;
    }
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

// Read from a circular buffer: copied from DRAM, or handed off after its computation.
bool ComputeEmitter::IsInput(const Buffer& b) const {
  auto it = cbs_.find(b->name);
  return it != cbs_.end() && (it->second.role == "input" || hand_off_tiles_.count(b->name));
}

void ComputeEmitter::EmitGemm(const Gemm& g, const std::map<std::string, int64_t>& offsets, const TileSpan* span,
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

// A reduction nest: reduce_tile from the source's circular buffer into the result's DST tiles.
void ComputeEmitter::EmitReduce(const ReductionNest& r, const Store& st, const std::map<std::string, int64_t>& offsets,
                const TileSpan* span, std::vector<Stmt>* out) {
  const std::string what = absl::StrCat("the reduction of '", r.source->name, "' into '", r.result->name, "'");
  if (r.pool == "MIN" || r.abs) {
    ctx_.diag.Error(st.loc, absl::StrCat(what, " is not lowered: TT's reduce_tile computes SUM and MAX (PoolType); ",
                                         "T.reduce_min and the absolute reductions are not mapped to it yet"));
    return;
  }
  if (!IsInput(r.source)) {
    ctx_.diag.Error(st.loc, absl::StrCat(what, " needs '", r.source->name, "' in a circular buffer (reduce_tile ",
                                         "reads circular buffers): copy it from DRAM or compute it in this block"));
    return;
  }
  const CircularBuffer& src = cbs_.at(r.source->name);
  const int64_t tiles = Tiles(r.result->name);
  if (tiles != (r.row ? src.tile_rows : src.tile_cols)) {
    ctx_.diag.Error(st.loc, absl::StrCat(what, " gives ", r.row ? src.tile_rows : src.tile_cols, " tiles of values but '",
                                         r.result->name, "' holds ", tiles));
    return;
  }
  if (scaler_.empty()) {
    CircularBuffer sc;
    sc.buffer = scaler_ = "tt_reduce_scaler";
    sc.role = "intermediate";
    sc.cb_id = NextIntermediateCbId();
    sc.page_size = 2048;
    sc.data_format = "Float16_b";
    sc.num_pages = sc.block_tiles = sc.tile_rows = sc.tile_cols = 1;
    new_cbs_.push_back(sc);
    cbs_[sc.buffer] = sc;
  }
  const TileSpan all{MakeInt(0), tiles};
  const TileSpan& sp = span ? *span : all;
  for (Stmt& s : ReduceTiles(r, CbVar(src.buffer), CbVar(scaler_), src.tile_rows, src.tile_cols, sp.first, sp.count,
                             offsets.at(r.result->name))) {
    out->push_back(s);
  }
  if (!recorded_.count(&st)) {
    recorded_.insert(&st);
    eltwise_.push_back({{"buffer", r.result->name}, {"reduce", r.pool}, {"source", r.source->name},
                        {"dim", r.row ? "row" : "col"}, {"tiles", tiles}});
  }
}

// Element-wise nest: loops over every element of the result, one store.
void ComputeEmitter::EmitEltwise(const std::vector<const For*>& loops, const Store& st,
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
DstExprCompiler::Leaves ComputeEmitter::LeavesOf(const Store& st, const std::map<std::string, int64_t>& offsets, const Expr& d) {
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
    return CbVar(CbNameOf(l.buffer->name));
  };
  leaves.resident_slot = [offsets, d, same_indices](const Load& l) -> std::optional<Expr> {
    auto it = offsets.find(l.buffer->name);
    if (it == offsets.end() || !same_indices(l)) return std::nullopt;
    return Add(d, it->second);
  };
  // A reduction's vector, handed off to its circular buffer, broadcast over the stored block.
  std::vector<std::string> vars;
  for (const Expr& i : st.indices) vars.push_back(As<Var>(i) ? As<Var>(i)->name : "");
  const int64_t cols = cbs_.count(st.buffer->name) ? cbs_.at(st.buffer->name).tile_cols : 1;
  leaves.bcast = [this, vars, cols](const Load& l, const Expr& tile) -> std::optional<DstExprCompiler::Leaves::Bcast> {
    auto v = vectors_.find(l.buffer->name);
    if (vars.size() != 2 || v == vectors_.end() || !IsInput(l.buffer)) return std::nullopt;
    std::string var;
    for (const Expr& i : l.indices) {
      if (const Var* x = As<Var>(i)) {
        var = x->name;
      } else if (ConstValue(i) != 0) {
        return std::nullopt;
      }
    }
    const std::string cb = CbVar(CbNameOf(l.buffer->name));
    if (v->second && !var.empty() && var == vars[0]) return DstExprCompiler::Leaves::Bcast{cb, Div(tile, cols), "COL"};
    if (!v->second && !var.empty() && var == vars[1]) return DstExprCompiler::Leaves::Bcast{cb, Mod(tile, cols), "ROW"};
    return std::nullopt;
  };
  return leaves;
}

// DST slots the element-wise nests of `region` need besides their results (the maximum).
int64_t ComputeEmitter::TempsOf(const std::vector<Stmt>& region, const std::set<std::string>& group) {
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
std::vector<Stmt> ComputeEmitter::KernelInit() {
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

}  // namespace ttc
