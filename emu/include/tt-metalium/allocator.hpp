// ttc emulator: a device's memory allocator as programs see it (tt-metalium/allocator.hpp):
// alignments, banks and their sizes. Wormhole B0 numbers: 12 DRAM banks aligned to 32 bytes,
// 64 L1 banks (one per worker core) aligned to 16 bytes.
#pragma once

#include <cstdint>

#include <tt-metalium/buffer_types.hpp>
#include <tt-metalium/hal_types.hpp>

namespace tt::tt_metal {

class IDevice;

class Allocator {
public:
    explicit Allocator(IDevice* device) : device_(device) {}
    Allocator(const Allocator&) = delete;
    Allocator& operator=(const Allocator&) = delete;

    std::uint32_t get_alignment(BufferType buffer_type) const;
    std::uint32_t get_num_banks(const BufferType& buffer_type) const;
    DeviceAddr get_bank_size(const BufferType& buffer_type) const;
    // The lowest address buffers of this memory may start at.
    DeviceAddr get_base_allocator_addr(const HalMemType& mem_type) const;
    std::uint32_t get_dram_channel_from_bank_id(std::uint32_t bank_id) const { return bank_id; }

private:
    IDevice* device_;
};

}  // namespace tt::tt_metal
