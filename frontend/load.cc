#include "frontend/load.h"

#include <iostream>
#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "frontend/lexer.h"
#include "frontend/lower.h"
#include "frontend/parser.h"
#include "frontend/source.h"
#include "ir/request_io.h"

namespace ttc::frontend {

bool IsTileLangScript(const std::string& path) { return path == "-" || absl::EndsWith(path, ".py"); }

namespace {

absl::StatusOr<v1::KernelRequest> Compile(const SourceFile& file, const LoadOptions& opts) {
  Diagnostic error;
  LexResult lexed;
  if (!Lex(file.text(), &lexed, &error)) return absl::InvalidArgumentError(file.FormatError(error.loc, error.message));
  ast::Module module;
  if (!Parse(lexed.tokens, &module, &error)) {
    return absl::InvalidArgumentError(file.FormatError(error.loc, error.message));
  }
  LowerOptions lower_opts;
  lower_opts.func_name = opts.func_name;
  v1::KernelRequest req;
  if (!LowerModule(module, lexed.directives, lower_opts, &req, &error)) {
    return absl::InvalidArgumentError(file.FormatError(error.loc, error.message));
  }
  return req;
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
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return absl::DataLossError("<stdin>: error: cannot read standard input");
    out.script.emplace("<stdin>", std::move(text));
  } else {
    auto bytes = ir::ReadFileBytes(path);
    if (!bytes.ok()) return absl::Status(bytes.status().code(), absl::StrCat(path, ": error: ", bytes.status().message()));
    out.script.emplace(path, std::move(*bytes));
  }
  auto req = Compile(*out.script, opts);
  if (!req.ok()) return req.status();
  out.request = std::move(*req);
  return out;
}

absl::StatusOr<v1::KernelRequest> LoadKernelRequest(const std::string& path, const LoadOptions& opts) {
  auto loaded = LoadKernel(path, opts);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->request);
}

}  // namespace ttc::frontend
