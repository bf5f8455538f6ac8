#include "passes/layout_aware_work_partition_tt.h"

#include <optional>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "passes/attrs.h"
#include "passes/core_ranges.h"
#include "passes/dataflow.h"
#include "passes/infer_default_tt_schedule.h"

namespace ttc {
namespace {

std::string List(const std::vector<int64_t>& v) { return absl::StrCat("[", absl::StrJoin(v, ", "), "]"); }

struct ShardedBuffer {
  std::string name;
  BufferLayoutAttr layout;
};

class Partitioner {
 public:
  Partitioner(PassContext& ctx, ir::PrimFunc& func) : ctx_(ctx), func_(func) {}

  void Run() {
    std::vector<ShardedBuffer> l1_shards;
    for (const ir::Buffer& b : func_.params) {
      if (!HasAttr(func_.attrs, attr::BufferKey(b->name))) {
        Report(b->loc, absl::StrCat("missing layout metadata: buffer '", b->name,
                                    "' has no tt.buffer entry (run infer_tt_layout first)"),
               ctx_.Ran("infer_tt_layout"));
        return;
      }
      auto layout = BufferLayoutOf(func_, *b);
      if (!layout) {
        ctx_.diag.InternalError(b->loc, absl::StrCat("malformed ", attr::BufferKey(b->name), ": ",
                                                     DumpAttr(func_.attrs, attr::BufferKey(b->name))));
        return;
      }
      layouts_[b->name] = *layout;
      if (layout->is_l1_sharded()) l1_shards.push_back({b->name, *layout});
    }
    const v1::Schedule& user = func_.schedule;
    const ir::Loc& sloc = func_.schedule_loc;
    std::string mode = l1_shards.empty() ? attr::kModeGlobal : attr::kModeLocalShard;
    if (!user.partition_mode().empty()) {
      const std::string& forced = user.partition_mode();
      if (forced != attr::kModeGlobal && forced != attr::kModeLocalShard) {
        return Error(Field(sloc, ".partition_mode"),
                     absl::StrCat("unknown partition_mode '", forced, "'; supported: global, local_shard"));
      }
      if (forced == attr::kModeLocalShard && l1_shards.empty()) {
        return Error(Field(sloc, ".partition_mode"),
                     "partition_mode 'local_shard' needs an L1-sharded buffer; annotate one with memory \"L1\", "
                     "layout \"sharded\" and an nd_shard");
      }
      if (forced == attr::kModeGlobal && !l1_shards.empty()) {
        return Error(Field(sloc, ".partition_mode"),
                     absl::StrCat("partition_mode 'global' conflicts with L1-sharded buffer '", l1_shards[0].name,
                                  "'; use local_shard or shard it in DRAM"));
      }
      mode = forced;
    }
    const int64_t gx = func_.grid.x(), gy = func_.grid.y(), gz = func_.grid.z();
    mt_ = gy * gz;
    nt_ = gx;
    if (user.grid_tiles_size() > 0) {
      std::vector<int64_t> gt(user.grid_tiles().begin(), user.grid_tiles().end());
      if (gt != std::vector<int64_t>{mt_, nt_}) {
        return Error(Field(sloc, ".grid_tiles"),
                     absl::StrCat("grid_tiles ", List(gt), " does not match the launch grid [", mt_, ", ", nt_,
                                  "] (T.Kernel(", gx, ", ", gy, gz > 1 ? absl::StrCat(", ", gz) : "",
                                  ") gives Mt = gy*gz rows and Nt = gx columns of work units)"));
      }
    }
    kt_ = ComputeKt();
    if (mode == attr::kModeGlobal) {
      if (user.shard_grid_size() > 0 || user.local_shape_tiles_size() > 0) {
        return Error(Field(sloc, user.shard_grid_size() > 0 ? ".shard_grid" : ".local_shape_tiles"),
                     "shard_grid and local_shape_tiles are only meaningful with partition_mode 'local_shard'");
      }
      Global();
    } else {
      LocalShard(l1_shards);
    }
  }

 private:
  static ir::Loc Field(const ir::Loc& base, const char* field) {
    ir::Loc l = base;
    if (l.line == 0) l.path += field;
    return l;
  }
  void Error(const ir::Loc& loc, std::string msg) { ctx_.diag.Error(loc, std::move(msg)); }
  void Report(const ir::Loc& loc, std::string msg, bool internal) {
    if (internal) {
      ctx_.diag.InternalError(loc, std::move(msg));
    } else {
      ctx_.diag.Error(loc, std::move(msg));
    }
  }

  // K in tiles of the kernel's (first) matmul: the width of the global buffer that feeds A
  // (its height when A is transposed), divided by the tile width; 1 without a matmul.
  int64_t ComputeKt() {
    auto matmuls = FindMatmuls(func_);
    if (matmuls.empty()) return 1;
    const MatmulInfo& mm = matmuls.front();
    ir::Buffer src = GlobalSource(CollectCopyEdges(func_), mm.a);
    if (!src) src = mm.a;
    const auto& shape = src->shape;
    const int64_t k = mm.transpose_a ? shape[shape.size() - 2] : shape.back();
    int64_t tw = GetInt(func_.attrs, attr::kTileWidth, 32);
    if (auto it = layouts_.find(src->name); it != layouts_.end()) tw = it->second.tile_shape[mm.transpose_a ? 0 : 1];
    return (k + tw - 1) / tw;
  }

  // The resolved order for `mode`; nullopt after reporting an error.
  std::optional<std::string> ResolveOrder(const std::string& mode, int64_t* block_k) {
    const v1::Schedule& user = func_.schedule;
    std::string order = user.order();
    if (order.empty()) {
      order = mode == attr::kModeLocalShard ? attr::kOrderMatchShard
                                            : GetString(func_.attrs, attr::kScheduleOrder).value_or(attr::kOrderRowMajor);
    }
    static const std::regex kBlockLinear(R"(block_linear\((\d+)\))");
    std::smatch m;
    const bool is_block = std::regex_match(order, m, kBlockLinear);
    const bool known = is_block || order == attr::kOrderRowMajor || order == attr::kOrderMatchShard;
    ir::Loc loc = user.order().empty() ? func_.loc : Field(func_.schedule_loc, ".order");
    if (!known) {
      Error(loc, absl::StrCat("unknown schedule order '", order,
                              "'; supported: row_major or block_linear(k) with partition_mode global, "
                              "match_shard with local_shard"));
      return std::nullopt;
    }
    if (mode == attr::kModeLocalShard && order != attr::kOrderMatchShard) {
      Error(loc, absl::StrCat("schedule order '", order,
                              "' is not supported with partition_mode local_shard; supported: match_shard"));
      return std::nullopt;
    }
    if (mode == attr::kModeGlobal && order == attr::kOrderMatchShard) {
      Error(loc, "schedule order 'match_shard' is not supported with partition_mode global; supported: "
                 "row_major, block_linear(k)");
      return std::nullopt;
    }
    if (is_block) {
      *block_k = std::stoll(m[1].str());
      if (*block_k < 1 || mt_ % *block_k != 0 || nt_ % *block_k != 0) {
        Error(loc, absl::StrCat(order, " needs k to divide the work-unit grid [", mt_, ", ", nt_,
                                "]; choose k among the common divisors"));
        return std::nullopt;
      }
    }
    return order;
  }

  void Global() {
    int64_t block_k = 0;
    auto order = ResolveOrder(attr::kModeGlobal, &block_k);
    if (!order) return;
    const int64_t cores = ctx_.target.num_cores();
    const auto split = ContiguousSplit(mt_ * nt_, cores);
    std::vector<bool> used(cores, false);
    for (int64_t i = 0; i < cores; ++i) used[i] = split[i].second > 0;
    const auto ranges = MergeCoreRanges(used, ctx_.target.cols);
    WorkPartitionAttr p{attr::kModeGlobal, *order, {mt_, nt_}, ranges, {}, {}, {}};
    p.runtime_args.names = {"start_id", "count", "Mt", "Kt", "Nt"};
    p.runtime_args.constants = {{"Mt", mt_}, {"Kt", kt_}, {"Nt", nt_}};
    for (const auto& [y, x] : CoresOf(ranges)) {
      const auto& [start, count] = split[y * ctx_.target.cols + x];
      p.runtime_args.per_core.push_back({start, count, mt_, kt_, nt_});
    }
    SetWorkPartition(func_.attrs, p);
  }

  void LocalShard(const std::vector<ShardedBuffer>& shards) {
    const NdShardAttr& first = *shards[0].layout.nd_shard;
    const auto& grid = first.projected_grid;
    const auto& tiles = first.projected_shard_tiles;
    for (const ShardedBuffer& s : shards) {
      const NdShardAttr& nd = *s.layout.nd_shard;
      if (nd.projected_grid != grid || nd.projected_shard_tiles != tiles) {
        return Error(func_.layout_locs.count(s.name) ? func_.layout_locs.at(s.name) : func_.loc,
                     absl::StrCat("shard geometry mismatch: '", shards[0].name, "' has grid ", List(grid), " tiles ",
                                  List(tiles), " but '", s.name, "' has grid ", List(nd.projected_grid), " tiles ",
                                  List(nd.projected_shard_tiles)));
      }
    }
    const v1::Schedule& user = func_.schedule;
    if (user.shard_grid_size() > 0 &&
        std::vector<int64_t>(user.shard_grid().begin(), user.shard_grid().end()) != grid) {
      return Error(Field(func_.schedule_loc, ".shard_grid"),
                   absl::StrCat("shard_grid ", List({user.shard_grid().begin(), user.shard_grid().end()}),
                                " does not match the L1 shards' grid ", List(grid)));
    }
    if (user.local_shape_tiles_size() > 0 &&
        std::vector<int64_t>(user.local_shape_tiles().begin(), user.local_shape_tiles().end()) != tiles) {
      return Error(Field(func_.schedule_loc, ".local_shape_tiles"),
                   absl::StrCat("local_shape_tiles ",
                                List({user.local_shape_tiles().begin(), user.local_shape_tiles().end()}),
                                " does not match the L1 shards' tiles ", List(tiles)));
    }
    const int64_t gyc = grid[0], gxc = grid[1], sm = tiles[0], sn = tiles[1];
    if (gyc > ctx_.target.rows || gxc > ctx_.target.cols) {
      return Error(func_.loc, absl::StrCat("shard grid [", gyc, ", ", gxc, "] exceeds available cores [",
                                           ctx_.target.rows, ", ", ctx_.target.cols, "] of ",
                                           ctx_.target.preset));
    }
    auto outputs = WrittenParams(func_);
    if (outputs.empty()) {
      return Error(func_.loc, "local_shard partition needs an output: the kernel writes no global buffer");
    }
    const ir::TileGeometry& out = layouts_.at(outputs[0]->name).geometry;
    const int64_t om = out.tiles_h, on = out.tiles_w;
    if (gyc * sm != om || gxc * sn != on) {
      return Error(func_.loc, absl::StrCat("shard footprint [", gyc * sm, ", ", gxc * sn,
                                           "] does not match output tiles [", om, ", ", on, "] of '",
                                           outputs[0]->name, "'"));
    }
    if (mt_ != om || nt_ != on) {
      return Error(func_.grid.loc.empty() ? func_.loc : func_.grid.loc,
                   absl::StrCat("local_shard needs one work unit per output tile: the launch grid gives [", mt_,
                                ", ", nt_, "] work units but '", outputs[0]->name, "' has [", om, ", ", on,
                                "] tiles"));
    }
    int64_t block_k = 0;
    auto order = ResolveOrder(attr::kModeLocalShard, &block_k);
    if (!order) return;
    const std::vector<CoreRange> ranges = {{0, 0, gyc - 1, gxc - 1}};
    WorkPartitionAttr p{attr::kModeLocalShard, *order, {mt_, nt_}, ranges, {}, grid, tiles};
    p.runtime_args.names = {"start_id", "count", "Mt", "Kt", "Nt", "Sm", "Sn", "Gy", "Gx", "sy", "sx"};
    p.runtime_args.constants = {{"Mt", mt_}, {"Kt", kt_}, {"Nt", nt_}, {"Sm", sm}, {"Sn", sn}, {"Gy", gyc}, {"Gx", gxc}};
    for (const auto& [y, x] : CoresOf(ranges)) {
      p.runtime_args.per_core.push_back({0, sm * sn, mt_, kt_, nt_, sm, sn, gyc, gxc, y, x});
    }
    SetWorkPartition(func_.attrs, p);
  }

  PassContext& ctx_;
  ir::PrimFunc& func_;
  std::map<std::string, BufferLayoutAttr> layouts_;
  int64_t mt_ = 1, nt_ = 1, kt_ = 1;
};

}  // namespace

void LayoutAwareWorkPartitionTT(PassContext& ctx, ir::PrimFunc& func) { Partitioner(ctx, func).Run(); }

}  // namespace ttc
