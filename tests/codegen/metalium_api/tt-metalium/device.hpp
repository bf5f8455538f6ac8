// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// The device handle, from tt-metal `tt_metal/api/tt-metalium/device.hpp` (classic API,
// TT_METALIUM_API.md section 3.1): created by CreateDevice(), closed by CloseDevice().
#pragma once

#include <cstddef>

#include <tt-metalium/command_queue.hpp>
#include <tt-metalium/core_coord.hpp>

namespace tt::tt_metal {

class IDevice {
public:
    IDevice(const IDevice&) = delete;
    IDevice& operator=(const IDevice&) = delete;
    virtual ~IDevice();

    // The hardware command queue cq_id (0 unless the device was opened with more).
    virtual CommandQueue& command_queue(std::size_t cq_id = 0) = 0;

    // Logical size of the grid of worker cores usable for compute.
    virtual CoreCoord compute_with_storage_grid_size() const = 0;

protected:
    IDevice();
};

}  // namespace tt::tt_metal
