// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// Buffer enums, from tt-metal `tt_metal/api/tt-metalium/buffer_types.hpp` (TT_METALIUM_API.md
// section 3.1). Only the dialect's enumerators are listed (the real BufferType also has
// SYSTEM_MEMORY, L1_SMALL and TRACE after these two).
#pragma once

#include <cstdint>

namespace tt::tt_metal {

using DeviceAddr = std::uint64_t;

enum class BufferType {
    DRAM,
    L1,
};

enum class TensorMemoryLayout {
    INTERLEAVED,
    HEIGHT_SHARDED,
    WIDTH_SHARDED,
    BLOCK_SHARDED,
};

enum class ShardOrientation {
    ROW_MAJOR,
    COL_MAJOR,
};

}  // namespace tt::tt_metal
