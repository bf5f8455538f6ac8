#include "passes/infer_tt_layout.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ir/tile_geometry.h"
#include "passes/attrs.h"
#include "common/checked_math.h"

namespace ttc {
namespace {

std::string List(const std::vector<int64_t>& v) { return absl::StrCat("[", absl::StrJoin(v, ", "), "]"); }

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Resolves one buffer; returns nullopt after reporting its first error.
class BufferResolver {
 public:
  BufferResolver(PassContext& ctx, const ir::PrimFunc& func, const ir::Buffer& b)
      : ctx_(ctx), func_(func), b_(b) {
    auto it = func.layouts.find(b->name);
    if (it != func.layouts.end()) {
      user_ = &it->second;
      base_loc_ = func.layout_locs.at(b->name);
    } else {
      base_loc_ = b->loc;
    }
    legacy_ = LegacyShardOf(func.attrs, b->name);
  }

  std::optional<BufferLayoutAttr> Resolve() {
    BufferLayoutAttr out;
    const std::string& name = b_->name;
    // memory
    std::string memory = user_ && !user_->memory().empty() ? absl::AsciiStrToUpper(user_->memory()) : "DRAM";
    if (memory == "AUTO") {
      return Fail(".memory", absl::StrCat("L1 auto-promotion unsupported: buffer '", name,
                                          "' asks the compiler to choose its memory; set memory to \"DRAM\" or \"L1\""));
    }
    if (memory != "DRAM" && memory != "L1") {
      return Fail(".memory", absl::StrCat("unknown memory '", user_->memory(), "' for buffer '", name,
                                          "'; expected DRAM or L1"));
    }
    out.memory = memory;
    // layout
    std::string layout = "interleaved";
    if (user_ && !user_->layout().empty()) {
      layout = user_->layout();
    } else if (legacy_ && legacy_->layout) {
      layout = *legacy_->layout;
    }
    const std::string lower = absl::AsciiStrToLower(layout);
    if (lower == "interleaved" || lower == "dram_interleaved") {
      out.layout = "interleaved";
    } else if (lower == "sharded") {
      out.layout = "sharded";
    } else {
      return Fail(".layout", absl::StrCat("unknown layout '", layout, "' for buffer '", name,
                                          "'; expected interleaved or sharded"));
    }
    // tile shape
    std::vector<int64_t> tile = {GetInt(func_.attrs, attr::kTileHeight, 32), GetInt(func_.attrs, attr::kTileWidth, 32)};
    if (legacy_ && legacy_->tile_shape) tile = *legacy_->tile_shape;
    if (user_ && user_->tile_shape_size() > 0) {
      tile.assign(user_->tile_shape().begin(), user_->tile_shape().end());
    }
    static const int64_t kHeights[] = {1, 2, 4, 8, 16, 32};
    if (tile.size() != 2 || std::find(std::begin(kHeights), std::end(kHeights), tile[0]) == std::end(kHeights) ||
        (tile[1] != 16 && tile[1] != 32)) {
      return Fail(".tile_shape", absl::StrCat("tile_shape ", List(tile), " for buffer '", name,
                                              "' is not a TT tile; use [height, width] with height 1, 2, 4, 8, "
                                              "16 or 32 and width 16 or 32"));
    }
    out.tile_shape = tile;
    const int64_t th = tile[0], tw = tile[1];
    // dtype
    ir::DType dtype = b_->dtype;
    if (user_ && !user_->dtype().empty()) {
      auto dt = ir::ParseDType(user_->dtype());
      if (!dt) {
        return Fail(".dtype", absl::StrCat("unknown dtype '", user_->dtype(), "' for buffer '", name,
                                           "'; known: ", ir::KnownDTypeNames()));
      }
      dtype = *dt;
    }
    out.dtype = dtype.name;
    // circular-buffer options, validated here with the rest of the annotation
    if (user_ && user_->has_cb_depth() && user_->cb_depth() < 1) {
      return Fail(".cb_depth", absl::StrCat("cb_depth for buffer '", name, "' must be at least 1, got ",
                                            user_->cb_depth()));
    }
    if (user_ && !user_->data_format().empty() && !ir::IsKnownDataFormat(user_->data_format())) {
      return Fail(".data_format", absl::StrCat("unknown data_format '", user_->data_format(), "' for buffer '",
                                               name, "'; expected a tt::DataFormat name (Float16_b, Float16, "
                                               "Float32, Int32, UInt32, Int16, UInt16, Int8, UInt8, Bfp8_b)"));
    }
    if (user_ && !user_->data_format().empty()) out.data_format = user_->data_format();
    if (user_ && user_->has_cb_depth()) out.cb_depth = user_->cb_depth();
    // padding: the tile geometry, with the annotation's padded_shape when it is valid
    const std::vector<int64_t> dims = ir::TileView(b_->shape);
    std::vector<int64_t> user_padded;
    if (user_ && user_->padded_shape_size() > 0) {
      user_padded.assign(user_->padded_shape().begin(), user_->padded_shape().end());
      const std::vector<int64_t>& p = user_padded;
      bool ok = p.size() == dims.size() && p[p.size() - 2] % th == 0 && p.back() % tw == 0;
      for (size_t i = 0; ok && i < p.size(); ++i) ok = p[i] >= dims[i];
      if (!ok) {
        return Fail(".padded_shape", absl::StrCat("padded_shape ", List(p), " for buffer '", name, "' with shape ",
                                                  List(b_->shape), " must cover the shape and be a multiple of the tile ",
                                                  List(tile)));
      }
    }
    out.geometry = ir::TileGeometryOf(b_->shape, th, tw, dtype, user_padded);
    out.needs_padding = out.geometry.needs_padding;
    if (out.needs_padding) out.padded_shape = out.geometry.padded;
    if (user_ && user_->has_needs_padding() && user_->needs_padding() != out.needs_padding) {
      return Fail(".needs_padding", absl::StrCat("needs_padding=", user_->needs_padding() ? "true" : "false",
                                                 " for buffer '", name, "' contradicts its shape ", List(b_->shape),
                                                 " and tile ", List(tile)));
    }
    // halo, nd_shard
    if (user_ && user_->has_halo()) {
      return Fail(".halo", absl::StrCat("halo unsupported: buffer '", name,
                                        "' requests a halo region; the TT backend exchanges no halos between shards"));
    }
    if (!(user_ && user_->has_nd_shard())) {
      if (out.layout == "sharded") {
        return Fail(".layout", absl::StrCat("nd_shard incomplete: buffer '", name,
                                            "' has layout 'sharded' but no nd_shard"));
      }
      return out;
    }
    if (out.layout != "sharded") {
      return Fail(".nd_shard", absl::StrCat("nd_shard requires layout 'sharded': buffer '", name,
                                            "' has layout '", out.layout, "'"));
    }
    const v1::NdShard& s = user_->nd_shard();
    for (const char* field : {"axes", "grid", "shard_shape_elems"}) {
      const int size = field == std::string("axes") ? s.axes_size()
                       : field == std::string("grid") ? s.grid_size()
                                                      : s.shard_shape_elems_size();
      if (size == 0) {
        return Fail(".nd_shard", absl::StrCat("nd_shard incomplete: buffer '", name, "' is missing '", field, "'"));
      }
    }
    if (static_cast<size_t>(s.axes_size()) != dims.size() || s.grid_size() != s.axes_size() ||
        s.shard_shape_elems_size() != s.axes_size()) {
      return Fail(".nd_shard", absl::StrCat("nd_shard incomplete: buffer '", name, "' has ", dims.size(),
                                            " dimensions but axes/grid/shard_shape_elems have ", s.axes_size(), "/",
                                            s.grid_size(), "/", s.shard_shape_elems_size(), " entries"));
    }
    int im = -1, in = -1;
    for (int i = 0; i < s.axes_size(); ++i) {
      for (int j = 0; j < i; ++j) {
        if (s.axes(i) == s.axes(j)) {
          return Fail(".nd_shard.axes", absl::StrCat("nd_shard axes: buffer '", name, "' names axis '", s.axes(i),
                                                     "' twice"));
        }
      }
      if (s.axes(i) == "M") im = i;
      if (s.axes(i) == "N") in = i;
    }
    if (im < 0 || in < 0) {
      return Fail(".nd_shard.axes", absl::StrCat("nd_shard axes: buffer '", name, "' must shard axes 'M' and 'N'"));
    }
    for (int i = 0; i < s.axes_size(); ++i) {
      if (s.grid(i) < 1 || s.shard_shape_elems(i) < 1) {
        return Fail(".nd_shard", absl::StrCat("nd_shard incomplete: buffer '", name, "' axis '", s.axes(i),
                                              "' needs a positive grid and shard size, got grid ", s.grid(i),
                                              " x shard ", s.shard_shape_elems(i)));
      }
      if (i != im && i != in && s.grid(i) != 1) {
        return Fail(".nd_shard.grid", absl::StrCat("nd_shard axes: buffer '", name, "' axis '", s.axes(i),
                                                   "' has grid ", s.grid(i), "; only M and N project onto cores"));
      }
    }
    for (int i = 0; i < s.axes_size(); ++i) {
      const int64_t g = s.grid(i), e = s.shard_shape_elems(i), d = dims[i];
      if (SaturatingMul(g, e) < d) {
        return Fail(".nd_shard", absl::StrCat("nd_shard coverage: buffer '", name, "' dimension ", s.axes(i), "=", d,
                                              " is not covered by grid ", g, " x shard ", e));
      }
      if (SaturatingMul(g - 1, e) >= d) {
        return Fail(".nd_shard", absl::StrCat("nd_shard coverage: buffer '", name, "' dimension ", s.axes(i), "=", d,
                                              " leaves empty shards with grid ", g, " x shard ", e, " (", g - 1,
                                              " shards already cover ", SaturatingMul(g - 1, e), ")"));
      }
    }
    NdShardAttr nd;
    nd.axes.assign(s.axes().begin(), s.axes().end());
    nd.grid.assign(s.grid().begin(), s.grid().end());
    nd.shard_shape_elems.assign(s.shard_shape_elems().begin(), s.shard_shape_elems().end());
    nd.order = s.order().empty() ? "row_major" : s.order();
    if (nd.order != "row_major" && nd.order != "col_major") {
      return Fail(".nd_shard.order", absl::StrCat("nd_shard order: buffer '", name, "' has order '", nd.order,
                                                  "'; expected row_major or col_major"));
    }
    nd.align_tiles = s.has_align_tiles() ? s.align_tiles() : true;
    const int64_t shard_m = s.shard_shape_elems(im), shard_n = s.shard_shape_elems(in);
    if (out.memory == "L1") {
      if (!nd.align_tiles) {
        return Fail(".nd_shard.align_tiles", absl::StrCat("L1 shard requires tile alignment: buffer '", name,
                                                          "' sets align_tiles=false"));
      }
      if (shard_m % th != 0 || shard_n % tw != 0) {
        return Fail(".nd_shard.shard_shape_elems",
                    absl::StrCat("L1 shard requires tile alignment: buffer '", name, "' shard [", shard_m, ", ",
                                 shard_n, "] is not a multiple of tile [", th, ", ", tw, "]"));
      }
    }
    nd.projected_grid = {s.grid(im), s.grid(in)};
    nd.projected_shard_tiles = {std::max<int64_t>(1, CeilDiv(shard_m, th)), std::max<int64_t>(1, CeilDiv(shard_n, tw))};
    if (out.memory == "L1") {
      const int64_t depth = user_->has_cb_depth() ? user_->cb_depth() : 1;
      const int64_t tile_bytes = dtype.TileBytes(th, tw);
      const int64_t need = nd.projected_shard_tiles[0] * nd.projected_shard_tiles[1] * tile_bytes * depth;
      if (need > ctx_.target.cb_budget_bytes) {
        return Fail(".nd_shard", absl::StrCat("L1 shard exceeds capacity: buffer '", name, "' needs ", need,
                                              " bytes (", nd.projected_shard_tiles[0], " x ", nd.projected_shard_tiles[1],
                                              " tiles x ", tile_bytes, " bytes x cb_depth ", depth,
                                              ") but the CB budget is ", ctx_.target.cb_budget_bytes, " bytes"));
      }
    }
    out.nd_shard = std::move(nd);
    return out;
  }

 private:
  std::nullopt_t Fail(const std::string& field, std::string message) {
    ir::Loc loc = base_loc_;
    if (user_ && loc.line == 0) loc.path += field;
    ctx_.diag.Error(loc, std::move(message));
    return std::nullopt;
  }

  PassContext& ctx_;
  const ir::PrimFunc& func_;
  const ir::Buffer& b_;
  const v1::BufferLayout* user_ = nullptr;
  std::optional<LegacyShardAttr> legacy_;
  ir::Loc base_loc_;
};

}  // namespace

void InferTTLayout(PassContext& ctx, ir::PrimFunc& func) {
  for (const ir::Buffer& b : func.params) {
    auto resolved = BufferResolver(ctx, func, b).Resolve();
    if (resolved) SetAttr(func.attrs, attr::BufferKey(b->name), ToAttr(*resolved));
  }
}

}  // namespace ttc
