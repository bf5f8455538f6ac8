#include "codegen/cpp_printer.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace ttc::codegen {
namespace {

using namespace ir;

// C++ precedence, loosest first.
enum Prec { kOr = 1, kAnd, kEq, kRel, kAdd, kMul, kUnary, kAtom };

int PrecOf(BinOp op) {
  switch (op) {
    case BinOp::kOr: return kOr;
    case BinOp::kAnd: return kAnd;
    case BinOp::kEq:
    case BinOp::kNe: return kEq;
    case BinOp::kLt:
    case BinOp::kLe:
    case BinOp::kGt:
    case BinOp::kGe: return kRel;
    case BinOp::kAdd:
    case BinOp::kSub: return kAdd;
    case BinOp::kMul:
    case BinOp::kDiv:
    case BinOp::kFloorDiv:
    case BinOp::kFloorMod: return kMul;
    default: return kAtom;
  }
}

const char* CppOp(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    case BinOp::kDiv:
    case BinOp::kFloorDiv: return "/";
    case BinOp::kFloorMod: return "%";
    case BinOp::kEq: return "==";
    case BinOp::kNe: return "!=";
    case BinOp::kLt: return "<";
    case BinOp::kLe: return "<=";
    case BinOp::kGt: return ">";
    case BinOp::kGe: return ">=";
    case BinOp::kAnd: return "&&";
    case BinOp::kOr: return "||";
    default: return "?";
  }
}

void Print(const Expr& e, int parent, std::ostream& os) {
  switch (e->kind) {
    case ExprKind::kIntImm: os << As<IntImm>(e)->value; return;
    case ExprKind::kFloatImm: {
      if (std::isinf(As<FloatImm>(e)->value)) {  // no literal; GCC's builtin on the host and the RISC-V cores
        os << (As<FloatImm>(e)->value < 0 ? "-__builtin_inff()" : "__builtin_inff()");
        return;
      }
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<float>(As<FloatImm>(e)->value));
      std::string s(buf, end);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      os << s << "f";
      return;
    }
    case ExprKind::kVar: os << As<Var>(e)->name; return;
    case ExprKind::kBinary: {
      const Binary* b = As<Binary>(e);
      const int p = PrecOf(b->op);
      if (p == kAtom) {  // min, max, ceildiv on unsigned values
        std::ostringstream a, c;
        Print(b->a, kUnary, a);
        Print(b->b, kUnary, c);
        if (b->op == BinOp::kCeilDiv) {
          os << "((" << a.str() << " + " << c.str() << " - 1) / " << c.str() << ")";
        } else {
          os << "(" << a.str() << (b->op == BinOp::kMin ? " < " : " > ") << c.str() << " ? " << a.str() << " : "
             << c.str() << ")";
        }
        return;
      }
      const bool paren = p < parent;
      if (paren) os << "(";
      Print(b->a, p, os);
      os << " " << CppOp(b->op) << " ";
      Print(b->b, p + 1, os);
      if (paren) os << ")";
      return;
    }
    case ExprKind::kCall: {
      const Call* c = As<Call>(e);
      os << (IsIntrinsic(c->name) ? c->name.substr(3) : c->name) << "(";
      for (size_t i = 0; i < c->args.size(); ++i) {
        if (i) os << ", ";
        Print(c->args[i], 0, os);
      }
      os << ")";
      return;
    }
    case ExprKind::kCast: Print(As<Cast>(e)->value, parent, os); return;
    case ExprKind::kLoad: os << "/* load " << As<Load>(e)->buffer->name << " */"; return;
  }
}

class StmtPrinter {
 public:
  absl::Status Block(const Stmt& s, int indent) {
    if (const Seq* q = As<Seq>(s)) {
      for (const Stmt& c : q->stmts) {
        if (auto st = One(c, indent); !st.ok()) return st;
      }
      return absl::OkStatus();
    }
    return One(s, indent);
  }
  std::string str() const { return os_.str(); }

 private:
  std::ostream& Line(int indent) {
    for (int i = 0; i < indent; ++i) os_ << "    ";
    return os_;
  }

  absl::Status One(const Stmt& s, int indent) {
    switch (s->kind) {
      case StmtKind::kSeq: return Block(s, indent);
      case StmtKind::kFor: {
        const For* f = As<For>(s);
        const std::string v = f->var;
        Line(indent) << "for (uint32_t " << v << " = " << CppExpr(f->min) << "; " << v << " < "
                     << CppExpr(Simplified(f)) << "; ++" << v << ") {\n";
        if (auto st = Block(f->body, indent + 1); !st.ok()) return st;
        Line(indent) << "}\n";
        return absl::OkStatus();
      }
      case StmtKind::kLet: {
        const Let* l = As<Let>(s);
        Line(indent) << "const uint32_t " << l->var << " = " << CppExpr(l->value) << ";\n";
        return Block(l->body, indent);
      }
      case StmtKind::kIf: {
        const IfThenElse* i = As<IfThenElse>(s);
        Line(indent) << "if (" << CppExpr(i->condition) << ") {\n";
        if (auto st = Block(i->then_body, indent + 1); !st.ok()) return st;
        const Seq* e = As<Seq>(i->else_body);
        if (i->else_body && !(e && e->stmts.empty())) {
          Line(indent) << "} else {\n";
          if (auto st = Block(i->else_body, indent + 1); !st.ok()) return st;
        }
        Line(indent) << "}\n";
        return absl::OkStatus();
      }
      case StmtKind::kEvaluate:
        Line(indent) << CppExpr(As<Evaluate>(s)->value) << ";\n";
        return absl::OkStatus();
      default:
        return absl::InternalError(
            absl::StrCat("codegen: a lowered kernel still holds a statement of kind ", static_cast<int>(s->kind),
                         "; tensorize_tt should have replaced it"));
    }
  }

  // `min + extent` for the loop bound.
  static Expr Simplified(const For* f) {
    const IntImm* mn = As<IntImm>(f->min);
    if (mn && mn->value == 0) return f->extent;
    return MakeBinary(BinOp::kAdd, f->min, f->extent);
  }

  std::ostringstream os_;
};

}  // namespace

std::string CppExpr(const Expr& e) {
  std::ostringstream os;
  Print(e, 0, os);
  return os.str();
}

absl::StatusOr<std::string> CppStmts(const Stmt& body, int indent) {
  StmtPrinter p;
  if (auto st = p.Block(body, indent); !st.ok()) return st;
  return p.str();
}

}  // namespace ttc::codegen
