// ttc emulator: TT-Metalium's detail host API (tt-metalium/tt_metal.hpp): direct buffer
// reads and writes and program launch without a command queue (slow dispatch), and
// detail::TileSize (util.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <tt-metalium/buffer.hpp>
#include <tt-metalium/core_coord.hpp>
#include <tt-metalium/device.hpp>
#include <tt-metalium/dispatch_core_common.hpp>
#include <tt-metalium/program.hpp>
#include <tt-metalium/util.hpp>
#include <hostdevcommon/common_values.hpp>
#include <tt_stl/span.hpp>

namespace tt::tt_metal::detail {

std::map<chip_id_t, IDevice*> CreateDevices(const std::vector<chip_id_t>& device_ids, const std::uint8_t num_hw_cqs = 1,
                                            const std::size_t l1_small_size = DEFAULT_L1_SMALL_SIZE,
                                            const std::size_t trace_region_size = DEFAULT_TRACE_REGION_SIZE,
                                            const DispatchCoreConfig& dispatch_core_config = DispatchCoreConfig{},
                                            const std::vector<std::uint32_t>& l1_bank_remap = {});
void CloseDevices(const std::map<chip_id_t, IDevice*>& devices);

// Writes host_buffer (at most the buffer's size) to the start of the buffer.
void WriteToBuffer(Buffer& buffer, tt::stl::Span<const std::uint8_t> host_buffer);
template <typename DType>
void WriteToBuffer(Buffer& buffer, const std::vector<DType>& host_buffer) {
    WriteToBuffer(buffer, tt::stl::Span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(host_buffer.data()),
                                                           host_buffer.size() * sizeof(DType)));
}
template <typename DType>
void WriteToBuffer(std::shared_ptr<Buffer> buffer, const std::vector<DType>& host_buffer) {
    WriteToBuffer(*buffer, host_buffer);
}

// Reads the whole buffer (its pages in order; shard_order is accepted and has no effect).
void ReadFromBuffer(Buffer& buffer, std::uint8_t* host_buffer, bool shard_order = false);
template <typename DType>
void ReadFromBuffer(Buffer& buffer, std::vector<DType>& host_buffer, bool shard_order = false) {
    host_buffer.resize(buffer.size() / sizeof(DType));
    ReadFromBuffer(buffer, reinterpret_cast<std::uint8_t*>(host_buffer.data()), shard_order);
}
template <typename DType>
void ReadFromBuffer(std::shared_ptr<Buffer> buffer, std::vector<DType>& host_buffer, bool shard_order = false) {
    ReadFromBuffer(*buffer, host_buffer, shard_order);
}

// Runs the program to completion (wait_until_cores_done has no effect: it always completes).
void LaunchProgram(IDevice* device, Program& program, bool wait_until_cores_done = true);
void LaunchProgram(IDevice* device, const std::shared_ptr<Program>& program, bool wait_until_cores_done = true);
void WaitProgramDone(IDevice* device, Program& program);

}  // namespace tt::tt_metal::detail
