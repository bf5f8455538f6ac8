// The size limits of one kernel request, checked before anything is built from it (ir::FromProto
// runs CheckRequestLimits first; ttcd's KeyAction too, before it digests the request), so that
// a request under the 16 MiB message limit cannot make the compiler use memory or time out of
// proportion to a real kernel, and so that the sizes the passes compute stay exact in int64.
// Each limit has a name, and its error says it: `func.params[3].name: ... (kMaxNameBytes)`.
// docs/kernel_requests.md ("Limits") lists them with the reason for each value.
//
// What the target decides (a buffer larger than the device's DRAM, values past 32 bits in the
// lowered program) is checked later, against the resolved target, by verify_tt_ir.
// Thread-safety: reentrant.
#ifndef TTC_IR_REQUEST_LIMITS_H_
#define TTC_IR_REQUEST_LIMITS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "ir/located_error.h"
#include "ttc/v1/request.pb.h"

namespace ttc::ir {

// Bytes of any string of a request: names of the kernel, buffers and variables (declared or
// referenced), dtypes, scopes, call names, map keys, annotation words. TileLang names are
// Python identifiers; 256 bytes is ample for those and keeps every message that quotes a name,
// and every generated file that repeats it, small.
inline constexpr int64_t kMaxNameBytes = 256;
// Buffers a kernel declares: parameters plus allocations. Real kernels have tens; a request of
// 100,000 allocations took minutes to compile.
inline constexpr int64_t kMaxBuffers = 1024;
// Statements of the kernel, nested ones included (a T.Parallel(32, 32) nest with one store is
// three). Compile time grows faster than linearly in them: 12,000 take about a second.
inline constexpr int64_t kMaxStatements = 10000;
// Parameters the kernel writes (copy destinations, stores, fills, GEMM results). Each is
// written through its own output circular buffer, and a Wormhole or Grayskull core has 32.
inline constexpr int64_t kMaxOutputs = 32;
// Elements of one buffer (2^35). Every TT data format takes at least one byte per element, so
// no buffer past it fits the largest DRAM of the presets (32 GiB, Blackhole p150); it also
// keeps every size the passes derive (padding, tiles, bytes) far inside int64.
inline constexpr int64_t kMaxBufferElements = int64_t{1} << 35;
// Blocks of the launch grid (gx * gy * gz, 2^32). The persistent loop numbers them with the
// uint32_t runtime values of TT-Metalium kernels (tile ids 0 .. 2^32 - 1).
inline constexpr int64_t kMaxLaunchBlocks = int64_t{1} << 32;
// Statements and expressions nested inside one another, counted together: a loop in a loop,
// a statement's operand, an operand of an operation (`for i: B[i] = A[i] + 1` is four deep:
// the loop, the store, the addition, the load). The TileLang frontend writes at most 200
// levels of one expression (frontend/parser.h) inside at most 100 levels of indentation
// (frontend/lexer.h); helper functions applied to one another can build deeper trees, and the
// passes recurse over them: 1024 levels leave room for both.
inline constexpr int64_t kMaxNestingDepth = 1024;
// Protobuf messages nested below a KernelRequest. Each level of kMaxNestingDepth is at most
// three messages (Stmt -> Copy -> Region -> Expr; Expr -> BinaryExpr -> Expr is two), so every
// request within kMaxNestingDepth stays below this one. The readers of requests (request
// files, ttcd's transport: ir/request_wire.h) refuse anything deeper before parsing it, so
// that a crafted file cannot exhaust the parser's stack.
inline constexpr int kMaxMessageNesting = 4 * kMaxNestingDepth;

// OK, or INVALID_ARGUMENT "path: problem" for the first limit `request` exceeds, in field
// order. Too deep a tree (kMaxNestingDepth) is reported at the outermost expression or
// top-level statement that holds it (`func.body[2].copy.src.begin[1]`); the walk stops there,
// so requests nested arbitrarily deep (made in memory by the frontend) are checked without
// exhausting the stack. With `error` non-null the problem is also stored there structured: the
// field path (`func.body[12].alloc.buffer`), the line:col of the nearest enclosing node that
// carries one (requests made from scripts) and the problem, which names the limit and its value.
absl::Status CheckRequestLimits(const v1::KernelRequest& request, LocatedError* error = nullptr);

}  // namespace ttc::ir

#endif  // TTC_IR_REQUEST_LIMITS_H_
