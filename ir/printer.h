// Prints the kernel IR as TileLang-like script: the `@T.prim_func` with `T.Buffer`
// parameters, `with T.Kernel(...)`, `T.alloc_*`, `T.copy`, `T.gemm`, loops and stores,
// function attributes as `T.func_attr({...})`, pass-written buffer attributes as
// `T.buffer_attr("A", {...})`, and the request's annotations as module-level
// `annotate_tt_layout(main, {...})` / `annotate_tt_schedule(main, {...})` calls.
// Output is deterministic: attribute maps print with sorted keys, floats in shortest form.
#ifndef TTC_IR_PRINTER_H_
#define TTC_IR_PRINTER_H_

#include <string>

#include <google/protobuf/message.h>

#include "ir/stmt.h"

namespace ttc::ir {

std::string PrintScript(const PrimFunc& func);
std::string PrintExpr(const Expr& e);
// A JSON value as a Python literal (True/False/None, sorted dict keys), on one line.
std::string PrintPyLiteral(const AttrValue& v);
// A JSON value as indented JSON in which any array or object whose one-line form fits in
// 100 columns stays on one line (per-core tables print one row per line). Keys sorted;
// deterministic; valid JSON.
std::string PrintJson(const AttrValue& v);
// The set fields of a proto message as a JSON value, integers kept as numbers (unlike
// protobuf's JSON mapping, which quotes int64). Field names as in the .proto file.
AttrValue MessageToAttr(const google::protobuf::Message& m);

}  // namespace ttc::ir

#endif  // TTC_IR_PRINTER_H_
