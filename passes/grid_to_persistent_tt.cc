#include "passes/grid_to_persistent_tt.h"

#include <regex>

#include "passes/attrs.h"
#include "passes/simplify.h"

namespace ttc {
namespace {

using namespace ir;

Expr Div(const Expr& a, int64_t b) { return b == 1 ? a : Simplify(MakeBinary(BinOp::kFloorDiv, a, MakeInt(b))); }
Expr Mod(const Expr& a, int64_t b) { return Simplify(MakeBinary(BinOp::kFloorMod, a, MakeInt(b))); }

Stmt MakeLet(const std::string& var, Expr value, Stmt body) {
  auto n = std::make_shared<Let>();
  n->var = var;
  n->value = std::move(value);
  n->body = std::move(body);
  return n;
}

}  // namespace

void GridToPersistentTT(PassContext& ctx, PrimFunc& func) {
  if (GetBool(func.attrs, attr::kPersistentLoop, false)) return;
  const int64_t gx = func.grid.x(), gy = func.grid.y(), gz = func.grid.z();
  const std::string mode = GetString(func.attrs, attr::kPartitionMode).value_or(attr::kModeGlobal);
  const std::string order = GetString(func.attrs, attr::kOrder).value_or(attr::kOrderRowMajor);
  const std::vector<int64_t> grid_tiles = GetInts(func.attrs, attr::kGridTiles).value_or(std::vector<int64_t>{gy * gz, gx});
  const int64_t nt = grid_tiles[1];
  const Expr pos = Add(MakeVar("start_id"), MakeVar(attr::kIterVar));

  Expr tile_id;
  if (mode == attr::kModeLocalShard) {
    const auto tiles = GetInts(func.attrs, attr::kLocalShapeTiles);
    if (!tiles || tiles->size() != 2) {
      ctx.diag.InternalError(func.loc, "grid_to_persistent_tt: local_shard without tt.local_shape_tiles "
                                       "(layout_aware_work_partition_tt)");
      return;
    }
    const int64_t sm = (*tiles)[0], sn = (*tiles)[1];
    Expr m = Add(Mul(MakeVar("sy"), sm), Div(pos, sn));
    Expr n = Add(Mul(MakeVar("sx"), sn), Mod(pos, sn));
    tile_id = Add(Mul(m, nt), n);
  } else if (std::smatch mt; std::regex_match(order, mt, std::regex(R"(block_linear\((\d+)\))"))) {
    const int64_t k = std::stoll(mt[1].str());
    const Expr block = Div(pos, k * k), within = Mod(pos, k * k);
    const int64_t blocks_per_row = nt / k;
    Expr m = Add(Mul(Div(block, blocks_per_row), k), Div(within, k));
    Expr n = Add(Mul(Mod(block, blocks_per_row), k), Mod(within, k));
    tile_id = Add(Mul(m, nt), n);
  } else {
    tile_id = pos;
  }

  // Block indices, innermost Let first so that the body sees all of them.
  const Expr tid = MakeVar(attr::kTileIdVar);
  std::vector<std::pair<std::string, Expr>> recover;
  const auto& vars = func.grid.vars;
  recover.emplace_back(vars[0], gy * gz == 1 ? tid : Mod(tid, gx));
  if (vars.size() > 1) recover.emplace_back(vars[1], gz == 1 ? Div(tid, gx) : Mod(Div(tid, gx), gy));
  if (vars.size() > 2) recover.emplace_back(vars[2], Div(tid, gx * gy));
  Stmt body = func.body;
  for (auto it = recover.rbegin(); it != recover.rend(); ++it) body = MakeSeq({MakeLet(it->first, it->second, body)});
  body = MakeSeq({MakeLet(attr::kTileIdVar, tile_id, body)});
  auto loop = std::make_shared<For>();
  loop->var = attr::kIterVar;
  loop->min = MakeInt(0);
  loop->extent = MakeVar("count");
  loop->for_kind = ForKind::kSerial;
  loop->body = body;
  func.body = MakeSeq({loop}, func.body->loc);
  func.persistent = true;

  const int64_t ndims = 1 + (gy > 1 ? 1 : 0) + (gz > 1 ? 1 : 0);
  // The block indices that vary, one per iteration dimension: bx, then by / bz when gy / gz > 1.
  AttrValue symbols = AttrValue::array();
  const int64_t extents[] = {gx, gy, gz};
  for (size_t i = 0; i < vars.size() && i < 3; ++i) {
    if (i == 0 || extents[i] > 1) symbols.push_back(vars[i]);
  }
  SetAttr(func.attrs, attr::kPersistentLoop, true);
  SetAttr(func.attrs, attr::kPersistentIterationNdims, ndims);
  SetAttr(func.attrs, attr::kPersistentRuntimeArgs, {
      {"start_tile", {{"name", "start_id"}, {"dtype", "uint32"}, {"semantic", "tile_start"}}},
      {"tile_count", {{"name", "count"}, {"dtype", "uint32"}, {"semantic", "tile_count"}}},
      {"grid_shape", {gx, gy, gz}},
      {"grid_tiles", grid_tiles},
      {"iteration_ndims", ndims},
      {"iteration_symbols", symbols},
      {"iteration_order", order},
      {"arg_names", RuntimeArgNamesOf(func.attrs)},
      {"partition_mode", mode}});
}

}  // namespace ttc
