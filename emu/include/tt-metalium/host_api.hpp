// ttc emulator: TT-Metalium's host API (tt-metalium/host_api.hpp), the classic device/queue
// generation (TT_METALIUM_API.md 3.1): devices, buffers (DRAM or L1, interleaved or sharded),
// circular buffers, kernels with compile-time args and defines, runtime args, command queue.
// The MeshDevice generation is in distributed.hpp. Programs written for TT-Metalium compile
// unchanged against these headers; EnqueueProgram builds each kernel into a shared object
// (cached by content digest) and runs every core's kernels concurrently on CPU threads.
// Errors (protocol violations, deadlock, watchdog, bad arguments) throw std::runtime_error
// with a report naming the core, kernel and CB. One host thread drives a device, as with
// TT-Metalium. Like the real header, this one makes visible what TT's examples use from it
// without including it themselves: fmt, TT_FATAL / TT_THROW / TT_ASSERT, tt::constants,
// bfloat16, tt::CBIndex, detail::TileSize, assert, std::chrono and the standard streams.
#pragma once

#include <cassert>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <fmt/core.h>
#include <fmt/ostream.h>
#include <hostdevcommon/common_values.hpp>
#include <tt-metalium/assert.hpp>
#include <tt-metalium/base_types.hpp>
#include <tt-metalium/bfloat16.hpp>
#include <tt-metalium/buffer.hpp>
#include <tt-metalium/buffer_types.hpp>
#include <tt-metalium/circular_buffer_config.hpp>
#include <tt-metalium/constants.hpp>
#include <tt-metalium/core_coord.hpp>
#include <tt-metalium/data_types.hpp>
#include <tt-metalium/device.hpp>
#include <tt-metalium/dispatch_core_common.hpp>
#include <tt-metalium/hal_types.hpp>
#include <tt-metalium/kernel_types.hpp>
#include <tt-metalium/program.hpp>
#include <tt-metalium/sub_device_types.hpp>
#include <tt-metalium/tt_backend_api_types.hpp>
#include <tt-metalium/util.hpp>
#include <tt_stl/span.hpp>

#include "ttc_emu/cb_index.h"  // tt::CBIndex, which host code uses too (hostdevcommon/kernel_structs.h)

namespace tt {
// The kinds of cores (TT's UMD CoreType); the emulated device's programmable cores are WORKER.
enum class CoreType : std::uint8_t { ARC, DRAM, ACTIVE_ETH, IDLE_ETH, PCIE, TENSIX, ROUTER_ONLY, HARVESTED, ETH, WORKER, COUNT };
}  // namespace tt

namespace tt::tt_metal {

using CoreSpec = std::variant<CoreCoord, CoreRange, CoreRangeSet>;
using BufferRef = std::variant<std::reference_wrapper<Buffer>, std::shared_ptr<Buffer>>;

// Opens device 0 (the only one) with one command queue; the size arguments are accepted and
// have no effect (the emulated L1 has no reserved regions).
IDevice* CreateDevice(chip_id_t device_id, const std::uint8_t num_hw_cqs = 1,
                      const std::size_t l1_small_size = DEFAULT_L1_SMALL_SIZE,
                      const std::size_t trace_region_size = DEFAULT_TRACE_REGION_SIZE,
                      const DispatchCoreConfig& dispatch_core_config = DispatchCoreConfig{},
                      const std::vector<std::uint32_t>& l1_bank_remap = {},
                      const std::size_t worker_l1_size = DEFAULT_WORKER_L1_SIZE);
bool CloseDevice(IDevice* device);

Program CreateProgram();

std::shared_ptr<Buffer> CreateBuffer(const InterleavedBufferConfig& config);
std::shared_ptr<Buffer> CreateBuffer(const ShardedBufferConfig& config);
// The emulator frees device memory when the device closes; deallocating is accepted.
void DeallocateBuffer(Buffer& buffer);

// Kernels on RISCV_0 / RISCV_1 (DataMovementConfig) or the compute cores (ComputeConfig).
// `file_name` is resolved as TT-Metalium resolves kernel paths (absolute; relative to the
// working directory; relative to TT_METAL_HOME). EthernetConfig is refused: no Ethernet cores.
KernelHandle CreateKernel(Program& program, const std::string& file_name, const CoreSpec& core_spec,
                          const std::variant<DataMovementConfig, ComputeConfig, EthernetConfig>& config);
// The same with the kernel's source text instead of a file.
KernelHandle CreateKernelFromString(Program& program, const std::string& kernel_src_code, const CoreSpec& core_spec,
                                    const std::variant<DataMovementConfig, ComputeConfig, EthernetConfig>& config);

CBHandle CreateCircularBuffer(Program& program, const CoreSpec& core_spec, const CircularBufferConfig& config);
const CircularBufferConfig& GetCircularBufferConfig(Program& program, CBHandle cb_handle);

// A semaphore: one 32-bit L1 word on every core of core_spec, set to initial_value when the
// program starts. Returns its id, the smallest one free on all those cores; kernels find the
// word at get_semaphore(id), the same address on every core. Worker cores only (emulator:
// emu/runtime/noc_host.cc).
std::uint32_t CreateSemaphore(Program& program, const std::variant<CoreRange, CoreRangeSet>& core_spec,
                              std::uint32_t initial_value, CoreType core_type = CoreType::WORKER);

// At most max_runtime_args (341) per kernel and core, unique and common together.
void SetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreSpec& core_spec,
                    tt::stl::Span<const std::uint32_t> runtime_args);
void SetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreSpec& core_spec,
                    std::initializer_list<std::uint32_t> runtime_args);
// Core i gets runtime_args[i].
void SetRuntimeArgs(const Program& program, KernelHandle kernel, const std::vector<CoreCoord>& core_spec,
                    const std::vector<std::vector<std::uint32_t>>& runtime_args);
void SetCommonRuntimeArgs(const Program& program, KernelHandle kernel, tt::stl::Span<const std::uint32_t> runtime_args);
void SetCommonRuntimeArgs(const Program& program, KernelHandle kernel, std::initializer_list<std::uint32_t> runtime_args);
// The runtime arguments set for `kernel` on `logical_core` (empty when none were set).
std::vector<std::uint32_t>& GetRuntimeArgs(const Program& program, KernelHandle kernel, const CoreCoord& logical_core);
std::vector<std::uint32_t>& GetCommonRuntimeArgs(const Program& program, KernelHandle kernel);

namespace emu_detail {
const Buffer& Resolve(const BufferRef& buffer);
// Writes the first min(bytes, buffer size) bytes of the buffer (its pages in order).
void WriteBufferBytes(CommandQueue& cq, const Buffer& buffer, const void* src, std::size_t bytes);
}  // namespace emu_detail

// Writes `buffer.size()` bytes from src: the buffer's pages in order (tiles already laid out).
void EnqueueWriteBuffer(CommandQueue& cq, BufferRef buffer, const void* src, bool blocking);
// Writes the vector's bytes (at most the buffer's size) to the start of the buffer.
template <typename DType>
void EnqueueWriteBuffer(CommandQueue& cq, BufferRef buffer, std::vector<DType>& src, bool blocking) {
    (void)blocking;
    emu_detail::WriteBufferBytes(cq, emu_detail::Resolve(buffer), src.data(), src.size() * sizeof(DType));
}
void EnqueueReadBuffer(CommandQueue& cq, BufferRef buffer, void* dst, bool blocking);
// Resizes dst to the buffer's size and reads the whole buffer into it.
template <typename DType>
void EnqueueReadBuffer(CommandQueue& cq, BufferRef buffer, std::vector<DType>& dst, bool blocking) {
    dst.resize(emu_detail::Resolve(buffer).size() / sizeof(DType));
    EnqueueReadBuffer(cq, buffer, static_cast<void*>(dst.data()), blocking);
}
// Runs the program on its cores (blocking or not, it has completed when Finish returns).
void EnqueueProgram(CommandQueue& cq, Program& program, bool blocking);
void Finish(CommandQueue& cq, tt::stl::Span<const SubDeviceId> sub_device_ids = {});

}  // namespace tt::tt_metal
