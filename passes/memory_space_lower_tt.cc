#include "passes/memory_space_lower_tt.h"

#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/builder.h"
#include "ir/printer.h"
#include "ir/tile_geometry.h"
#include "ir/visitor.h"
#include "passes/attrs.h"
#include "passes/circular_buffers.h"
#include "passes/dataflow.h"
#include "passes/dead_code.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

std::string List(const std::vector<int64_t>& v) { return absl::StrCat("[", absl::StrJoin(v, ", "), "]"); }

enum class Role { kReader, kCompute, kWriter };

class Lowerer {
 public:
  Lowerer(PassContext& ctx, PrimFunc& func) : ctx_(ctx), func_(func) {}

  void Run() {
    if (!AssignCircularBuffers()) return;
    Stmt reader = Project(func_.body, Role::kReader);
    Stmt writer = Project(func_.body, Role::kWriter);
    Stmt compute = Project(func_.body, Role::kCompute);
    if (ctx_.diag.has_errors()) return;
    func_.kernels["reader"] = RemoveUnusedLets(reader ? reader : MakeSeq({}));
    func_.kernels["writer"] = RemoveUnusedLets(writer ? writer : MakeSeq({}));
    func_.kernels["compute"] = compute ? compute : MakeSeq({});
  }

 private:
  // The resolved layout of global buffer `g` (tt.buffer.<g>, written by infer_tt_layout).
  const BufferLayoutAttr& LayoutOf(const Buffer& g) {
    auto it = layouts_.find(g->name);
    if (it == layouts_.end()) it = layouts_.emplace(g->name, BufferLayoutOf(func_, *g).value()).first;
    return it->second;
  }

  // On-chip buffers that the core's math touches: computed (store, fill, gemm), read by a
  // computation, or copied to or from another on-chip buffer.
  std::set<std::string> ComputeTouched() {
    class Finder : public StmtVisitor {
     public:
      std::set<std::string> names;

     protected:
      void VisitGemm(const Gemm& g) override { names.insert({g.a->name, g.b->name, g.c->name}); }
      void VisitFill(const Fill& f) override { names.insert(f.buffer->name); StmtVisitor::VisitFill(f); }
      void VisitStore(const Store& s) override { names.insert(s.buffer->name); StmtVisitor::VisitStore(s); }
      void VisitLoad(const Load& l) override { names.insert(l.buffer->name); ExprVisitor::VisitLoad(l); }
      void VisitCopy(const Copy& c) override {
        if (c.src.buffer->scope != Scope::kGlobal && c.dst.buffer->scope != Scope::kGlobal) {
          names.insert({c.src.buffer->name, c.dst.buffer->name});
        }
        StmtVisitor::VisitCopy(c);
      }
    };
    Finder f;
    f.VisitStmt(func_.body);
    return f.names;
  }

  bool AssignCircularBuffers() {
    std::vector<CircularBuffer> inputs, outputs;
    std::map<std::string, std::string> role_of;
    // A buffer filled from DRAM and copied to DRAM with no math on it is a loopback (TT's
    // loopback example): the reader fills its circular buffer and the writer drains the same
    // one; the compute kernel does not touch it.
    {
      std::map<std::string, std::set<bool>> directions;
      for (const CopyEdge& e : CollectCopyEdges(func_)) directions[e.onchip->name].insert(e.reads_global);
      const std::set<std::string> touched = ComputeTouched();
      for (const auto& [name, dirs] : directions) {
        if (dirs.size() == 2 && !touched.count(name)) loopback_.insert(name);
      }
    }
    for (const CopyEdge& e : CollectCopyEdges(func_)) {
      if (loopback_.count(e.onchip->name) && !e.reads_global) continue;  // the writer drains the input CB
      const std::string& name = e.onchip->name;
      const std::string role = e.reads_global ? "input" : "output";
      if (e.onchip->scope == Scope::kLocal) {
        ctx_.diag.Error(e.loc, absl::StrCat("'", name, "' is a T.alloc_local buffer; data moves between DRAM and ",
                                            "Tensix cores through circular buffers: use T.alloc_shared or "
                                            "T.alloc_fragment"));
        return false;
      }
      if (auto it = role_of.find(name); it != role_of.end()) {
        if (it->second != role) {
          ctx_.diag.Error(e.loc, absl::StrCat("'", name, "' is both filled from DRAM and copied to DRAM, and the ",
                                              "core computes with it in between; a circular buffer has one consumer, "
                                              "so write the computed values into a separate buffer and copy that "
                                              "one out"));
          return false;
        }
        continue;
      }
      role_of[name] = role;
      const std::vector<int64_t> tile = LayoutOf(e.global).tile_shape;
      const auto& shape = e.onchip->shape;
      // The on-chip block in the global buffer's tiles: one batch entry of whole tiles.
      ir::TileGeometry block = ir::TileGeometryOf(shape, tile[0], tile[1], e.onchip->dtype);
      // A vector (rank 1) moves as a row of a (1, N) tensor (row 0 of each tile) or as a
      // column of an (N, 1) tensor (column 0 of each tile): the layouts of TT's broadcast
      // operands (unary_bcast ROW / COL).
      const auto& gshape = e.global->shape;
      const bool vector = shape.size() == 1 && gshape.size() >= 2 && (gshape.back() == 1 || gshape[gshape.size() - 2] == 1);
      if (vector) {
        const bool column = gshape.back() == 1 && gshape[gshape.size() - 2] != 1;
        block.tiles_h = column ? (shape[0] + tile[0] - 1) / tile[0] : 1;
        block.tiles_w = column ? 1 : (shape[0] + tile[1] - 1) / tile[1];
      } else if (block.batch != 1 || block.needs_padding) {
        ctx_.diag.Error(e.onchip->loc, absl::StrCat("on-chip buffer '", name, "' of shape ", List(shape),
                                                    " is not a whole block of ", List(tile),
                                                    " tiles; TT circular buffers hold whole tiles"));
        return false;
      }
      auto cb_attr = CbOf(func_.attrs, name);
      if (!cb_attr) {
        ctx_.diag.InternalError(e.loc, absl::StrCat("missing ", attr::CbKey(name), " (propagate_tt_layout)"));
        return false;
      }
      CircularBuffer cb;
      cb.buffer = name;
      cb.role = role;
      cb.page_size = cb_attr->page_size;
      cb.data_format = cb_attr->data_format;
      cb.tile_rows = block.tiles_h;
      cb.tile_cols = block.tiles_w;
      cb.block_tiles = cb.tile_rows * cb.tile_cols;
      cb.num_pages = cb.block_tiles * cb_attr->depth;
      (e.reads_global ? inputs : outputs).push_back(cb);
    }
    for (auto* group : {&inputs, &outputs}) {
      const bool in = group == &inputs;
      if (group->size() > 8) {
        ctx_.diag.Error(func_.loc, absl::StrCat("too many ", in ? "input" : "output", " circular buffers: ",
                                                group->size(), " on-chip buffers are ",
                                                in ? "filled from" : "copied to", " DRAM but ",
                                                in ? "c_0..c_7" : "c_16..c_23", " hold 8"));
        return false;
      }
      for (size_t i = 0; i < group->size(); ++i) (*group)[i].cb_id = (in ? 0 : 16) + static_cast<int64_t>(i);
    }
    std::vector<CircularBuffer> all;
    for (const auto* group : {&inputs, &outputs}) {
      for (const CircularBuffer& cb : *group) {
        all.push_back(cb);
        cbs_[cb.buffer] = cb;
      }
    }
    SetCircularBuffers(func_.attrs, all);
    return true;
  }

  // The tile (page) ids of `region` of global buffer, row-major over the block: a function
  // of the tile offset (tt_r, tt_c) inside the block. nullopt after reporting an error.
  struct TileAccess {
    Expr first_row, first_col, batch;  // tile coordinates of the block's first tile
    int64_t rows = 0, cols = 0;        // block size in tiles
    int64_t tiles_w = 0, tiles_hw = 0; // global tile grid width and tiles per batch entry
  };

  std::optional<TileAccess> Access(const Region& region, const CircularBuffer& cb, const Loc& loc) {
    const Buffer& g = region.buffer;
    const size_t r = g->shape.size();
    if (r < 2) {
      ctx_.diag.Error(loc, absl::StrCat("1-D buffer '", g->name, "' cannot be moved in TT tiles; give it a 2-D shape "
                                        "such as [1, N]"));
      return std::nullopt;
    }
    const BufferLayoutAttr& layout = LayoutOf(g);
    const std::vector<int64_t>& tile = layout.tile_shape;
    const std::vector<int64_t>& padded = layout.geometry.padded;
    TileAccess a;
    a.tiles_w = layout.geometry.tiles_w;
    a.tiles_hw = layout.geometry.tiles_h * a.tiles_w;
    auto row = DivideExact(region.begin[r - 2], tile[0]);
    auto col = DivideExact(region.begin[r - 1], tile[1]);
    // An extent that is not whole tiles is allowed where the region ends at the tensor's edge:
    // the rest of its last tile is the tensor's padding.
    auto whole = [&](size_t d, int64_t t) {
      const std::optional<int64_t> b = ConstValue(region.begin[d]);
      return region.extent[d] % t == 0 || (b && *b + region.extent[d] == g->shape[d]);
    };
    if (!row || !col || !whole(r - 2, tile[0]) || !whole(r - 1, tile[1])) {
      ctx_.diag.Error(loc, absl::StrCat("T.copy of '", g->name, "' at [", PrintExpr(region.begin[r - 2]), ", ",
                                        PrintExpr(region.begin[r - 1]), "] with extent ",
                                        List({region.extent[r - 2], region.extent[r - 1]}),
                                        " is not tile-aligned: TT moves whole ", List(tile),
                                        " tiles, so offsets and extents must be multiples of the tile"));
      return std::nullopt;
    }
    a.first_row = *row;
    a.first_col = *col;
    a.rows = (region.extent[r - 2] + tile[0] - 1) / tile[0];
    a.cols = (region.extent[r - 1] + tile[1] - 1) / tile[1];
    if (a.rows != cb.tile_rows || a.cols != cb.tile_cols) {
      ctx_.diag.Error(loc, absl::StrCat("T.copy reshapes a ", a.rows, "x", a.cols, "-tile block of '", g->name,
                                        "' into '", cb.buffer, "' of ", cb.tile_rows, "x", cb.tile_cols,
                                        " tiles; TT copies whole tiles without reshaping"));
      return std::nullopt;
    }
    Expr batch = MakeInt(0);
    int64_t stride = 1;
    for (size_t i = r - 2; i-- > 0;) {
      if (region.extent[i] != 1) {
        ctx_.diag.Error(loc, absl::StrCat("T.copy of '", g->name, "' spans ", region.extent[i],
                                          " entries of dimension ", i, "; copy one batch entry at a time"));
        return std::nullopt;
      }
      batch = Add(batch, Mul(region.begin[i], stride));
      stride *= padded[i];
    }
    a.batch = batch;
    return a;
  }

  // Per-tile statements for a block: `make(page_id, l1_addr)` inside loops over the block.
  Stmt TileLoop(const TileAccess& a, const CircularBuffer& cb, const std::string& addr,
                const std::function<Stmt(Expr, Expr)>& make) {
    std::vector<Stmt> loops = Repeat("tt_r", a.rows, [&](Expr r) {
      return Repeat("tt_c", a.cols, [&](Expr c) {
        Expr page = Add(Add(Mul(a.batch, a.tiles_hw), Mul(Add(a.first_row, r), a.tiles_w)), Add(a.first_col, c));
        Expr l1 = Add(MakeVar(addr), Mul(Add(Mul(r, a.cols), c), cb.page_size));
        return std::vector<Stmt>{make(page, l1)};
      });
    });
    return loops.front();
  }

  std::string UniqueName(const std::string& base) {
    int n = ++names_[base];
    return n == 1 ? base : absl::StrCat(base, "_", n);
  }

  Stmt LowerRead(const Copy& c) {
    const CircularBuffer& cb = cbs_.at(c.dst.buffer->name);
    auto a = Access(c.src, cb, c.loc);
    if (!a) return nullptr;
    const std::string addr = UniqueName("l1_write_addr_" + cb.buffer);
    const Expr cbv = MakeVar(CbVar(cb.buffer));
    Stmt tiles = TileLoop(*a, cb, addr, [&](Expr page, Expr l1) {
      return MakeIntrinsic("noc_async_read_tile", {page, MakeVar(AccessorVar(c.src.buffer->name)), l1});
    });
    return MakeSeq({MakeIntrinsic("cb_reserve_back", {cbv, MakeInt(cb.block_tiles)}),
                    MakeLetStmt(addr, MakeCall("tt.get_write_ptr", {cbv}),
                            MakeSeq({tiles, MakeIntrinsic("noc_async_read_barrier", {}),
                                     MakeIntrinsic("cb_push_back", {cbv, MakeInt(cb.block_tiles)})}))});
  }

  Stmt LowerWrite(const Copy& c) {
    const CircularBuffer& cb = cbs_.at(c.src.buffer->name);
    auto a = Access(c.dst, cb, c.loc);
    if (!a) return nullptr;
    const std::string addr = UniqueName("l1_read_addr_" + cb.buffer);
    const Expr cbv = MakeVar(CbVar(cb.buffer));
    Stmt tiles = TileLoop(*a, cb, addr, [&](Expr page, Expr l1) {
      return MakeIntrinsic("noc_async_write_tile", {page, MakeVar(AccessorVar(c.dst.buffer->name)), l1});
    });
    return MakeSeq({MakeIntrinsic("cb_wait_front", {cbv, MakeInt(cb.block_tiles)}),
                    MakeLetStmt(addr, MakeCall("tt.get_read_ptr", {cbv}),
                            MakeSeq({tiles, MakeIntrinsic("noc_async_write_barrier", {}),
                                     MakeIntrinsic("cb_pop_front", {cbv, MakeInt(cb.block_tiles)})}))});
  }

  static bool Empty(const Stmt& s) {
    if (!s) return true;
    const Seq* q = As<Seq>(s);
    return q && q->stmts.empty();
  }

  // The circular-buffer inputs `s` reads on the core (loads, T.gemm operands, on-chip copies).
  std::set<std::string> InputsRead(const Stmt& s) const {
    class Finder : public StmtVisitor {
     public:
      explicit Finder(const std::map<std::string, CircularBuffer>& cbs) : cbs_(cbs) {}
      std::set<std::string> found;

     protected:
      void VisitGemm(const Gemm& g) override {
        Note(g.a->name);
        Note(g.b->name);
      }
      void VisitLoad(const Load& l) override {
        Note(l.buffer->name);
        ExprVisitor::VisitLoad(l);
      }
      void VisitCopy(const Copy& c) override {
        if (c.dst.buffer->scope != Scope::kGlobal) Note(c.src.buffer->name);
      }

     private:
      void Note(const std::string& name) {
        auto it = cbs_.find(name);
        if (it != cbs_.end() && it->second.role == "input") found.insert(name);
      }
      const std::map<std::string, CircularBuffer>& cbs_;
    };
    Finder f(cbs_);
    f.VisitStmt(s);
    return f.found;
  }

  // The projection of `s` onto one kernel; nullptr when nothing of it belongs there.
  Stmt Project(const Stmt& s, Role role) {
    switch (s->kind) {
      case StmtKind::kSeq: {
        std::vector<Stmt> out, pops;
        const std::set<std::string> waited_outside = waited_;
        for (const Stmt& c : As<Seq>(s)->stmts) {
          // The compute kernel reads an input only between its cb_wait_front and cb_pop_front,
          // which bracket the rest of the block after its T.copy from DRAM.
          const bool compound = c->kind == StmtKind::kFor || c->kind == StmtKind::kLet ||
                                c->kind == StmtKind::kIf || c->kind == StmtKind::kSeq;  // checked inside
          if (role == Role::kCompute && !compound && !(As<Copy>(c) && Reads(*As<Copy>(c)))) {
            for (const std::string& in : InputsRead(c)) {
              if (waited_.count(in) || loopback_.count(in)) continue;
              ctx_.diag.Error(c->loc, absl::StrCat("'", in, "' is read here before the T.copy from DRAM that fills ",
                                                   "it in this block; the core reads an input circular buffer only "
                                                   "after the reader has filled it, so copy into it first"));
              waited_.insert(in);
            }
          }
          if (const Copy* cp = As<Copy>(c); cp && role == Role::kCompute && Loopback(*cp)) continue;
          if (const Copy* cp = As<Copy>(c); cp && role == Role::kCompute && Reads(*cp)) {
            const CircularBuffer& cb = cbs_.at(cp->dst.buffer->name);
            waited_.insert(cb.buffer);
            out.push_back(MakeIntrinsic("cb_wait_front", {MakeVar(CbVar(cb.buffer)), MakeInt(cb.block_tiles)}));
            pops.push_back(MakeIntrinsic("cb_pop_front", {MakeVar(CbVar(cb.buffer)), MakeInt(cb.block_tiles)}));
            continue;
          }
          if (Stmt p = Project(c, role); !Empty(p)) out.push_back(p);
        }
        out.insert(out.end(), pops.begin(), pops.end());
        waited_ = waited_outside;
        return out.empty() ? nullptr : MakeSeq(std::move(out), s->loc);
      }
      case StmtKind::kFor: {
        const For* f = As<For>(s);
        Stmt body = Project(f->body, role);
        if (Empty(body)) return nullptr;
        auto n = std::make_shared<For>(*f);
        n->body = body;
        return n;
      }
      case StmtKind::kLet: {
        const Let* l = As<Let>(s);
        Stmt body = Project(l->body, role);
        if (Empty(body)) return nullptr;
        auto n = std::make_shared<Let>(*l);
        n->body = body;
        return n;
      }
      case StmtKind::kIf: {
        const IfThenElse* i = As<IfThenElse>(s);
        Stmt t = Project(i->then_body, role), e = Project(i->else_body, role);
        if (Empty(t) && Empty(e)) return nullptr;
        auto n = std::make_shared<IfThenElse>(*i);
        n->then_body = t ? t : MakeSeq({});
        n->else_body = e ? e : MakeSeq({});
        return n;
      }
      case StmtKind::kAlloc: return nullptr;
      case StmtKind::kCopy: {
        const Copy* c = As<Copy>(s);
        const bool src_g = c->src.buffer->scope == Scope::kGlobal, dst_g = c->dst.buffer->scope == Scope::kGlobal;
        if (src_g == dst_g) {
          if (role == Role::kCompute) {
            ctx_.diag.Error(c->loc, absl::StrCat("T.copy from '", c->src.buffer->name, "' to '", c->dst.buffer->name,
                                                 "' is not supported by the TT lowering: ",
                                                 src_g ? "DRAM-to-DRAM copies need a Tensix core in between"
                                                       : "a copy between on-chip buffers is lowered only for "
                                                         "whole buffers of the same shape"));
          }
          return nullptr;
        }
        if (Reads(*c)) return role == Role::kReader ? LowerRead(*c) : nullptr;
        if (role == Role::kWriter) return LowerWrite(*c);
        if (Loopback(*c)) return nullptr;
        return role == Role::kCompute ? s : nullptr;
      }
      case StmtKind::kGemm:
      case StmtKind::kFill:
      case StmtKind::kStore:
      case StmtKind::kEvaluate: return role == Role::kCompute ? s : nullptr;
    }
    return nullptr;
  }

  // A copy into or out of a loopback buffer (reader and writer only).
  bool Loopback(const Copy& c) const {
    return loopback_.count(c.src.buffer->name) || loopback_.count(c.dst.buffer->name);
  }

  static bool Reads(const Copy& c) {
    return c.src.buffer->scope == Scope::kGlobal && c.dst.buffer->scope != Scope::kGlobal;
  }

  PassContext& ctx_;
  PrimFunc& func_;
  std::map<std::string, CircularBuffer> cbs_;
  std::map<std::string, BufferLayoutAttr> layouts_;  // tt.buffer.<B> by global buffer, read once
  std::map<std::string, int> names_;
  std::set<std::string> loopback_;  // on-chip buffers the writer drains straight from the reader
  std::set<std::string> waited_;    // compute projection: inputs waited for in the enclosing blocks
};

}  // namespace

void MemorySpaceLowerTT(PassContext& ctx, PrimFunc& func) { Lowerer(ctx, func).Run(); }

}  // namespace ttc
