#include "ir/printer.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

namespace ttc::ir {
namespace {

// Python precedence levels, loosest first.
enum Prec { kOr = 1, kAnd, kNot, kCmp, kAdd, kMul, kUnary, kAtom };

int PrecOf(BinOp op) {
  switch (op) {
    case BinOp::kOr: return kOr;
    case BinOp::kAnd: return kAnd;
    case BinOp::kAdd:
    case BinOp::kSub: return kAdd;
    case BinOp::kMul:
    case BinOp::kDiv:
    case BinOp::kFloorDiv:
    case BinOp::kFloorMod: return kMul;
    case BinOp::kMin:
    case BinOp::kMax:
    case BinOp::kCeilDiv: return kAtom;
    default: return kCmp;
  }
}

std::string FormatFloat(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, end);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string Quote(const std::string& s) { return AttrValue(s).dump(); }

void PrintE(const Expr& e, int parent, std::ostream& os);

void PrintList(const std::vector<Expr>& es, std::ostream& os) {
  for (size_t i = 0; i < es.size(); ++i) {
    if (i) os << ", ";
    PrintE(es[i], 0, os);
  }
}

void PrintE(const Expr& e, int parent, std::ostream& os) {
  switch (e->kind) {
    case ExprKind::kIntImm: {
      int64_t v = As<IntImm>(e)->value;
      if (v < 0 && parent >= kUnary) os << "(" << v << ")"; else os << v;
      return;
    }
    case ExprKind::kFloatImm: {
      double v = As<FloatImm>(e)->value;
      // Infinities as TileLang writes them, so the script parses back (T.infinity is +inf).
      const std::string text = std::isinf(v) ? (v < 0 ? "-T.infinity(\"float32\")" : "T.infinity(\"float32\")")
                                             : FormatFloat(v);
      if (v < 0 && parent >= kUnary) os << "(" << text << ")"; else os << text;
      return;
    }
    case ExprKind::kVar: os << As<Var>(e)->name; return;
    case ExprKind::kBinary: {
      const Binary* b = As<Binary>(e);
      int p = PrecOf(b->op);
      if (p == kAtom) {
        os << BinOpName(b->op) << "(";
        PrintE(b->a, 0, os);
        os << ", ";
        PrintE(b->b, 0, os);
        os << ")";
        return;
      }
      bool paren = p < parent || (p == kCmp && parent == kCmp);
      if (paren) os << "(";
      PrintE(b->a, p, os);
      os << " " << BinOpName(b->op) << " ";
      // Left-associative: a right operand of equal precedence needs parentheses.
      PrintE(b->b, p + 1, os);
      if (paren) os << ")";
      return;
    }
    case ExprKind::kCast: {
      const Cast* c = As<Cast>(e);
      os << "T.cast(";
      PrintE(c->value, 0, os);
      os << ", " << Quote(c->dtype.name) << ")";
      return;
    }
    case ExprKind::kLoad: {
      const Load* l = As<Load>(e);
      os << l->buffer->name << "[";
      PrintList(l->indices, os);
      os << "]";
      return;
    }
    case ExprKind::kCall: {
      const Call* c = As<Call>(e);
      if (c->name == "neg" || c->name == "not") {
        int p = c->name == "neg" ? kUnary : kNot;
        bool paren = p < parent;
        if (paren) os << "(";
        os << (c->name == "neg" ? "-" : "not ");
        PrintE(c->args[0], p, os);
        if (paren) os << ")";
        return;
      }
      os << (c->name == "select" ? std::string("T.if_then_else") : IsIntrinsic(c->name) ? c->name : "T." + c->name)
         << "(";
      PrintList(c->args, os);
      os << ")";
      return;
    }
  }
}

std::string ShapeTuple(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

bool IsZero(const Expr& e) {
  const IntImm* i = As<IntImm>(e);
  return i && i->value == 0;
}

// `A`, `A[by * 32, k * 32]` (extent = the other side's shape) or `A[a:a + 32, ...]`.
std::string PrintRegion(const Region& r, const Region& other) {
  std::ostringstream os;
  bool all_zero = true;
  for (const Expr& b : r.begin) all_zero &= IsZero(b);
  if (all_zero && r.extent == r.buffer->shape) return r.buffer->name;
  os << r.buffer->name << "[";
  if (r.extent == other.buffer->shape) {
    PrintList(r.begin, os);
  } else {
    for (size_t i = 0; i < r.begin.size(); ++i) {
      if (i) os << ", ";
      PrintE(r.begin[i], kAdd, os);
      os << ":";
      PrintE(MakeBinary(BinOp::kAdd, r.begin[i], MakeInt(r.extent[i])), 0, os);
    }
  }
  os << "]";
  return os.str();
}

class ScriptPrinter {
 public:
  explicit ScriptPrinter(std::ostream& os) : os_(os) {}

  void PrintBody(const Stmt& s, int indent) {
    const Seq* seq = As<Seq>(s);
    if (seq && seq->stmts.empty()) {
      Line(indent) << "pass\n";
      return;
    }
    if (seq) {
      for (const Stmt& c : seq->stmts) PrintStmt(c, indent);
    } else {
      PrintStmt(s, indent);
    }
  }

 private:
  std::ostream& Line(int indent) {
    for (int i = 0; i < indent; ++i) os_ << "    ";
    return os_;
  }

  void PrintStmt(const Stmt& s, int indent) {
    switch (s->kind) {
      case StmtKind::kFor: {
        const For* f = As<For>(s);
        Line(indent) << "for " << f->var << " in ";
        switch (f->for_kind) {
          case ForKind::kSerial: os_ << "T.serial("; break;
          case ForKind::kPipelined: os_ << "T.Pipelined("; break;
          case ForKind::kParallel: os_ << "T.Parallel("; break;
          case ForKind::kUnrolled: os_ << "T.unroll("; break;
          case ForKind::kGrid: os_ << "T.grid("; break;
        }
        if (!IsZero(f->min)) {
          PrintE(f->min, 0, os_);
          os_ << ", ";
          PrintE(MakeBinary(BinOp::kAdd, f->min, f->extent), 0, os_);
        } else {
          PrintE(f->extent, 0, os_);
        }
        if (f->for_kind == ForKind::kPipelined) os_ << ", num_stages=" << f->num_stages;
        os_ << "):\n";
        PrintBody(f->body, indent + 1);
        return;
      }
      case StmtKind::kAlloc: {
        const Buffer& b = As<Alloc>(s)->buffer;
        Line(indent) << b->name << " = T.alloc_" << ScopeName(b->scope) << "("
                     << ShapeTuple(b->shape) << ", " << Quote(b->dtype.name) << ")\n";
        return;
      }
      case StmtKind::kCopy: {
        const Copy* c = As<Copy>(s);
        Line(indent) << "T.copy(" << PrintRegion(c->src, c->dst) << ", "
                     << PrintRegion(c->dst, c->src) << ")\n";
        return;
      }
      case StmtKind::kGemm: {
        const Gemm* g = As<Gemm>(s);
        Line(indent) << "T.gemm(" << g->a->name << ", " << g->b->name << ", " << g->c->name;
        if (g->transpose_a) os_ << ", transpose_A=True";
        if (g->transpose_b) os_ << ", transpose_B=True";
        if (g->clear_accum) os_ << ", clear_accum=True";
        os_ << ")\n";
        return;
      }
      case StmtKind::kFill: {
        const Fill* f = As<Fill>(s);
        if (IsZero(f->value)) {
          Line(indent) << "T.clear(" << f->buffer->name << ")\n";
        } else {
          Line(indent) << "T.fill(" << f->buffer->name << ", " << PrintExpr(f->value) << ")\n";
        }
        return;
      }
      case StmtKind::kStore: {
        const Store* st = As<Store>(s);
        Line(indent) << st->buffer->name << "[";
        PrintList(st->indices, os_);
        os_ << "] = " << PrintExpr(st->value) << "\n";
        return;
      }
      case StmtKind::kIf: {
        const IfThenElse* i = As<IfThenElse>(s);
        Line(indent) << "if " << PrintExpr(i->condition) << ":\n";
        PrintBody(i->then_body, indent + 1);
        const Seq* els = As<Seq>(i->else_body);
        if (i->else_body && !(els && els->stmts.empty())) {
          Line(indent) << "else:\n";
          PrintBody(i->else_body, indent + 1);
        }
        return;
      }
      case StmtKind::kLet: {
        const Let* l = As<Let>(s);
        Line(indent) << l->var << " = " << PrintExpr(l->value) << "\n";
        PrintBody(l->body, indent);
        return;
      }
      case StmtKind::kSeq: PrintBody(s, indent); return;
      case StmtKind::kEvaluate: {
        const Call* c = As<Call>(As<Evaluate>(s)->value);
        if (c && IsIntrinsic(c->name)) {
          Line(indent) << PrintExpr(As<Evaluate>(s)->value) << "\n";
        } else {
          Line(indent) << "T.evaluate(" << PrintExpr(As<Evaluate>(s)->value) << ")\n";
        }
        return;
      }
    }
  }

  std::ostream& os_;
};

}  // namespace

std::string PrintExpr(const Expr& e) {
  std::ostringstream os;
  PrintE(e, 0, os);
  return os.str();
}

std::string PrintPyLiteral(const AttrValue& v) {
  switch (v.type()) {
    case AttrValue::value_t::null: return "None";
    case AttrValue::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case AttrValue::value_t::number_float: return FormatFloat(v.get<double>());
    case AttrValue::value_t::array: {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) s += ", ";
        s += PrintPyLiteral(v[i]);
      }
      return s + "]";
    }
    case AttrValue::value_t::object: {
      std::string s = "{";
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) s += ", ";
        first = false;
        s += Quote(it.key()) + ": " + PrintPyLiteral(it.value());
      }
      return s + "}";
    }
    default: return v.dump();
  }
}

namespace {

// `column`: characters already on the current line (indentation and key).
void PrintJsonAt(const AttrValue& v, int indent, int column, std::string& out) {
  constexpr int kWidth = 100;
  std::string flat = v.dump(-1, ' ', false, AttrValue::error_handler_t::replace);
  if (!v.is_structured() || v.empty() || column + static_cast<int>(flat.size()) <= kWidth) {
    // nlohmann's compact form has no spaces after separators; add them for readability.
    if (v.is_structured()) {
      std::string spaced;
      bool in_string = false, escaped = false;
      for (char c : flat) {
        spaced += c;
        if (in_string) {
          if (escaped) {
            escaped = false;
          } else if (c == '\\') {
            escaped = true;
          } else if (c == '"') {
            in_string = false;
          }
        } else if (c == '"') {
          in_string = true;
        } else if (c == ',' || c == ':') {
          spaced += ' ';
        }
      }
      flat = std::move(spaced);
    }
    out += flat;
    return;
  }
  const std::string pad(indent + 2, ' ');
  out += v.is_array() ? "[\n" : "{\n";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    std::string key = v.is_object() ? AttrValue(it.key()).dump() + ": " : "";
    out += pad + key;
    PrintJsonAt(it.value(), indent + 2, indent + 2 + static_cast<int>(key.size()), out);
  }
  out += "\n" + std::string(indent, ' ') + (v.is_array() ? "]" : "}");
}

}  // namespace

std::string PrintJson(const AttrValue& v) {
  std::string out;
  PrintJsonAt(v, 0, 0, out);
  return out;
}

AttrValue MessageToAttr(const google::protobuf::Message& m) {
  using google::protobuf::FieldDescriptor;
  AttrValue out = AttrValue::object();
  const auto* refl = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    auto scalar = [&](int i) -> AttrValue {
      const bool rep = f->is_repeated();
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32: return rep ? refl->GetRepeatedInt32(m, f, i) : refl->GetInt32(m, f);
        case FieldDescriptor::CPPTYPE_INT64: return rep ? refl->GetRepeatedInt64(m, f, i) : refl->GetInt64(m, f);
        case FieldDescriptor::CPPTYPE_UINT32: return rep ? refl->GetRepeatedUInt32(m, f, i) : refl->GetUInt32(m, f);
        case FieldDescriptor::CPPTYPE_UINT64: return rep ? refl->GetRepeatedUInt64(m, f, i) : refl->GetUInt64(m, f);
        case FieldDescriptor::CPPTYPE_DOUBLE: return rep ? refl->GetRepeatedDouble(m, f, i) : refl->GetDouble(m, f);
        case FieldDescriptor::CPPTYPE_FLOAT: return rep ? refl->GetRepeatedFloat(m, f, i) : refl->GetFloat(m, f);
        case FieldDescriptor::CPPTYPE_BOOL: return rep ? refl->GetRepeatedBool(m, f, i) : refl->GetBool(m, f);
        case FieldDescriptor::CPPTYPE_STRING: return rep ? refl->GetRepeatedString(m, f, i) : refl->GetString(m, f);
        case FieldDescriptor::CPPTYPE_ENUM: return rep ? refl->GetRepeatedEnum(m, f, i)->name() : refl->GetEnum(m, f)->name();
        case FieldDescriptor::CPPTYPE_MESSAGE: return MessageToAttr(rep ? refl->GetRepeatedMessage(m, f, i) : refl->GetMessage(m, f));
      }
      return nullptr;
    };
    if (f->is_repeated()) {
      AttrValue arr = AttrValue::array();
      for (int i = 0; i < refl->FieldSize(m, f); ++i) arr.push_back(scalar(i));
      out[f->name()] = std::move(arr);
    } else {
      out[f->name()] = scalar(0);
    }
  }
  return out;
}

std::string PrintScript(const PrimFunc& func) {
  std::ostringstream os;
  os << "@T.prim_func\ndef " << func.name << "(";
  for (size_t i = 0; i < func.params.size(); ++i) {
    const Buffer& b = func.params[i];
    if (i) os << ", ";
    os << b->name << ": T.Buffer(" << ShapeTuple(b->shape) << ", " << Quote(b->dtype.name) << ")";
  }
  os << "):\n";
  if (!func.attrs.empty()) {
    // One attribute per line: after the passes there are dozens, some with a row per core.
    os << "    T.func_attr({\n";
    for (auto it = func.attrs.begin(); it != func.attrs.end(); ++it) {
      os << "        " << Quote(it.key()) << ": " << PrintPyLiteral(it.value()) << ",\n";
    }
    os << "    })\n";
  }
  for (const auto& [name, attrs] : func.buffer_attrs) {
    os << "    T.buffer_attr(" << Quote(name) << ", " << PrintPyLiteral(attrs) << ")\n";
  }
  std::string launch = "T.Kernel(";
  for (size_t i = 0; i < func.grid.extents.size(); ++i) {
    if (i) launch += ", ";
    launch += std::to_string(func.grid.extents[i]);
  }
  if (func.grid.threads > 0) launch += ", threads=" + std::to_string(func.grid.threads);
  launch += ") as ";
  if (func.grid.vars.size() == 1) {
    launch += func.grid.vars[0];
  } else {
    launch += "(";
    for (size_t i = 0; i < func.grid.vars.size(); ++i) launch += (i ? ", " : "") + func.grid.vars[i];
    launch += ")";
  }
  if (func.persistent) {
    os << "    # " << launch << ": lowered to a persistent loop over this core's work units\n";
    ScriptPrinter(os).PrintBody(func.body, 1);
  } else {
    os << "    with " << launch << ":\n";
    ScriptPrinter(os).PrintBody(func.body, 2);
  }
  if (!func.layouts.empty()) {
    AttrValue layouts = AttrValue::object();
    for (const auto& [name, l] : func.layouts) layouts[name] = MessageToAttr(l);
    os << "\nannotate_tt_layout(" << func.name << ", " << PrintPyLiteral(layouts) << ")\n";
  }
  if (func.has_schedule) {
    os << (func.layouts.empty() ? "\n" : "") << "annotate_tt_schedule(" << func.name << ", "
       << PrintPyLiteral(MessageToAttr(func.schedule)) << ")\n";
  }
  for (const auto& [role, body] : func.kernels) {
    os << "\n@T.tt_kernel(" << Quote(role) << ")\ndef " << func.name << "_" << role << "():\n";
    ScriptPrinter(os).PrintBody(body, 1);
  }
  return os.str();
}

}  // namespace ttc::ir
