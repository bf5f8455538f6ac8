#include "passes/verify_tt_ir.h"

#include "absl/strings/str_cat.h"
#include "passes/attrs.h"
#include "passes/circular_buffers.h"
#include "passes/kernel_args.h"

namespace ttc {

void VerifyTTIR(PassContext& ctx, ir::PrimFunc& func) {
  const int errors_before = ctx.diag.error_count(), warnings_before = ctx.diag.warning_count();
  const ir::Target& t = ctx.target;
  for (const char* key : {attr::kSchedulePolicy, attr::kNumTiles, attr::kShard, attr::kPartitionMode,
                          attr::kCoreRanges, attr::kCoreRuntimeArgs, attr::kPersistentLoop, attr::kCircularBuffers,
                          attr::kHasTensorize}) {
    if (!HasAttr(func.attrs, key)) {
      ctx.diag.InternalError(func.loc, absl::StrCat("verify_tt_ir: required attribute '", key, "' is missing"));
    }
  }
  if (ctx.diag.error_count() > errors_before) return;

  const int64_t used = CoresWithWork(func.attrs);
  if (used > t.num_cores()) {
    ctx.diag.Error(func.loc, absl::StrCat("the program uses ", used, " cores but ", t.preset, " has ", t.num_cores(),
                                          " (", t.rows, "x", t.cols, ")"));
  }
  const std::vector<CircularBuffer> cbs = CircularBuffersOf(func);
  if (static_cast<int64_t>(cbs.size()) > t.max_cbs) {
    ctx.diag.Error(func.loc, absl::StrCat("too many circular buffers: ", cbs.size(), " but ", t.preset, " has ",
                                          t.max_cbs));
  }
  int64_t bytes = 0;
  for (const CircularBuffer& cb : cbs) {
    bytes += cb.page_size * cb.num_pages;
    if (cb.cb_id >= t.max_cbs) {
      ctx.diag.Error(func.loc, absl::StrCat("circular buffer c_", cb.cb_id, " for '", cb.buffer,
                                            "' is beyond the ", t.max_cbs, " CBs of ", t.preset));
    }
  }
  if (bytes > t.cb_budget_bytes) {
    ctx.diag.Error(func.loc, absl::StrCat("L1 overflow: circular buffers need ", bytes, " bytes per core but the CB ",
                                          "budget of ", t.preset, " is ", t.cb_budget_bytes,
                                          " bytes; use smaller blocks or lower cb_depth"));
  } else if (bytes * 5 > t.cb_budget_bytes * 4) {
    ctx.diag.Warning(func.loc, absl::StrCat("circular buffers use ", bytes, " of ", t.cb_budget_bytes,
                                            " budget bytes (over 80%)"));
  }
  for (const ir::Buffer& b : func.params) {
    auto layout = BufferLayoutOf(func, *b);
    if (!layout) {
      ctx.diag.InternalError(b->loc, absl::StrCat("verify_tt_ir: buffer '", b->name, "' has no valid ",
                                                 attr::BufferKey(b->name), " (infer_tt_layout)"));
      continue;
    }
    const ir::DType dt = ir::ParseDType(layout->dtype).value_or(b->dtype);
    if (dt.tt_data_format.empty()) {
      ctx.diag.Error(b->loc, absl::StrCat("unsupported dtype '", dt.name, "' for buffer '", b->name, "'"));
    }
    const ir::TileGeometry& g = layout->geometry;
    if (g.padded_rows % g.tile_h || g.padded_cols % g.tile_w) {
      ctx.diag.InternalError(b->loc, absl::StrCat("buffer '", b->name, "' is not tile-aligned after padding"));
    }
  }
  const int64_t dst_cap = GetBool(func.attrs, attr::kFp32DestAcc, false) ? t.dst_tiles_32 : t.dst_tiles_16;
  const int64_t dst_need = GetInt(func.attrs, attr::kDstTilesNeeded, 0);
  if (dst_need > dst_cap) {
    ctx.diag.Error(func.loc, absl::StrCat("DST overflow: the compute kernel holds ", dst_need,
                                          " tiles in DST but it has ", dst_cap));
  }
  for (const auto& [role, body] : func.kernels) {
    const auto args = KernelArgTable(func, role);
    if (static_cast<int64_t>(args.size()) > kMaxRuntimeArgs) {
      ctx.diag.Error(func.loc, absl::StrCat("the ", role, " kernel needs ", args.size(),
                                            " runtime arguments; TT-Metalium allows ", kMaxRuntimeArgs));
    }
  }
  const int errors = ctx.diag.error_count() - errors_before;
  SetAttr(func.attrs, attr::kIrValidated, errors == 0);
  SetAttr(func.attrs, attr::kValidationErrorCount, errors);
  SetAttr(func.attrs, attr::kValidationWarningCount, ctx.diag.warning_count() - warnings_before);
}

}  // namespace ttc
