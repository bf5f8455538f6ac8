#include "frontend/lower.h"

#include <algorithm>
#include <memory>
#include <utility>

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

class ModuleLowerer {
 public:
  explicit ModuleLowerer(Diagnostic* error) : ev_(error), kernels_(ev_) {
    ev_.set_prim_func_lowering([this](const ast::Stmt& def, const std::shared_ptr<Scope>& scope,
                                      std::shared_ptr<Kernel>* out) { return kernels_.LowerPrimFunc(def, scope, out); });
  }

  bool Run(const ast::Module& m, const std::vector<Directive>& directives, const LowerOptions& opts,
           v1::KernelRequest* out) {
    std::shared_ptr<Scope> module;
    if (!ev_.ExecModule(m, &module)) return false;
    std::shared_ptr<Kernel> k;
    if (!SelectKernel(*module, opts.func_name, &k)) return false;
    v1::KernelRequest req;
    *req.mutable_func() = k->func;
    for (const auto& [name, layout] : k->layouts) (*req.mutable_layouts())[name] = layout;
    if (k->has_schedule) *req.mutable_schedule() = k->schedule;
    if (!ReadDirectives(directives, req.mutable_target())) return false;
    if (!Validate(req)) return false;
    *out = std::move(req);
    return true;
  }

 private:
  bool Fail(SourceLoc loc, std::string msg) { return ev_.Fail(loc, std::move(msg)); }

  bool SelectKernel(const Scope& module, const std::string& want, std::shared_ptr<Kernel>* out) {
    std::vector<std::pair<std::string, std::shared_ptr<Kernel>>> kernels;
    for (const std::string& name : module.order()) {
      const Value* v = module.Lookup(name);
      if (v && v->kind == Value::kKernel) kernels.emplace_back(name, v->kernel);
    }
    if (kernels.empty()) {
      return Fail(SourceLoc{}, "no kernel found: define a @T.prim_func at module level, or call the function that "
                               "returns one (`kernel = matmul(1024, 1024, 1024, 128, 128, 32)`)");
    }
    std::vector<std::string> names;
    for (const auto& [name, k] : kernels) names.push_back(name);
    if (want.empty()) {
      for (const auto& [name, k] : kernels) {
        if (k != kernels[0].second) {
          return Fail(SourceLoc{}, absl::StrCat("the file defines several kernels (", absl::StrJoin(names, ", "),
                                                "); choose one with --func NAME"));
        }
      }
      *out = kernels[0].second;
      return true;
    }
    for (const auto& [name, k] : kernels) {
      if (name == want) {
        *out = k;
        return true;
      }
    }
    std::shared_ptr<Kernel> by_def;
    for (const auto& [name, k] : kernels) {
      if (k->func.name() != want) continue;
      if (by_def && by_def != k) {
        return Fail(SourceLoc{}, absl::StrCat("several kernels are named '", want, "'; choose one by the module-level "
                                              "name it is bound to (", absl::StrJoin(names, ", "), ")"));
      }
      by_def = k;
    }
    if (!by_def) {
      return Fail(SourceLoc{}, absl::StrCat("no kernel named '", want, "'; the file defines ", absl::StrJoin(names, ", ")));
    }
    *out = by_def;
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
};

}  // namespace

bool LowerModule(const ast::Module& module, const std::vector<Directive>& directives, const LowerOptions& opts,
                 v1::KernelRequest* out, Diagnostic* error) {
  return ModuleLowerer(error).Run(module, directives, opts, out);
}

}  // namespace ttc::frontend
