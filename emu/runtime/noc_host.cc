// The host's half of the NoC (TT_METALIUM_API.md 1.3, 3.1): the NoC coordinates of worker
// cores (ttc_emu/noc_map.h) and semaphores (CreateSemaphore; their L1 words are set when the
// program starts, emu/runtime/execute.cc).
#include <stdexcept>
#include <string>

#include <tt-metalium/device.hpp>
#include <tt-metalium/host_api.hpp>

#include "emu/runtime/device.h"
#include "ttc_emu/noc_map.h"

namespace ttc::emu {
std::vector<CoreCoord> CoresOfSet(const CoreRangeSet& set);
}  // namespace ttc::emu

namespace tt::tt_metal {

CoreCoord IDevice::worker_core_from_logical_core(const CoreCoord& logical_core) const {
  const CoreCoord grid = compute_with_storage_grid_size();
  if (logical_core.x >= grid.x || logical_core.y >= grid.y) {
    throw std::runtime_error("worker_core_from_logical_core: core {" + std::to_string(logical_core.x) + ", " +
                             std::to_string(logical_core.y) + "} is outside the " + std::to_string(grid.x) + "x" +
                             std::to_string(grid.y) + " worker grid");
  }
  return CoreCoord(ttc::emu::noc::WorkerX(static_cast<uint32_t>(logical_core.x)),
                   ttc::emu::noc::WorkerY(static_cast<uint32_t>(logical_core.y)));
}

uint32_t CreateSemaphore(Program& program, const std::variant<CoreRange, CoreRangeSet>& core_spec,
                         uint32_t initial_value, CoreType core_type) {
  if (core_type != CoreType::WORKER) {
    throw std::runtime_error("CreateSemaphore: the emulated device has worker cores only");
  }
  const CoreRangeSet cores = std::holds_alternative<CoreRange>(core_spec) ? CoreRangeSet(std::get<CoreRange>(core_spec))
                                                                          : std::get<CoreRangeSet>(core_spec);
  const std::vector<CoreCoord> list = ttc::emu::CoresOfSet(cores);
  auto& semaphores = program.impl().semaphores;
  for (uint32_t id = 0; id < ttc::emu::kMaxSemaphores; ++id) {
    bool taken = false;
    for (const auto& s : semaphores) {
      for (const CoreCoord& c : list) taken = taken || (s.id == id && s.cores.contains(c));
    }
    if (taken) continue;
    semaphores.push_back({cores, id, initial_value});
    return id;
  }
  throw std::runtime_error("CreateSemaphore: every one of the " + std::to_string(ttc::emu::kMaxSemaphores) +
                           " semaphores of a core in the range is taken");
}

}  // namespace tt::tt_metal
