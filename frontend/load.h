// Entry points of the TileLang-script frontend: a kernel written as TileLang Python
// (`import tilelang.language as T`, `@T.prim_func`, the subset in docs/tilelang_frontend.md)
// becomes a ttc.v1.KernelRequest, the same request a .textproto/.json file holds, so action
// keys, the compile core and the daemon are unchanged. Every IR node of the request carries
// the script's line:col (SourceLoc; action keys ignore locations).
//
// Errors: INVALID_ARGUMENT whose message is the complete compiler-style diagnostic
//   kernel.py:14:9: error: T.copy expects (src, dst), got 3 arguments
//           T.copy(A[by * 32, k * 32], A_shared, B_shared)
//           ^
// (lexical, syntax, name, arity, type and IR errors alike; the first error only). For files
// that cannot be read, the status of the read (NOT_FOUND, PERMISSION_DENIED, ...) with the
// message `path: error: ...`. The frontend never throws and never aborts on bad input.
// Thread-safety: all functions are reentrant.
#ifndef TTC_FRONTEND_LOAD_H_
#define TTC_FRONTEND_LOAD_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frontend/source.h"
#include "ttc/v1/request.pb.h"

namespace ttc::frontend {

struct LoadOptions {
  // With several kernels in one script: the name a kernel is bound to, its factory or
  // @tilelang.jit function, or its @T.prim_func. Empty: the script must build exactly one
  // kernel. Ignored for request files.
  std::string func_name;
  // `--define NAME=VALUE`: a builder parameter or T.const size (frontend/lower.h).
  std::vector<std::string> defines;
};

// Whether `path` is read by the TileLang frontend: a `.py` file, or `-` (stdin).
bool IsTileLangScript(const std::string& path);

// Compiles TileLang script `text` to a request. `display_name` prefixes diagnostics. The
// request's target preset comes from a `# ttc: target=NAME` comment (default wormhole_b0).
absl::StatusOr<v1::KernelRequest> ParseTileLangScript(const std::string& text, const std::string& display_name,
                                                      const LoadOptions& opts);

// Reads a kernel from `path`: TileLang script for `.py` and `-` (stdin, shown as `<stdin>`),
// else a request file by extension (ir::ReadRequestFile: .textproto, .json, .binpb). Every
// error message is complete and ready to print (`path: error: ...` for request files).
absl::StatusOr<v1::KernelRequest> LoadKernelRequest(const std::string& path, const LoadOptions& opts);

// A loaded kernel: the request and, for TileLang scripts, the script itself, so that callers
// can show the source line and a caret under later diagnostics located at a line:col (the
// passes', e.g. about a layout annotation).
struct LoadedKernel {
  v1::KernelRequest request;
  std::optional<SourceFile> script;  // set for TileLang scripts, named as in diagnostics
  // Warnings of the frontend (GPU-only hints, ignored decorators), each formatted like an
  // error (`kernel.py:12:9: warning: ...`, the source line and a caret), in source order.
  std::vector<std::string> warnings;
  // The same warnings unformatted (line:col in the script, message), for the daemon's
  // diagnostics (CompileRequest.frontend_diagnostics).
  std::vector<Diagnostic> warning_diagnostics;
};

// LoadKernelRequest, keeping the script.
absl::StatusOr<LoadedKernel> LoadKernel(const std::string& path, const LoadOptions& opts);

// LoadKernel of a TileLang script given as `text`, diagnostics naming it `display_name` (ttcd
// compiles scripts sent by clients without the frontend: CompileRequest.script). Errors: the
// INVALID_ARGUMENT of ParseTileLangScript.
absl::StatusOr<LoadedKernel> LoadKernelFromText(std::string text, const std::string& display_name,
                                                const LoadOptions& opts);

// `ttc compile --list`: one line per kernel the script builds (or builder it never calls):
//   matmul  kernel.py:30:14  matmul(M=1024, N=1024, ...)  prim_func gemm
// Errors as LoadKernel's.
absl::StatusOr<std::vector<std::string>> ListKernels(const std::string& path, const LoadOptions& opts);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_LOAD_H_
