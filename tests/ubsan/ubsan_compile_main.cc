// ttc_ubsan_compile: the compiler (frontend, IR, passes, codegen) built with
// UndefinedBehaviorSanitizer, every finding fatal (tests/CMakeLists.txt, TTC_UBSAN_FLAGS), run
// over kernels and over variants of them with extreme integers. Any undefined behaviour (signed
// overflow, an oversized shift, an out-of-range float-to-int cast, a bad index...) aborts the
// process with UBSan's report, which fails the ctest test that runs it.
//
//   ttc_ubsan_compile [--expect-ok] [--mutate] PATH...
//
// PATH: a kernel (.py TileLang script, .textproto/.json request) or a directory searched
// recursively for them, in sorted order. Every kernel a script builds is compiled (the names
// `ttc compile --list` prints).
// Options apply to the PATH that follows them only:
// --expect-ok  every kernel of PATH must compile without errors (exit 1 otherwise).
// --mutate     also compiles, for each integer literal of each file, the file with that literal
//              replaced by each of kExtremes in turn; any outcome but undefined behaviour is fine
//              (most are refused with a diagnostic, as they should be).
// --trace      prints each variant (path, line:col of the literal, value) before compiling it:
//              rerun a failing PATH with it to see which input UBSan stopped on.
// Prints one summary line per path: kernels compiled, refused, and variants tried.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "driver/compile.h"
#include "frontend/load.h"
#include "ir/request_io.h"

namespace {

namespace fs = std::filesystem;

// Integers past every boundary the compiler computes with: 32-bit tile ids and runtime
// arguments, 64-bit products, and past what an int64 holds at all.
const std::vector<std::string> kExtremes = {
    "0", "-1", "3", "2147483647", "2147483648", "4294967297", "9223372036854775807", "99999999999999999999999"};

struct Tally {
  int compiled = 0;
  int refused = 0;
  std::vector<std::string> failures;  // for --expect-ok
};

bool IsKernelFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".py" || ext == ".textproto" || ext == ".json";
}

std::vector<std::string> Collect(const std::string& path) {
  std::vector<std::string> out;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::recursive_directory_iterator(path)) {
      if (e.is_regular_file() && IsKernelFile(e.path())) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
  } else {
    out.push_back(path);
  }
  return out;
}

// Compiles one request: "" when it compiled without errors, else the first error.
std::string CompileRequest(const ttc::v1::KernelRequest& req) {
  auto result = ttc::Compile(req, ttc::CompileOptions{}, nullptr);
  if (!result.ok()) return std::string(result.status().message());
  for (const ttc::Diagnostic& d : result->diag.diagnostics()) {
    if (d.severity == ttc::Severity::kError) return d.message;
  }
  return "";
}

// The requests `text` holds: one for a request file, one per kernel for a script (a script
// that fails to load yields none and counts as refused).
void CompileText(const std::string& text, const std::string& path, Tally& t, bool record_failures) {
  auto fail = [&](const std::string& what) {
    ++t.refused;
    if (record_failures) t.failures.push_back(what);
  };
  if (!ttc::frontend::IsTileLangScript(path)) {
    auto format = ttc::ir::RequestFormatForPath(path);
    if (!format.ok()) return fail(path + ": " + std::string(format.status().message()));
    auto req = ttc::ir::ParseRequest(text, *format);
    if (!req.ok()) return fail(path + ": " + std::string(req.status().message()));
    if (std::string error = CompileRequest(*req); error.empty()) {
      ++t.compiled;
    } else {
      fail(path + ": " + error);
    }
    return;
  }
  ttc::frontend::LoadOptions opts;
  auto one = ttc::frontend::ParseTileLangScript(text, path, opts);
  if (one.ok()) {
    if (std::string error = CompileRequest(*one); error.empty()) {
      ++t.compiled;
    } else {
      fail(path + ": " + error);
    }
    return;
  }
  // Several kernels: compile each by name. ListKernels reads the file, so only for the
  // unmodified file; a variant that builds several kernels counts as refused.
  if (one.status().message().find("several kernels") == std::string::npos || !fs::exists(path)) {
    return fail(std::string(one.status().message()));
  }
  std::string on_disk;
  if (auto bytes = ttc::ir::ReadFileBytes(path); bytes.ok()) on_disk = *bytes;
  if (on_disk != text) return fail(path + ": a variant building several kernels");
  auto lines = ttc::frontend::ListKernels(path, opts);
  if (!lines.ok()) return fail(std::string(lines.status().message()));
  for (const std::string& line : *lines) {
    opts.func_name = line.substr(0, line.find(' '));
    auto req = ttc::frontend::ParseTileLangScript(text, path, opts);
    std::string error = req.ok() ? CompileRequest(*req) : std::string(req.status().message());
    if (error.empty()) {
      ++t.compiled;
    } else {
      fail(path + " kernel " + opts.func_name + ": " + error);
    }
  }
}

// The offsets and lengths of the decimal integer literals of `text`: digit runs not part of
// a name, a float or a hex literal.
std::vector<std::pair<size_t, size_t>> IntegerLiterals(const std::string& text) {
  std::vector<std::pair<size_t, size_t>> out;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; };
  for (size_t i = 0; i < text.size();) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])) || (i > 0 && word(text[i - 1]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j == text.size() || !word(text[j])) out.emplace_back(i, j - i);
    i = j;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool expect_ok = false;
  bool mutate = false;
  bool trace = false;
  int exit_code = 0;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--expect-ok") {
      expect_ok = true;
      continue;
    }
    if (arg == "--trace") {
      trace = true;
      continue;
    }
    if (arg == "--mutate") {
      mutate = true;
      continue;
    }
    if (arg.empty() || arg[0] == '-') {
      std::cerr << "ttc_ubsan_compile: unknown option " << arg << "\n";
      return 2;
    }
    if (!fs::exists(arg)) {
      std::cerr << "ttc_ubsan_compile: " << arg << ": no such file or directory\n";
      return 2;
    }
    Tally t;
    int variants = 0;
    for (const std::string& path : Collect(arg)) {
      auto text = ttc::ir::ReadFileBytes(path);
      if (!text.ok()) {
        std::cerr << "ttc_ubsan_compile: " << text.status().message() << "\n";
        return 2;
      }
      CompileText(*text, path, t, expect_ok);
      if (!mutate) continue;
      Tally scratch;
      const bool request_file = !ttc::frontend::IsTileLangScript(path);
      for (const auto& [at, len] : IntegerLiterals(*text)) {
        for (const std::string& value : kExtremes) {
          // In Python a negative literal is an expression: parenthesized so it stays one operand.
          const std::string shown = value[0] == '-' && !request_file ? "(" + value + ")" : value;
          std::string variant = *text;
          variant.replace(at, len, shown);
          if (trace) {
            const size_t line = 1 + std::count(text->begin(), text->begin() + static_cast<std::ptrdiff_t>(at), '\n');
            const size_t line_start = text->rfind('\n', at == 0 ? 0 : at - 1);
            const size_t col = line_start == std::string::npos ? at + 1 : at - line_start;
            std::cerr << "variant " << path << ":" << line << ":" << col << " = " << shown << std::endl;
          }
          CompileText(variant, path, scratch, false);
          ++variants;
        }
      }
    }
    std::cout << arg << ": " << t.compiled << " kernels compiled, " << t.refused << " refused";
    if (mutate) std::cout << ", " << variants << " variants with extreme integers compiled without undefined behaviour";
    std::cout << "\n";
    expect_ok = false;
    mutate = false;
    for (const std::string& f : t.failures) {
      std::cerr << "ttc_ubsan_compile: expected to compile: " << f << "\n";
      exit_code = 1;
    }
  }
  return exit_code;
}
