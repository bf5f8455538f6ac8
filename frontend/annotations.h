// The TT annotations of a kernel script: `annotate_tt_layout(func, {"A": {...}})` and
// `annotate_tt_schedule(func, {...})`. The dicts' keys are the fields of ttc.v1.BufferLayout /
// ttc.v1.Schedule (TileLang's keys), filled by protobuf reflection: strings, integers, bools,
// lists and nested dicts (nd_shard, halo), each checked against its field's type. Every entry
// records where it was written in its `loc` field (a layout: the buffer's key in the dict; the
// schedule: the annotate_tt_schedule call), so that the passes' diagnostics about it point at
// the script's line:col.
// Thread-safety: reentrant.
#ifndef TTC_FRONTEND_ANNOTATIONS_H_
#define TTC_FRONTEND_ANNOTATIONS_H_

#include <string>

#include "frontend/ast.h"
#include "frontend/source.h"
#include "frontend/value.h"

namespace ttc::frontend {

// Applies the call `call` of annotation `name` ("annotate_tt_layout" or
// "annotate_tt_schedule") with its evaluated arguments `func` (must be a kernel) and `dict`
// to the kernel (a later annotation of the same buffer or schedule replaces the earlier one).
// Returns false and fills `error` on the first problem: not a kernel, not a dict, a layout
// of a name that is not a parameter, an unknown key (the message lists the known ones), a
// value of the wrong type.
bool ApplyAnnotation(const std::string& name, const ast::Expr& call, const Value& func, const Value& dict,
                     Diagnostic* error);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_ANNOTATIONS_H_
