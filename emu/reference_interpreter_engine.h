// The reference interpreter's engine: compiles a PrimFunc's source IR into the program of
// emu/reference_interpreter_program.h, then runs it block by block (semantics, errors and
// cost: emu/reference_interpreter.h). Internal to the interpreter; its members are defined
// by concern:
//   reference_interpreter.cc          Run: inputs, the launch grid, outputs
//   reference_interpreter_compile.cc  compilation (name resolution, typing, rank checks)
//   reference_interpreter_eval.cc     expression evaluation, element access, statements
//   reference_interpreter_bulk.cc     T.copy and T.gemm over whole regions
// Not thread-safe: one Interpreter per run.
#ifndef TTC_EMU_REFERENCE_INTERPRETER_ENGINE_H_
#define TTC_EMU_REFERENCE_INTERPRETER_ENGINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "emu/reference_interpreter.h"
#include "emu/reference_interpreter_program.h"
#include "ir/stmt.h"

namespace ttc::emu::reference {

// The tile-padded shape of parameter `b` in b's rank: the shape a global buffer may be
// accessed within (see the header, "Padding of global buffers").
std::vector<int64_t> PaddedShape(const ir::PrimFunc& func, const ir::BufferNode& b);

class Interpreter {
 public:
  explicit Interpreter(const ir::PrimFunc& func) : func_(func) {}

  // RunReference (emu/reference_interpreter.h).
  absl::StatusOr<BufferValues> Run(const BufferValues& inputs);

 private:
  // Where an access names a buffer, for CheckRank.
  enum class Access { kLoad, kStore, kCopySource, kCopyDestination, kGemmOperand };

  // ---- Compilation (reference_interpreter_compile.cc) ----
  absl::StatusOr<int> AddBuffer(const ir::BufferNode& b, bool global);
  int NewVar(const std::string& name, bool is_int);
  absl::StatusOr<int> LookupBuffer(const ir::Buffer& b, const ir::Loc& loc);
  absl::Status NotWellFormed(const std::string& msg, const ir::Loc& loc);
  // Every rank rule of the interpreter, in one place: an access of `b` with `indices` indices
  // (a load or store), `indices` offsets and `extents` extents (a copy region), or as a T.gemm
  // operand (which must be 2-D). INVALID_ARGUMENT naming the buffer when the rank disagrees.
  absl::Status CheckRank(const BufState& b, Access access, size_t indices, size_t extents, const ir::Loc& loc);
  absl::StatusOr<CExpr> CompileExpr(const ir::Expr& e);
  absl::StatusOr<CExpr> CompileIndex(const ir::Expr& e, const std::string& what);
  absl::StatusOr<CRegion> CompileRegion(const ir::Region& r, const ir::Loc& loc, const char* side);
  absl::StatusOr<std::vector<CStmt>> CompileBody(const ir::Stmt& s);
  absl::Status CompileInto(const ir::Stmt& s, std::vector<CStmt>* out);
  absl::StatusOr<CStmt> CompileStmt(const ir::Stmt& s);

  // ---- Execution (reference_interpreter_eval.cc) ----
  void Fail(absl::Status st);
  std::string ShapeDesc(const BufState& b) const;
  bool Truthy(const CExpr& e);
  void FailIndex(const BufState& b, const std::vector<CExpr>& idx, const char* what, const ir::Loc& loc);
  int64_t Offset(const BufState& b, const std::vector<CExpr>& idx, const IndexPlan& plan, const char* what,
                 const ir::Loc& loc);
  double LoadValue(const CExpr& e);
  int64_t IntBinary(const CExpr& e);
  int64_t EvalI(const CExpr& e);
  double EvalF(const CExpr& e);
  void ExecBody(const std::vector<CStmt>& body);
  void Exec(const CStmt& s);

  // ---- Whole-region operations (reference_interpreter_bulk.cc) ----
  bool RegionOffsets(const CRegion& r, const char* side, const ir::Loc& loc, std::vector<int64_t>* offsets);
  void ExecCopy(const CStmt& s);
  void ExecGemm(const CStmt& s);

  const ir::PrimFunc& func_;
  std::vector<BufState> bufs_;
  std::vector<VarSlot> vars_;
  std::map<std::string, int> buf_names_;  // visible at the point being compiled
  std::map<std::string, int> var_names_;
  absl::Status status_;
  bool ok_ = true;
  std::vector<int64_t> src_off_, dst_off_;  // scratch
  std::vector<double> tmp_, opa_, opb_, acc_;
};

}  // namespace ttc::emu::reference

#endif  // TTC_EMU_REFERENCE_INTERPRETER_ENGINE_H_
