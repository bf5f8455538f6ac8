// Syntax tree of a Python file holding TileLang kernels (frontend/parser.h builds it,
// frontend/lower.h evaluates it). The whole of Python 3's statement and expression syntax has
// nodes (a kernel file is parsed whole, harness included); which constructs are evaluated, and
// where, is the evaluator's decision (docs/tilelang_frontend.md). Every node carries the
// line:col where it starts. Nodes are owned by their parent through unique_ptr.
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
  kStarred,    // *items[0] (call arguments, displays, assignment targets)
  kLambda,     // lambda params: items[0]
  kListComp,   // [items[0] comps...]
  kSetComp,    // {items[0] comps...}
  kDictComp,   // {keys[0]: items[0] comps...}
  kGenerator,  // (items[0] comps...)
  kSet,        // {items...}
  kEllipsis,   // ...
  kFString,    // f"...": items = parts, each a kString (literal text) or a kFormatted
  kFormatted,  // {items[0]!op:base} inside an f-string: op = "", "r", "s" or "a"; base = the format
               // spec (a kFString, may be null); name = the "x=" text of a `{x=}` field, else ""
  kNamedExpr,  // items[0] := items[1] (items[0] is a kName)
  kYield,      // yield items[0] (items may be empty); op = "from" for `yield from`
  kAwait,      // await items[0]
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// A call's keyword argument `name=value`, or `**value` when name is empty.
struct Keyword {
  std::string name;
  SourceLoc loc;
  ExprPtr value;
};

// A function or lambda parameter. `star` is 1 for `*args` (or a bare `*` marker, whose name is
// empty), 2 for `**kwargs`; parameters after a `*` are keyword-only; parameters before a `/`
// are positional-only (the `/` itself has no Param).
struct Param {
  std::string name;
  SourceLoc loc;
  ExprPtr annotation;     // may be null
  ExprPtr default_value;  // may be null
  int star = 0;
  bool keyword_only = false;
  bool positional_only = false;
};

// One `for target in iter if cond ...` clause of a comprehension.
struct Comprehension {
  ExprPtr target;
  ExprPtr iter;
  std::vector<ExprPtr> ifs;
  bool is_async = false;
  SourceLoc loc;
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
  std::vector<ExprPtr> keys;       // kDict (a null key: `**items[i]`), kDictComp
  std::vector<std::string> ops;    // kCompare
  std::vector<Keyword> keywords;   // kCall
  std::vector<Param> params;       // kLambda
  std::vector<Comprehension> comps;  // kListComp, kSetComp, kDictComp, kGenerator
  bool parenthesized = false;      // written in parentheses (a tuple `(a, b)` vs `a, b`)
  int depth = 1;                   // height of this subtree (bounded by the parser)
};

enum class StmtKind {
  kExpr,       // value
  kAssign,     // targets[0] = targets[1] = ... = value
  kAugAssign,  // targets[0] op= value
  kAnnAssign,  // targets[0]: annotation [= value] (value may be null)
  kFor,        // for targets[0] in value: body else: orelse
  kWhile,      // while value: body else: orelse
  kWith,       // with value as targets[0]: body (targets empty without `as`); with_items holds
               // every item, the first one included
  kIf,         // if value: body else orelse (elif is a nested if in orelse)
  kDef,        // decorators; def name(params) -> annotation: body
  kClass,      // decorators; class name(targets = bases, keywords): body
  kReturn,     // return value (may be null)
  kPass,
  kBreak,
  kContinue,
  kImport,     // import names[i] [as aliases[i]]; from `module` when module is non-empty
               // (module "." prefixed for relative imports, names {"*"} for `import *`)
  kTry,        // try: body handlers... else: orelse finally: finalbody
  kAssert,     // assert value, msg (msg may be null)
  kRaise,      // raise value from msg (both may be null)
  kDel,        // del targets...
  kGlobal,     // global names...
  kNonlocal,   // nonlocal names...
  kMatch,      // match value: the cases are kept unparsed (the evaluator refuses `match`)
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

// `except type as name: body` (type may be null for a bare `except:`).
struct Handler {
  ExprPtr type;
  std::string name;
  SourceLoc loc;
  std::vector<StmtPtr> body;
};

// One `context as target` item of a with statement (target may be null).
struct WithItem {
  ExprPtr context;
  ExprPtr target;
};

struct Stmt {
  StmtKind kind = StmtKind::kPass;
  SourceLoc loc;
  std::string name;  // kDef: function name
  std::string op;    // kAugAssign: "+", "-", ...
  ExprPtr value;
  ExprPtr annotation;  // kAnnAssign; kDef: the return annotation (may be null)
  ExprPtr msg;         // kAssert: the message; kRaise: the `from` cause
  std::vector<ExprPtr> targets;
  std::vector<StmtPtr> body;
  std::vector<StmtPtr> orelse;
  std::vector<StmtPtr> finalbody;  // kTry
  std::vector<Handler> handlers;   // kTry
  std::vector<WithItem> with_items;  // kWith
  std::vector<Keyword> keywords;   // kClass
  std::vector<ExprPtr> decorators;
  std::vector<Param> params;
  bool is_async = false;  // `async def`, `async for`, `async with`
  // kImport; kGlobal / kNonlocal use names and name_locs
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
