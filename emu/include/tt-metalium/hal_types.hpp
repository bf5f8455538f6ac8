// ttc emulator: programmable core and memory kinds (tt-metalium/hal_types.hpp). The emulator
// has Tensix worker cores only: no active Ethernet cores, no dispatch cores visible to programs.
#pragma once

#include <cstdint>

namespace tt::tt_metal {

enum class HalProgrammableCoreType { TENSIX = 0, ACTIVE_ETH = 1, IDLE_ETH = 2, COUNT = 3 };

enum class HalMemType : std::uint8_t { L1 = 0, DRAM = 1, HOST = 2, COUNT = 3 };

}  // namespace tt::tt_metal
