// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// Circular-buffer configuration, from tt-metal `tt_metal/api/tt-metalium/circular_buffer_config.hpp`
// (TT_METALIUM_API.md section 3.1). Pages = total_size / page_size; one config may cover several
// CB indices, which then share memory.
#pragma once

#include <cstdint>
#include <map>

#include <tt-metalium/tt_backend_api_types.hpp>
#include "hostdevcommon/kernel_structs.h"

namespace tt::tt_metal {

class Buffer;

using CBHandle = std::uintptr_t;

class CircularBufferConfig {
public:
    CircularBufferConfig(std::uint32_t total_size, const std::map<std::uint8_t, tt::DataFormat>& data_format_spec);

    CircularBufferConfig& set_page_size(std::uint8_t buffer_index, std::uint32_t page_size);

    // Places the CB on an L1 buffer's memory (a sharded buffer's local shard) instead of
    // allocating it.
    CircularBufferConfig& set_globally_allocated_address(const Buffer& buffer);
};

}  // namespace tt::tt_metal
