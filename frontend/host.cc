// Host libraries, modelled only where kernels take sizes or dtypes from them: torch (dtypes,
// tensor constructors and the tensor methods a harness chains: .cuda(), .half(), .to(),
// .shape), math, functools.partial, itertools.product, argparse (a parser answers its
// defaults) and TileLang's host helpers (tilelang.cdiv, next_power_of_2, get_num_sms,
// tilelang.compile). Everything else of a host module is an opaque host value.
#include <cmath>
#include <numbers>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "frontend/evaluator.h"
#include "ir/dtype.h"

namespace ttc::frontend {

namespace {

const std::set<std::string>& TorchTensorFns() {
  static const std::set<std::string> s = {"randn", "rand", "zeros", "ones", "empty", "full", "randint",
                                          "randn_like", "zeros_like", "ones_like", "empty_like", "rand_like"};
  return s;
}

const std::set<std::string>& MathFns() {
  static const std::set<std::string> s = {"ceil", "floor", "sqrt", "log", "log2", "log10", "exp", "pow", "gcd",
                                          "lcm", "isqrt", "prod", "fabs", "trunc", "isclose", "comb", "factorial"};
  return s;
}

std::string TorchDType(const std::string& name) {
  static const std::map<std::string, std::string> aliases = {
      {"half", "float16"}, {"float", "float32"}, {"double", "float64"}, {"bfloat16", "bfloat16"},
      {"int", "int32"},    {"long", "int64"},    {"short", "int16"},    {"bool", "bool"}};
  auto it = aliases.find(name);
  if (it != aliases.end()) return it->second;
  return ir::ParseDType(name) ? name : "";
}

Value Tuple(std::vector<Value> items, SourceLoc loc) {
  Value v;
  v.kind = Value::kTuple;
  v.loc = loc;
  v.items = std::move(items);
  return v;
}

const Value* Kwarg(const std::vector<std::pair<std::string, Value>>& kwargs, const char* name) {
  for (const auto& [k, v] : kwargs) {
    if (k == name) return &v;
  }
  return nullptr;
}

}  // namespace

bool Evaluator::HostMember(const Value& mod, const std::string& name, SourceLoc loc, Value* out) {
  const std::string full = absl::StrCat(mod.s, ".", name);
  if (mod.s == "torch") {
    if (!TorchDType(name).empty() && name != "int" && name != "long" && name != "short") {
      *out = Value::Builtin(absl::StrCat("torch.", TorchDType(name)), loc);
      return true;
    }
    if (TorchTensorFns().count(name) && !in_builder()) {  // a tensor in a kernel builder is host code
      *out = Value::Builtin(full, loc);
      return true;
    }
    if (name == "cuda" || name == "autograd") {
      *out = Value::Module(full, loc);
      return true;
    }
    return false;
  }
  if (mod.s == "torch.autograd" && name == "Function") {  // a base class of harness wrappers
    *out = Value::Builtin(full, loc);
    return true;
  }
  if (mod.s == "torch.cuda" && name == "is_available") {
    *out = Value::Builtin(full, loc);
    return true;
  }
  if (mod.s == "math") {
    if (name == "pi" || name == "e" || name == "inf" || name == "tau") {
      *out = Value::Float(name == "pi" ? std::numbers::pi : name == "e" ? std::numbers::e
                          : name == "tau" ? 2 * std::numbers::pi : HUGE_VAL, loc);
      return true;
    }
    if (MathFns().count(name)) {
      *out = Value::Builtin(full, loc);
      return true;
    }
    return false;
  }
  if ((mod.s == "functools" && name == "partial") || (mod.s == "itertools" && name == "product") ||
      (mod.s == "argparse" && name == "ArgumentParser")) {
    *out = Value::Builtin(full, loc);
    return true;
  }
  return false;
}

bool Evaluator::CallHost(const std::string& name, std::vector<Value> args,
                         std::vector<std::pair<std::string, Value>> kwargs, SourceLoc loc, Value* out, bool* handled) {
  *handled = true;
  if (name == "torch.cuda.is_available") {
    // A TT target has no CUDA device: factories that probe for one take their non-CUDA path.
    if (!ExpectArgs("torch.cuda.is_available()", args, kwargs, 0, 0, loc)) return false;
    *out = Value::Bool(false, loc);
    return true;
  }
  if (name == "tilelang.cdiv") {
    if (!ExpectArgs("tilelang.cdiv(a, b)", args, kwargs, 2, 2, loc)) return false;
    return BinaryOp("ceildiv", args[0], args[1], loc, out);
  }
  if (name.size() >= 15 && name.compare(name.size() - 15, 15, "next_power_of_2") == 0) {
    if (!ExpectArgs("next_power_of_2(n)", args, kwargs, 1, 1, loc)) return false;
    if (args[0].kind != Value::kInt) return Fail(loc, "next_power_of_2() needs a compile-time integer");
    int64_t p = 1;
    while (p < args[0].i) {
      if (p > (int64_t{1} << 61)) return Fail(loc, "next_power_of_2() overflows 64 bits");
      p <<= 1;
    }
    *out = Value::Int(p, loc);
    return true;
  }
  if (name.find("get_num_sms") != std::string::npos) {
    *out = Value::Int(opts_.core_count, loc);  // a GPU's SM count is a TT device's Tensix core count
    return true;
  }
  if (name == "tilelang.compile") {  // tilelang.compile(func, out_idx=..., target=...): the kernel itself
    if (args.empty() || args[0].kind != Value::kKernel) return Fail(loc, "tilelang.compile expects a kernel");
    *out = args[0];
    return true;
  }
  if (name == "tilelang.jit" || name == "tilelang.autotune" || name == "tilelang.autotuner.autotune") {
    return Fail(loc, absl::StrCat(name, " is accepted as a decorator (@", name.substr(name.rfind('.') + 1), ")"));
  }
  if (name.rfind("math.", 0) == 0) {
    const std::string f = name.substr(5);
    for (const Value& a : args) {
      if (!IsNumber(a)) return Fail(loc, absl::StrCat(name, "() needs numbers, got ", a.Describe()));
    }
    if (args.empty()) return Fail(loc, absl::StrCat(name, "() needs an argument"));
    const double x = AsDouble(args[0]);
    if (f == "ceil" || f == "floor" || f == "trunc") {
      const double r = f == "ceil" ? std::ceil(x) : f == "floor" ? std::floor(x) : std::trunc(x);
      if (!(std::fabs(r) < 9.2e18)) return Fail(loc, absl::StrCat(name, "() result out of the 64-bit range"));
      *out = Value::Int(static_cast<int64_t>(r), loc);
      return true;
    }
    if ((f == "gcd" || f == "lcm") && args.size() == 2) {
      int64_t a = std::llabs(AsInt(args[0])), b = std::llabs(AsInt(args[1]));
      int64_t g = a, h = b;
      while (h) {
        int64_t t = g % h;
        g = h;
        h = t;
      }
      *out = Value::Int(f == "gcd" ? g : (g ? a / g * b : 0), loc);
      return true;
    }
    if (f == "isqrt") {
      if (args[0].kind != Value::kInt || args[0].i < 0) return Fail(loc, "math.isqrt() needs a non-negative integer");
      int64_t r = static_cast<int64_t>(std::sqrt(static_cast<double>(args[0].i)));
      while (r * r > args[0].i) --r;
      while ((r + 1) * (r + 1) <= args[0].i) ++r;
      *out = Value::Int(r, loc);
      return true;
    }
    if (f == "pow" && args.size() == 2) {
      *out = Value::Float(std::pow(x, AsDouble(args[1])), loc);
      return true;
    }
    if (f == "log" && args.size() == 2) {
      *out = Value::Float(std::log(x) / std::log(AsDouble(args[1])), loc);
      return true;
    }
    const double r = f == "sqrt" ? std::sqrt(x) : f == "log" ? std::log(x) : f == "log2" ? std::log2(x)
                     : f == "log10" ? std::log10(x) : f == "exp" ? std::exp(x) : f == "fabs" ? std::fabs(x) : NAN;
    if (std::isnan(r)) return Fail(loc, absl::StrCat(name, "() of these arguments is not evaluated"));
    *out = Value::Float(r, loc);
    return true;
  }
  if (name == "functools.partial") {
    if (args.empty()) return Fail(loc, "functools.partial expects (function, *args, **kwargs)");
    Value p;
    p.kind = Value::kBound;
    p.s = "partial";
    p.loc = loc;
    p.self = std::make_shared<Value>(args[0]);
    p.items.assign(args.begin() + 1, args.end());
    for (auto& [k, v] : kwargs) {
      p.keys.push_back(Value::Str(k, loc));
      p.items2.push_back(v);
    }
    *out = std::move(p);
    return true;
  }
  if (name == "itertools.product") {
    int64_t repeat = 1;
    if (const Value* r = Kwarg(kwargs, "repeat"); r && r->kind == Value::kInt) repeat = r->i;
    std::vector<std::vector<Value>> pools;
    for (int64_t k = 0; k < repeat && k < 16; ++k) {
      for (const Value& a : args) {
        pools.emplace_back();
        if (!Iterate(a, loc, &pools.back())) return false;
      }
    }
    std::vector<Value> result = {Tuple({}, loc)};
    for (const auto& pool : pools) {
      std::vector<Value> next;
      for (const Value& prefix : result) {
        for (const Value& v : pool) {
          if (next.size() >= 1000000) return Fail(loc, "itertools.product() of more than 1000000 values");
          Value t = prefix;
          t.items.push_back(v);
          next.push_back(std::move(t));
        }
      }
      result = std::move(next);
    }
    Value l;
    l.kind = Value::kList;
    l.loc = loc;
    l.items = std::move(result);
    *out = std::move(l);
    return true;
  }
  if (name.rfind("torch.", 0) == 0 && TorchTensorFns().count(name.substr(6))) {
    // torch.randn(M, N, dtype=torch.float16, device="cuda"): a host tensor that knows its shape.
    Value t = Value::Host(absl::StrCat(name, "(...)"), loc);
    t.tensor = true;
    t.dtype = "float32";
    const std::string fn = name.substr(6);
    std::vector<Value> dims = args;
    if (fn.size() > 5 && fn.compare(fn.size() - 5, 5, "_like") == 0) {
      if (!args.empty() && args[0].kind == Value::kHost) {
        t.shape = args[0].shape;
        t.dtype = args[0].dtype;
      }
      dims.clear();
    } else if (fn == "full" || fn == "randint") {
      dims.clear();
      for (const Value& a : args) {
        if (a.kind == Value::kTuple || a.kind == Value::kList) dims = a.items;
      }
    } else if (dims.size() == 1 && (dims[0].kind == Value::kTuple || dims[0].kind == Value::kList)) {
      dims = dims[0].items;
    }
    for (const Value& d : dims) {
      if (d.kind != Value::kInt) {
        t.shape.clear();
        break;
      }
      t.shape.push_back(d.i);
    }
    if (const Value* dt = Kwarg(kwargs, "dtype")) {
      std::string n;
      if (DType(*dt, loc, &n)) t.dtype = n;
      *error_ = Diagnostic{};
    }
    *out = std::move(t);
    return true;
  }
  if (name == "argparse.ArgumentParser") {
    Value p = Value::Host("an argparse parser", loc);
    p.self = std::make_shared<Value>();  // shared state: dest -> default
    p.self->kind = Value::kDict;
    *out = std::move(p);
    return true;
  }
  if (name.rfind("<attr>.", 0) == 0 && args.size() == 1 && args[0].kind == Value::kHost) {
    const std::string m = name.substr(7);
    const Value& self = args[0];
    if (self.s == "the parsed arguments (their defaults)" && self.self) {
      for (size_t j = 0; j < self.self->keys.size(); ++j) {
        if (self.self->keys[j].s == m) {
          *out = self.self->items[j];
          return true;
        }
      }
    }
    if (self.tensor && m == "shape" && !self.shape.empty()) {
      Value s = Tuple({}, loc);
      for (int64_t d : self.shape) s.items.push_back(Value::Int(d, loc));
      *out = std::move(s);
      return true;
    }
    if (self.tensor && m == "dtype") {
      *out = Value::Builtin(absl::StrCat("torch.", self.dtype), loc);
      return true;
    }
    *handled = false;
    return true;
  }
  if (name.rfind("<method>.", 0) == 0 && !args.empty() && args[0].kind == Value::kHost) {
    const std::string m = name.substr(9);
    const Value& self = args[0];
    if (self.s == "an argparse parser" && self.self && m == "add_argument") {
      std::string dest;
      for (size_t i = 1; i < args.size(); ++i) {
        if (args[i].kind == Value::kStr && (dest.empty() || args[i].s.rfind("--", 0) == 0)) dest = args[i].s;
      }
      if (const Value* d = Kwarg(kwargs, "dest"); d && d->kind == Value::kStr) dest = d->s;
      while (!dest.empty() && dest[0] == '-') dest.erase(0, 1);
      dest = absl::StrReplaceAll(dest, {{"-", "_"}});
      Value def = Value::None(loc);
      if (const Value* a = Kwarg(kwargs, "action"); a && a->kind == Value::kStr) {
        if (a->s == "store_true") def = Value::Bool(false, loc);
        if (a->s == "store_false") def = Value::Bool(true, loc);
      }
      if (const Value* d = Kwarg(kwargs, "default")) def = *d;
      if (!dest.empty() && !DictAdd(self.self.get(), Value::Str(dest, loc), def, loc)) return false;
      *out = Value::None(loc);
      return true;
    }
    if (self.s == "an argparse parser" && self.self && (m == "parse_args" || m == "parse_known_args")) {
      Value ns = Value::Host("the parsed arguments (their defaults)", loc);
      ns.self = std::make_shared<Value>(*self.self);
      if (m == "parse_args") {
        *out = std::move(ns);
      } else {
        Value rest;
        rest.kind = Value::kList;
        rest.loc = loc;
        *out = Tuple({ns, rest}, loc);
      }
      return true;
    }
    if (self.tensor) {  // tensor methods a harness chains
      Value t = self;
      t.loc = loc;
      if (m == "size" && args.size() == 1 && !self.shape.empty()) {
        Value s = Tuple({}, loc);
        for (int64_t d : self.shape) s.items.push_back(Value::Int(d, loc));
        *out = std::move(s);
        return true;
      }
      if (m == "half" || m == "float" || m == "bfloat16" || m == "double") {
        t.dtype = TorchDType(m);
        *out = std::move(t);
        return true;
      }
      // Methods that keep the shape: moves, copies, in-place initializers and element-wise maths.
      static const std::set<std::string> kSameShape = {
          "cuda", "cpu", "contiguous", "clone", "detach", "requires_grad_", "normal_", "uniform_", "zero_",
          "fill_", "random_", "exponential_", "bernoulli_", "clamp", "clamp_", "abs", "exp", "sigmoid", "relu",
          "neg", "sqrt", "rsqrt", "mul", "mul_", "add", "add_", "sub", "sub_", "div", "div_", "softmax", "tanh",
          "pin_memory", "share_memory_"};
      if (kSameShape.count(m)) {
        *out = std::move(t);
        return true;
      }
      auto dim_index = [&](const Value& a, int64_t* k) {
        const int64_t n = static_cast<int64_t>(self.shape.size());
        if (a.kind != Value::kInt || a.i < -n || a.i >= n) return false;
        *k = a.i < 0 ? a.i + n : a.i;
        return true;
      };
      if (m == "size" && args.size() == 2 && !self.shape.empty()) {  // x.size(dim)
        int64_t k = 0;
        if (dim_index(args[1], &k)) {
          *out = Value::Int(self.shape[k], loc);
          return true;
        }
      }
      if ((m == "transpose" || m == "swapaxes") && args.size() == 3 && !self.shape.empty()) {
        int64_t a = 0, b = 0;
        if (dim_index(args[1], &a) && dim_index(args[2], &b)) {
          std::swap(t.shape[a], t.shape[b]);
          *out = std::move(t);
          return true;
        }
      }
      if (m == "permute" && args.size() == self.shape.size() + 1 && !self.shape.empty()) {
        std::vector<int64_t> shape;
        for (size_t i = 1; i < args.size(); ++i) {
          int64_t k = 0;
          if (!dim_index(args[i], &k)) break;
          shape.push_back(self.shape[k]);
        }
        if (shape.size() == self.shape.size()) {
          t.shape = std::move(shape);
          *out = std::move(t);
          return true;
        }
      }
      if ((m == "dim" || m == "numel") && args.size() == 1 && !self.shape.empty()) {
        int64_t n = 1;
        for (int64_t d : self.shape) {
          if (__builtin_mul_overflow(n, d, &n)) return Fail(loc, "numel() of this tensor overflows 64 bits");
        }
        *out = Value::Int(m == "dim" ? static_cast<int64_t>(self.shape.size()) : n, loc);
        return true;
      }
      if (m == "to") {
        for (size_t i = 1; i < args.size(); ++i) {
          std::string n;
          if (args[i].kind == Value::kBuiltin && DType(args[i], loc, &n)) t.dtype = n;
          *error_ = Diagnostic{};
        }
        if (const Value* dt = Kwarg(kwargs, "dtype")) {
          std::string n;
          if (DType(*dt, loc, &n)) t.dtype = n;
          *error_ = Diagnostic{};
        }
        *out = std::move(t);
        return true;
      }
    }
  }
  *handled = false;
  return true;
}

}  // namespace ttc::frontend
