// ttc emulator: sub-devices (tt-metalium/sub_device.hpp): a partition of a device's cores
// by core type. A device accepts sub-device managers; programs run on the cores they name
// whatever manager is loaded.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <tt-metalium/core_coord.hpp>
#include <tt-metalium/hal_types.hpp>
#include <tt_stl/span.hpp>

namespace tt::tt_metal {

class SubDevice {
public:
    // cores[i] holds the cores of HalProgrammableCoreType i (TENSIX, ACTIVE_ETH, ...).
    SubDevice(tt::stl::Span<const CoreRangeSet> cores);
    template <std::size_t N>
    SubDevice(const std::array<CoreRangeSet, N>& cores) : SubDevice(tt::stl::Span<const CoreRangeSet>(cores)) {}

    bool has_core_type(HalProgrammableCoreType core_type) const;
    std::uint32_t num_cores(HalProgrammableCoreType core_type) const;
    const std::vector<CoreRangeSet>& cores() const { return cores_; }
    const CoreRangeSet& cores(HalProgrammableCoreType core_type) const;

private:
    std::vector<CoreRangeSet> cores_;  // one per HalProgrammableCoreType
};

}  // namespace tt::tt_metal
