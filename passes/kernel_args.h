// The runtime-argument table of each generated kernel: which values a kernel reads with
// get_arg_val<uint32_t>(i), in which order. One table per kernel (reader, compute and writer
// read different sets), computed once from the lowered kernel bodies and recorded in
// plan.json; the host's SetRuntimeArgs rows are generated from the same table, so index
// and value cannot drift apart (the reference backend's colliding argument slots).
#ifndef TTC_PASSES_KERNEL_ARGS_H_
#define TTC_PASSES_KERNEL_ARGS_H_

#include <string>
#include <vector>

#include "ir/stmt.h"

namespace ttc {

// One argument: `name` as the kernel spells it, and where the host takes its value from.
struct KernelArg {
  std::string name;    // "start_id", "A_addr", ...
  std::string source;  // "work" (a tt.runtime_args entry, per core) or "buffer" (a DRAM/L1 address)
  std::string buffer;  // for "buffer": the global buffer whose address() it is
};

// The table of `role`'s kernel: the tt.runtime_args entries it reads (in that order), then
// the addresses of the global buffers it accesses (in parameter order). Requires
// func.kernels (memory_space_lower_tt).
std::vector<KernelArg> KernelArgTable(const ir::PrimFunc& func, const std::string& role);

}  // namespace ttc

#endif  // TTC_PASSES_KERNEL_ARGS_H_
