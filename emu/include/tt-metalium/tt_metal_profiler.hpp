// ttc emulator: the device profiler's host API (tt-metalium/tt_metal_profiler.hpp). The emulated
// device has no cycle counters, so it behaves as TT-Metalium does with the profiler off
// (TT_METAL_DEVICE_PROFILER unset): reading results writes nothing.
#pragma once

#include <cstdint>
#include <optional>

#include <tt-metalium/device.hpp>
#include <tt-metalium/mesh_device.hpp>

namespace tt::tt_metal {

enum class ProfilerReadState { NORMAL, ONLY_DISPATCH_CORES, LAST_FD_READ };

// Optional metadata attached to profiler results (none are produced here).
struct ProfilerOptionalMetadata {};

inline void ReadMeshDeviceProfilerResults(distributed::MeshDevice&, ProfilerReadState = ProfilerReadState::NORMAL,
                                          const std::optional<ProfilerOptionalMetadata>& = {}) {}

namespace detail {
inline void ReadDeviceProfilerResults(IDevice*, ProfilerReadState = ProfilerReadState::NORMAL,
                                      const std::optional<ProfilerOptionalMetadata>& = {}) {}
inline void SetDeviceProfilerDir(const char* = "") {}
inline void FreshProfilerDeviceLog() {}
}  // namespace detail

}  // namespace tt::tt_metal
