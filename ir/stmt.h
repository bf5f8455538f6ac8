// Statements of the kernel IR and the function that holds them (ARCHITECTURE.md "Kernel
// IR"): loops, allocations, tile copies, GEMMs, fills, element stores, conditionals, lets,
// sequences and call evaluation. Statement nodes are immutable and shared like expressions;
// PrimFunc is a mutable value that passes update (attributes, body).
#ifndef TTC_IR_STMT_H_
#define TTC_IR_STMT_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/expr.h"
#include "ttc/v1/request.pb.h"

namespace ttc::ir {

enum class StmtKind { kFor, kAlloc, kCopy, kGemm, kFill, kStore, kIf, kLet, kSeq, kEvaluate };

enum class ForKind { kSerial, kPipelined, kParallel, kUnrolled, kGrid };
const char* ForKindName(ForKind k);  // "serial", "Pipelined", ...

struct StmtNode {
  explicit StmtNode(StmtKind k) : kind(k) {}
  virtual ~StmtNode() = default;
  const StmtKind kind;
  Loc loc;
};
using Stmt = std::shared_ptr<const StmtNode>;

struct For : StmtNode {
  For() : StmtNode(StmtKind::kFor) {}
  std::string var;
  Expr min;      // never null after construction (0 when absent)
  Expr extent;
  ForKind for_kind = ForKind::kSerial;
  int num_stages = 0;  // kPipelined only
  Stmt body;           // a Seq
};

// An on-chip allocation, visible to the statements after it in the enclosing Seq.
struct Alloc : StmtNode {
  Alloc() : StmtNode(StmtKind::kAlloc) {}
  Buffer buffer;
};

// A rectangular buffer region: offsets and extents per dimension, in elements.
struct Region {
  Buffer buffer;
  std::vector<Expr> begin;      // one per dimension
  std::vector<int64_t> extent;  // one per dimension
};

// T.copy(src, dst). After conversion both regions have the same element count.
struct Copy : StmtNode {
  Copy() : StmtNode(StmtKind::kCopy) {}
  Region src, dst;
};

// T.gemm(A, B, C): C (+)= op(A) @ op(B) over whole buffers.
struct Gemm : StmtNode {
  Gemm() : StmtNode(StmtKind::kGemm) {}
  Buffer a, b, c;
  bool transpose_a = false, transpose_b = false, clear_accum = false;
};

// T.fill(buffer, value); T.clear is a fill with integer 0.
struct Fill : StmtNode {
  Fill() : StmtNode(StmtKind::kFill) {}
  Buffer buffer;
  Expr value;
};

struct Store : StmtNode {
  Store() : StmtNode(StmtKind::kStore) {}
  Buffer buffer;
  std::vector<Expr> indices;
  Expr value;
};

struct IfThenElse : StmtNode {
  IfThenElse() : StmtNode(StmtKind::kIf) {}
  Expr condition;
  Stmt then_body;  // a Seq
  Stmt else_body;  // a Seq, possibly empty
};

struct Let : StmtNode {
  Let() : StmtNode(StmtKind::kLet) {}
  std::string var;
  Expr value;
  Stmt body;  // a Seq
};

struct Seq : StmtNode {
  Seq() : StmtNode(StmtKind::kSeq) {}
  std::vector<Stmt> stmts;
};

struct Evaluate : StmtNode {
  Evaluate() : StmtNode(StmtKind::kEvaluate) {}
  Expr value;
};

template <typename T>
const T* As(const Stmt& s);
#define TTC_STMT_AS(T, K) \
  template <> inline const T* As<T>(const Stmt& s) { return s && s->kind == StmtKind::K ? static_cast<const T*>(s.get()) : nullptr; }
TTC_STMT_AS(For, kFor)
TTC_STMT_AS(Alloc, kAlloc)
TTC_STMT_AS(Copy, kCopy)
TTC_STMT_AS(Gemm, kGemm)
TTC_STMT_AS(Fill, kFill)
TTC_STMT_AS(Store, kStore)
TTC_STMT_AS(IfThenElse, kIf)
TTC_STMT_AS(Let, kLet)
TTC_STMT_AS(Seq, kSeq)
TTC_STMT_AS(Evaluate, kEvaluate)
#undef TTC_STMT_AS

Stmt MakeSeq(std::vector<Stmt> stmts, Loc loc = {});

// T.Kernel(gx, gy, gz) as (bx, by, bz).
struct LaunchGrid {
  std::vector<int64_t> extents;  // 1..3 entries, each > 0
  std::vector<std::string> vars; // block index names, same length
  int64_t threads = 0;           // TileLang threads= hint (0 = absent); unused by TT
  Loc loc;

  int64_t x() const { return extents.size() > 0 ? extents[0] : 1; }
  int64_t y() const { return extents.size() > 1 ? extents[1] : 1; }
  int64_t z() const { return extents.size() > 2 ? extents[2] : 1; }
};

// JSON-like attribute values (null/bool/int/float/string/array/map). nlohmann::json keeps
// object keys sorted, so printing an attribute map is deterministic.
using AttrValue = nlohmann::json;

// A TileLang @T.prim_func plus the TT annotations of its request.
struct PrimFunc {
  std::string name;
  std::vector<Buffer> params;  // global buffers in call order
  LaunchGrid grid;
  Stmt body;                   // a Seq: the statements inside `with T.Kernel(...)`
  // Function attributes keyed by PASSES.md names (`tt_num_cores`, `tt.buffer.A`, ...).
  AttrValue attrs = AttrValue::object();
  // Per-buffer attributes written by passes (`tt_layout`, `tt_tile_shape`, ...), by name.
  std::map<std::string, AttrValue> buffer_attrs;
  // annotate_tt_layout: per parameter name, with the location of each entry.
  std::map<std::string, v1::BufferLayout> layouts;
  std::map<std::string, Loc> layout_locs;
  // annotate_tt_schedule; has_schedule says whether the request carried one.
  v1::Schedule schedule;
  bool has_schedule = false;
  Loc schedule_loc;
  Loc loc;
  // Set by grid_to_persistent_tt: `body` iterates this core's work units itself (the launch
  // grid is kept for reference).
  bool persistent = false;
  // Set by memory_space_lower_tt: the TT-Metalium kernels projected from `body`, by role
  // ("reader", "compute", "writer"), each a Seq of loops, lets and `tt.*` intrinsic calls.
  std::map<std::string, Stmt> kernels;

  // The parameter named `name`, or nullptr.
  Buffer FindParam(const std::string& name) const;
};

}  // namespace ttc::ir

#endif  // TTC_IR_STMT_H_
