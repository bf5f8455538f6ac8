#include "frontend/value.h"

#include "absl/strings/str_cat.h"

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
  }
  return "a value";
}

std::string Plural(size_t n, const char* word) { return absl::StrCat(n, " ", word, n == 1 ? "" : "s"); }

}  // namespace ttc::frontend
