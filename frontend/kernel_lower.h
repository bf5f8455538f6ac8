// The T.* lowering of the TileLang frontend: turns a `@T.prim_func` definition into the kernel
// IR (ttc.v1.PrimFunc, every node carrying its line:col). Parameters become global buffers
// from their `T.Buffer(shape, dtype)` annotations; the one `with T.Kernel(gx[, gy[, gz]],
// threads=...) as (bx, by):` block becomes the launch grid and the body: T.alloc_shared /
// T.alloc_fragment / T.alloc_local, T.copy (whole buffers, element offsets or constant-extent
// slices), T.gemm, T.clear / T.fill, T.evaluate, stores to buffer elements (also augmented),
// kernel variables (lets), loops over T.serial / T.Pipelined / T.Parallel / T.grid / T.unroll /
// range, and `if` (kept in the IR on kernel conditions, folded on compile-time ones);
// T.func_attr sets function attributes. Expressions are evaluated by the Evaluator.
//
// Errors: the first unsupported or wrong construct, at its line:col, through the
// Evaluator's Fail. Thread-safety: like the Evaluator it uses (one file's lowering).
#ifndef TTC_FRONTEND_KERNEL_LOWER_H_
#define TTC_FRONTEND_KERNEL_LOWER_H_

#include <memory>
#include <string>
#include <vector>

#include "frontend/ast.h"
#include "frontend/evaluator.h"
#include "frontend/value.h"
#include "ttc/v1/request.pb.h"

namespace ttc::frontend {

class KernelLowerer {
 public:
  explicit KernelLowerer(Evaluator& ev) : ev_(ev) {}

  // Lowers `def` (a @T.prim_func whose annotations evaluate in `outer`) to a new kernel.
  bool LowerPrimFunc(const ast::Stmt& def, const std::shared_ptr<Scope>& outer, std::shared_ptr<Kernel>* out);
  // Lowers one `with T.Kernel(gx[, gy[, gz]], threads=...) as (bx, by):` block into `k`'s grid
  // and body, with the buffers and names of `outer` in scope (an eager kernel's body).
  bool LowerKernelBlock(const ast::Stmt& with, const std::shared_ptr<Scope>& outer, Kernel* k);

 private:
  using Stmts = google::protobuf::RepeatedPtrField<v1::Stmt>;

  bool FuncAttr(const ast::Expr& call, const std::shared_ptr<Scope>& scope, Kernel* k);
  bool ToAttr(const Value& v, v1::AttrValue* out);
  Value VarValue(const std::string& name, SourceLoc loc);
  // The names a `for` statement binds (`for i` or `for i, j`); false (reported) when one is
  // not a name.
  bool LoopTargets(const ast::Stmt& s, std::vector<const ast::Expr*>* vars);
  bool LowerBlock(const std::vector<ast::StmtPtr>& stmts, size_t from, const std::shared_ptr<Scope>& scope,
                  Stmts* out, int lets);
  v1::Stmt* NewStmt(Stmts* out, SourceLoc loc);
  bool LowerCallStmt(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out);
  bool LowerAssign(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out, bool* let);
  bool LowerAlloc(const ast::Expr& target, const ast::Expr& call, const std::string& scope_name,
                  const std::shared_ptr<Scope>& scope, Stmts* out);
  void FillBuffer(const BufferInfo& b, v1::Buffer* out);
  bool LowerStore(const ast::Expr& t, const Value& v, SourceLoc loc, const std::shared_ptr<Scope>& scope, Stmts* out);
  bool LowerAugAssign(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out);
  bool LowerCopy(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out);
  bool LowerRegion(const ast::Expr& x, const std::shared_ptr<Scope>& scope, v1::Region* out);
  bool LowerGemm(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out);
  bool LowerFill(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out);
  bool UseSwizzle(const ast::Expr& e, const std::shared_ptr<Scope>& scope);
  bool LowerTileOp(const ast::Expr& e, const std::string& op, const std::shared_ptr<Scope>& scope, Stmts* out);
  // T.reduce_sum/max/min/abssum/absmax as a reduction loop nest (reduce_lower.cc).
  bool LowerReduce(const ast::Expr& e, const std::string& op, const std::shared_ptr<Scope>& scope, Stmts* out);
  // T.atomic_add(dst, value) as the update `dst = dst + value` (atomic_lower.cc).
  bool LowerAtomicAdd(const ast::Expr& e, const std::shared_ptr<Scope>& scope, Stmts* out);
  bool LowerFor(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out, int lets);
  // `for bx, by in T.Persistent(domain, wave_size, index)` directly in a one-dimensional
  // T.Kernel(wave_size) as (index): the kernel grid becomes `domain` with the loop variables as
  // its block indices (persistent_lower.cc).
  bool LowerPersistent(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out, int lets);

  Evaluator& ev_;
  Kernel* kernel_ = nullptr;  // the kernel whose block is being lowered
  int loop_depth_ = 0;        // kernel loops around the statement being lowered
};

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_KERNEL_LOWER_H_
