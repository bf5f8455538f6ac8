// The emulated device's NoC: where its cores and DRAM banks sit, and how a 64-bit NoC address
// names a place, shared by the kernel API (get_noc_addr, get_noc_multicast_addr, the address
// generators) and the emulator that carries the transfers out.
//   - Worker core (x, y) (logical) is at NoC (x + 18, y + 18), TT-Metalium's virtual (translated)
//     coordinates on Wormhole: what the host's IDevice::worker_core_from_logical_core returns and
//     what kernels pass to get_noc_addr; a rectangle of cores is a rectangle of coordinates. A
//     worker is also reached at its Wormhole physical NoC 0 coordinates (columns 1-4, 6-9, rows
//     1-5, 7-9), as the hardware's translation leaves coordinates below 16 physical.
//   - DRAM bank b (0..11) is at NoC (b + 1, 0), the top row (where Grayskull had its first DRAM
//     channel: hello_world_datatypes_kernel reads bank 0 as get_noc_addr(1, 0, addr)); kernels
//     otherwise reach DRAM through address generators and get_noc_addr_from_bank_id.
//   - The coordinates are the same on NoC 0 and NoC 1 (virtual coordinates): the `noc` argument
//     of the API selects a NoC, not a coordinate system.
// Encoding (TT's Wormhole layout, NOC_ADDR_LOCAL_BITS = 36, 6-bit node ids): unicast
// addr | x << 36 | y << 42; multicast addr | x_end << 36 | y_end << 42 | x_start << 48 |
// y_start << 54. Kernels treat the value as opaque.
#pragma once

#include <cstdint>

namespace ttc::emu::noc {

inline constexpr std::uint32_t kGridCols = 8, kGridRows = 8, kDramBanks = 12, kL1Banks = kGridCols * kGridRows;
inline constexpr int kLocalBits = 36, kNodeBits = 6;
inline constexpr std::uint64_t kLocalMask = (std::uint64_t{1} << kLocalBits) - 1;

inline constexpr std::uint32_t kTranslatedStart = 18;
inline constexpr std::uint32_t kPhysicalX[kGridCols] = {1, 2, 3, 4, 6, 7, 8, 9};
inline constexpr std::uint32_t kPhysicalY[kGridRows] = {1, 2, 3, 4, 5, 7, 8, 9};

constexpr std::uint32_t WorkerX(std::uint32_t logical_x) { return logical_x + kTranslatedStart; }
constexpr std::uint32_t WorkerY(std::uint32_t logical_y) { return logical_y + kTranslatedStart; }

// The logical worker core at NoC (x, y), virtual or physical coordinates; false when none is there.
constexpr bool WorkerAt(std::uint32_t x, std::uint32_t y, std::uint32_t* logical_x, std::uint32_t* logical_y) {
    if (x >= kTranslatedStart && x < kTranslatedStart + kGridCols && y >= kTranslatedStart &&
        y < kTranslatedStart + kGridRows) {
        *logical_x = x - kTranslatedStart;
        *logical_y = y - kTranslatedStart;
        return true;
    }
    int lx = -1, ly = -1;
    for (std::uint32_t i = 0; i < kGridCols; ++i) lx = kPhysicalX[i] == x ? static_cast<int>(i) : lx;
    for (std::uint32_t i = 0; i < kGridRows; ++i) ly = kPhysicalY[i] == y ? static_cast<int>(i) : ly;
    if (lx < 0 || ly < 0) return false;
    *logical_x = static_cast<std::uint32_t>(lx);
    *logical_y = static_cast<std::uint32_t>(ly);
    return true;
}
constexpr std::uint32_t DramX(std::uint32_t bank) { return bank + 1; }
constexpr std::uint32_t DramY(std::uint32_t) { return 0; }
// L1 bank i of an interleaved L1 buffer is core i: (i % kGridCols, i / kGridCols).
constexpr std::uint32_t L1BankX(std::uint32_t bank) { return WorkerX(bank % kGridCols); }
constexpr std::uint32_t L1BankY(std::uint32_t bank) { return WorkerY(bank / kGridCols); }

constexpr std::uint64_t Unicast(std::uint32_t x, std::uint32_t y, std::uint64_t addr) {
    return (std::uint64_t{y} << (kLocalBits + kNodeBits)) | (std::uint64_t{x} << kLocalBits) | (addr & kLocalMask);
}
constexpr std::uint64_t Multicast(std::uint32_t x_start, std::uint32_t y_start, std::uint32_t x_end,
                                  std::uint32_t y_end, std::uint64_t addr) {
    return (std::uint64_t{y_start} << (kLocalBits + 3 * kNodeBits)) |
           (std::uint64_t{x_start} << (kLocalBits + 2 * kNodeBits)) |
           (std::uint64_t{y_end} << (kLocalBits + kNodeBits)) | (std::uint64_t{x_end} << kLocalBits) |
           (addr & kLocalMask);
}

constexpr std::uint32_t NodeBits(std::uint64_t noc_addr, int field) {
    return static_cast<std::uint32_t>((noc_addr >> (kLocalBits + field * kNodeBits)) & ((1u << kNodeBits) - 1));
}
constexpr std::uint32_t X(std::uint64_t noc_addr) { return NodeBits(noc_addr, 0); }  // unicast x, multicast x_end
constexpr std::uint32_t Y(std::uint64_t noc_addr) { return NodeBits(noc_addr, 1); }  // unicast y, multicast y_end
constexpr std::uint32_t XStart(std::uint64_t noc_addr) { return NodeBits(noc_addr, 2); }
constexpr std::uint32_t YStart(std::uint64_t noc_addr) { return NodeBits(noc_addr, 3); }
constexpr std::uint64_t Local(std::uint64_t noc_addr) { return noc_addr & kLocalMask; }

}  // namespace ttc::emu::noc
