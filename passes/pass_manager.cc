#include "passes/pass_manager.h"

#include <chrono>
#include <cstdio>
#include <exception>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/printer.h"
#include "passes/attrs.h"

namespace ttc {

bool PassContext::Ran(const std::string& pass) const {
  for (const std::string& p : executed) {
    if (p == pass) return true;
  }
  return false;
}

const PassInfo* FindPass(const PassTable& table, const std::string& name) {
  for (const PassInfo& p : table) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

const PassInfo* ProducerOf(const PassTable& table, const std::string& key) {
  for (const PassInfo& p : table) {
    for (const std::string& k : p.produces_attrs) {
      if (k == key) return &p;
    }
  }
  return nullptr;
}

absl::StatusOr<std::vector<const PassInfo*>> BuildPipeline(const PassTable& table, const PipelineOptions& opts) {
  std::vector<const PassInfo*> out;
  if (opts.passes.empty()) {
    for (const PassInfo& p : table) out.push_back(&p);
  } else {
    for (const std::string& name : opts.passes) {
      const PassInfo* p = FindPass(table, name);
      if (!p) {
        std::vector<std::string> known;
        for (const PassInfo& q : table) known.push_back(q.name);
        return absl::InvalidArgumentError(
            absl::StrCat("unknown pass '", name, "'; known passes: ", absl::StrJoin(known, ", ")));
      }
      for (const PassInfo* q : out) {
        if (q == p) return absl::InvalidArgumentError(absl::StrCat("pass '", name, "' is listed twice"));
      }
      out.push_back(p);
    }
  }
  auto in_pipeline = [&](const std::string& name) {
    for (const PassInfo* p : out) {
      if (name == p->name) return true;
    }
    return false;
  };
  if (!opts.stop_after.empty() && !in_pipeline(opts.stop_after)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--stop-after=", opts.stop_after, ": no such pass in the pipeline (",
                     PipelineString(out), ")"));
  }
  for (const std::string& name : opts.print_ir_after) {
    if (!in_pipeline(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--print-ir-after=", name, ": no such pass in the pipeline (", PipelineString(out), ")"));
    }
  }
  if (!opts.stop_after.empty()) {
    while (out.back()->name != opts.stop_after) out.pop_back();
  }
  return out;
}

std::string PipelineString(const std::vector<const PassInfo*>& pipeline) {
  std::vector<std::string> names;
  for (const PassInfo* p : pipeline) names.push_back(p->name);
  return absl::StrJoin(names, ",");
}

namespace {

// Reports missing required attributes; true when all are present. A missing attribute
// whose producer ran is a compiler bug, unless the producer declined to add anything (as
// apply_tt_defaults does once the request sets tt_ attributes of its own): then the request
// is incomplete, a user error.
bool CheckRequirements(const PassTable& table, const PassInfo& pass, PassContext& ctx, const ir::PrimFunc& func,
                       const std::set<std::string>& declined, const std::vector<std::string>& request_keys) {
  bool ok = true;
  for (const std::string& key : pass.requires_attrs) {
    if (HasAttr(func.attrs, key)) continue;
    ok = false;
    const PassInfo* producer = ProducerOf(table, key);
    if (producer && ctx.Ran(producer->name) && declined.count(producer->name)) {
      ctx.diag.Error(func.loc, absl::StrCat("pass '", pass.name, "' requires attribute '", key, "', which '",
                                            producer->name, "' ran but did not add: it defers to the request's own "
                                            "attributes (", absl::StrJoin(request_keys, ", "), "); set '", key,
                                            "' in the request as well"));
    } else if (producer && ctx.Ran(producer->name)) {
      ctx.diag.InternalError(func.loc, absl::StrCat("attribute '", key, "' is missing although ", producer->name,
                                                   " ran before ", pass.name));
    } else {
      ctx.diag.Error(func.loc, absl::StrCat("pass '", pass.name, "' requires attribute '", key, "'",
                                            producer ? absl::StrCat(", produced by '", producer->name,
                                                                    "'; add it before '", pass.name, "' in --passes")
                                                     : std::string()));
    }
  }
  return ok;
}

}  // namespace

PipelineResult RunPipeline(const PassTable& table, const std::vector<const PassInfo*>& pipeline, const PipelineOptions& opts,
                           const ir::Target& target, ir::PrimFunc& func, DiagnosticEngine& diag,
                           std::ostream* ir_out) {
  PipelineResult result;
  PassContext ctx{target, diag, {}, {}};
  std::vector<std::string> request_keys = AttrKeys(func.attrs);  // function attributes the request itself set
  std::set<std::string> declined;  // passes that ran without adding any attribute they produce
  for (const PassInfo* pass : pipeline) {
    diag.set_current_pass(pass->name);
    const int errors_before = diag.error_count();
    const auto start = std::chrono::steady_clock::now();
    if (CheckRequirements(table, *pass, ctx, func, declined, request_keys)) {
      std::vector<bool> had;
      for (const std::string& k : pass->produces_attrs) had.push_back(HasAttr(func.attrs, k));
      try {
        pass->run(ctx, func);
      } catch (const std::exception& e) {
        diag.InternalError(func.loc, absl::StrCat("unexpected exception: ", e.what()));
      }
      bool added = false;
      for (size_t i = 0; i < had.size(); ++i) {
        added = added || (!had[i] && HasAttr(func.attrs, pass->produces_attrs[i]));
      }
      if (!added) declined.insert(pass->name);
    }
    const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    result.timings.push_back({pass->name, elapsed.count()});
    ctx.executed.push_back(pass->name);
    if (diag.error_count() > errors_before) {
      result.ok = false;
      result.failed_pass = pass->name;
      break;
    }
    if (ir_out && (opts.print_ir_after_all || opts.print_ir_after.count(pass->name))) {
      *ir_out << "# -----// IR Dump After " << pass->name << " //----- #\n" << ir::PrintScript(func) << "\n";
    }
  }
  diag.set_current_pass("");
  result.artifacts = std::move(ctx.artifacts);
  return result;
}

std::string FormatTimings(const std::vector<PassTiming>& timings) {
  double total = 0;
  for (const PassTiming& t : timings) total += t.wall_ms;
  std::string out = "===-------------------------------------------------------------------------===\n"
                    "                         ... Pass execution timing report ...\n"
                    "===-------------------------------------------------------------------------===\n"
                    "   Wall Time (ms)   Share  Name\n";
  char line[256];
  for (const PassTiming& t : timings) {
    std::snprintf(line, sizeof line, "  %14.3f  %5.1f%%  %s\n", t.wall_ms,
                  total > 0 ? 100.0 * t.wall_ms / total : 0.0, t.pass.c_str());
    out += line;
  }
  std::snprintf(line, sizeof line, "  %14.3f  100.0%%  Total\n", total);
  out += line;
  return out;
}

}  // namespace ttc
