// T.Persistent (tilelang/language/persistent.py): `for bx, by in T.Persistent(domain,
// wave_size, index[, group_size])` inside `with T.Kernel(wave_size) as index` visits every
// point of `domain` once, spread over the wave_size GPU blocks. The TT backend makes every
// kernel persistent over its cores itself (grid_to_persistent_tt distributes the work units of
// the launch grid over the core grid), so the same kernel on TT is the launch over `domain`:
// the grid becomes `domain`, the loop variables its block indices, and the loop body the
// kernel body. The visiting order (TileLang's grouped order) does not change what is computed:
// each point is computed independently. Refused: a T.Persistent that is not directly in a
// one-dimensional kernel block, whose index is not that block's index, or whose kernel uses
// the block index anywhere else (its meaning, a GPU block number, has no TT counterpart).
#include "absl/strings/str_cat.h"
#include "frontend/kernel_lower.h"

namespace ttc::frontend {

using ast::ExprKind;

namespace {

bool UsesVar(const google::protobuf::Message& m, const std::string& name) {
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  const google::protobuf::Reflection* r = m.GetReflection();
  if (d == v1::Expr::descriptor() && static_cast<const v1::Expr&>(m).var() == name) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        if (UsesVar(r->GetRepeatedMessage(m, f, i), name)) return true;
      }
    } else if (UsesVar(r->GetMessage(m, f), name)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool KernelLowerer::LowerPersistent(const ast::Stmt& s, const std::shared_ptr<Scope>& scope, Stmts* out, int lets) {
  const ast::Expr& it = *s.value;
  v1::LaunchGrid* g = kernel_ ? kernel_->func.mutable_grid() : nullptr;
  if (!g || loop_depth_ != 0 || g->extents_size() != 1 || g->vars_size() != 1) {
    return ev_.Fail(it.loc, "T.Persistent is lowered when it is the loop directly in a one-dimensional "
                            "`with T.Kernel(wave_size) as index:` block: the TT backend then launches the kernel over "
                            "its domain and distributes that over the cores itself (grid_to_persistent_tt)");
  }
  if (it.items.size() < 3 || it.items.size() > 4) {
    return ev_.Fail(it.loc, "T.Persistent expects (domain, wave_size, index[, group_size])");
  }
  for (const ast::Keyword& kw : it.keywords) {
    if (kw.name != "group_size") {
      return ev_.Fail(kw.loc, absl::StrCat("T.Persistent keyword '", kw.name, "' is not supported; it accepts "
                                           "group_size"));
    }
  }
  Value domain;
  if (!ev_.Eval(*it.items[0], scope, &domain)) return false;
  std::vector<int64_t> extents;
  if (domain.kind == Value::kList || domain.kind == Value::kTuple) {
    for (const Value& v : domain.items) {
      if (v.kind != Value::kInt) return ev_.Fail(it.items[0]->loc, "T.Persistent's domain must be compile-time integers");
      extents.push_back(v.i);
    }
  }
  if (extents.empty() || extents.size() > 3) {
    return ev_.Fail(it.items[0]->loc, "T.Persistent's domain is a list of 1 to 3 compile-time extents");
  }
  for (int64_t e : extents) {
    if (e <= 0) return ev_.Fail(it.items[0]->loc, absl::StrCat("T.Persistent's domain extents must be positive, got ", e));
  }
  const ast::Expr& index = *it.items[2];
  const std::string block_var = g->vars(0);
  if (index.kind != ExprKind::kName || index.name != block_var) {
    return ev_.Fail(index.loc, absl::StrCat("T.Persistent's index must be the kernel's block index '", block_var, "'"));
  }
  std::vector<const ast::Expr*> vars;
  const ast::Expr& t = *s.targets[0];
  if (!LoopTargets(s, &vars)) return false;
  if (vars.size() != extents.size()) {
    return ev_.Fail(t.loc, absl::StrCat("T.Persistent's domain has ", extents.size(), " dimensions but ", vars.size(),
                                        " loop variables are bound"));
  }
  if (UsesVar(kernel_->func, block_var)) {
    return ev_.Fail(index.loc, absl::StrCat("the kernel uses its block index '", block_var, "' besides passing it to ",
                                            "T.Persistent; the TT launch over T.Persistent's domain has no such index"));
  }
  g->clear_extents();
  g->clear_vars();
  auto inner = std::make_shared<Scope>(scope);
  for (size_t d = 0; d < extents.size(); ++d) {
    g->add_extents(extents[d]);
    g->add_vars(vars[d]->name);
    inner->Set(vars[d]->name, VarValue(vars[d]->name, vars[d]->loc));
  }
  ++loop_depth_;  // a second T.Persistent would be nested in this one's domain
  const bool ok = LowerBlock(s.body, 0, inner, out, lets);
  --loop_depth_;
  if (!ok) return false;
  if (UsesVar(kernel_->func, block_var)) {
    return ev_.Fail(index.loc, absl::StrCat("the kernel uses its block index '", block_var, "' besides passing it to ",
                                            "T.Persistent; the TT launch over T.Persistent's domain has no such index"));
  }
  return true;
}

}  // namespace ttc::frontend
