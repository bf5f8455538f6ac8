// ttc emulator: data-movement processors and NoCs (tt-metalium/data_types.hpp). BRISC is
// RISCV_0, NCRISC RISCV_1; TT's examples put readers on RISCV_1 / NOC_1, writers on RISCV_0 /
// NOC_0. The emulated NoC is one fabric, so the NoC index does not change a transfer.
#pragma once

#include <cstdint>

namespace tt::tt_metal {

enum class DataMovementProcessor { RISCV_0 = 0, RISCV_1 = 1 };

enum NOC : std::uint8_t { RISCV_0_default = 0, RISCV_1_default = 1, NOC_0 = 0, NOC_1 = 1 };

enum NOC_MODE : std::uint8_t { DM_DEDICATED_NOC = 0, DM_DYNAMIC_NOC = 1 };

enum Eth : std::uint8_t { SENDER = 0, RECEIVER = 1, IDLE = 2 };

}  // namespace tt::tt_metal
