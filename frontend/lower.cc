#include "frontend/lower.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "frontend/evaluator.h"
#include "frontend/kernel_lower.h"
#include "frontend/value.h"
#include "ir/from_proto.h"
#include "ir/target.h"

namespace ttc::frontend {
namespace {

// `NAME=VALUE` of --define: an integer, a float, True/False, or a string (a dtype name).
bool ParseDefine(const std::string& d, std::string* name, Value* v, std::string* error) {
  const size_t eq = d.find('=');
  *name = d.substr(0, eq);
  bool ident = !name->empty() && !isdigit(static_cast<unsigned char>((*name)[0]));
  for (char c : *name) ident &= isalnum(static_cast<unsigned char>(c)) || c == '_';
  if (eq == std::string::npos || !ident) {
    *error = absl::StrCat("--define '", d, "': expected NAME=VALUE with NAME a Python identifier");
    return false;
  }
  const std::string text = d.substr(eq + 1);
  int64_t i = 0;
  double f = 0;
  if (absl::SimpleAtoi(text, &i)) {
    *v = Value::Int(i, {});
  } else if (text.find_first_of(".eE") != std::string::npos && absl::SimpleAtod(text, &f)) {
    *v = Value::Float(f, {});
  } else if (text == "True" || text == "False") {
    *v = Value::Bool(text == "True", {});
  } else if (text.empty()) {
    *error = absl::StrCat("--define '", d, "': the value is empty");
    return false;
  } else {
    *v = Value::Str(text, {});
  }
  return true;
}

class ModuleLowerer {
 public:
  ModuleLowerer(Diagnostic* error, Evaluator::Options opts) : ev_(error, std::move(opts)), kernels_(ev_) {
    ev_.set_prim_func_lowering([this](const ast::Stmt& def, const std::shared_ptr<Scope>& scope,
                                      std::shared_ptr<Kernel>* out) { return kernels_.LowerPrimFunc(def, scope, out); });
    ev_.set_kernel_block_lowering([this](const ast::Stmt& with, const std::shared_ptr<Scope>& scope, Kernel* k) {
      return kernels_.LowerKernelBlock(with, scope, k);
    });
  }

  bool Run(const ast::Module& m, const std::vector<Directive>& directives, const LowerOptions& opts,
           LowerResult* out) {
    v1::KernelRequest req;
    if (!ReadDirectives(directives, req.mutable_target())) return false;
    std::shared_ptr<Scope> module;
    const bool ok = ev_.ExecModule(m, &module);
    out->warnings = ev_.warnings();
    std::stable_sort(out->warnings.begin(), out->warnings.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.loc.line != b.loc.line ? a.loc.line < b.loc.line : a.loc.col < b.loc.col;
    });
    if (!ok) return false;
    std::vector<KernelSummary> kernels = Summaries();
    if (opts.list_only) {
      for (const Evaluator::Builder& b : ev_.unused_builders()) {
        KernelSummary s;
        s.name = s.builder = s.func = b.name;
        s.loc = b.loc;
        s.missing = b.params;
        kernels.push_back(std::move(s));
      }
      out->kernels = std::move(kernels);
      return true;
    }
    // `--func` naming a factory the script never calls: call it with the --define values.
    if (!opts.func_name.empty()) {
      bool known = false;
      for (const KernelSummary& s : kernels) known |= s.name == opts.func_name || s.builder == opts.func_name ||
                                                    s.func == opts.func_name;
      for (const Evaluator::Builder& b : ev_.unused_builders()) {
        if (known || b.name != opts.func_name) continue;
        if (!ev_.BuildUnused(b.name, module)) return false;
        kernels_by_summary_.clear();
        kernels = Summaries();
      }
    }
    std::shared_ptr<Kernel> k;
    if (!SelectKernel(kernels, opts.func_name, &k)) return false;
    *req.mutable_func() = k->func;
    for (const auto& [name, layout] : k->layouts) (*req.mutable_layouts())[name] = layout;
    if (k->has_schedule) *req.mutable_schedule() = k->schedule;
    if (!Validate(req)) return false;
    out->request = std::move(req);
    out->kernels = std::move(kernels);
    return true;
  }

 private:
  bool Fail(SourceLoc loc, std::string msg) { return ev_.Fail(loc, std::move(msg)); }

  std::vector<KernelSummary> Summaries() {
    std::vector<KernelSummary> out;
    for (const Evaluator::Built& b : ev_.built()) {
      KernelSummary s;
      s.builder = b.kernel->builder;
      s.func = b.kernel->func.name();
      s.name = !b.bound_to.empty() ? b.bound_to : !s.builder.empty() ? s.builder : s.func;
      s.loc = b.kernel->built_at.line ? b.kernel->built_at : SourceLoc{b.kernel->func.loc().line(),
                                                                       b.kernel->func.loc().column()};
      s.sizes = b.kernel->sizes;
      kernels_by_summary_.push_back(b.kernel);
      out.push_back(std::move(s));
    }
    return out;
  }

  bool SelectKernel(const std::vector<KernelSummary>& kernels, const std::string& want, std::shared_ptr<Kernel>* out) {
    if (kernels.empty()) {
      // The harness stopped before it built a kernel: that error is the file's error.
      if (const Diagnostic* skip = ev_.first_skip(); skip && !skip->message.empty() && skip->loc.line > 0) {
        return Fail(skip->loc, skip->message);
      }
      std::string msg = "no kernel found: define a @T.prim_func, call the factory that returns one (`kernel = "
                        "matmul(1024, 1024, 1024, 128, 128, 32)`), or compile an eager kernel (`matmul.compile(M=1024, "
                        "...)`), at module level or in main()";
      for (const Evaluator::Builder& b : ev_.unused_builders()) {
        absl::StrAppend(&msg, "; '", b.name, "' (line ", b.loc.line, ") is never called");
        if (!b.params.empty()) absl::StrAppend(&msg, " (it needs ", absl::StrJoin(b.params, ", "), ")");
      }
      return Fail(SourceLoc{}, msg);
    }
    std::vector<size_t> match;
    for (size_t i = 0; i < kernels.size(); ++i) {
      const KernelSummary& s = kernels[i];
      if (want.empty() || s.name == want || s.builder == want || s.func == want) match.push_back(i);
    }
    auto describe = [&](size_t i) {
      const KernelSummary& s = kernels[i];
      std::string d = s.name;
      if (!s.sizes.empty()) absl::StrAppend(&d, " (", absl::StrJoin(s.sizes, ", "), ")");
      return d;
    };
    if (match.empty()) {
      std::vector<std::string> names;
      for (size_t i = 0; i < kernels.size(); ++i) names.push_back(describe(i));
      return Fail(SourceLoc{}, absl::StrCat("no kernel named '", want, "'; the file builds ", absl::StrJoin(names, ", ")));
    }
    // The same kernel built twice (main() and a regression helper, say) is one kernel.
    std::vector<size_t> distinct;
    for (size_t i : match) {
      bool same = false;
      for (size_t j : distinct) {
        same |= kernels_by_summary_[i] == kernels_by_summary_[j] ||
                (kernels[i].builder == kernels[j].builder && kernels[i].sizes == kernels[j].sizes &&
                 kernels_by_summary_[i]->func.SerializeAsString() == kernels_by_summary_[j]->func.SerializeAsString());
      }
      if (!same) distinct.push_back(i);
    }
    if (distinct.size() > 1) {
      std::vector<std::string> names;
      for (size_t i : distinct) names.push_back(describe(i));
      return Fail(SourceLoc{}, absl::StrCat(want.empty() ? "the file builds several kernels (" : "several kernels match '",
                                            want.empty() ? "" : want + "' (", absl::StrJoin(names, "; "),
                                            "); choose one with --func NAME (the name it is bound to, its factory or "
                                            "its @T.prim_func), and sizes with --define NAME=VALUE"));
    }
    *out = kernels_by_summary_[distinct[0]];
    return true;
  }

  bool ReadDirectives(const std::vector<Directive>& directives, v1::Target* target) {
    auto def = ir::ResolveTarget(v1::Target());
    target->set_preset(def.ok() ? def->preset : "wormhole_b0");
    bool seen = false;
    for (const Directive& d : directives) {
      size_t pos = 0;
      std::vector<std::string> items = absl::StrSplit(d.body, ' ', absl::SkipEmpty());
      for (const std::string& item : items) {
        pos = d.body.find(item, pos);
        SourceLoc loc{d.loc.line, d.loc.col + static_cast<int>(pos)};
        size_t eq = item.find('=');
        std::string key = item.substr(0, eq);
        if (key != "target" || eq == std::string::npos) {
          return Fail(loc, absl::StrCat("unknown ttc directive '", item, "'; the directive is `# ttc: target=NAME`"));
        }
        std::string value = item.substr(eq + 1);
        auto names = ir::TargetPresetNames();
        if (std::find(names.begin(), names.end(), value) == names.end()) {
          return Fail(SourceLoc{loc.line, loc.col + static_cast<int>(eq) + 1},
                      absl::StrCat("unknown target '", value, "'; known: ", absl::StrJoin(names, ", ")));
        }
        if (seen) return Fail(loc, "the target is set twice");
        seen = true;
        target->set_preset(value);
        pos += item.size();
      }
    }
    return true;
  }

  // The request through the IR converter: its error is located at the construct it is about.
  bool Validate(const v1::KernelRequest& req) {
    ir::LocatedError e;
    if (ir::FromProto(req, {}, &e).ok()) return true;
    return Fail(SourceLoc{e.loc.line, e.loc.col}, e.message);
  }

  Evaluator ev_;
  KernelLowerer kernels_;
  std::vector<std::shared_ptr<Kernel>> kernels_by_summary_;
};

}  // namespace

bool LowerModule(const ast::Module& module, const std::vector<Directive>& directives, const LowerOptions& opts,
                 LowerResult* out, Diagnostic* error) {
  Evaluator::Options eo;
  for (const std::string& d : opts.defines) {
    std::string name, msg;
    Value v;
    if (!ParseDefine(d, &name, &v, &msg)) {
      error->loc = SourceLoc{};
      error->message = msg;
      return false;
    }
    eo.defines[name] = v;
  }
  for (const Directive& d : directives) {  // get_num_sms() answers the target's core count
    size_t p = d.body.find("target=");
    if (p == std::string::npos) continue;
    v1::Target t;
    t.set_preset(d.body.substr(p + 7, d.body.find(' ', p) == std::string::npos ? std::string::npos
                                                                                : d.body.find(' ', p) - p - 7));
    auto r = ir::ResolveTarget(t);
    if (r.ok()) eo.core_count = r->num_cores();
  }
  if (eo.core_count == 64) {
    auto r = ir::ResolveTarget(v1::Target());
    if (r.ok()) eo.core_count = r->num_cores();
  }
  return ModuleLowerer(error, std::move(eo)).Run(module, directives, opts, out);
}

}  // namespace ttc::frontend
