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
  for (const std::string& name : RuntimeArgNamesOf(func.attrs)) {
    if (used.count(name)) out.push_back({name, "work", ""});
  }
  for (const ir::Buffer& b : func.params) {
    if (used.count(AccessorVar(b->name))) out.push_back({AddrArg(b->name), "buffer", b->name});
  }
  return out;
}

}  // namespace ttc
