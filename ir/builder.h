// Builders for the statements the TT lowering passes generate (memory_space_lower_tt,
// tensorize_tt): TT-Metalium kernel API calls as `tt.*` intrinsics, lets, serial loops and
// loops that disappear at extent 1. Header-only; each returns a fresh node without a source
// location (generated code points at the statement it lowers through its parent).
#ifndef TTC_IR_BUILDER_H_
#define TTC_IR_BUILDER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ir/expr.h"
#include "ir/stmt.h"

namespace ttc::ir {

// `tt.<name>(args)` as a statement: one TT-Metalium kernel API call (cb_reserve_back,
// pack_tile, ...). The `tt.` prefix marks it as an intrinsic (ir::IsIntrinsic).
inline Stmt MakeIntrinsic(const std::string& name, std::vector<Expr> args = {}) {
  auto n = std::make_shared<Evaluate>();
  n->value = MakeCall("tt." + name, std::move(args));
  return n;
}

// `let var = value` around `body`.
inline Stmt MakeLetStmt(const std::string& var, Expr value, Stmt body) {
  auto n = std::make_shared<Let>();
  n->var = var;
  n->value = std::move(value);
  n->body = std::move(body);
  return n;
}

// A serial loop `for var in [0, extent)` around `body` (a loop even when extent is 1).
inline Stmt MakeSerialLoop(const std::string& var, int64_t extent, std::vector<Stmt> body) {
  auto n = std::make_shared<For>();
  n->var = var;
  n->min = MakeInt(0);
  n->extent = MakeInt(extent);
  n->for_kind = ForKind::kSerial;
  n->body = MakeSeq(std::move(body));
  return n;
}

// `body` over var in [0, extent): a serial loop around body(var), or body(0) itself when
// extent is 1 (no loop, the variable replaced by the constant).
inline std::vector<Stmt> Repeat(const std::string& var, int64_t extent,
                                const std::function<std::vector<Stmt>(Expr)>& body) {
  if (extent == 1) return body(MakeInt(0));
  return {MakeSerialLoop(var, extent, body(MakeVar(var)))};
}

}  // namespace ttc::ir

#endif  // TTC_IR_BUILDER_H_
