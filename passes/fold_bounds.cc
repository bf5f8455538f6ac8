#include "passes/fold_bounds.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "ir/builder.h"
#include "ir/visitor.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

struct Range {
  int64_t lo, hi;  // inclusive
};

class Folder : public StmtMutator {
 protected:
  Stmt MutateFor(const For& n, const Stmt& self) override {
    const std::optional<int64_t> lo = ConstValue(n.min), ext = ConstValue(n.extent);
    const bool known = lo && ext && *ext > 0;
    auto saved = ranges_.find(n.var) != ranges_.end() ? std::optional<Range>(ranges_[n.var]) : std::nullopt;
    if (known) {
      ranges_[n.var] = Range{*lo, *lo + *ext - 1};
    } else {
      ranges_.erase(n.var);
    }
    Stmt out = StmtMutator::MutateFor(n, self);
    if (saved) {
      ranges_[n.var] = *saved;
    } else {
      ranges_.erase(n.var);
    }
    return out;
  }
  Stmt MutateLet(const Let& n, const Stmt& self) override {
    auto saved = ranges_.find(n.var) != ranges_.end() ? std::optional<Range>(ranges_[n.var]) : std::nullopt;
    ranges_.erase(n.var);  // a let shadows an outer loop variable of that name
    Stmt out = StmtMutator::MutateLet(n, self);
    if (saved) ranges_[n.var] = *saved;
    return out;
  }
  Expr MutateBinary(const Binary& n, const Expr& self) override {
    Expr e = ExprMutator::MutateBinary(n, self);
    const Binary* b = As<Binary>(e);
    if (!b || !IsComparison(b->op)) return e;
    std::optional<Range> a = Of(b->a), c = Of(b->b);
    if (!a || !c) return e;
    // always / never: the comparison holds for every pair of values, or for none.
    auto decide = [](bool always, bool never) -> std::optional<bool> {
      if (always) return true;
      if (never) return false;
      return std::nullopt;
    };
    const bool apart = a->hi < c->lo || a->lo > c->hi;
    std::optional<bool> v;
    switch (b->op) {
      case BinOp::kLt: v = decide(a->hi < c->lo, a->lo >= c->hi); break;
      case BinOp::kLe: v = decide(a->hi <= c->lo, a->lo > c->hi); break;
      case BinOp::kGt: v = decide(a->lo > c->hi, a->hi <= c->lo); break;
      case BinOp::kGe: v = decide(a->lo >= c->hi, a->hi < c->lo); break;
      case BinOp::kEq: v = decide(false, apart); break;
      case BinOp::kNe: v = decide(apart, false); break;
      default: break;
    }
    return v ? MakeInt(*v ? 1 : 0, n.loc) : e;
  }
  Expr MutateCall(const Call& n, const Expr& self) override {
    Expr e = ExprMutator::MutateCall(n, self);
    const Call* c = As<Call>(e);
    if (c && c->name == "select" && c->args.size() == 3) {
      if (std::optional<int64_t> cond = ConstValue(c->args[0])) return *cond ? c->args[1] : c->args[2];
    }
    return e;
  }

 private:
  // The range of an integer index expression, when every part of it has one.
  std::optional<Range> Of(const Expr& e) const {
    if (const IntImm* i = As<IntImm>(e)) return Range{i->value, i->value};
    if (const Var* v = As<Var>(e)) {
      auto it = ranges_.find(v->name);
      if (it == ranges_.end()) return std::nullopt;
      return it->second;
    }
    const Binary* b = As<Binary>(e);
    if (!b) return std::nullopt;
    std::optional<Range> x = Of(b->a), y = Of(b->b);
    if (!x || !y) return std::nullopt;
    int64_t p[4];
    switch (b->op) {
      case BinOp::kAdd:
        if (__builtin_add_overflow(x->lo, y->lo, &p[0]) || __builtin_add_overflow(x->hi, y->hi, &p[1])) {
          return std::nullopt;
        }
        return Range{p[0], p[1]};
      case BinOp::kSub:
        if (__builtin_sub_overflow(x->lo, y->hi, &p[0]) || __builtin_sub_overflow(x->hi, y->lo, &p[1])) {
          return std::nullopt;
        }
        return Range{p[0], p[1]};
      case BinOp::kMul:
        if (__builtin_mul_overflow(x->lo, y->lo, &p[0]) || __builtin_mul_overflow(x->lo, y->hi, &p[1]) ||
            __builtin_mul_overflow(x->hi, y->lo, &p[2]) || __builtin_mul_overflow(x->hi, y->hi, &p[3])) {
          return std::nullopt;
        }
        return Range{*std::min_element(p, p + 4), *std::max_element(p, p + 4)};
      default: return std::nullopt;
    }
  }

  std::map<std::string, Range> ranges_;
};

}  // namespace

Stmt FoldIndexComparisons(const Stmt& body) {
  Folder f;
  Stmt out = f.MutateStmt(body);
  return out ? out : body;
}

}  // namespace ttc
