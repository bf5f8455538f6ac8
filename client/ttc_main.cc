// `ttc`: the local compiler driver.
//
//   ttc --version
//   ttc compile REQUEST [--target=PRESET] [--emit=ir|attrs] [--passes=a,b,c]
//               [--print-ir-after-all] [--print-ir-after=NAME] [--stop-after=NAME] [--time-passes]
//   ttc passes [--markdown]
//
// Exit status: 0 success; 1 the kernel has errors (diagnostics on stderr as
// `file:location: error: message`); 2 usage error or unreadable/malformed input file;
// 3 internal compiler error (a bug: the message names the pass and a reproducer is printed).
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/build_id.h"
#include "client/compile_core.h"
#include "ir/printer.h"
#include "ir/request_io.h"
#include "passes/registry.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitCompileError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;

struct CompileArgs {
  std::string request;
  std::string target;
  std::string emit = "attrs";
  std::string passes;
  bool print_ir_after_all = false;
  std::vector<std::string> print_ir_after;
  std::string stop_after;
  bool time_passes = false;
};

int RunCompile(const CompileArgs& a) {
  auto req = ttc::ir::ReadRequestFile(a.request);
  if (!req.ok()) {
    std::cerr << a.request << ": error: " << req.status().message() << "\n";
    return kExitUsage;
  }
  ttc::CompileOptions opts;
  opts.target_override = a.target;
  if (!a.passes.empty()) opts.pipeline.passes = absl::StrSplit(a.passes, ',', absl::SkipEmpty());
  opts.pipeline.stop_after = a.stop_after;
  opts.pipeline.print_ir_after_all = a.print_ir_after_all;
  opts.pipeline.print_ir_after.insert(a.print_ir_after.begin(), a.print_ir_after.end());
  opts.pipeline.time_passes = a.time_passes;

  auto result = ttc::Compile(*req, opts, &std::cout);
  if (!result.ok()) {
    std::cerr << "ttc: error: " << result.status().message() << "\n";
    return kExitUsage;
  }
  for (const ttc::Diagnostic& d : result->diag.diagnostics()) {
    std::cerr << ttc::FormatDiagnostic(d, a.request) << "\n";
  }
  if (a.time_passes) std::cerr << ttc::FormatTimings(result->pipeline.timings);
  if (result->diag.has_internal_errors()) {
    std::cerr << a.request << ": note: reproduce with: ttc compile " << a.request
              << " --passes=" << result->pipeline_string << (a.target.empty() ? "" : " --target=" + a.target)
              << " (compiler " << ttc::CompilerBuildId() << ")\n";
    return kExitInternal;
  }
  if (!result->ok()) return kExitCompileError;
  if (a.emit == "ir") {
    std::cout << ttc::ir::PrintScript(result->unit.func);
  } else {
    std::cout << ttc::ir::PrintJson(ttc::AttributesJson(result->unit.func)) << "\n";
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ttc: compiles TileLang kernels for Tenstorrent devices into TT-Metalium programs"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the compiler build id and exit");

  CompileArgs ca;
  CLI::App* compile = app.add_subcommand("compile", "Compile a kernel request through the TT pass pipeline");
  compile->add_option("REQUEST", ca.request, "Request file: .json, .textproto or .binpb")->required();
  compile->add_option("--target", ca.target, "Target preset; overrides the request's preset")
      ->check(CLI::IsMember(ttc::ir::TargetPresetNames()));
  compile->add_option("--emit", ca.emit, "What to print: attrs (JSON of the attributes) or ir (TileLang-like script)")
      ->check(CLI::IsMember({"ir", "attrs"}));
  compile->add_option("--passes", ca.passes, "Comma-separated passes to run instead of the whole pipeline");
  compile->add_flag("--print-ir-after-all", ca.print_ir_after_all, "Print the IR after every pass");
  compile->add_option("--print-ir-after", ca.print_ir_after, "Print the IR after the named pass (repeatable)");
  compile->add_option("--stop-after", ca.stop_after, "Stop the pipeline after the named pass");
  compile->add_flag("--time-passes", ca.time_passes, "Report the wall time of each pass on stderr");

  bool markdown = false;
  CLI::App* passes = app.add_subcommand("passes", "List the passes of the pipeline, in order");
  passes->add_flag("--markdown", markdown, "Print docs/passes.md");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (version) {
    std::cout << ttc::CompilerBuildId() << "\n";
    return kExitOk;
  }
  if (compile->parsed()) return RunCompile(ca);
  if (passes->parsed()) {
    if (markdown) {
      std::cout << ttc::PassesMarkdown();
    } else {
      for (const ttc::PassInfo& p : ttc::PassRegistry()) std::cout << p.name << "  " << p.summary << "\n";
    }
    return kExitOk;
  }
  std::cerr << app.help();
  return kExitUsage;
}
