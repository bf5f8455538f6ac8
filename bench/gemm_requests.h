// Requests shared by the benchmarks: the examples directory and examples/gemm_256_bf16.textproto
// rewritten to other sizes. Header-only; the including target defines TTC_SOURCE_DIR.
#ifndef TTC_BENCH_GEMM_REQUESTS_H_
#define TTC_BENCH_GEMM_REQUESTS_H_

#include <cstdint>
#include <filesystem>

#include "absl/status/statusor.h"
#include "ir/request_io.h"
#include "ttc/v1/request.pb.h"

#ifndef TTC_SOURCE_DIR
#error "TTC_SOURCE_DIR must be defined (the source tree holding examples/)"
#endif

namespace ttc::bench {

inline constexpr int64_t kGemmBlock = 32;  // the GEMM example's block (and tile) edge

inline std::filesystem::path ExamplesDir() { return std::filesystem::path(TTC_SOURCE_DIR) / "examples"; }

// examples/gemm_256_bf16.textproto with M = N = K = `size` (a multiple of 32): parameter
// shapes, launch grid extents (N/32, M/32) and the K loop's extent (K/32) rewritten through
// the proto API; the body (allocs, clear, copies, gemm, copy out) stays the real kernel.
inline absl::StatusOr<v1::KernelRequest> GemmRequest(int64_t size) {
  auto req = ir::ReadRequestFile((ExamplesDir() / "gemm_256_bf16.textproto").string());
  if (!req.ok()) return req.status();
  v1::PrimFunc* func = req->mutable_func();
  if (func->params_size() != 3) return absl::FailedPreconditionError("gemm example: expected 3 params");
  for (v1::Buffer& param : *func->mutable_params()) {
    if (param.shape_size() != 2) return absl::FailedPreconditionError("gemm example: expected 2-D params");
    param.set_shape(0, size);
    param.set_shape(1, size);
  }
  v1::LaunchGrid* grid = func->mutable_grid();
  if (grid->extents_size() != 2) return absl::FailedPreconditionError("gemm example: expected a 2-D grid");
  grid->set_extents(0, size / kGemmBlock);  // bx over N
  grid->set_extents(1, size / kGemmBlock);  // by over M
  int loops = 0;
  for (v1::Stmt& stmt : *func->mutable_body()) {
    if (!stmt.has_for_loop()) continue;
    v1::For* loop = stmt.mutable_for_loop();
    if (loop->var() != "k" || !loop->extent().has_int_imm())
      return absl::FailedPreconditionError("gemm example: unexpected loop");
    loop->mutable_extent()->set_int_imm(size / kGemmBlock);  // K / 32 steps
    ++loops;
  }
  if (loops != 1) return absl::FailedPreconditionError("gemm example: expected one K loop");
  return req;
}

}  // namespace ttc::bench

#endif  // TTC_BENCH_GEMM_REQUESTS_H_
