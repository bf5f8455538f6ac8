#include "passes/eltwise_dst.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ir/builder.h"
#include "ir/printer.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

std::optional<double> Number(const Expr& e) {
  const Expr x = StripCasts(e);
  if (const IntImm* i = As<IntImm>(x)) return static_cast<double>(i->value);
  if (const FloatImm* f = As<FloatImm>(x)) return f->value;
  return std::nullopt;
}

// The SFPU op of a unary math call (kernel API name without _tile).
std::optional<std::string> SfpuUnary(const std::string& call) {
  static const std::map<std::string, std::string> kOps = {
      {"exp", "exp"},   {"sqrt", "sqrt"}, {"rsqrt", "rsqrt"}, {"recip", "recip"},     {"relu", "relu"},
      {"log", "log"},   {"abs", "abs"},   {"tanh", "tanh"},   {"sigmoid", "sigmoid"}, {"neg", "negative"}};
  auto it = kOps.find(call);
  if (it == kOps.end()) return std::nullopt;
  return it->second;
}

// The binary operations: name of the SFPU DST-to-DST op family.
std::optional<std::string> BinaryName(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "add";
    case BinOp::kSub: return "sub";
    case BinOp::kMul: return "mul";
    case BinOp::kDiv: return "div";
    case BinOp::kMax: return "max";
    case BinOp::kMin: return "min";
    default: return std::nullopt;
  }
}

// A comparison's SFPU test against zero, applied to a - b: 1.0 where it holds, else 0.0.
std::optional<std::string> CompareName(BinOp op) {
  switch (op) {
    case BinOp::kLt: return "ltz";
    case BinOp::kLe: return "lez";
    case BinOp::kGt: return "gtz";
    case BinOp::kGe: return "gez";
    case BinOp::kEq: return "eqz";
    case BinOp::kNe: return "nez";
    default: return std::nullopt;
  }
}

// The fp32 bit pattern of a scalar operand (how binop_with_scalar takes its parameter).
Expr ScalarBits(double v) {
  const float f = static_cast<float>(v);
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return MakeInt(bits);
}

absl::Status Unsupported(const Expr& e, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("`", PrintExpr(e), "` ", why));
}

}  // namespace

struct DstExprCompiler::Ctx {
  Expr tile, dst, temp_base;
  int64_t next = 0, max = 0;
  std::vector<Stmt>* out = nullptr;  // null: a dry run that only counts temporaries
  AttrValue* ops = nullptr;

  Expr Alloc() {
    Expr s = Add(temp_base, next);
    max = std::max(max, ++next);
    return s;
  }
  void Free() { --next; }
  void Call(const std::string& name, std::vector<Expr> args = {}) {
    if (out) out->push_back(MakeIntrinsic(name, std::move(args)));
  }
  void Op(const std::string& name) {
    if (ops) ops->push_back(name);
  }
};

std::optional<Expr> DstExprCompiler::Resident(const Expr& e, const Ctx& c) const {
  const Load* l = As<Load>(StripCasts(e));
  if (!l) return std::nullopt;
  std::optional<Expr> slot = leaves_.resident_slot(*l);
  if (slot && l->buffer->name == leaves_.self) return c.dst;
  return slot;
}

// How many times `e` reads the buffer `self`.
static int CountReads(const Expr& e, const std::string& self) {
  if (self.empty() || !e) return 0;
  switch (e->kind) {
    case ExprKind::kLoad: return As<Load>(e)->buffer->name == self ? 1 : 0;
    case ExprKind::kCast: return CountReads(As<Cast>(e)->value, self);
    case ExprKind::kBinary: return CountReads(As<Binary>(e)->a, self) + CountReads(As<Binary>(e)->b, self);
    case ExprKind::kCall: {
      int n = 0;
      for (const Expr& a : As<Call>(e)->args) n += CountReads(a, self);
      return n;
    }
    default: return 0;
  }
}

absl::StatusOr<int64_t> DstExprCompiler::Need(const Expr& e0) {
  const Expr e = StripCasts(e0);
  if (const Load* l = As<Load>(e)) {
    if (leaves_.resident_slot(*l)) return 0;
    if (leaves_.input_cb(*l)) return 1;
    if (leaves_.bcast && leaves_.bcast(*l, MakeInt(0))) return 1;
    return Unsupported(e, absl::StrCat("reads '", l->buffer->name, "', which is neither copied from DRAM into a "
                                       "circular buffer in this block (at the stored element's indices), computed "
                                       "on the core before it in this block, nor a row or column vector broadcast "
                                       "over the block"));
  }
  if (Number(e)) return 1;
  if (const Var* v = As<Var>(e)) {
    return Unsupported(e, absl::StrCat("uses the index '", v->name, "': TT computes whole tiles, whose elements do not "
                                       "know their indices; an index comparison is lowered only when the loops' ranges "
                                       "decide it for every element"));
  }
  if (const Call* c = As<Call>(e); c && c->args.size() == 1 && (SfpuUnary(c->name) || c->name == "exp2" ||
                                                                 c->name == "log2")) {
    absl::StatusOr<int64_t> n = Need(c->args[0]);
    if (!n.ok()) return n;
    return std::max<int64_t>(*n, 1);
  }
  if (const Call* c = As<Call>(e); c && c->name == "select" && c->args.size() == 3) {
    int64_t need = 0;
    for (size_t i = 0; i < 3; ++i) {
      absl::StatusOr<int64_t> n = Need(c->args[i]);
      if (!n.ok()) return n;
      need = std::max<int64_t>(need, std::max<int64_t>(*n, 1) + static_cast<int64_t>(i));
    }
    return need + 1;  // the value is built in a temporary when the branches read the result's slot
  }
  if (const Binary* b = As<Binary>(e); b && CompareName(b->op)) {
    absl::StatusOr<int64_t> na = Need(b->a), nb = Need(b->b);
    if (!na.ok()) return na;
    if (!nb.ok()) return nb;
    return std::max<int64_t>({*na, *nb, 1}) + 1;
  }
  if (const Binary* b = As<Binary>(e); b && BinaryName(b->op)) {
    if (Number(b->b) && !Number(b->a)) return Need(b->a);
    if (Number(b->a) && !Number(b->b)) return Need(b->b);
    absl::StatusOr<int64_t> na = Need(b->a), nb = Need(b->b);
    if (!na.ok()) return na;
    if (!nb.ok()) return nb;
    if (*na == 0 || *nb == 0) return std::max<int64_t>(1, *na + *nb);
    return *na == *nb ? *na + 1 : std::max(*na, *nb);
  }
  return Unsupported(e, "is not an element-wise operation ttc lowers to TT tile operations; it maps + - * / of "
                        "tiles and numbers, comparisons, T.if_then_else, T.max, T.min, T.exp, T.exp2, T.log2, "
                        "T.sqrt, T.rsqrt, T.recip, T.relu, T.log, T.abs, T.tanh, T.sigmoid and negation, over "
                        "buffers copied from DRAM or computed before in the block");
}

void DstExprCompiler::Move(const Expr& from, const Expr& to, Ctx& c) {
  // DST has no tile-to-tile copy: to = from + 0 (exact except for the sign of zero).
  c.Call("fill_tile_init");
  c.Call("fill_tile", {to, MakeFloat(0.0)});
  c.Call("add_binary_tile_init");
  c.Call("add_binary_tile", {from, to, to});
  c.Op("move");
}

absl::Status DstExprCompiler::Compile(const Expr& e0, const Expr& want, Ctx& c) {
  const Expr e = StripCasts(e0);
  if (std::optional<Expr> slot = Resident(e, c)) {
    if (slot->get() != want.get()) Move(*slot, want, c);
    return absl::OkStatus();
  }
  if (const Load* l = As<Load>(e)) {
    std::optional<std::string> cb = leaves_.input_cb(*l);
    if (!cb && leaves_.bcast) {
      if (std::optional<Leaves::Bcast> b = leaves_.bcast(*l, c.tile)) {
        const std::string type = "<BroadcastType::" + b->type + ">";
        c.Call("unary_bcast_init" + type, {MakeVar(b->cb), MakeVar(b->cb)});
        c.Call("unary_bcast" + type, {MakeVar(b->cb), b->tile, want});
        c.Op("bcast_" + b->type);
        return absl::OkStatus();
      }
    }
    if (!cb) return Need(e).status();
    c.Call("copy_tile_init", {MakeVar(*cb)});
    c.Call("copy_tile", {MakeVar(*cb), c.tile, want});
    c.Op("copy");
    if (!usage_.copy_cb) usage_.copy_cb = *cb;
    return absl::OkStatus();
  }
  if (std::optional<double> v = Number(e)) {
    c.Call("fill_tile_init");
    c.Call("fill_tile", {want, MakeFloat(*v)});
    c.Op("fill");
    return absl::OkStatus();
  }
  if (const Call* call = As<Call>(e); call && call->args.size() == 1 && (call->name == "exp2" || call->name == "log2")) {
    // exp2(x) = exp(x * ln 2); log2(x) = log(x) / ln 2 (binop with scalar and the SFPU op).
    if (absl::Status st = Compile(call->args[0], want, c); !st.ok()) return st;
    const bool exp2 = call->name == "exp2";
    if (!exp2) {
      c.Call("log_tile_init");
      c.Call("log_tile", {want});
    }
    c.Call("binop_with_scalar_tile_init");
    c.Call(exp2 ? "mul_unary_tile" : "div_unary_tile", {want, ScalarBits(std::log(2.0))});
    if (exp2) {
      c.Call("exp_tile_init");
      c.Call("exp_tile", {want});
    }
    c.Op(call->name);
    return absl::OkStatus();
  }
  if (const Call* call = As<Call>(e); call && call->args.size() == 1) {
    if (std::optional<std::string> op = SfpuUnary(call->name)) {
      if (absl::Status st = Compile(call->args[0], want, c); !st.ok()) return st;
      c.Call(*op + "_tile_init");
      c.Call(*op + "_tile", {want});
      c.Op(*op);
      return absl::OkStatus();
    }
  }
  if (const Binary* b = As<Binary>(e)) {
    if (std::optional<std::string> cmp = CompareName(b->op)) {
      // a OP b as the SFPU's test of a - b against zero (1.0 / 0.0).
      if (absl::Status st = CompileBinary("sub", b->a, b->b, want, c); !st.ok()) return st;
      c.Call(*cmp + "_tile_init");
      c.Call(*cmp + "_tile", {want});
      c.Op(*cmp);
      return absl::OkStatus();
    }
    if (std::optional<std::string> op = BinaryName(b->op)) return CompileBinary(*op, b->a, b->b, want, c);
  }
  if (const Call* call = As<Call>(e); call && call->name == "select" && call->args.size() == 3) {
    // T.if_then_else(cond, a, b): where_tile(cond, a, b), the result replacing the condition's
    // slot. When a branch reads the value `want` still holds (an in-place update), the
    // condition is built in a temporary and moved.
    const bool reads_want = want.get() == c.dst.get() && (CountReads(call->args[1], leaves_.self) > 0 ||
                                                          CountReads(call->args[2], leaves_.self) > 0);
    Expr cond = reads_want ? c.Alloc() : want;
    Expr ta = c.Alloc();
    Expr tb = c.Alloc();
    absl::Status st = Compile(call->args[1], ta, c);
    if (st.ok()) st = Compile(call->args[2], tb, c);
    if (st.ok()) st = Compile(call->args[0], cond, c);
    if (st.ok()) {
      c.Call("where_tile_init");
      c.Call("where_tile", {cond, ta, tb});
      c.Op("where");
      if (reads_want) Move(cond, want, c);
    }
    c.Free();
    c.Free();
    if (reads_want) c.Free();
    return st;
  }
  return Need(e).status();
}

absl::Status DstExprCompiler::CompileBinary(const std::string& op, const Expr& a0, const Expr& b0, const Expr& want,
                                            Ctx& c) {
  const Expr a = StripCasts(a0), b = StripCasts(b0);
  const bool minmax = op == "max" || op == "min";
  // Two tiles of input circular buffers: the FPU's add/sub/mul_tiles.
  if (op == "add" || op == "sub" || op == "mul") {
    const Load* la = As<Load>(a);
    const Load* lb = As<Load>(b);
    std::optional<std::string> ca = la && !Resident(a, c) ? leaves_.input_cb(*la) : std::nullopt;
    std::optional<std::string> cb = lb && !Resident(b, c) ? leaves_.input_cb(*lb) : std::nullopt;
    if (ca && cb) {
      c.Call(op + "_tiles_init", {MakeVar(*ca), MakeVar(*cb)});
      c.Call(op + "_tiles", {MakeVar(*ca), MakeVar(*cb), c.tile, c.tile, want});
      c.Op(op);
      if (!usage_.fpu_binary_cbs) usage_.fpu_binary_cbs = std::pair<std::string, std::string>{*ca, *cb};
      return absl::OkStatus();
    }
  }
  // A tile and a number: binop with scalar (fp32 bits), or relu for max(x, 0).
  std::optional<double> na = Number(a), nb = Number(b);
  if (na.has_value() != nb.has_value()) {
    const Expr& x = na ? b : a;
    const double v = na ? *na : *nb;
    const bool number_first = na.has_value();
    std::string scalar_op;
    if (op == "max" && v == 0) {
      scalar_op = "relu";
    } else if (op == "add" || op == "mul") {
      scalar_op = op;
    } else if (op == "sub") {
      scalar_op = number_first ? "rsub" : "sub";
    } else if (op == "div" && !number_first && v != 0) {
      scalar_op = "div";
    } else if (op == "div" && number_first) {
      scalar_op = "recip_mul";
    }
    if (!scalar_op.empty()) {
      if (absl::Status st = Compile(x, want, c); !st.ok()) return st;
      if (scalar_op == "relu") {
        c.Call("relu_tile_init");
        c.Call("relu_tile", {want});
        c.Op("relu");
        return absl::OkStatus();
      }
      if (scalar_op == "recip_mul") {
        c.Call("recip_tile_init");
        c.Call("recip_tile", {want});
        c.Op("recip");
        if (v == 1) return absl::OkStatus();
        scalar_op = "mul";
      }
      c.Call("binop_with_scalar_tile_init");
      c.Call(scalar_op + "_unary_tile", {want, ScalarBits(v)});
      c.Op(scalar_op + "_scalar");
      return absl::OkStatus();
    }
  }
  // Two tiles in DST. A resident operand is read in place; the other is computed into `want`
  // unless `want` holds a resident operand still to be read, then into a temporary.
  std::optional<Expr> ra = Resident(a, c), rb = Resident(b, c);
  auto finish = [&](const Expr& sa, const Expr& sb) {
    if (minmax) {
      // binary_max_tile(i0, i1): the result replaces i0.
      const Expr& first = sa.get() == want.get() ? sa : sb;
      const Expr& second = sa.get() == want.get() ? sb : sa;
      c.Call("binary_" + op + "_tile_init");
      c.Call("binary_" + op + "_tile", {first, second});
    } else {
      c.Call(op + "_binary_tile_init");
      c.Call(op + "_binary_tile", {sa, sb, want});
    }
    c.Op(op + "_binary");
  };
  if (ra && rb) {
    if (minmax && ra->get() != want.get() && rb->get() != want.get()) {
      Move(*ra, want, c);
      finish(want, *rb);
    } else {
      finish(*ra, *rb);
    }
    return absl::OkStatus();
  }
  if (ra || rb) {
    const Expr& r = ra ? *ra : *rb;
    const Expr& x = ra ? b : a;
    Expr slot = want;
    const bool temp = r.get() == want.get();
    if (temp) slot = c.Alloc();
    absl::Status st = Compile(x, slot, c);
    if (st.ok()) {
      if (minmax && temp) {
        finish(want, slot);
      } else {
        finish(ra ? r : slot, ra ? slot : r);
      }
    }
    if (temp) c.Free();
    return st;
  }
  // Neither is resident: the operand needing more slots first (Sethi-Ullman), except that an
  // operand reading the value being replaced in place goes first.
  absl::StatusOr<int64_t> need_a = Need(a), need_b = Need(b);
  if (!need_a.ok()) return need_a.status();
  if (!need_b.ok()) return need_b.status();
  bool a_first = *need_a >= *need_b;
  if (CountReads(a, leaves_.self) > 0) a_first = true;
  if (CountReads(b, leaves_.self) > 0) a_first = false;
  const Expr& first = a_first ? a : b;
  const Expr& second = a_first ? b : a;
  if (absl::Status st = Compile(first, want, c); !st.ok()) return st;
  Expr t = c.Alloc();
  absl::Status st = Compile(second, t, c);
  if (st.ok()) finish(a_first ? want : t, a_first ? t : want);
  c.Free();
  return st;
}

absl::Status DstExprCompiler::Run(const Expr& e, Ctx& c) {
  if (absl::Status st = Need(e).status(); !st.ok()) return st;
  if (CountReads(e, leaves_.self) >= 2 && !Resident(e, c)) {
    // Several reads of the value being replaced: compute into a temporary, then move it.
    Expr t = c.Alloc();
    absl::Status st = Compile(e, t, c);
    if (st.ok()) Move(t, c.dst, c);
    c.Free();
    return st;
  }
  return Compile(e, c.dst, c);
}

absl::StatusOr<int64_t> DstExprCompiler::Temps(const Expr& e) {
  Ctx c;
  c.tile = MakeVar("tt_tile");
  c.dst = MakeVar("tt_dst");
  c.temp_base = MakeInt(0);
  const Usage saved = usage_;
  absl::Status st = Run(e, c);
  usage_ = saved;
  if (!st.ok()) return st;
  return c.max;
}

absl::Status DstExprCompiler::Emit(const Expr& e, const Expr& tile, const Expr& dst, const Expr& temp_base,
                                   std::vector<Stmt>* out, AttrValue* ops) {
  Ctx c;
  c.tile = tile;
  c.dst = dst;
  c.temp_base = temp_base;
  c.out = out;
  c.ops = ops;
  return Run(e, c);
}

}  // namespace ttc
