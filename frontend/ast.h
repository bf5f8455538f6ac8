// Syntax tree of the Python subset that TileLang kernels are written in (frontend/parser.h
// builds it, frontend/lower.h evaluates it). Only the shapes of Python syntax ttc accepts
// have nodes; everything else is rejected by the parser with a message. Every node carries
// the line:col where it starts. Nodes are owned by their parent through unique_ptr.
#ifndef TTC_FRONTEND_AST_H_
#define TTC_FRONTEND_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "frontend/source.h"

namespace ttc::frontend::ast {

enum class ExprKind {
  kName,       // name
  kInt,        // int_value
  kFloat,      // float_value
  kString,     // name = the value; prefix = string prefix ("f", "b", ...)
  kAttribute,  // base.name
  kCall,       // base(args..., keywords...)
  kSubscript,  // base[items...]
  kSlice,      // items = {lower, upper, step}, each possibly null (only inside a subscript)
  kBinary,     // items[0] op items[1]; op = "+", "//", "and", "<", "not in", ...
  kUnary,      // op items[0]; op = "-", "+", "~", "not"
  kCompare,    // items[0] ops[0] items[1] ops[1] items[2] ...
  kTuple,      // (items...)
  kList,       // [items...]
  kDict,       // {keys[i]: items[i]}
  kIfExp,      // items = {then, condition, else}
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Keyword {
  std::string name;
  SourceLoc loc;
  ExprPtr value;
};

struct Expr {
  ExprKind kind = ExprKind::kName;
  SourceLoc loc;
  std::string name;
  std::string op;
  std::string prefix;
  int64_t int_value = 0;
  double float_value = 0;
  ExprPtr base;
  std::vector<ExprPtr> items;
  std::vector<ExprPtr> keys;       // kDict
  std::vector<std::string> ops;    // kCompare
  std::vector<Keyword> keywords;   // kCall
  bool parenthesized = false;      // written in parentheses (a tuple `(a, b)` vs `a, b`)
  int depth = 1;                   // height of this subtree (bounded by the parser)
};

enum class StmtKind {
  kExpr,       // value
  kAssign,     // targets[0] = targets[1] = ... = value
  kAugAssign,  // targets[0] op= value
  kFor,        // for targets[0] in value: body
  kWith,       // with value as targets[0]: body (targets empty without `as`)
  kIf,         // if value: body else orelse (elif is a nested if in orelse)
  kDef,        // decorators; def name(params) : body
  kReturn,     // return value (may be null)
  kPass,
  kImport,     // import names[i] [as aliases[i]]; from `module` when module is non-empty
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

struct Param {
  std::string name;
  SourceLoc loc;
  ExprPtr annotation;  // may be null
  ExprPtr default_value;  // may be null
};

struct Stmt {
  StmtKind kind = StmtKind::kPass;
  SourceLoc loc;
  std::string name;  // kDef: function name
  std::string op;    // kAugAssign: "+", "-", ...
  ExprPtr value;
  std::vector<ExprPtr> targets;
  std::vector<StmtPtr> body;
  std::vector<StmtPtr> orelse;
  std::vector<ExprPtr> decorators;
  std::vector<Param> params;
  // kImport
  std::string module;
  std::vector<std::string> names;
  std::vector<std::string> aliases;  // "" = no alias
  std::vector<SourceLoc> name_locs;
};

struct Module {
  std::vector<StmtPtr> body;
};

}  // namespace ttc::frontend::ast

#endif  // TTC_FRONTEND_AST_H_
