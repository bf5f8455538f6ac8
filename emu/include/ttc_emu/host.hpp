// ttc's functional TT-Metalium emulator: the host API of the "metalium-classic" dialect
// (TT_METALIUM_API.md 3.1): device, buffers (DRAM interleaved, L1 interleaved or sharded),
// circular buffers, kernels with compile-time args, runtime args, command queue. Programs
// written for TT-Metalium compile unchanged against it; EnqueueProgram builds each kernel
// into a shared object (cached by content digest) and runs every core's reader, compute and
// writer concurrently on CPU threads. Errors (protocol violations, deadlock, watchdog, bad
// arguments) throw std::runtime_error with a report naming the core, kernel and CB.
// Thread-safety: one host thread drives a device, as with TT-Metalium.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "ttc_emu/cb_index.h"  // tt::CBIndex, which host code uses too (hostdevcommon/kernel_structs.h)

// ---- Core coordinates (core_coord.hpp): logical {x, y} ----
struct tt_xy_pair {
    tt_xy_pair() : x(0), y(0) {}
    tt_xy_pair(std::size_t x_in, std::size_t y_in) : x(x_in), y(y_in) {}
    std::size_t x;
    std::size_t y;
};
inline bool operator==(const tt_xy_pair& a, const tt_xy_pair& b) { return a.x == b.x && a.y == b.y; }
inline bool operator<(const tt_xy_pair& a, const tt_xy_pair& b) { return a.y != b.y ? a.y < b.y : a.x < b.x; }
using CoreCoord = tt_xy_pair;

class CoreRange {
public:
    CoreRange(const CoreCoord& point) : start_coord(point), end_coord(point) {}
    CoreRange(const CoreCoord& start, const CoreCoord& end) : start_coord(start), end_coord(end) {}
    std::size_t size() const { return (end_coord.x - start_coord.x + 1) * (end_coord.y - start_coord.y + 1); }
    bool contains(const CoreCoord& c) const {
        return c.x >= start_coord.x && c.x <= end_coord.x && c.y >= start_coord.y && c.y <= end_coord.y;
    }
    CoreCoord start_coord;
    CoreCoord end_coord;
};
inline bool operator==(const CoreRange& a, const CoreRange& b) {
    return a.start_coord == b.start_coord && a.end_coord == b.end_coord;
}
inline bool operator<(const CoreRange& l, const CoreRange& r) {
    return l.start_coord == r.start_coord ? l.end_coord < r.end_coord : l.start_coord < r.start_coord;
}

class CoreRangeSet {
public:
    CoreRangeSet() = default;
    CoreRangeSet(const std::set<CoreRange>& ranges) : ranges_(ranges.begin(), ranges.end()) {}
    CoreRangeSet(const CoreRange& range) : ranges_{range} {}
    const std::vector<CoreRange>& ranges() const { return ranges_; }
    std::uint32_t num_cores() const {
        std::uint32_t n = 0;
        for (const CoreRange& r : ranges_) n += static_cast<std::uint32_t>(r.size());
        return n;
    }
    bool contains(const CoreCoord& c) const {
        for (const CoreRange& r : ranges_) {
            if (r.contains(c)) return true;
        }
        return false;
    }

private:
    std::vector<CoreRange> ranges_;
};

using chip_id_t = int;

namespace tt {
enum class DataFormat : std::uint8_t {
    Float32 = 0, Float16 = 1, Bfp8 = 2, Bfp4 = 3, Tf32 = 4, Float16_b = 5, Bfp8_b = 6, Bfp4_b = 7, Int32 = 8,
    UInt16 = 9, Lf8 = 10, Bfp2 = 11, Int16 = 13, Int8 = 14, Bfp2_b = 15, MxFp4 = 22, UInt32 = 24, Fp8_e4m3 = 26,
    UInt8 = 30, RawUInt8 = 240, RawUInt16 = 241, RawUInt32 = 242, Invalid = 255,
};
}  // namespace tt

namespace tt {
// The kinds of cores (TT's UMD CoreType); the emulated device's programmable cores are WORKER.
enum class CoreType : std::uint8_t { ARC, DRAM, ACTIVE_ETH, IDLE_ETH, PCIE, TENSIX, ROUTER_ONLY, HARVESTED, ETH, WORKER, COUNT };
}  // namespace tt

namespace tt::tt_metal {

using ::CoreCoord;
using ::CoreRange;
using ::CoreRangeSet;
using DeviceAddr = std::uint64_t;

enum class BufferType { DRAM, L1 };
enum class TensorMemoryLayout { INTERLEAVED, HEIGHT_SHARDED, WIDTH_SHARDED, BLOCK_SHARDED };
enum class ShardOrientation { ROW_MAJOR, COL_MAJOR };
enum class MathFidelity : std::uint8_t { LoFi = 0, HiFi2 = 2, HiFi3 = 3, HiFi4 = 4, Invalid = 0xff };
enum class UnpackToDestMode : std::uint8_t { UnpackToDestFp32, Default };
enum class DataMovementProcessor { RISCV_0 = 0, RISCV_1 = 1 };
enum class NOC : std::uint8_t { RISCV_0_default = 0, RISCV_1_default = 1, NOC_0 = 0, NOC_1 = 1 };

class IDevice;
class CommandQueue;

// Shards of an L1 buffer over `grid` (row-major over the grid's cores for ROW_MAJOR):
// `shape` elements per shard [height, width], pages of `page_shape`, tensor of
// `tensor2d_shape_in_pages` pages [rows, cols].
struct ShardSpecBuffer {
    ShardSpecBuffer(const CoreRangeSet& grid_in, const std::array<std::uint32_t, 2>& shape_in,
                    const ShardOrientation& orientation_in, const std::array<std::uint32_t, 2>& page_shape_in,
                    const std::array<std::uint32_t, 2>& tensor2d_shape_in_pages_in)
        : grid(grid_in), shape(shape_in), orientation(orientation_in), page_shape(page_shape_in),
          tensor2d_shape_in_pages(tensor2d_shape_in_pages_in) {}
    CoreRangeSet grid;
    std::array<std::uint32_t, 2> shape;
    ShardOrientation orientation;
    std::array<std::uint32_t, 2> page_shape;
    std::array<std::uint32_t, 2> tensor2d_shape_in_pages;
};

struct InterleavedBufferConfig {
    IDevice* device;
    DeviceAddr size;       // bytes
    DeviceAddr page_size;  // bytes per interleaved page
    BufferType buffer_type;
};

struct ShardedBufferConfig {
    IDevice* device;
    DeviceAddr size;
    DeviceAddr page_size;
    BufferType buffer_type = BufferType::L1;
    TensorMemoryLayout buffer_layout = TensorMemoryLayout::HEIGHT_SHARDED;
    ShardSpecBuffer shard_parameters;
};

class Buffer {
public:
    struct Impl;
    explicit Buffer(std::unique_ptr<Impl> impl);
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ~Buffer();
    // Base address of the buffer, the same in every bank.
    std::uint32_t address() const;
    DeviceAddr size() const;
    DeviceAddr page_size() const;
    const Impl& impl() const { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

using CBHandle = std::uintptr_t;

class CircularBufferConfig {
public:
    CircularBufferConfig(std::uint32_t total_size, const std::map<std::uint8_t, tt::DataFormat>& data_format_spec)
        : total_size_(total_size), formats_(data_format_spec) {}
    CircularBufferConfig& set_page_size(std::uint8_t buffer_index, std::uint32_t page_size) {
        page_sizes_[buffer_index] = page_size;
        return *this;
    }
    CircularBufferConfig& set_globally_allocated_address(const Buffer& buffer) {
        global_buffer_ = &buffer;
        return *this;
    }
    std::uint32_t total_size() const { return total_size_; }
    const std::map<std::uint8_t, tt::DataFormat>& data_formats() const { return formats_; }
    const std::map<std::uint8_t, std::uint32_t>& page_sizes() const { return page_sizes_; }
    const Buffer* globally_allocated_buffer() const { return global_buffer_; }

private:
    std::uint32_t total_size_;
    std::map<std::uint8_t, tt::DataFormat> formats_;
    std::map<std::uint8_t, std::uint32_t> page_sizes_;
    const Buffer* global_buffer_ = nullptr;
};

struct DataMovementConfig {
    DataMovementProcessor processor = DataMovementProcessor::RISCV_0;
    NOC noc = NOC::RISCV_0_default;
    std::vector<std::uint32_t> compile_args = {};
    std::map<std::string, std::string> defines = {};
};

struct ComputeConfig {
    MathFidelity math_fidelity = MathFidelity::HiFi4;
    bool fp32_dest_acc_en = false;
    bool dst_full_sync_en = false;
    std::vector<UnpackToDestMode> unpack_to_dest_mode = {};
    bool bfp8_pack_precise = false;
    bool math_approx_mode = false;
    std::vector<std::uint32_t> compile_args = {};
    std::map<std::string, std::string> defines = {};
};

using KernelHandle = std::uint32_t;

class Program {
public:
    struct Impl;
    Program();
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    Program(Program&& other) noexcept;
    Program& operator=(Program&& other) noexcept;
    ~Program();
    Impl& impl() const { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

class IDevice {
public:
    IDevice() = default;
    IDevice(const IDevice&) = delete;
    IDevice& operator=(const IDevice&) = delete;
    virtual ~IDevice() = default;
    virtual CommandQueue& command_queue(std::size_t cq_id = 0) = 0;
    virtual CoreCoord compute_with_storage_grid_size() const = 0;
    // The NoC coordinates of a logical worker core, which kernels pass to get_noc_addr and
    // get_noc_multicast_addr (emulator: ttc_emu/noc_map.h, emu/runtime/noc_host.cc).
    virtual CoreCoord worker_core_from_logical_core(const CoreCoord& logical_core) const;
};

// Host half of TensorAccessorArgs: appends [config bits (1: sharded, 2: DRAM), page size].
class TensorAccessorArgs {
public:
    explicit TensorAccessorArgs(const Buffer& buffer) : buffer_(&buffer) {}
    void append_to(std::vector<std::uint32_t>& compile_time_args) const;

private:
    const Buffer* buffer_;
};

using CoreSpec = std::variant<CoreCoord, CoreRange, CoreRangeSet>;
using BufferRef = std::variant<std::reference_wrapper<Buffer>, std::shared_ptr<Buffer>>;

IDevice* CreateDevice(chip_id_t device_id, const std::uint8_t num_hw_cqs = 1);
bool CloseDevice(IDevice* device);
Program CreateProgram();
std::shared_ptr<Buffer> CreateBuffer(const InterleavedBufferConfig& config);
std::shared_ptr<Buffer> CreateBuffer(const ShardedBufferConfig& config);
CBHandle CreateCircularBuffer(Program& program, const CoreSpec& core_spec, const CircularBufferConfig& config);

// A semaphore: one 32-bit L1 word on every core of core_spec, set to initial_value when the
// program starts. Returns its id, the smallest one free on all those cores; kernels find the
// word at get_semaphore(id), the same address on every core. Worker cores only (emulator:
// emu/runtime/noc_host.cc).
std::uint32_t CreateSemaphore(Program& program, const std::variant<CoreRange, CoreRangeSet>& core_spec,
                              std::uint32_t initial_value, CoreType core_type = CoreType::WORKER);
KernelHandle CreateKernel(Program& program, const std::string& file_name, const CoreSpec& core_spec,
                          const std::variant<DataMovementConfig, ComputeConfig>& config);
void SetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreSpec& core_spec,
                    const std::vector<std::uint32_t>& runtime_args);
inline void SetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreSpec& core_spec,
                           std::initializer_list<std::uint32_t> runtime_args) {
    SetRuntimeArgs(program, kernel, core_spec, std::vector<std::uint32_t>(runtime_args));
}
void SetCommonRuntimeArgs(const Program& program, KernelHandle kernel, const std::vector<std::uint32_t>& args);

// Writes `buffer.size()` bytes from src: the buffer's pages in order (tiles already laid out).
void EnqueueWriteBuffer(CommandQueue& cq, BufferRef buffer, const void* src, bool blocking);
template <typename DType>
void EnqueueWriteBuffer(CommandQueue& cq, BufferRef buffer, std::vector<DType>& src, bool blocking) {
    EnqueueWriteBuffer(cq, buffer, static_cast<const void*>(src.data()), blocking);
}
void EnqueueReadBuffer(CommandQueue& cq, BufferRef buffer, void* dst, bool blocking);
template <typename DType>
void EnqueueReadBuffer(CommandQueue& cq, BufferRef buffer, std::vector<DType>& dst, bool blocking) {
    const Buffer& b = std::holds_alternative<std::shared_ptr<Buffer>>(buffer)
                          ? *std::get<std::shared_ptr<Buffer>>(buffer)
                          : std::get<std::reference_wrapper<Buffer>>(buffer).get();
    dst.resize(b.size() / sizeof(DType));
    EnqueueReadBuffer(cq, buffer, static_cast<void*>(dst.data()), blocking);
}
// Runs the program on its cores (blocking or not, it has completed when Finish returns).
void EnqueueProgram(CommandQueue& cq, Program& program, bool blocking);
void Finish(CommandQueue& cq);

}  // namespace tt::tt_metal
