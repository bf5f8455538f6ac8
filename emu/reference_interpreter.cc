#include "emu/reference_interpreter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "emu/formats.h"
#include "ir/expr.h"
#include "ir/stmt.h"
#include "ir/tile_geometry.h"

namespace ttc::emu {
namespace {

// ---- Element types and rounding ----

enum class RoundKind { kNone, kFloat32, kBf16, kFp16, kInt, kBool };

struct TypeInfo {
  RoundKind kind = RoundKind::kNone;
  bool is_int = false;    // integer-valued (kInt, kBool)
  int bits = 64;          // kInt only
  bool is_signed = true;  // kInt only
  double lo = 0, hi = 0;  // kInt only: the range as doubles

  bool SameAs(const TypeInfo& o) const {
    return kind == o.kind && (kind != RoundKind::kInt || (bits == o.bits && is_signed == o.is_signed));
  }
};

absl::StatusOr<TypeInfo> TypeOf(const ir::DType& dt, const std::string& what) {
  TypeInfo t;
  switch (dt.cls) {
    case ir::DTypeClass::kFloat:
      if (dt.name == "float32") t.kind = RoundKind::kFloat32;
      else if (dt.name == "bfloat16") t.kind = RoundKind::kBf16;
      else if (dt.name == "float16") t.kind = RoundKind::kFp16;
      else if (dt.name == "float64") t.kind = RoundKind::kNone;
      else break;
      return t;
    case ir::DTypeClass::kInt:
    case ir::DTypeClass::kUInt:
      t.kind = RoundKind::kInt;
      t.is_int = true;
      t.bits = dt.bits;
      t.is_signed = dt.cls == ir::DTypeClass::kInt;
      t.lo = t.is_signed ? -std::ldexp(1.0, dt.bits - 1) : 0.0;
      t.hi = t.is_signed ? std::ldexp(1.0, dt.bits - 1) - 1 : std::ldexp(1.0, dt.bits) - 1;
      return t;
    case ir::DTypeClass::kBool:
      t.kind = RoundKind::kBool;
      t.is_int = true;
      return t;
    case ir::DTypeClass::kBlockFloat: break;
  }
  return absl::UnimplementedError(absl::StrCat(what, ": the reference interpreter cannot round values to dtype '",
                                               dt.name, "' (supported: float32, bfloat16, float16, float64 and the "
                                               "integer and bool dtypes)"));
}

// A double to int64, saturating (NaN -> 0).
int64_t ToInt64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (v <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// An integer wrapped to `t` (two's complement, modulo 2^bits).
double WrapInt(int64_t v, const TypeInfo& t) {
  if (t.bits >= 64) return t.is_signed ? static_cast<double>(v) : static_cast<double>(static_cast<uint64_t>(v));
  const uint64_t mask = (uint64_t{1} << t.bits) - 1;
  uint64_t m = static_cast<uint64_t>(v) & mask;
  if (t.is_signed && (m >> (t.bits - 1)) != 0) return static_cast<double>(static_cast<int64_t>(m | ~mask));
  return static_cast<double>(m);
}

// `v` converted to `t` (see the header: floats RNE, float -> int truncates and saturates,
// int -> int wraps).
double Convert(double v, bool from_int, const TypeInfo& t) {
  switch (t.kind) {
    case RoundKind::kNone: return v;
    case RoundKind::kFloat32: return static_cast<double>(static_cast<float>(v));
    case RoundKind::kBf16: return RoundDoubleToDtype(v, DataFormat::Float16_b);
    case RoundKind::kFp16: return RoundDoubleToDtype(v, DataFormat::Float16);
    case RoundKind::kBool: return v != 0 ? 1.0 : 0.0;
    case RoundKind::kInt:
      if (from_int && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
        return WrapInt(static_cast<int64_t>(v), t);
      }
      if (std::isnan(v)) return 0.0;
      return std::clamp(std::trunc(v), t.lo, t.hi);
  }
  return v;
}

// Convert over an array (in place allowed), with the dtype dispatch hoisted out of the loop.
void ConvertArray(const double* in, double* out, size_t n, bool from_int, const TypeInfo& t) {
  switch (t.kind) {
    case RoundKind::kNone:
      if (in != out) std::copy(in, in + n, out);
      return;
    case RoundKind::kFloat32:
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<double>(static_cast<float>(in[i]));
      return;
    case RoundKind::kBf16:
      for (size_t i = 0; i < n; ++i) out[i] = RoundDoubleToDtype(in[i], DataFormat::Float16_b);
      return;
    default:
      for (size_t i = 0; i < n; ++i) out[i] = Convert(in[i], from_int, t);
      return;
  }
}

std::string ShapeStr(const std::vector<int64_t>& v) { return absl::StrCat("[", absl::StrJoin(v, ", "), "]"); }

std::string At(const ir::Loc& loc) {
  const std::string s = loc.ToString();
  return s.empty() ? std::string() : absl::StrCat(" (at ", s, ")");
}

// ---- Compiled program: names resolved to slots, expression types fixed ----

enum class CallOp { kExp, kSqrt, kRsqrt, kLog, kAbs, kRelu, kRecip, kTanh, kSigmoid, kNeg, kNot, kSelect };

// Indices that are all loop/block variables or constants (the common case) are read straight
// from the variable slots instead of through EvalI.
struct IndexPlan {
  bool direct = false;
  std::vector<int> slot;     // variable slot per dimension, or -1 for a constant
  std::vector<int64_t> cst;  // the constant when slot is -1
};

struct CExpr {
  ir::ExprKind kind = ir::ExprKind::kIntImm;
  bool is_int = true;  // static type: integer (int64) or floating (double)
  int64_t ival = 0;
  double fval = 0;
  int slot = -1;  // variable slot (kVar) or buffer slot (kLoad)
  ir::BinOp op = ir::BinOp::kAdd;
  CallOp call = CallOp::kExp;
  TypeInfo cast;                // kCast
  std::vector<CExpr> kids;      // operands, cast value, load indices, call args
  IndexPlan plan;               // kLoad
  const ir::ExprNode* node = nullptr;
};

IndexPlan PlanIndices(const std::vector<CExpr>& idx) {
  IndexPlan p;
  p.direct = true;
  for (const CExpr& e : idx) {
    if (e.kind == ir::ExprKind::kVar && e.is_int) {
      p.slot.push_back(e.slot);
      p.cst.push_back(0);
    } else if (e.kind == ir::ExprKind::kIntImm) {
      p.slot.push_back(-1);
      p.cst.push_back(e.ival);
    } else {
      p.direct = false;
    }
  }
  return p;
}

struct CRegion {
  int buf = -1;
  std::vector<CExpr> begin;
  std::vector<int64_t> extent;
};

struct CStmt {
  ir::StmtKind kind = ir::StmtKind::kSeq;
  const ir::StmtNode* node = nullptr;
  int slot = -1;                 // For/Let: variable; Alloc/Fill/Store: buffer
  std::vector<CExpr> exprs;      // For: min, extent; Let/Fill/Store/Evaluate: value; If: condition
  std::vector<CExpr> store_indices;
  IndexPlan store_plan;
  CRegion src, dst;              // Copy
  int a = -1, b = -1, c = -1;    // Gemm
  int64_t m = 0, n = 0, k = 0;   // Gemm: C is m x n, the reduction has k terms
  bool ta = false, tb = false, clear = false;
  std::vector<CStmt> body, else_body;
};

struct BufState {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<int64_t> bound;  // accessible extent: the tile-padded shape for parameters
  std::vector<int64_t> strides;
  int64_t size = 0;
  TypeInfo type;
  bool global = false;
  std::vector<double> data;
};

struct VarSlot {
  bool is_int = true;
  int64_t i = 0;
  double f = 0;
};

// The tile-padded shape of parameter `b` (see the header), in b's rank: ir::TileGeometryOf with
// the layout annotation's tile_shape (default 32x32) and padded_shape.
std::vector<int64_t> PaddedShape(const ir::PrimFunc& func, const ir::BufferNode& b) {
  if (b.shape.empty()) return b.shape;
  int64_t th = 32, tw = 32;
  std::vector<int64_t> padded;
  if (auto it = func.layouts.find(b.name); it != func.layouts.end()) {
    const v1::BufferLayout& layout = it->second;
    if (layout.tile_shape_size() == 2 && layout.tile_shape(0) > 0 && layout.tile_shape(1) > 0) {
      th = layout.tile_shape(0);
      tw = layout.tile_shape(1);
    }
    padded.assign(layout.padded_shape().begin(), layout.padded_shape().end());
  }
  return ir::TileGeometryOf(b.shape, th, tw, b.dtype, padded).PaddedInRank(b.shape.size());
}

class Interpreter {
 public:
  explicit Interpreter(const ir::PrimFunc& func) : func_(func) {}

  absl::StatusOr<BufferValues> Run(const BufferValues& inputs) {
    if (func_.persistent || !func_.kernels.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", func_.name, "' has been lowered (", func_.persistent ? "persistent" : "TT-Metalium kernels",
          "); the reference interpreter runs the source IR only"));
    }
    if (!func_.body) return absl::InvalidArgumentError(absl::StrCat("'", func_.name, "' has no body"));
    // Parameters.
    for (const ir::Buffer& p : func_.params) {
      auto slot = AddBuffer(*p, /*global=*/true);
      if (!slot.ok()) return slot.status();
      buf_names_[p->name] = *slot;
    }
    for (const auto& [name, values] : inputs) {
      if (!func_.FindParam(name)) {
        std::vector<std::string> names;
        for (const ir::Buffer& p : func_.params) names.push_back(p->name);
        return absl::InvalidArgumentError(absl::StrCat("input '", name, "' is not a parameter of '", func_.name,
                                                       "' (parameters: ", absl::StrJoin(names, ", "), ")"));
      }
    }
    for (size_t i = 0; i < func_.params.size(); ++i) {
      BufState& b = bufs_[i];
      auto it = inputs.find(b.name);
      if (it == inputs.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("missing input for parameter '", b.name, "' of '", func_.name, "'"));
      }
      if (static_cast<int64_t>(it->second.size()) != b.size) {
        return absl::InvalidArgumentError(absl::StrCat("input '", b.name, "' has ", it->second.size(),
                                                       " elements; parameter '", b.name, "' with shape ",
                                                       ShapeStr(b.shape), " has ", b.size));
      }
      b.data.resize(b.size);
      ConvertArray(it->second.data(), b.data.data(), b.data.size(), false, b.type);
    }
    // Block indices.
    static const char* kDefaultVars[] = {"bx", "by", "bz"};
    const size_t dims = std::min<size_t>(func_.grid.extents.size(), 3);
    std::vector<int> grid_slots;
    for (size_t d = 0; d < dims; ++d) {
      const std::string name = d < func_.grid.vars.size() ? func_.grid.vars[d] : kDefaultVars[d];
      grid_slots.push_back(NewVar(name, /*is_int=*/true));
    }
    auto body = CompileBody(func_.body);
    if (!body.ok()) return body.status();
    const int64_t gx = func_.grid.x(), gy = func_.grid.y(), gz = func_.grid.z();
    for (int64_t z = 0; z < gz; ++z) {
      for (int64_t y = 0; y < gy; ++y) {
        for (int64_t x = 0; x < gx; ++x) {
          const int64_t idx[3] = {x, y, z};
          for (size_t d = 0; d < dims; ++d) vars_[grid_slots[d]].i = idx[d];
          ExecBody(*body);
          if (!ok_) return status_;
        }
      }
    }
    BufferValues out;
    for (size_t i = 0; i < func_.params.size(); ++i) out[bufs_[i].name] = std::move(bufs_[i].data);
    return out;
  }

 private:
  // ---- Compilation ----

  absl::StatusOr<int> AddBuffer(const ir::BufferNode& b, bool global) {
    auto type = TypeOf(b.dtype, absl::StrCat("buffer '", b.name, "'"));
    if (!type.ok()) return type.status();
    BufState s;
    s.name = b.name;
    s.shape = b.shape;
    s.global = global;
    s.type = *type;
    s.bound = global ? PaddedShape(func_, b) : b.shape;
    s.strides.assign(b.shape.size(), 1);
    for (size_t i = b.shape.size(); i-- > 1;) s.strides[i - 1] = s.strides[i] * b.shape[i];
    s.size = b.NumElements();
    for (int64_t d : b.shape) {
      if (d <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("buffer '", b.name, "' has shape ", ShapeStr(b.shape), "; extents must be positive"));
      }
    }
    bufs_.push_back(std::move(s));
    return static_cast<int>(bufs_.size()) - 1;
  }

  int NewVar(const std::string& name, bool is_int) {
    vars_.push_back(VarSlot{is_int, 0, 0});
    var_names_[name] = static_cast<int>(vars_.size()) - 1;
    return static_cast<int>(vars_.size()) - 1;
  }

  absl::StatusOr<int> LookupBuffer(const ir::Buffer& b, const ir::Loc& loc) {
    if (!b) return absl::InvalidArgumentError(absl::StrCat("statement without a buffer", At(loc)));
    auto it = buf_names_.find(b->name);
    if (it == buf_names_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown buffer '", b->name, "'", At(loc)));
    }
    return it->second;
  }

  absl::Status NotWellFormed(const std::string& msg, const ir::Loc& loc) {
    return absl::InvalidArgumentError(absl::StrCat(msg, At(loc)));
  }

  absl::StatusOr<CExpr> CompileExpr(const ir::Expr& e) {
    if (!e) return absl::InvalidArgumentError("missing expression");
    CExpr c;
    c.kind = e->kind;
    c.node = e.get();
    switch (e->kind) {
      case ir::ExprKind::kIntImm:
        c.is_int = true;
        c.ival = ir::As<ir::IntImm>(e)->value;
        return c;
      case ir::ExprKind::kFloatImm:
        c.is_int = false;
        c.fval = ir::As<ir::FloatImm>(e)->value;
        return c;
      case ir::ExprKind::kVar: {
        const std::string& name = ir::As<ir::Var>(e)->name;
        auto it = var_names_.find(name);
        if (it == var_names_.end()) return NotWellFormed(absl::StrCat("undefined variable '", name, "'"), e->loc);
        c.slot = it->second;
        c.is_int = vars_[c.slot].is_int;
        return c;
      }
      case ir::ExprKind::kBinary: {
        const ir::Binary* b = ir::As<ir::Binary>(e);
        c.op = b->op;
        for (const ir::Expr& k : {b->a, b->b}) {
          auto ck = CompileExpr(k);
          if (!ck.ok()) return ck.status();
          c.kids.push_back(std::move(*ck));
        }
        const bool logical = ir::IsComparison(b->op) || b->op == ir::BinOp::kAnd || b->op == ir::BinOp::kOr;
        c.is_int = logical || (c.kids[0].is_int && c.kids[1].is_int);
        return c;
      }
      case ir::ExprKind::kCast: {
        const ir::Cast* n = ir::As<ir::Cast>(e);
        auto t = TypeOf(n->dtype, absl::StrCat("cast", At(e->loc)));
        if (!t.ok()) return t.status();
        c.cast = *t;
        c.is_int = t->is_int;
        auto v = CompileExpr(n->value);
        if (!v.ok()) return v.status();
        c.kids.push_back(std::move(*v));
        return c;
      }
      case ir::ExprKind::kLoad: {
        const ir::Load* n = ir::As<ir::Load>(e);
        auto slot = LookupBuffer(n->buffer, e->loc);
        if (!slot.ok()) return slot.status();
        c.slot = *slot;
        const BufState& b = bufs_[c.slot];
        if (n->indices.size() != b.shape.size()) {
          return NotWellFormed(absl::StrCat("load of '", b.name, "' has ", n->indices.size(),
                                            " indices; the buffer has rank ", b.shape.size()),
                               e->loc);
        }
        c.is_int = b.type.is_int;
        for (const ir::Expr& i : n->indices) {
          auto ci = CompileIndex(i, absl::StrCat("index of '", b.name, "'"));
          if (!ci.ok()) return ci.status();
          c.kids.push_back(std::move(*ci));
        }
        c.plan = PlanIndices(c.kids);
        return c;
      }
      case ir::ExprKind::kCall: {
        const ir::Call* n = ir::As<ir::Call>(e);
        static const std::pair<const char*, CallOp> kCalls[] = {
            {"exp", CallOp::kExp},     {"sqrt", CallOp::kSqrt},     {"rsqrt", CallOp::kRsqrt},
            {"log", CallOp::kLog},     {"abs", CallOp::kAbs},       {"relu", CallOp::kRelu},
            {"recip", CallOp::kRecip}, {"tanh", CallOp::kTanh},     {"sigmoid", CallOp::kSigmoid},
            {"neg", CallOp::kNeg},     {"not", CallOp::kNot},       {"select", CallOp::kSelect}};
        bool found = false;
        for (const auto& [name, op] : kCalls) {
          if (n->name == name) {
            c.call = op;
            found = true;
          }
        }
        if (!found) {
          return NotWellFormed(ir::IsIntrinsic(n->name)
                                   ? absl::StrCat("intrinsic '", n->name,
                                                  "' belongs to lowered IR; the reference interpreter runs the "
                                                  "source IR only")
                                   : absl::StrCat("unknown function '", n->name, "'"),
                               e->loc);
        }
        const int arity = ir::CallArity(n->name);
        if (static_cast<int>(n->args.size()) != arity) {
          return NotWellFormed(absl::StrCat("'", n->name, "' takes ", arity, " arguments, got ", n->args.size()),
                               e->loc);
        }
        for (const ir::Expr& a : n->args) {
          auto ca = CompileExpr(a);
          if (!ca.ok()) return ca.status();
          c.kids.push_back(std::move(*ca));
        }
        switch (c.call) {
          case CallOp::kAbs:
          case CallOp::kRelu:
          case CallOp::kNeg: c.is_int = c.kids[0].is_int; break;
          case CallOp::kNot: c.is_int = true; break;
          case CallOp::kSelect: c.is_int = c.kids[1].is_int && c.kids[2].is_int; break;
          default: c.is_int = false; break;
        }
        return c;
      }
    }
    return absl::InvalidArgumentError("unknown expression kind");
  }

  absl::StatusOr<CExpr> CompileIndex(const ir::Expr& e, const std::string& what) {
    auto c = CompileExpr(e);
    if (!c.ok()) return c.status();
    if (!c->is_int) return NotWellFormed(absl::StrCat(what, " is not an integer expression"), e->loc);
    return c;
  }

  absl::StatusOr<CRegion> CompileRegion(const ir::Region& r, const ir::Loc& loc, const char* side) {
    CRegion out;
    auto slot = LookupBuffer(r.buffer, loc);
    if (!slot.ok()) return slot.status();
    out.buf = *slot;
    const BufState& b = bufs_[out.buf];
    const size_t rank = b.shape.size();
    if (r.extent.size() != rank || (!r.begin.empty() && r.begin.size() != rank)) {
      return NotWellFormed(absl::StrCat("copy ", side, " region of '", b.name, "' has ", r.begin.size(),
                                        " offsets and ", r.extent.size(), " extents; the buffer has rank ", rank),
                           loc);
    }
    for (size_t d = 0; d < rank; ++d) {
      if (r.extent[d] <= 0) {
        return NotWellFormed(absl::StrCat("copy ", side, " region of '", b.name, "' has extent ",
                                          ShapeStr(r.extent), "; extents must be positive"),
                             loc);
      }
      if (r.begin.empty()) {
        CExpr zero;
        out.begin.push_back(zero);
      } else {
        auto c = CompileIndex(r.begin[d], absl::StrCat("copy ", side, " offset of '", b.name, "'"));
        if (!c.ok()) return c.status();
        out.begin.push_back(std::move(*c));
      }
    }
    out.extent = r.extent;
    return out;
  }

  absl::StatusOr<std::vector<CStmt>> CompileBody(const ir::Stmt& s) {
    std::vector<CStmt> out;
    if (!s) return out;
    // Allocations and lets are visible until the end of the enclosing body.
    auto saved_vars = var_names_;
    auto saved_bufs = buf_names_;
    absl::Status st = CompileInto(s, &out);
    var_names_ = std::move(saved_vars);
    buf_names_ = std::move(saved_bufs);
    if (!st.ok()) return st;
    return out;
  }

  absl::Status CompileInto(const ir::Stmt& s, std::vector<CStmt>* out) {
    if (const ir::Seq* seq = ir::As<ir::Seq>(s)) {
      for (const ir::Stmt& x : seq->stmts) {
        if (auto st = CompileInto(x, out); !st.ok()) return st;
      }
      return absl::OkStatus();
    }
    auto c = CompileStmt(s);
    if (!c.ok()) return c.status();
    out->push_back(std::move(*c));
    return absl::OkStatus();
  }

  absl::StatusOr<CStmt> CompileStmt(const ir::Stmt& s) {
    CStmt c;
    c.kind = s->kind;
    c.node = s.get();
    auto push = [&c](absl::StatusOr<CExpr> e) -> absl::Status {
      if (!e.ok()) return e.status();
      c.exprs.push_back(std::move(*e));
      return absl::OkStatus();
    };
    switch (s->kind) {
      case ir::StmtKind::kFor: {
        const ir::For* n = ir::As<ir::For>(s);
        if (auto st = push(n->min ? CompileIndex(n->min, "loop start") : absl::StatusOr<CExpr>(CExpr{}));
            !st.ok()) {
          return st;
        }
        if (auto st = push(CompileIndex(n->extent, "loop extent")); !st.ok()) return st;
        auto saved = var_names_;
        c.slot = NewVar(n->var, /*is_int=*/true);
        auto body = CompileBody(n->body);
        var_names_ = std::move(saved);
        if (!body.ok()) return body.status();
        c.body = std::move(*body);
        return c;
      }
      case ir::StmtKind::kAlloc: {
        const ir::Alloc* n = ir::As<ir::Alloc>(s);
        if (!n->buffer) return NotWellFormed("allocation without a buffer", s->loc);
        auto slot = AddBuffer(*n->buffer, /*global=*/false);
        if (!slot.ok()) return slot.status();
        c.slot = *slot;
        buf_names_[n->buffer->name] = c.slot;
        return c;
      }
      case ir::StmtKind::kCopy: {
        const ir::Copy* n = ir::As<ir::Copy>(s);
        auto src = CompileRegion(n->src, s->loc, "source");
        if (!src.ok()) return src.status();
        auto dst = CompileRegion(n->dst, s->loc, "destination");
        if (!dst.ok()) return dst.status();
        int64_t se = 1, de = 1;
        for (int64_t e : src->extent) se *= e;
        for (int64_t e : dst->extent) de *= e;
        if (se != de) {
          return NotWellFormed(absl::StrCat("copy source region ", ShapeStr(src->extent), " of '",
                                            bufs_[src->buf].name, "' and destination region ", ShapeStr(dst->extent),
                                            " of '", bufs_[dst->buf].name, "' have different sizes"),
                               s->loc);
        }
        c.src = std::move(*src);
        c.dst = std::move(*dst);
        return c;
      }
      case ir::StmtKind::kGemm: {
        const ir::Gemm* n = ir::As<ir::Gemm>(s);
        int* slots[] = {&c.a, &c.b, &c.c};
        const ir::Buffer* ops[] = {&n->a, &n->b, &n->c};
        for (int i = 0; i < 3; ++i) {
          auto slot = LookupBuffer(*ops[i], s->loc);
          if (!slot.ok()) return slot.status();
          if (bufs_[*slot].shape.size() != 2) {
            return NotWellFormed(absl::StrCat("T.gemm operand '", bufs_[*slot].name, "' must be 2-D, has shape ",
                                              ShapeStr(bufs_[*slot].shape)),
                                 s->loc);
          }
          *slots[i] = *slot;
        }
        c.ta = n->transpose_a;
        c.tb = n->transpose_b;
        c.clear = n->clear_accum;
        const auto& A = bufs_[c.a].shape;
        const auto& B = bufs_[c.b].shape;
        const auto& C = bufs_[c.c].shape;
        c.m = c.ta ? A[1] : A[0];
        c.k = c.ta ? A[0] : A[1];
        const int64_t kb = c.tb ? B[1] : B[0];
        c.n = c.tb ? B[0] : B[1];
        if (kb != c.k || C[0] != c.m || C[1] != c.n) {
          return NotWellFormed(absl::StrCat("T.gemm shapes do not agree: op(A) is [", c.m, ", ", c.k,
                                            "], op(B) is [", kb, ", ", c.n, "], C is ", ShapeStr(C)),
                               s->loc);
        }
        return c;
      }
      case ir::StmtKind::kFill: {
        const ir::Fill* n = ir::As<ir::Fill>(s);
        auto slot = LookupBuffer(n->buffer, s->loc);
        if (!slot.ok()) return slot.status();
        c.slot = *slot;
        if (auto st = push(CompileExpr(n->value)); !st.ok()) return st;
        return c;
      }
      case ir::StmtKind::kStore: {
        const ir::Store* n = ir::As<ir::Store>(s);
        auto slot = LookupBuffer(n->buffer, s->loc);
        if (!slot.ok()) return slot.status();
        c.slot = *slot;
        const BufState& b = bufs_[c.slot];
        if (n->indices.size() != b.shape.size()) {
          return NotWellFormed(absl::StrCat("store to '", b.name, "' has ", n->indices.size(),
                                            " indices; the buffer has rank ", b.shape.size()),
                               s->loc);
        }
        if (auto st = push(CompileExpr(n->value)); !st.ok()) return st;
        for (const ir::Expr& i : n->indices) {
          auto ci = CompileIndex(i, absl::StrCat("index of '", b.name, "'"));
          if (!ci.ok()) return ci.status();
          c.store_indices.push_back(std::move(*ci));
        }
        c.store_plan = PlanIndices(c.store_indices);
        return c;
      }
      case ir::StmtKind::kIf: {
        const ir::IfThenElse* n = ir::As<ir::IfThenElse>(s);
        if (auto st = push(CompileExpr(n->condition)); !st.ok()) return st;
        auto then_body = CompileBody(n->then_body);
        if (!then_body.ok()) return then_body.status();
        auto else_body = CompileBody(n->else_body);
        if (!else_body.ok()) return else_body.status();
        c.body = std::move(*then_body);
        c.else_body = std::move(*else_body);
        return c;
      }
      case ir::StmtKind::kLet: {
        const ir::Let* n = ir::As<ir::Let>(s);
        if (auto st = push(CompileExpr(n->value)); !st.ok()) return st;
        auto saved = var_names_;
        c.slot = NewVar(n->var, c.exprs[0].is_int);
        auto body = CompileBody(n->body);
        var_names_ = std::move(saved);
        if (!body.ok()) return body.status();
        c.body = std::move(*body);
        return c;
      }
      case ir::StmtKind::kEvaluate: {
        const ir::Evaluate* n = ir::As<ir::Evaluate>(s);
        if (auto st = push(CompileExpr(n->value)); !st.ok()) return st;
        return c;
      }
      case ir::StmtKind::kSeq: {
        auto body = CompileBody(s);
        if (!body.ok()) return body.status();
        c.body = std::move(*body);
        return c;
      }
    }
    return absl::InvalidArgumentError("unknown statement kind");
  }

  // ---- Execution ----

  void Fail(absl::Status st) {
    if (ok_) {
      status_ = std::move(st);
      ok_ = false;
    }
  }

  std::string ShapeDesc(const BufState& b) const {
    std::string s = absl::StrCat("shape ", ShapeStr(b.shape));
    if (b.bound != b.shape) absl::StrAppend(&s, " (tile-padded to ", ShapeStr(b.bound), ")");
    return s;
  }

  bool Truthy(const CExpr& e) { return e.is_int ? EvalI(e) != 0 : EvalF(e) != 0; }

  // Fails with the out-of-bounds message for an access of `b` at the indices `idx` (evaluated
  // again here: the hot paths do not keep them).
  void FailIndex(const BufState& b, const std::vector<CExpr>& idx, const char* what, const ir::Loc& loc) {
    std::vector<int64_t> v;
    for (const CExpr& i : idx) v.push_back(EvalI(i));
    Fail(absl::InvalidArgumentError(absl::StrCat(what, " '", b.name, "' at index ", ShapeStr(v),
                                                 " is out of bounds of its ", ShapeDesc(b), At(loc))));
  }

  // The flat offset of element `idx` of `b`; -1 for an element of a parameter's tile padding
  // (reads 0, writes dropped); -2 (and the interpreter fails) for an index outside the buffer
  // or when evaluating an index failed.
  int64_t Offset(const BufState& b, const std::vector<CExpr>& idx, const IndexPlan& plan, const char* what,
                 const ir::Loc& loc) {
    int64_t off = 0;
    bool pad = false;
    const size_t rank = idx.size();
    for (size_t d = 0; d < rank; ++d) {
      int64_t i;
      if (plan.direct) {
        i = plan.slot[d] >= 0 ? vars_[plan.slot[d]].i : plan.cst[d];
      } else {
        i = EvalI(idx[d]);
      }
      if (static_cast<uint64_t>(i) >= static_cast<uint64_t>(b.shape[d])) {
        if (i < 0 || i >= b.bound[d]) {
          if (ok_) FailIndex(b, idx, what, loc);
          return -2;
        }
        pad = true;
      }
      off += i * b.strides[d];
    }
    if (!ok_) return -2;
    return pad ? -1 : off;
  }

  double LoadValue(const CExpr& e) {
    const BufState& b = bufs_[e.slot];
    const int64_t off = Offset(b, e.kids, e.plan, "load of", e.node->loc);
    return off >= 0 ? b.data[off] : 0.0;
  }

  int64_t IntBinary(const CExpr& e) {
    const ir::BinOp op = e.op;
    const CExpr& ka = e.kids[0];
    const CExpr& kb = e.kids[1];
    if (op == ir::BinOp::kAnd) return Truthy(ka) && Truthy(kb);
    if (op == ir::BinOp::kOr) return Truthy(ka) || Truthy(kb);
    if (ir::IsComparison(op) && !(ka.is_int && kb.is_int)) {
      const double a = EvalF(ka), b = EvalF(kb);
      switch (op) {
        case ir::BinOp::kEq: return a == b;
        case ir::BinOp::kNe: return a != b;
        case ir::BinOp::kLt: return a < b;
        case ir::BinOp::kLe: return a <= b;
        case ir::BinOp::kGt: return a > b;
        default: return a >= b;
      }
    }
    const int64_t a = EvalI(ka), b = EvalI(kb);
    const auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
    switch (op) {
      case ir::BinOp::kAdd: return static_cast<int64_t>(ua + ub);
      case ir::BinOp::kSub: return static_cast<int64_t>(ua - ub);
      case ir::BinOp::kMul: return static_cast<int64_t>(ua * ub);
      case ir::BinOp::kDiv:
      case ir::BinOp::kFloorDiv:
      case ir::BinOp::kFloorMod:
      case ir::BinOp::kCeilDiv: {
        if (b == 0) {
          Fail(absl::InvalidArgumentError(absl::StrCat("integer division by zero: ", a, " ",
                                                       ir::BinOpName(op), " 0", At(e.node->loc))));
          return 0;
        }
        if (a == std::numeric_limits<int64_t>::min() && b == -1) {
          return op == ir::BinOp::kFloorMod ? 0 : a;  // wraps
        }
        const int64_t q = a / b, r = a % b;
        const bool inexact = r != 0;
        const bool neg = (a < 0) != (b < 0);
        switch (op) {
          case ir::BinOp::kDiv: return q;
          case ir::BinOp::kFloorDiv: return inexact && neg ? q - 1 : q;
          case ir::BinOp::kFloorMod: return inexact && ((r < 0) != (b < 0)) ? r + b : r;
          default: return inexact && !neg ? q + 1 : q;
        }
      }
      case ir::BinOp::kMin: return std::min(a, b);
      case ir::BinOp::kMax: return std::max(a, b);
      case ir::BinOp::kEq: return a == b;
      case ir::BinOp::kNe: return a != b;
      case ir::BinOp::kLt: return a < b;
      case ir::BinOp::kLe: return a <= b;
      case ir::BinOp::kGt: return a > b;
      case ir::BinOp::kGe: return a >= b;
      default: return 0;
    }
  }

  int64_t EvalI(const CExpr& e) {
    switch (e.kind) {
      case ir::ExprKind::kIntImm: return e.ival;
      case ir::ExprKind::kVar: return vars_[e.slot].i;
      case ir::ExprKind::kBinary: return IntBinary(e);
      case ir::ExprKind::kLoad: return ToInt64(LoadValue(e));
      case ir::ExprKind::kCast: {
        const CExpr& v = e.kids[0];
        if (v.is_int) return ToInt64(Convert(static_cast<double>(EvalI(v)), true, e.cast));
        return ToInt64(Convert(EvalF(v), false, e.cast));
      }
      case ir::ExprKind::kCall:
        switch (e.call) {
          case CallOp::kAbs: {
            const int64_t v = EvalI(e.kids[0]);
            return v < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(v)) : v;
          }
          case CallOp::kRelu: return std::max<int64_t>(EvalI(e.kids[0]), 0);
          case CallOp::kNeg: return static_cast<int64_t>(0 - static_cast<uint64_t>(EvalI(e.kids[0])));
          case CallOp::kNot: return !Truthy(e.kids[0]);
          case CallOp::kSelect: return Truthy(e.kids[0]) ? EvalI(e.kids[1]) : EvalI(e.kids[2]);
          default: return ToInt64(EvalF(e));
        }
      case ir::ExprKind::kFloatImm: return ToInt64(e.fval);
    }
    return 0;
  }

  double EvalF(const CExpr& e) {
    if (e.is_int) return static_cast<double>(EvalI(e));
    switch (e.kind) {
      case ir::ExprKind::kFloatImm: return e.fval;
      case ir::ExprKind::kVar: return vars_[e.slot].f;
      case ir::ExprKind::kLoad: return LoadValue(e);
      case ir::ExprKind::kCast: {
        const CExpr& v = e.kids[0];
        return Convert(EvalF(v), v.is_int, e.cast);
      }
      case ir::ExprKind::kBinary: {
        const double a = EvalF(e.kids[0]), b = EvalF(e.kids[1]);
        switch (e.op) {
          case ir::BinOp::kAdd: return a + b;
          case ir::BinOp::kSub: return a - b;
          case ir::BinOp::kMul: return a * b;
          case ir::BinOp::kDiv: return a / b;
          case ir::BinOp::kFloorDiv: return std::floor(a / b);
          case ir::BinOp::kFloorMod: {
            double r = std::fmod(a, b);
            if (r != 0 && ((r < 0) != (b < 0))) r += b;
            return r;
          }
          case ir::BinOp::kCeilDiv: return std::ceil(a / b);
          case ir::BinOp::kMin: return b < a ? b : a;
          case ir::BinOp::kMax: return a < b ? b : a;
          default: return 0;  // comparisons and logic are integer-typed
        }
      }
      case ir::ExprKind::kCall: {
        if (e.call == CallOp::kSelect) return Truthy(e.kids[0]) ? EvalF(e.kids[1]) : EvalF(e.kids[2]);
        const double x = EvalF(e.kids[0]);
        switch (e.call) {
          case CallOp::kExp: return std::exp(x);
          case CallOp::kSqrt: return std::sqrt(x);
          case CallOp::kRsqrt: return 1.0 / std::sqrt(x);
          case CallOp::kLog: return std::log(x);
          case CallOp::kAbs: return std::fabs(x);
          case CallOp::kRelu: return x > 0 ? x : 0.0;
          case CallOp::kRecip: return 1.0 / x;
          case CallOp::kTanh: return std::tanh(x);
          case CallOp::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
          case CallOp::kNeg: return -x;
          default: return 0;  // not is integer-typed
        }
      }
      case ir::ExprKind::kIntImm: return static_cast<double>(e.ival);
    }
    return 0;
  }

  void ExecBody(const std::vector<CStmt>& body) {
    for (const CStmt& s : body) {
      Exec(s);
      if (!ok_) return;
    }
  }

  void Exec(const CStmt& s) {
    switch (s.kind) {
      case ir::StmtKind::kFor: {
        const int64_t lo = EvalI(s.exprs[0]);
        const int64_t n = EvalI(s.exprs[1]);
        if (!ok_) return;
        VarSlot& v = vars_[s.slot];
        for (int64_t i = 0; i < n; ++i) {
          v.i = lo + i;
          ExecBody(s.body);
          if (!ok_) return;
        }
        return;
      }
      case ir::StmtKind::kAlloc: {
        BufState& b = bufs_[s.slot];
        b.data.assign(b.size, 0.0);
        return;
      }
      case ir::StmtKind::kCopy: ExecCopy(s); return;
      case ir::StmtKind::kGemm: ExecGemm(s); return;
      case ir::StmtKind::kFill: {
        BufState& b = bufs_[s.slot];
        const CExpr& v = s.exprs[0];
        const double x = Convert(EvalF(v), v.is_int, b.type);
        if (!ok_) return;
        std::fill(b.data.begin(), b.data.end(), x);
        return;
      }
      case ir::StmtKind::kStore: {
        BufState& b = bufs_[s.slot];
        const CExpr& v = s.exprs[0];
        const double x = Convert(EvalF(v), v.is_int, b.type);
        const int64_t off = Offset(b, s.store_indices, s.store_plan, "store to", s.node->loc);
        if (off >= 0) b.data[off] = x;
        return;
      }
      case ir::StmtKind::kIf:
        if (Truthy(s.exprs[0])) {
          if (ok_) ExecBody(s.body);
        } else if (ok_) {
          ExecBody(s.else_body);
        }
        return;
      case ir::StmtKind::kLet: {
        const CExpr& v = s.exprs[0];
        VarSlot& slot = vars_[s.slot];
        if (v.is_int) {
          slot.i = EvalI(v);
        } else {
          slot.f = EvalF(v);
        }
        if (!ok_) return;
        ExecBody(s.body);
        return;
      }
      case ir::StmtKind::kEvaluate:
        if (s.exprs[0].is_int) {
          EvalI(s.exprs[0]);
        } else {
          EvalF(s.exprs[0]);
        }
        return;
      case ir::StmtKind::kSeq: ExecBody(s.body); return;
    }
  }

  // Fills `offsets` with the flat offset of every element of region `r` in row-major order of
  // the region (-1 for tile padding); false (and the interpreter fails) when the region
  // leaves the buffer.
  bool RegionOffsets(const CRegion& r, const char* side, const ir::Loc& loc, std::vector<int64_t>* offsets) {
    const BufState& b = bufs_[r.buf];
    const size_t rank = b.shape.size();
    std::vector<int64_t> begin(rank);
    for (size_t d = 0; d < rank; ++d) begin[d] = EvalI(r.begin[d]);
    if (!ok_) return false;
    for (size_t d = 0; d < rank; ++d) {
      if (begin[d] < 0 || begin[d] + r.extent[d] > b.bound[d]) {
        std::vector<std::string> parts;
        for (size_t j = 0; j < rank; ++j) parts.push_back(absl::StrCat(begin[j], ":", begin[j] + r.extent[j]));
        Fail(absl::InvalidArgumentError(absl::StrCat("copy ", side, " region [", absl::StrJoin(parts, ", "),
                                                     "] of '", b.name, "' is out of bounds of its ", ShapeDesc(b),
                                                     At(loc))));
        return false;
      }
    }
    int64_t total = 1;
    for (int64_t e : r.extent) total *= e;
    offsets->resize(total);
    // Rows of the innermost dimension: a row is in the buffer up to column `shape - begin`.
    const int64_t inner = rank ? r.extent[rank - 1] : 1;
    const int64_t inner_in = rank ? std::min(inner, b.shape[rank - 1] - begin[rank - 1]) : 1;
    std::vector<int64_t> idx(rank, 0);
    int64_t* out = offsets->data();
    for (int64_t row = 0; row < total / inner; ++row) {
      bool pad = false;
      int64_t base = 0;
      for (size_t d = 0; d < rank; ++d) {
        const int64_t i = begin[d] + idx[d];
        if (d + 1 < rank && i >= b.shape[d]) pad = true;
        base += i * b.strides[d];
      }
      for (int64_t j = 0; j < inner; ++j) *out++ = (pad || j >= inner_in) ? -1 : base + j;
      // Next row: increment the multi-index over all but the innermost dimension.
      for (size_t d = rank == 0 ? 0 : rank - 1; d-- > 0;) {
        if (++idx[d] < r.extent[d]) break;
        idx[d] = 0;
      }
    }
    return true;
  }

  void ExecCopy(const CStmt& s) {
    if (!RegionOffsets(s.src, "source", s.node->loc, &src_off_)) return;
    if (!RegionOffsets(s.dst, "destination", s.node->loc, &dst_off_)) return;
    const BufState& src = bufs_[s.src.buf];
    BufState& dst = bufs_[s.dst.buf];
    const size_t n = src_off_.size();
    tmp_.resize(n);
    for (size_t i = 0; i < n; ++i) tmp_[i] = src_off_[i] >= 0 ? src.data[src_off_[i]] : 0.0;
    if (!src.type.SameAs(dst.type)) ConvertArray(tmp_.data(), tmp_.data(), n, src.type.is_int, dst.type);
    for (size_t i = 0; i < n; ++i) {
      if (dst_off_[i] >= 0) dst.data[dst_off_[i]] = tmp_[i];
    }
  }

  void ExecGemm(const CStmt& s) {
    const BufState& A = bufs_[s.a];
    const BufState& B = bufs_[s.b];
    BufState& C = bufs_[s.c];
    const int64_t M = s.m, N = s.n, K = s.k;
    // op(A) as M x K and op(B) as K x N, row-major.
    opa_.resize(M * K);
    opb_.resize(K * N);
    const int64_t lda = A.shape[1], ldb = B.shape[1];
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t k = 0; k < K; ++k) opa_[i * K + k] = s.ta ? A.data[k * lda + i] : A.data[i * lda + k];
    }
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t j = 0; j < N; ++j) opb_[k * N + j] = s.tb ? B.data[j * ldb + k] : B.data[k * ldb + j];
    }
    acc_.assign(C.data.begin(), C.data.end());
    if (s.clear) std::fill(acc_.begin(), acc_.end(), 0.0);
    const double* pa = opa_.data();
    const double* pb = opb_.data();
    double* pc = acc_.data();
    // Eight columns of a row of C at a time, accumulated in registers over k in order: each
    // element is C + a0*b0 + a1*b1 + ... summed left to right in double.
    for (int64_t i = 0; i < M; ++i) {
      const double* arow = pa + i * K;
      double* crow = pc + i * N;
      int64_t j = 0;
      for (; j + 8 <= N; j += 8) {
        double s0 = crow[j], s1 = crow[j + 1], s2 = crow[j + 2], s3 = crow[j + 3];
        double s4 = crow[j + 4], s5 = crow[j + 5], s6 = crow[j + 6], s7 = crow[j + 7];
        const double* brow = pb + j;
        for (int64_t k = 0; k < K; ++k, brow += N) {
          const double a = arow[k];
          s0 += a * brow[0];
          s1 += a * brow[1];
          s2 += a * brow[2];
          s3 += a * brow[3];
          s4 += a * brow[4];
          s5 += a * brow[5];
          s6 += a * brow[6];
          s7 += a * brow[7];
        }
        crow[j] = s0;
        crow[j + 1] = s1;
        crow[j + 2] = s2;
        crow[j + 3] = s3;
        crow[j + 4] = s4;
        crow[j + 5] = s5;
        crow[j + 6] = s6;
        crow[j + 7] = s7;
      }
      for (; j < N; ++j) {
        double s = crow[j];
        for (int64_t k = 0; k < K; ++k) s += arow[k] * pb[k * N + j];
        crow[j] = s;
      }
    }
    ConvertArray(acc_.data(), C.data.data(), static_cast<size_t>(M * N), false, C.type);
  }

  const ir::PrimFunc& func_;
  std::vector<BufState> bufs_;
  std::vector<VarSlot> vars_;
  std::map<std::string, int> buf_names_;  // visible at the point being compiled
  std::map<std::string, int> var_names_;
  absl::Status status_;
  bool ok_ = true;
  std::vector<int64_t> src_off_, dst_off_;  // scratch
  std::vector<double> tmp_, opa_, opb_, acc_;
};

}  // namespace

absl::StatusOr<BufferValues> RunReference(const ir::PrimFunc& func, const BufferValues& inputs) {
  Interpreter interp(func);
  return interp.Run(inputs);
}

}  // namespace ttc::emu
