#include "frontend/value.h"

#include "absl/strings/str_cat.h"
#include "ir/dtype.h"

namespace ttc::frontend {

std::string Value::Describe() const {
  switch (kind) {
    case kNone: return "None";
    case kBool: return b ? "True" : "False";
    case kInt: return absl::StrCat("integer ", i);
    case kFloat: return absl::StrCat("float ", f);
    case kStr: return absl::StrCat("string \"", s.size() > 40 ? s.substr(0, 40) + "..." : s, "\"");
    case kTuple: return "a tuple";
    case kList: return "a list";
    case kDict: return "a dict";
    case kModule: return absl::StrCat("module '", s, "'");
    case kBuiltin: {
      const std::string t = "tilelang.language.";
      return s.rfind(t, 0) == 0 ? "T." + s.substr(t.size()) : s;
    }
    case kFunction: return absl::StrCat("function '", def ? def->name : "", "'");
    case kKernel: return absl::StrCat("kernel '", kernel ? kernel->func.name() : "", "'");
    case kBuffer: return absl::StrCat("buffer '", buffer ? buffer->name : "", "'");
    case kBufferType: return "a buffer type";
    case kExpr: return "a kernel expression";
    case kSet: return "a set";
    case kBound: return absl::StrCat("method '", s, "'");
    case kSym: return absl::StrCat("symbolic size '", s, "'");
    case kHost: return absl::StrCat("host value ", s);
    case kClass: return absl::StrCat("class '", s, "'");
  }
  return "a value";
}

namespace {
// The canonical dtype name of a dtype-like value (T.float16, torch.float16, "float16"), or "".
std::string DTypeName(const Value& v) {
  std::string name;
  if (v.kind == Value::kStr) name = v.s;
  if (v.kind == Value::kBuiltin) {
    for (const char* p : {"tilelang.language.", "torch."}) {
      if (v.s.rfind(p, 0) == 0) name = v.s.substr(std::string(p).size());
    }
  }
  auto dt = ir::ParseDType(name);
  return dt ? dt->name : "";
}
}  // namespace

bool ConstEqual(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    if (a.kind == Value::kFloat || b.kind == Value::kFloat) return AsDouble(a) == AsDouble(b);
    return AsInt(a) == AsInt(b);
  }
  if (a.kind == Value::kBuiltin || b.kind == Value::kBuiltin) {
    if (a.kind == Value::kBuiltin && b.kind == Value::kBuiltin && a.s == b.s) return true;
    const std::string x = DTypeName(a), y = DTypeName(b);
    return !x.empty() && x == y && (a.kind == Value::kBuiltin) == (b.kind == Value::kBuiltin);
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::kNone: return true;
    case Value::kStr: return a.s == b.s;
    case Value::kTuple:
    case Value::kList:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i) {
        if (!ConstEqual(a.items[i], b.items[i])) return false;
      }
      return true;
    case Value::kKernel: return a.kernel == b.kernel;
    default: return false;
  }
}

bool Hashable(const Value& v) {
  switch (v.kind) {
    case Value::kNone:
    case Value::kBool:
    case Value::kInt:
    case Value::kFloat:
    case Value::kStr:
    case Value::kBuiltin:
    case Value::kKernel: return true;
    case Value::kTuple:
      for (const Value& i : v.items) {
        if (!Hashable(i)) return false;
      }
      return true;
    default: return false;
  }
}

std::string Plural(size_t n, const char* word) { return absl::StrCat(n, " ", word, n == 1 ? "" : "s"); }

}  // namespace ttc::frontend
