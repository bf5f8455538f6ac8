// Python's builtins and the methods of str, dict, list, tuple and numbers, as the evaluator
// has them (compile-time values only; a host value in, a host value out).
#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "frontend/evaluator.h"

namespace ttc::frontend {

namespace {
bool AnyHost(const std::vector<Value>& args, const Value** which) {
  for (const Value& a : args) {
    if (a.kind == Value::kHost) {
      *which = &a;
      return true;
    }
  }
  return false;
}

Value List(std::vector<Value> items, SourceLoc loc, Value::Kind kind = Value::kList) {
  Value v;
  v.kind = kind;
  v.loc = loc;
  v.items = std::move(items);
  return v;
}
}  // namespace

bool Evaluator::CallPython(const std::string& name, std::vector<Value> args,
                           std::vector<std::pair<std::string, Value>> kwargs, SourceLoc loc, Value* out,
                           bool* handled) {
  *handled = true;
  if (name == "print") {  // output of the harness: nothing a kernel needs
    *out = Value::None(loc);
    return true;
  }
  const Value* host = nullptr;
  if (AnyHost(args, &host) && name != "isinstance" && name != "callable" && name != "len") {
    if (in_builder() || host->unknown) return FailUnknown(*host, loc);
    *out = Value::Host(absl::StrCat("the result of ", name, "()"), loc);
    return true;
  }
  if (name == "min" || name == "max") {
    if (!kwargs.empty()) return Fail(loc, absl::StrCat(name, "() keyword arguments are not evaluated"));
    if (args.size() == 1 && args[0].kind != Value::kExpr) {
      std::vector<Value> items;
      if (!Iterate(args[0], loc, &items)) return false;
      args = std::move(items);
    }
    if (args.empty()) return Fail(loc, absl::StrCat(name, "() of an empty sequence"));
    *out = args[0];
    for (size_t i = 1; i < args.size(); ++i) {
      if (!BinaryOp(name, *out, args[i], loc, out)) return false;
    }
    return true;
  }
  if (name == "abs") {
    if (!ExpectArgs("abs(x)", args, kwargs, 1, 1, loc)) return false;
    if (args[0].kind == Value::kExpr) return MakeCall("abs", args, loc, out);
    if (args[0].kind == Value::kFloat) {
      *out = Value::Float(std::fabs(args[0].f), loc);
      return true;
    }
    if (args[0].kind != Value::kInt) return Fail(loc, absl::StrCat("abs() needs a number, got ", args[0].Describe()));
    if (args[0].i == INT64_MIN) return Fail(loc, "integer overflow in a compile-time expression (64-bit)");
    *out = Value::Int(std::llabs(args[0].i), loc);
    return true;
  }
  if (name == "int" || name == "float" || name == "bool") {
    if (!ExpectArgs(name + "(x)", args, kwargs, 0, 1, loc)) return false;
    if (args.empty()) {
      *out = name == "int" ? Value::Int(0, loc) : name == "float" ? Value::Float(0, loc) : Value::Bool(false, loc);
      return true;
    }
    const Value& a = args[0];
    if (name == "bool") {
      bool t = false;
      if (!Truth(a, loc, "bool()", &t)) return false;
      *out = Value::Bool(t, loc);
      return true;
    }
    if (a.kind == Value::kStr) {
      char* end = nullptr;
      std::string s(absl::StripAsciiWhitespace(a.s));
      if (name == "int") {
        errno = 0;
        long long v = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end || errno) return Fail(loc, absl::StrCat("int() of string \"", a.s, "\" is not a number"));
        *out = Value::Int(v, loc);
      } else {
        double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end) return Fail(loc, absl::StrCat("float() of string \"", a.s, "\" is not a number"));
        *out = Value::Float(v, loc);
      }
      return true;
    }
    if (!IsNumber(a)) return Fail(loc, absl::StrCat(name, "() of ", a.Describe(), " is not supported"));
    if (name == "float") {
      *out = Value::Float(AsDouble(a), loc);
      return true;
    }
    if (a.kind == Value::kFloat) {
      if (!(std::fabs(a.f) < 9.2e18)) return Fail(loc, "int() of a float out of the 64-bit range");
      *out = Value::Int(static_cast<int64_t>(a.f), loc);
      return true;
    }
    *out = Value::Int(AsInt(a), loc);
    return true;
  }
  if (name == "round") {
    if (!ExpectArgs("round(x[, ndigits])", args, kwargs, 1, 2, loc)) return false;
    if (!IsNumber(args[0])) return Fail(loc, "round() needs a number");
    if (args.size() == 1) {
      *out = Value::Int(static_cast<int64_t>(std::nearbyint(AsDouble(args[0]))), loc);
    } else {
      const double p = std::pow(10.0, static_cast<double>(AsInt(args[1])));
      *out = Value::Float(std::nearbyint(AsDouble(args[0]) * p) / p, loc);
    }
    return true;
  }
  if (name == "pow") {
    if (!ExpectArgs("pow(a, b)", args, kwargs, 2, 2, loc)) return false;
    return BinaryOp("**", args[0], args[1], loc, out);
  }
  if (name == "divmod") {
    if (!ExpectArgs("divmod(a, b)", args, kwargs, 2, 2, loc)) return false;
    Value q, r;
    if (!BinaryOp("//", args[0], args[1], loc, &q) || !BinaryOp("%", args[0], args[1], loc, &r)) return false;
    *out = List({q, r}, loc, Value::kTuple);
    return true;
  }
  if (name == "len") {
    if (!ExpectArgs("len(x)", args, kwargs, 1, 1, loc)) return false;
    const Value& a = args[0];
    if (a.kind == Value::kHost && a.tensor && !a.shape.empty()) {
      *out = Value::Int(a.shape[0], loc);
    } else if (a.kind == Value::kStr) {
      *out = Value::Int(static_cast<int64_t>(a.s.size()), loc);
    } else if (a.kind == Value::kTuple || a.kind == Value::kList || a.kind == Value::kDict || a.kind == Value::kSet) {
      *out = Value::Int(static_cast<int64_t>(a.kind == Value::kDict ? a.keys.size() : a.items.size()), loc);
    } else if (a.kind == Value::kBuffer || a.kind == Value::kBufferType) {
      *out = Value::Int(a.buffer->shape.empty() ? 0 : a.buffer->shape[0], loc);
    } else if (a.kind == Value::kHost) {
      return FailUnknown(a, loc);
    } else {
      return Fail(loc, absl::StrCat("len() of ", a.Describe(), " is not supported"));
    }
    return true;
  }
  if (name == "str" || name == "repr") {
    if (!ExpectArgs(name + "(x)", args, kwargs, 0, 1, loc)) return false;
    std::string s;
    if (!args.empty() && !Str(args[0], name == "repr", loc, &s)) return false;
    *out = Value::Str(s, loc);
    return true;
  }
  if (name == "range") {
    if (!ExpectArgs("range(stop) / range(start, stop[, step])", args, kwargs, 1, 3, loc)) return false;
    for (const Value& a : args) {
      if (a.kind != Value::kInt) {
        return Fail(a.loc.line ? a.loc : loc, "range() outside a kernel needs compile-time integers; in a kernel, "
                                              "write the loop inside `with T.Kernel(...)`");
      }
    }
    int64_t start = args.size() > 1 ? args[0].i : 0, stop = args.size() > 1 ? args[1].i : args[0].i;
    int64_t step = args.size() > 2 ? args[2].i : 1;
    if (step == 0) return Fail(loc, "range() step must not be zero");
    Value r = List({}, loc);
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (r.items.size() >= 1000000) return Fail(loc, "range() of more than 1000000 values at compile time");
      r.items.push_back(Value::Int(i, loc));
    }
    *out = std::move(r);
    return true;
  }
  if (name == "list" || name == "tuple" || name == "set" || name == "frozenset" || name == "sorted" ||
      name == "reversed" || name == "iter") {
    std::vector<Value> items;
    if (!args.empty() && !Iterate(args[0], loc, &items)) return false;
    if (name == "set" || name == "frozenset") {
      Value s;
      s.kind = Value::kSet;
      s.loc = loc;
      for (Value& i : items) {
        if (!DictAdd(&s, std::move(i), Value(), loc)) return false;
      }
      s.items = s.keys;
      *out = std::move(s);
      return true;
    }
    if (name == "sorted") {
      bool reverse = false;
      for (const auto& [k, v] : kwargs) {
        if (k == "reverse" && v.kind == Value::kBool) {
          reverse = v.b;
        } else {
          return Fail(loc, absl::StrCat("sorted() keyword '", k, "' is not evaluated"));
        }
      }
      for (const Value& i : items) {
        if (!IsNumber(i) && i.kind != Value::kStr) return Fail(loc, "sorted() is evaluated on numbers and strings only");
      }
      std::stable_sort(items.begin(), items.end(), [](const Value& a, const Value& b) {
        if (a.kind == Value::kStr && b.kind == Value::kStr) return a.s < b.s;
        return AsDouble(a) < AsDouble(b);
      });
      if (reverse) std::reverse(items.begin(), items.end());
    }
    if (name == "reversed") std::reverse(items.begin(), items.end());
    *out = List(std::move(items), loc, name == "tuple" ? Value::kTuple : Value::kList);
    return true;
  }
  if (name == "dict") {
    Value d;
    d.kind = Value::kDict;
    d.loc = loc;
    if (!args.empty()) {
      if (args[0].kind == Value::kDict) {
        d = args[0];
      } else {
        std::vector<Value> pairs;
        if (!Iterate(args[0], loc, &pairs)) return false;
        for (const Value& p : pairs) {
          if ((p.kind != Value::kTuple && p.kind != Value::kList) || p.items.size() != 2) {
            return Fail(loc, "dict() needs pairs");
          }
          if (!DictAdd(&d, p.items[0], p.items[1], loc)) return false;
        }
      }
    }
    for (auto& [k, v] : kwargs) {
      if (!DictAdd(&d, Value::Str(k, loc), v, loc)) return false;
    }
    *out = std::move(d);
    return true;
  }
  if (name == "sum" || name == "any" || name == "all") {
    std::vector<Value> items;
    if (args.empty() || !Iterate(args[0], loc, &items)) return args.empty() ? Fail(loc, name + "() needs an iterable") : false;
    if (name == "sum") {
      Value acc = args.size() > 1 ? args[1] : Value::Int(0, loc);
      for (const Value& i : items) {
        if (!BinaryOp("+", acc, i, loc, &acc)) return false;
      }
      *out = acc;
      return true;
    }
    bool result = name == "all";
    for (const Value& i : items) {
      bool t = false;
      if (!Truth(i, loc, name.c_str(), &t)) return false;
      if (name == "any" && t) result = true;
      if (name == "all" && !t) result = false;
    }
    *out = Value::Bool(result, loc);
    return true;
  }
  if (name == "enumerate" || name == "zip") {
    std::vector<std::vector<Value>> seqs;
    for (const Value& a : args) {
      seqs.emplace_back();
      if (!Iterate(a, loc, &seqs.back())) return false;
    }
    int64_t start = 0;
    for (const auto& [k, v] : kwargs) {
      if (k == "start" && v.kind == Value::kInt) start = v.i;
    }
    Value r = List({}, loc);
    if (name == "enumerate") {
      if (seqs.size() != 1) return Fail(loc, "enumerate() expects (iterable)");
      for (size_t i = 0; i < seqs[0].size(); ++i) {
        r.items.push_back(List({Value::Int(start + static_cast<int64_t>(i), loc), seqs[0][i]}, loc, Value::kTuple));
      }
    } else {
      size_t n = seqs.empty() ? 0 : SIZE_MAX;
      for (const auto& s : seqs) n = std::min(n, s.size());
      for (size_t i = 0; i < n; ++i) {
        Value t = List({}, loc, Value::kTuple);
        for (const auto& s : seqs) t.items.push_back(s[i]);
        r.items.push_back(std::move(t));
      }
    }
    *out = std::move(r);
    return true;
  }
  if (name == "map" || name == "filter") {
    if (args.size() != 2) return Fail(loc, absl::StrCat(name, "() expects (function, iterable)"));
    std::vector<Value> items;
    if (!Iterate(args[1], loc, &items)) return false;
    Value r = List({}, loc);
    for (const Value& i : items) {
      Value v;
      if (!CallValue(args[0], {i}, {}, loc, &v)) return false;
      if (name == "map") {
        r.items.push_back(std::move(v));
        continue;
      }
      bool keep = false;
      if (!Truth(v, loc, "filter()", &keep)) return false;
      if (keep) r.items.push_back(i);
    }
    *out = std::move(r);
    return true;
  }
  if (name == "isinstance") {
    if (args.size() != 2) return Fail(loc, "isinstance() expects (value, type)");
    std::vector<Value> types = args[1].kind == Value::kTuple ? args[1].items : std::vector<Value>{args[1]};
    bool r = false;
    for (const Value& t : types) {
      const std::string& n = t.s;
      const Value& v = args[0];
      r |= (n == "int" && v.kind == Value::kInt) || (n == "float" && v.kind == Value::kFloat) ||
           (n == "str" && v.kind == Value::kStr) || (n == "bool" && v.kind == Value::kBool) ||
           (n == "tuple" && v.kind == Value::kTuple) || (n == "list" && v.kind == Value::kList) ||
           (n == "dict" && v.kind == Value::kDict) || (n == "set" && v.kind == Value::kSet);
    }
    *out = Value::Bool(r, loc);
    return true;
  }
  if (name == "callable") {
    const Value::Kind k = args.empty() ? Value::kNone : args[0].kind;
    *out = Value::Bool(k == Value::kFunction || k == Value::kBuiltin || k == Value::kBound, loc);
    return true;
  }
  if (name == "hasattr" || name == "getattr") {
    if (args.size() < 2 || args[1].kind != Value::kStr) return Fail(loc, absl::StrCat(name, "() expects (object, name)"));
    Value v;
    const bool ok = Attribute(args[0], args[1].s, loc, &v);
    if (name == "hasattr") {
      *error_ = Diagnostic{};
      *out = Value::Bool(ok, loc);
      return true;
    }
    if (!ok && args.size() > 2) {
      *error_ = Diagnostic{};
      *out = args[2];
      return true;
    }
    *out = v;
    return ok;
  }
  if (name == "ord" || name == "chr" || name == "hex") {
    if (args.size() != 1) return Fail(loc, absl::StrCat(name, "() expects one argument"));
    if (name == "ord" && args[0].kind == Value::kStr && args[0].s.size() == 1) {
      *out = Value::Int(static_cast<unsigned char>(args[0].s[0]), loc);
    } else if (name == "chr" && args[0].kind == Value::kInt && args[0].i >= 0 && args[0].i < 128) {
      *out = Value::Str(std::string(1, static_cast<char>(args[0].i)), loc);
    } else if (name == "hex" && args[0].kind == Value::kInt) {
      std::string digits;
      if (!Format(args[0], "", "x", loc, &digits)) return false;
      *out = Value::Str(args[0].i < 0 ? "-0x" + digits.substr(1) : "0x" + digits, loc);
    } else {
      return Fail(loc, absl::StrCat(name, "() of ", args[0].Describe(), " is not evaluated"));
    }
    return true;
  }
  *handled = false;
  return true;
}

bool Evaluator::CallMethod(const Value& self, const std::string& name, std::vector<Value> args,
                           std::vector<std::pair<std::string, Value>> kwargs, SourceLoc loc, Value* out) {
  if (self.kind == Value::kHost) {
    bool handled = false;
    Value s = self;
    std::vector<Value> all = {s};
    for (Value& a : args) all.push_back(std::move(a));
    if (!CallHost(absl::StrCat("<method>.", name), std::move(all), std::move(kwargs), loc, out, &handled)) return false;
    if (handled) return true;
    if (in_builder() || self.unknown) return FailUnknown(self, loc);
    *out = Value::Host(absl::StrCat(self.s, ".", name, "(...)"), loc);
    return true;
  }
  if (self.kind == Value::kStr) {
    const std::string& s = self.s;
    if (name == "format") {
      std::string r;
      size_t next = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
          r += '{';
          ++i;
        } else if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
          r += '}';
          ++i;
        } else if (s[i] == '{') {
          size_t close = s.find('}', i);
          if (close == std::string::npos) return Fail(loc, "unmatched '{' in a format string");
          std::string field = s.substr(i + 1, close - i - 1), spec, conv;
          if (size_t c = field.find(':'); c != std::string::npos) {
            spec = field.substr(c + 1);
            field.resize(c);
          }
          if (size_t c = field.find('!'); c != std::string::npos) {
            conv = field.substr(c + 1);
            field.resize(c);
          }
          const Value* v = nullptr;
          if (field.empty()) {
            if (next < args.size()) v = &args[next++];
          } else if (isdigit(static_cast<unsigned char>(field[0]))) {
            size_t k = std::strtoul(field.c_str(), nullptr, 10);
            if (k < args.size()) v = &args[k];
          } else {
            for (const auto& [kn, kv] : kwargs) {
              if (kn == field) v = &kv;
            }
          }
          if (!v) return Fail(loc, absl::StrCat("format field '{", field, "}' has no argument"));
          if (v->kind == Value::kHost) {
            *out = *v;
            return true;
          }
          std::string text;
          if (!Format(*v, conv, spec, loc, &text)) return false;
          r += text;
          i = close;
        } else {
          r += s[i];
        }
      }
      *out = Value::Str(std::move(r), loc);
      return true;
    }
    if (name == "join" && args.size() == 1) {
      std::vector<Value> items;
      if (!Iterate(args[0], loc, &items)) return false;
      std::vector<std::string> parts;
      for (const Value& i : items) {
        if (i.kind != Value::kStr) return Fail(loc, "str.join() needs strings");
        parts.push_back(i.s);
      }
      *out = Value::Str(absl::StrJoin(parts, s), loc);
      return true;
    }
    if (name == "split") {
      Value r = List({}, loc);
      std::vector<std::string> parts;
      if (args.empty()) {
        parts = absl::StrSplit(s, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
      } else {
        parts = absl::StrSplit(s, args[0].kind == Value::kStr ? args[0].s : std::string(" "));
      }
      for (const std::string& p : parts) r.items.push_back(Value::Str(p, loc));
      *out = std::move(r);
      return true;
    }
    if (name == "upper" || name == "lower" || name == "strip") {
      *out = Value::Str(name == "upper" ? absl::AsciiStrToUpper(s)
                        : name == "lower" ? absl::AsciiStrToLower(s)
                                          : std::string(absl::StripAsciiWhitespace(s)),
                        loc);
      return true;
    }
    if ((name == "startswith" || name == "endswith") && args.size() == 1 && args[0].kind == Value::kStr) {
      *out = Value::Bool(name == "startswith" ? absl::StartsWith(s, args[0].s) : absl::EndsWith(s, args[0].s), loc);
      return true;
    }
    if (name == "replace" && args.size() == 2 && args[0].kind == Value::kStr && args[1].kind == Value::kStr) {
      *out = Value::Str(absl::StrReplaceAll(s, {{args[0].s, args[1].s}}), loc);
      return true;
    }
  }
  if (self.kind == Value::kDict) {
    if (name == "get" && (args.size() == 1 || args.size() == 2)) {
      for (size_t j = 0; j < self.keys.size(); ++j) {
        if (ConstEqual(self.keys[j], args[0])) {
          *out = self.items[j];
          return true;
        }
      }
      *out = args.size() == 2 ? args[1] : Value::None(loc);
      return true;
    }
    if (name == "keys" || name == "values" || name == "items") {
      Value r = List({}, loc);
      for (size_t j = 0; j < self.keys.size(); ++j) {
        if (name == "keys") r.items.push_back(self.keys[j]);
        if (name == "values") r.items.push_back(self.items[j]);
        if (name == "items") r.items.push_back(List({self.keys[j], self.items[j]}, loc, Value::kTuple));
      }
      *out = std::move(r);
      return true;
    }
  }
  if ((self.kind == Value::kList || self.kind == Value::kTuple) && (name == "index" || name == "count") &&
      args.size() == 1) {
    int64_t count = 0;
    for (size_t j = 0; j < self.items.size(); ++j) {
      if (!ConstEqual(self.items[j], args[0])) continue;
      if (name == "index") {
        *out = Value::Int(static_cast<int64_t>(j), loc);
        return true;
      }
      ++count;
    }
    if (name == "index") return Fail(loc, "list.index(): the value is not in the list");
    *out = Value::Int(count, loc);
    return true;
  }
  if (self.kind == Value::kInt && name == "bit_length") {
    uint64_t u = self.i < 0 ? -static_cast<uint64_t>(self.i) : static_cast<uint64_t>(self.i);
    int64_t n = 0;
    while (u) {
      ++n;
      u >>= 1;
    }
    *out = Value::Int(n, loc);
    return true;
  }
  if (self.kind == Value::kList && (name == "append" || name == "extend" || name == "insert" || name == "pop")) {
    return Fail(loc, absl::StrCat("list.", name, "() is not evaluated (the evaluator's lists are values); build the "
                                  "list with a comprehension or `+`"));
  }
  return Fail(loc, absl::StrCat(self.Describe(), " has no method '", name, "' that ttc evaluates"));
}

}  // namespace ttc::frontend
