// Prints lowered kernel IR (loops, lets, conditionals, `tt.*` intrinsic calls over uint32
// index arithmetic) as C++ for TT-Metalium kernels. Floor division and modulo print as `/`
// and `%`, which agree on the non-negative values TT index arithmetic uses. Deterministic.
#ifndef TTC_CODEGEN_CPP_PRINTER_H_
#define TTC_CODEGEN_CPP_PRINTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "ir/stmt.h"

namespace ttc::codegen {

std::string CppExpr(const ir::Expr& e);

// The statements of `body`, one per line at `indent` levels of four spaces. INTERNAL error
// when the body still holds a statement kernels cannot contain (copy, gemm, store, fill).
absl::StatusOr<std::string> CppStmts(const ir::Stmt& body, int indent);

}  // namespace ttc::codegen

#endif  // TTC_CODEGEN_CPP_PRINTER_H_
