// `ttc`: the local compiler driver.
//
//   ttc --version
//   ttc compile REQUEST [-o DIR] [--func=NAME] [--target=PRESET] [--emit=attrs|ir|reader|compute|writer|host|plan]
//               [--passes=a,b,c] [--print-ir-after-all] [--print-ir-after=NAME] [--stop-after=NAME]
//               [--time-passes]
//               [--define NAME=VALUE]...
//   ttc compile SCRIPT.py --list [--define NAME=VALUE]...
//   ttc compile --print-pipeline
//   ttc validate REQUEST|PROGRAM_DIR [--request REQUEST] [--func=NAME] [--define NAME=VALUE]...
//                [--backend=emulator] [--seed=N] [--json] [--target=PRESET]
//
// REQUEST is a TileLang script (`.py`, or `-` for stdin) or a request file (.textproto, .json,
// .binpb); --func picks one kernel of a script that builds several, --define sets a size the
// script leaves open (or overrides one), --list shows the kernels and their sizes. Frontend
// warnings (GPU-only hints the TT backend ignores) are printed on stderr like errors.
//   ttc passes [--markdown]
//
// Exit status: 0 success; 1 the kernel has errors (diagnostics on stderr as
// `file:location: error: message`); 2 usage error or unreadable/malformed input file;
// 3 internal compiler error (a bug: the message names the pass and a reproducer is printed).
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cache/action_key.h"
#include "driver/build_id.h"
#include "driver/compile.h"
#include "driver/program_writer.h"
#include "validate/backend.h"
#include "validate/validate.h"
#include "codegen/emit_tt_kernels.h"
#include "frontend/load.h"
#include "ir/printer.h"
#include "ir/request_io.h"
#include "ir/target.h"
#include "driver/pipeline.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitCompileError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;

// How diagnostics name an input: its path, or `<stdin>` for `-`.
std::string DisplayName(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// Loads the kernel; the frontend's warnings go to stderr, formatted like errors.
absl::StatusOr<ttc::frontend::LoadedKernel> LoadRequest(const std::string& path, const std::string& func,
                                                        const std::vector<std::string>& defines) {
  ttc::frontend::LoadOptions opts;
  opts.func_name = func;
  opts.defines = defines;
  auto loaded = ttc::frontend::LoadKernel(path, opts);
  if (loaded.ok()) {
    for (const std::string& w : loaded->warnings) std::cerr << w << "\n";
  }
  return loaded;
}

// A diagnostic as `file:location: error: ...`; located in a script, with its line and a caret.
std::string Format(const ttc::Diagnostic& d, const std::string& shown, const ttc::frontend::LoadedKernel& kernel) {
  std::string out = ttc::FormatDiagnostic(d, shown);
  if (kernel.script && d.loc.line > 0) out += kernel.script->Excerpt({d.loc.line, d.loc.col});
  return out;
}

// A kernel that cannot be loaded: errors in a TileLang script are errors in the kernel (exit
// 1, the diagnostic with its source line); unreadable or malformed request files and
// unreadable scripts are input errors (exit 2).
int LoadErrorExit(const std::string& path, const absl::Status& status) {
  std::cerr << status.message() << "\n";
  const bool script_error = ttc::frontend::IsTileLangScript(path) && absl::IsInvalidArgument(status);
  return script_error ? kExitCompileError : kExitUsage;
}

constexpr char kApiDialectHelp[] =
    "Host API of the generated program (the request's target.api_dialect, part of the action key): "
    "metalium-mesh (MeshDevice on a unit mesh, TT's current examples) or metalium-classic (CreateDevice and "
    "the device command queue, older installs)";

struct CompileArgs {
  std::string request;
  std::string api_dialect;  // --api-dialect: target.api_dialect of the request
  std::string func;
  std::vector<std::string> defines;
  bool list = false;
  std::string target;
  std::string emit;
  std::string out_dir;
  bool print_pipeline = false;
  bool explain_key = false;
  std::string passes;
  bool print_ir_after_all = false;
  std::vector<std::string> print_ir_after;
  std::string stop_after;
  bool time_passes = false;
};

int RunCompile(const CompileArgs& a) {
  if (a.print_pipeline) {
    for (const ttc::PassInfo& p : ttc::TTPipeline()) std::cout << p.name << "\n";
    return kExitOk;
  }
  if (a.request.empty()) {
    std::cerr << "ttc: error: compile needs a REQUEST file\n";
    return kExitUsage;
  }
  if (a.list) {
    ttc::frontend::LoadOptions lo;
    lo.defines = a.defines;
    auto lines = ttc::frontend::ListKernels(a.request, lo);
    if (!lines.ok()) return LoadErrorExit(a.request, lines.status());
    for (const std::string& l : *lines) std::cout << l << "\n";
    return kExitOk;
  }
  auto loaded = LoadRequest(a.request, a.func, a.defines);
  if (!loaded.ok()) return LoadErrorExit(a.request, loaded.status());
  if (!a.api_dialect.empty()) loaded->request.mutable_target()->set_api_dialect(a.api_dialect);
  const ttc::v1::KernelRequest* req = &loaded->request;
  const std::string shown = DisplayName(a.request);
  ttc::CompileOptions opts;
  opts.target_override = a.target;
  if (!a.passes.empty()) opts.pipeline.passes = absl::StrSplit(a.passes, ',', absl::SkipEmpty());
  if (a.explain_key) {
    auto pipeline = ttc::BuildPipeline(ttc::TTPipeline(), opts.pipeline);
    if (!pipeline.ok()) {
      std::cerr << "ttc: error: " << pipeline.status().message() << "\n";
      return kExitUsage;
    }
    auto target = ttc::ir::ResolveTarget(req->target(), a.target);
    if (!target.ok()) {
      std::cerr << shown << ":" << target.status().message() << "\n";
      return kExitCompileError;
    }
    std::cout << ttc::cache::ExplainActionKey(ttc::cache::ComputeActionKey(
        *req, *target, ttc::CompilerBuildId(), ttc::PipelineString(*pipeline)));
    return kExitOk;
  }
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
    std::cerr << Format(d, shown, *loaded) << "\n";
  }
  if (a.time_passes) std::cerr << ttc::FormatTimings(result->pipeline.timings);
  if (result->diag.has_internal_errors()) {
    std::cerr << shown << ": note: reproduce with: ttc compile " << a.request
              << (a.func.empty() ? "" : " --func=" + a.func) << " --passes=" << result->pipeline_string << (a.target.empty() ? "" : " --target=" + a.target)
              << " (compiler " << ttc::CompilerBuildId() << ")\n";
    return kExitInternal;
  }
  if (!result->ok()) return kExitCompileError;
  const auto& files = result->pipeline.artifacts;
  static const std::map<std::string, std::string> kFileOf = {
      {"reader", "reader.cpp"}, {"compute", "compute.cpp"}, {"writer", "writer.cpp"},
      {"host", "main.cpp"},     {"plan", "plan.json"}};
  if (auto it = kFileOf.find(a.emit); it != kFileOf.end() && !files.count(it->second)) {
    std::cerr << "ttc: error: --emit=" << a.emit << " needs the whole pipeline (emit_tt_kernels did not run)\n";
    return kExitUsage;
  }
  if (!a.out_dir.empty()) {
    if (files.empty()) {
      std::cerr << "ttc: error: -o needs the whole pipeline (emit_tt_kernels did not run)\n";
      return kExitUsage;
    }
    if (auto st = ttc::WriteProgramDir(a.out_dir, files); !st.ok()) {
      std::cerr << "ttc: error: " << st.message() << "\n";
      return kExitUsage;
    }
    if (a.emit.empty()) std::cerr << "ttc: wrote " << files.size() << " files to " << a.out_dir << "\n";
  }
  if (a.emit == "ir") {
    std::cout << ttc::ir::PrintScript(result->unit.func);
  } else if (auto it = kFileOf.find(a.emit); it != kFileOf.end()) {
    std::cout << files.at(it->second);
  } else if (a.emit == "attrs" || a.out_dir.empty()) {
    std::cout << ttc::ir::PrintJson(ttc::AttributesJson(result->unit.func)) << "\n";
  }
  return kExitOk;
}

struct ValidateArgs {
  std::string input;    // a request file or a program directory
  std::string api_dialect;  // --api-dialect: target.api_dialect of the request
  std::string request;  // with a program directory: the request it was compiled from
  std::string func;     // --func: the kernel of a script that defines several
  std::vector<std::string> defines;  // --define NAME=VALUE
  std::string backend = "emulator";
  std::string target;
  uint64_t seed = 0;
  bool json = false;
  bool explain_key = false;  // --explain-key: also print each build's key and recipe
};

// Exit status: 0 every output within tolerance; 1 the kernel does not compile, the program
// fails on the backend, or an output mismatches; 2 usage or unreadable input.
int RunValidate(const ValidateArgs& a) {
  const bool is_dir = std::filesystem::is_directory(a.input);
  const std::string request_path = is_dir ? a.request : a.input;
  if (request_path.empty()) {
    std::cerr << "ttc: error: validating a program directory needs --request=FILE, the request it was compiled "
                 "from (the reference runs the kernel's source IR)\n";
    return kExitUsage;
  }
  auto loaded = LoadRequest(request_path, a.func, a.defines);
  if (!loaded.ok()) return LoadErrorExit(request_path, loaded.status());
  if (!a.api_dialect.empty()) loaded->request.mutable_target()->set_api_dialect(a.api_dialect);
  const ttc::v1::KernelRequest* req = &loaded->request;
  ttc::CompileOptions opts;
  opts.target_override = a.target;
  auto result = ttc::Compile(*req, opts, nullptr);
  if (!result.ok()) {
    std::cerr << "ttc: error: " << result.status().message() << "\n";
    return kExitUsage;
  }
  for (const ttc::Diagnostic& d : result->diag.diagnostics()) {
    std::cerr << Format(d, DisplayName(request_path), *loaded) << "\n";
  }
  if (!result->ok()) return result->diag.has_internal_errors() ? kExitInternal : kExitCompileError;
  std::map<std::string, std::string> files = result->pipeline.artifacts;
  if (is_dir) {
    for (const std::string& name : ttc::ProgramFileNames()) {
      auto bytes = ttc::ir::ReadFileBytes(a.input + "/" + name);
      if (!bytes.ok()) {
        std::cerr << "ttc: error: " << bytes.status().message() << "\n";
        return kExitUsage;
      }
      files[name] = *bytes;
    }
  }
  // The same backends as an agent's (validate/backend.h): the job is this request.
  auto backend = ttc::validate::MakeBackend(a.backend);
  if (!backend.ok()) {
    std::cerr << "ttc: error: " << backend.status().message() << "\n";
    return kExitUsage;
  }
  ttc::v1::Job job;
  *job.mutable_spec()->mutable_request() = *req;
  job.mutable_spec()->set_target_override(a.target);
  job.mutable_spec()->set_seed(a.seed);
  job.mutable_spec()->set_backend(a.backend);
  auto report = (*backend)->Run(job, files);
  if (!report.ok()) {
    std::cerr << "ttc: error: " << report.status().message() << "\n";
    return kExitCompileError;
  }
  std::cout << (a.json ? ttc::ReportJson(*report) + "\n" : ttc::FormatReport(*report));
  if (a.explain_key) {
    // The build keys (docs/cache_format.md "Build keys"), as `ttc-client explain-build` shows
    // a stored one: on stderr with --json, so stdout stays one JSON document.
    std::ostream& out = a.json ? std::cerr : std::cout;
    for (const ttc::validate::BuildRecipe& r : report->builds.recipes) {
      out << "\n" << r.tier << " key " << r.Key() << "\n" << r.Text();
    }
  }
  return report->pass ? kExitOk : kExitCompileError;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ttc: compiles TileLang kernels for Tenstorrent devices into TT-Metalium programs"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the compiler build id and exit");

  CompileArgs ca;
  CLI::App* compile = app.add_subcommand("compile", "Compile a kernel request through the TT pass pipeline");
  compile->add_option("REQUEST", ca.request,
                      "TileLang script (.py, or - for stdin) or request file (.json, .textproto, .binpb)");
  compile->add_option("--func", ca.func,
                      "The kernel to compile when the script builds several (bound name, factory or prim_func)");
  compile->add_option("--define", ca.defines,
                      "NAME=VALUE: a size or parameter of the script's kernel (a factory parameter or an eager "
                      "kernel's T.const); repeatable");
  compile->add_flag("--list", ca.list, "List the kernels the script builds and the sizes each uses, then exit");
  compile->add_option("-o,--output", ca.out_dir, "Write the generated program (six files) into this directory");
  compile->add_flag("--print-pipeline", ca.print_pipeline, "List the passes of the pipeline, in order, and exit");
  compile->add_flag("--explain-key", ca.explain_key,
                    "Print the cache action key of this compile and its parts (request digest, compiler build id, "
                    "pipeline, target fingerprint), then exit");
  compile->add_option("--target", ca.target, "Target preset; overrides the request's preset")
      ->check(CLI::IsMember(ttc::ir::TargetPresetNames()));
  compile->add_option("--api-dialect", ca.api_dialect, kApiDialectHelp)
      ->check(CLI::IsMember({ttc::ir::kMeshApiDialect, ttc::ir::kClassicApiDialect}));
  compile->add_option("--emit", ca.emit,
                      "What to print: attrs (JSON of the attributes; the default without -o), ir (TileLang-like "
                      "script), or one generated file: reader, compute, writer, host, plan")
      ->check(CLI::IsMember({"attrs", "ir", "reader", "compute", "writer", "host", "plan"}));
  compile->add_option("--passes", ca.passes, "Comma-separated passes to run instead of the whole pipeline");
  compile->add_flag("--print-ir-after-all", ca.print_ir_after_all, "Print the IR after every pass");
  compile->add_option("--print-ir-after", ca.print_ir_after, "Print the IR after the named pass (repeatable)");
  compile->add_option("--stop-after", ca.stop_after, "Stop the pipeline after the named pass");
  compile->add_flag("--time-passes", ca.time_passes, "Report the wall time of each pass on stderr");

  ValidateArgs va;
  CLI::App* validate = app.add_subcommand("validate", "Run a kernel on a backend and compare with the reference");
  validate->add_option("INPUT", va.input, "Request file, or a program directory written by compile -o")->required();
  validate->add_option("--request", va.request, "With a program directory: the request it was compiled from");
  validate->add_option("--func", va.func, "The kernel to validate when the script builds several");
  validate->add_option("--define", va.defines, "NAME=VALUE: a size or parameter of the script's kernel; repeatable");
  validate->add_option("--backend", va.backend,
                       "Where to run: emulator (ttc's TT-Metalium emulator, the default) or metalium (the program "
                       "built with its CMakeLists.txt against the TT-Metalium package under $TT_METAL_HOME: a card "
                       "host's install, or ttc's emulator package)")
      ->check(CLI::IsMember({"emulator", "metalium"}));
  validate->add_option("--target", va.target, "Target preset")->check(CLI::IsMember(ttc::ir::TargetPresetNames()));
  validate->add_option("--seed", va.seed, "Seed of the generated inputs");
  validate->add_option("--api-dialect", va.api_dialect, kApiDialectHelp)
      ->check(CLI::IsMember({ttc::ir::kMeshApiDialect, ttc::ir::kClassicApiDialect}));
  validate->add_flag("--json", va.json, "Print the report as JSON");
  validate->add_flag("--explain-key", va.explain_key,
                     "Also print the key of each build the run used (the host program, every kernel) and what "
                     "it covers: the keys under which agents share builds through ttcd");

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
  if (validate->parsed()) return RunValidate(va);
  if (passes->parsed()) {
    if (markdown) {
      std::cout << ttc::PassesMarkdown();
    } else {
      for (const ttc::PassInfo& p : ttc::TTPipeline()) std::cout << p.name << "  " << p.summary << "\n";
    }
    return kExitOk;
  }
  std::cerr << app.help();
  return kExitUsage;
}
