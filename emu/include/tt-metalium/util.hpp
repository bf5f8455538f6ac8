// ttc emulator: TT-Metalium's host utilities (tt-metalium/util.hpp).
#pragma once

#include <cstdint>

#include <tt-metalium/assert.hpp>
#include <tt-metalium/buffer_types.hpp>
#include <tt-metalium/data_types.hpp>
#include <tt-metalium/hal_types.hpp>
#include <tt-metalium/math.hpp>
#include <tt-metalium/tt_backend_api_types.hpp>

namespace tt::tt_metal::detail {

// Bytes of one tile of `data_format` (tt::tile_size); usable in constant expressions.
constexpr std::uint32_t TileSize(const DataFormat& data_format) { return tt::tile_size(data_format); }

// Bytes each bank holds of a buffer of size_bytes interleaved in pages of page_size_bytes
// over num_banks banks, each page rounded up to alignment_bytes.
constexpr DeviceAddr SizeBytesPerBank(DeviceAddr size_bytes, DeviceAddr page_size_bytes, std::uint32_t num_banks,
                                      std::uint32_t alignment_bytes) {
    const DeviceAddr pages = page_size_bytes == 0 ? 0 : size_bytes / page_size_bytes;
    const DeviceAddr per_bank = pages == 0 ? 0 : (pages + num_banks - 1) / num_banks;
    return per_bank * tt::round_up(page_size_bytes, DeviceAddr{alignment_bytes});
}

// Wormhole B0: DRAM reads on NOC 0, writes on NOC 1.
inline NOC GetPreferredNOCForDRAMRead(ARCH) { return NOC::NOC_0; }
inline NOC GetPreferredNOCForDRAMWrite(ARCH) { return NOC::NOC_1; }

}  // namespace tt::tt_metal::detail
