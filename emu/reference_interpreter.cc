#include "emu/reference_interpreter.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "emu/reference_interpreter_engine.h"

namespace ttc::emu {
namespace reference {

absl::StatusOr<BufferValues> Interpreter::Run(const BufferValues& inputs) {
  if (func_.persistent || !func_.kernels.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", func_.name, "' has been lowered (", func_.persistent ? "persistent" : "TT-Metalium kernels",
        "); the reference interpreter runs the source IR only"));
  }
  if (!func_.body) return absl::InvalidArgumentError(absl::StrCat("'", func_.name, "' has no body"));
  // Parameters.
  for (const ir::Buffer& p : func_.params) {
    auto slot = AddBuffer(*p, /*global=*/true);
    if (!slot.ok()) return slot.status();
    buf_names_[p->name] = *slot;
  }
  for (const auto& [name, values] : inputs) {
    if (!func_.FindParam(name)) {
      std::vector<std::string> names;
      for (const ir::Buffer& p : func_.params) names.push_back(p->name);
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "' is not a parameter of '", func_.name,
                                                     "' (parameters: ", absl::StrJoin(names, ", "), ")"));
    }
  }
  for (size_t i = 0; i < func_.params.size(); ++i) {
    BufState& b = bufs_[i];
    auto it = inputs.find(b.name);
    if (it == inputs.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing input for parameter '", b.name, "' of '", func_.name, "'"));
    }
    if (static_cast<int64_t>(it->second.size()) != b.size) {
      return absl::InvalidArgumentError(absl::StrCat("input '", b.name, "' has ", it->second.size(),
                                                     " elements; parameter '", b.name, "' with shape ",
                                                     ShapeStr(b.shape), " has ", b.size));
    }
    b.data.resize(b.size);
    ConvertArray(it->second.data(), b.data.data(), b.data.size(), false, b.type);
  }
  // Block indices.
  static const char* kDefaultVars[] = {"bx", "by", "bz"};
  const size_t dims = std::min<size_t>(func_.grid.extents.size(), 3);
  std::vector<int> grid_slots;
  for (size_t d = 0; d < dims; ++d) {
    const std::string name = d < func_.grid.vars.size() ? func_.grid.vars[d] : kDefaultVars[d];
    grid_slots.push_back(NewVar(name, /*is_int=*/true));
  }
  auto body = CompileBody(func_.body);
  if (!body.ok()) return body.status();
  const int64_t gx = func_.grid.x(), gy = func_.grid.y(), gz = func_.grid.z();
  for (int64_t z = 0; z < gz; ++z) {
    for (int64_t y = 0; y < gy; ++y) {
      for (int64_t x = 0; x < gx; ++x) {
        const int64_t idx[3] = {x, y, z};
        for (size_t d = 0; d < dims; ++d) vars_[grid_slots[d]].i = idx[d];
        ExecBody(*body);
        if (!ok_) return status_;
      }
    }
  }
  BufferValues out;
  for (size_t i = 0; i < func_.params.size(); ++i) out[bufs_[i].name] = std::move(bufs_[i].data);
  return out;
}

}  // namespace reference

absl::StatusOr<BufferValues> RunReference(const ir::PrimFunc& func, const BufferValues& inputs) {
  reference::Interpreter interp(func);
  return interp.Run(inputs);
}

}  // namespace ttc::emu
