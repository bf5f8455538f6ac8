// ttc emulator: MeshWorkload (tt-metalium/mesh_workload.hpp): programs, each bound to a range
// of mesh coordinates, enqueued together (EnqueueMeshWorkload). On the unit mesh a program
// whose range holds coordinate {0, 0} runs on the device.
#pragma once

#include <memory>
#include <unordered_map>

#include <tt-metalium/host_api.hpp>
#include <tt-metalium/mesh_buffer.hpp>
#include <tt-metalium/mesh_coord.hpp>
#include <tt-metalium/mesh_device.hpp>

namespace tt::tt_metal::distributed {

class MeshCommandQueue;

class MeshWorkload {
public:
    MeshWorkload();
    MeshWorkload(Program&& program,
                 const MeshCoordinateRange& device_range = MeshCoordinateRange(MeshCoordinate(0, 0), MeshCoordinate(0, 0)));
    ~MeshWorkload();
    MeshWorkload(MeshWorkload&& other) noexcept;
    MeshWorkload& operator=(MeshWorkload&& other) noexcept;

    // Binds `program` to the devices of `device_range` (ranges must not overlap).
    void add_program(const MeshCoordinateRange& device_range, Program&& program);
    std::unordered_map<MeshCoordinateRange, Program>& get_programs() { return programs_; }
    const std::unordered_map<MeshCoordinateRange, Program>& get_programs() const { return programs_; }

private:
    std::unordered_map<MeshCoordinateRange, Program> programs_;
};

}  // namespace tt::tt_metal::distributed
