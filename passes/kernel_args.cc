#include "passes/kernel_args.h"

#include "passes/attrs.h"
#include "passes/circular_buffers.h"
#include "passes/dead_code.h"

namespace ttc {

std::vector<KernelArg> KernelArgTable(const ir::PrimFunc& func, const std::string& role) {
  std::vector<KernelArg> out;
  auto it = func.kernels.find(role);
  if (it == func.kernels.end()) return out;
  const std::set<std::string> used = FreeVars(it->second);
  for (const ir::AttrValue& name : func.attrs.value(attr::kRuntimeArgs, ir::AttrValue::array())) {
    if (used.count(name.get<std::string>())) out.push_back({name.get<std::string>(), "work", ""});
  }
  for (const ir::Buffer& b : func.params) {
    if (used.count(AccessorVar(b->name))) out.push_back({AddrArg(b->name), "buffer", b->name});
  }
  return out;
}

}  // namespace ttc
