#include "passes/verify_tt_ir.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ir/visitor.h"
#include "passes/attrs.h"
#include "passes/circular_buffers.h"
#include "passes/core_ranges.h"
#include "passes/kernel_args.h"

namespace ttc {
namespace {

// "12884901888 (12 GiB, the target's dram_bytes)": a DRAM capacity as errors quote it.
std::string Capacity(int64_t bytes) {
  constexpr int64_t kGiB = int64_t{1} << 30;
  return absl::StrCat(bytes, bytes % kGiB == 0 ? absl::StrCat(" (", bytes / kGiB, " GiB, ") : " (",
                      "the target's dram_bytes)");
}

// The first integer constant of a lowered kernel that its uint32_t arithmetic cannot hold
// (below INT32_MIN or above UINT32_MAX; negative ones down to INT32_MIN wrap as the source
// means them), located at the constant or else at the innermost statement around it.
class WideConstant : public ir::StmtVisitor {
 public:
  std::optional<std::pair<int64_t, ir::Loc>> found;

 protected:
  void VisitIntImm(const ir::IntImm& n) override {
    if (found || (n.value >= INT32_MIN && n.value <= kMaxUint32)) return;
    found = {n.value, n.loc.empty() ? where_ : n.loc};
  }
  void VisitFor(const ir::For& n) override { Within(n.loc, [&] { StmtVisitor::VisitFor(n); }); }
  void VisitLet(const ir::Let& n) override { Within(n.loc, [&] { StmtVisitor::VisitLet(n); }); }
  void VisitIf(const ir::IfThenElse& n) override { Within(n.loc, [&] { StmtVisitor::VisitIf(n); }); }
  void VisitStore(const ir::Store& n) override { Within(n.loc, [&] { StmtVisitor::VisitStore(n); }); }
  void VisitEvaluate(const ir::Evaluate& n) override { Within(n.loc, [&] { StmtVisitor::VisitEvaluate(n); }); }

 private:
  template <typename F>
  void Within(const ir::Loc& loc, F visit) {
    const ir::Loc saved = where_;
    if (!loc.empty()) where_ = loc;
    visit();
    where_ = saved;
  }
  ir::Loc where_;
};

// Global buffers against 32-bit addressing and the target's DRAM.
void CheckGlobalBuffers(PassContext& ctx, ir::PrimFunc& func) {
  const ir::Target& t = ctx.target;
  int64_t dram_total = 0;
  bool reported = false;
  for (const ir::Buffer& b : func.params) {
    auto layout = BufferLayoutOf(func, *b);
    if (!layout) continue;  // reported by VerifyTTIR
    const ir::TileGeometry& g = layout->geometry;
    const std::pair<const char*, int64_t> extents[] = {
        {"tiles", g.pages}, {"rows after padding", g.padded_rows}, {"columns after padding", g.padded_cols},
        {"matrices (leading dimensions)", g.batch}};
    for (const auto& [what, n] : extents) {
      if (n <= kMaxUint32) continue;
      ctx.diag.Error(b->loc, absl::StrCat("buffer '", b->name, "' has ", n, " ", what, "; TT-Metalium kernels and the "
                                          "host program count them in uint32_t (at most ", kMaxUint32, ")"));
      reported = true;
      break;
    }
    if (layout->memory != "DRAM") continue;
    const int64_t bytes = g.pages * g.page_bytes;
    dram_total += bytes;
    if (bytes > t.dram_bytes) {
      ctx.diag.Error(b->loc, absl::StrCat("buffer '", b->name, "' needs ", bytes, " bytes of DRAM (", g.pages,
                                          " tiles of ", g.page_bytes, " bytes", g.needs_padding
                                              ? absl::StrCat(", padded to ", g.padded_rows, "x", g.padded_cols)
                                              : "",
                                          ") but ", t.preset, " has ", Capacity(t.dram_bytes),
                                          "; use a smaller shape or a target with more DRAM"));
      reported = true;
    }
  }
  if (!reported && dram_total > t.dram_bytes) {
    ctx.diag.Error(func.loc, absl::StrCat("the global buffers need ", dram_total, " bytes of DRAM together but ",
                                          t.preset, " has ", Capacity(t.dram_bytes)));
  }
}

// Per-core runtime values and kernel constants against uint32_t.
void CheckThirtyTwoBitValues(PassContext& ctx, ir::PrimFunc& func) {
  if (auto p = WorkPartitionOf(func.attrs)) {
    const auto cores = CoresOf(p->core_ranges);
    const auto& rows = p->runtime_args.per_core;
    for (size_t c = 0; c < rows.size(); ++c) {
      for (size_t i = 0; i < rows[c].size() && i < p->runtime_args.names.size(); ++i) {
        const int64_t v = rows[c][i];
        if (v >= 0 && v <= kMaxUint32) continue;
        const std::string core =
            c < cores.size() ? absl::StrCat(" of core (", cores[c].first, ", ", cores[c].second, ")") : std::string();
        ctx.diag.Error(func.loc, absl::StrCat("runtime argument '", p->runtime_args.names[i], "'", core, " is ", v,
                                              "; TT-Metalium runtime arguments are uint32_t (at most ", kMaxUint32,
                                              "); give the program more cores or fewer work units"));
        return;
      }
    }
  }
  for (const auto& [role, body] : func.kernels) {
    WideConstant wide;
    wide.VisitStmt(body);
    if (wide.found) {
      ctx.diag.Error(wide.found->second.empty() ? func.loc : wide.found->second,
                     absl::StrCat("the integer ", wide.found->first, " in the ", role,
                                  " kernel does not fit its 32-bit arithmetic (TT-Metalium kernels compute indices and "
                                  "loop counters in uint32_t)"));
      return;
    }
  }
}

}  // namespace

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
  CheckGlobalBuffers(ctx, func);
  CheckThirtyTwoBitValues(ctx, func);
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
