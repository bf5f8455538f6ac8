#include "frontend/load.h"

#include <iostream>
#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "frontend/lexer.h"
#include "frontend/lower.h"
#include "frontend/parser.h"
#include "frontend/source.h"
#include "ir/request_io.h"

namespace ttc::frontend {

bool IsTileLangScript(const std::string& path) { return path == "-" || absl::EndsWith(path, ".py"); }

namespace {

absl::StatusOr<LowerResult> Lower(const SourceFile& file, const LoadOptions& opts, bool list_only) {
  Diagnostic error;
  LexResult lexed;
  if (!Lex(file.text(), &lexed, &error)) return absl::InvalidArgumentError(file.FormatError(error.loc, error.message));
  ast::Module module;
  if (!Parse(lexed.tokens, &module, &error)) {
    return absl::InvalidArgumentError(file.FormatError(error.loc, error.message));
  }
  LowerOptions lower_opts;
  lower_opts.func_name = opts.func_name;
  lower_opts.defines = opts.defines;
  lower_opts.list_only = list_only;
  LowerResult result;
  if (!LowerModule(module, lexed.directives, lower_opts, &result, &error)) {
    return absl::InvalidArgumentError(file.FormatError(error.loc, error.message));
  }
  return result;
}

absl::StatusOr<v1::KernelRequest> Compile(const SourceFile& file, const LoadOptions& opts) {
  auto r = Lower(file, opts, false);
  if (!r.ok()) return r.status();
  return std::move(r->request);
}

absl::StatusOr<SourceFile> ReadScript(const std::string& path) {
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return absl::DataLossError("<stdin>: error: cannot read standard input");
    return SourceFile("<stdin>", std::move(text));
  }
  auto bytes = ir::ReadFileBytes(path);
  if (!bytes.ok()) return absl::Status(bytes.status().code(), absl::StrCat(path, ": error: ", bytes.status().message()));
  return SourceFile(path, std::move(*bytes));
}

absl::StatusOr<LoadedKernel> LoadScript(SourceFile script, const LoadOptions& opts) {
  LoadedKernel out;
  out.script.emplace(std::move(script));
  auto r = Lower(*out.script, opts, false);
  if (!r.ok()) return r.status();
  out.request = std::move(r->request);
  for (const Diagnostic& w : r->warnings) out.warnings.push_back(out.script->FormatWarning(w.loc, w.message));
  out.warning_diagnostics = r->warnings;
  return out;
}

}  // namespace

absl::StatusOr<v1::KernelRequest> ParseTileLangScript(const std::string& text, const std::string& display_name,
                                                      const LoadOptions& opts) {
  return Compile(SourceFile(display_name, text), opts);
}

absl::StatusOr<LoadedKernel> LoadKernel(const std::string& path, const LoadOptions& opts) {
  LoadedKernel out;
  if (!IsTileLangScript(path)) {
    auto req = ir::ReadRequestFile(path);
    if (!req.ok()) return absl::Status(req.status().code(), absl::StrCat(path, ": error: ", req.status().message()));
    out.request = std::move(*req);
    return out;
  }
  auto script = ReadScript(path);
  if (!script.ok()) return script.status();
  return LoadScript(std::move(*script), opts);
}

absl::StatusOr<LoadedKernel> LoadKernelFromText(std::string text, const std::string& display_name,
                                                const LoadOptions& opts) {
  return LoadScript(SourceFile(display_name, std::move(text)), opts);
}


absl::StatusOr<std::vector<std::string>> ListKernels(const std::string& path, const LoadOptions& opts) {
  if (!IsTileLangScript(path)) return absl::InvalidArgumentError(absl::StrCat(path, ": error: --list reads .py files"));
  auto script = ReadScript(path);
  if (!script.ok()) return script.status();
  auto r = Lower(*script, opts, true);
  if (!r.ok()) return r.status();
  std::vector<std::string> lines;
  for (const KernelSummary& k : r->kernels) {
    std::string line = absl::StrCat(k.name, "  ", script->name(), ":", k.loc.line, ":", k.loc.col);
    if (!k.builder.empty()) absl::StrAppend(&line, "  ", k.builder, "(", absl::StrJoin(k.sizes, ", "), ")");
    if (!k.func.empty() && k.func != k.builder) absl::StrAppend(&line, "  prim_func ", k.func);
    if (!k.missing.empty()) {
      absl::StrAppend(&line, "  not built: never called; needs ", absl::StrJoin(k.missing, ", "),
                      " (call it, or --define NAME=VALUE)");
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

absl::StatusOr<v1::KernelRequest> LoadKernelRequest(const std::string& path, const LoadOptions& opts) {
  auto loaded = LoadKernel(path, opts);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->request);
}

}  // namespace ttc::frontend
