#include "ir/stmt.h"

#include <utility>

namespace ttc::ir {

const char* ForKindName(ForKind k) {
  switch (k) {
    case ForKind::kSerial: return "serial";
    case ForKind::kPipelined: return "Pipelined";
    case ForKind::kParallel: return "Parallel";
    case ForKind::kUnrolled: return "unroll";
    case ForKind::kGrid: return "grid";
  }
  return "?";
}

Stmt MakeSeq(std::vector<Stmt> stmts, Loc loc) {
  auto n = std::make_shared<Seq>();
  n->stmts = std::move(stmts);
  n->loc = std::move(loc);
  return n;
}

Buffer PrimFunc::FindParam(const std::string& name) const {
  for (const Buffer& b : params) {
    if (b->name == name) return b;
  }
  return nullptr;
}

}  // namespace ttc::ir
