// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// The classic host API, from tt-metal `tt_metal/api/tt-metalium/host_api.hpp` (`tt_metal/host_api.hpp`
// in older trees), per TT_METALIUM_API.md section 3.1: device, program, buffers, CBs, kernels,
// runtime args and the command-queue calls. Including it brings in every type they use.
// Parameters the dialect never passes (sub-device ids, l1_small_size, ...) are left out.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <tt-metalium/buffer.hpp>
#include <tt-metalium/circular_buffer_config.hpp>
#include <tt-metalium/command_queue.hpp>
#include <tt-metalium/core_coord.hpp>
#include <tt-metalium/device.hpp>
#include <tt-metalium/kernel_types.hpp>
#include <tt-metalium/program.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>
#include <tt-metalium/tt_backend_api_types.hpp>

using chip_id_t = int;

namespace tt::tt_metal {

// ---- Device and program ----

IDevice* CreateDevice(chip_id_t device_id, const std::uint8_t num_hw_cqs = 1);
bool CloseDevice(IDevice* device);
Program CreateProgram();

// ---- Buffers ----

std::shared_ptr<Buffer> CreateBuffer(const InterleavedBufferConfig& config);
std::shared_ptr<Buffer> CreateBuffer(const ShardedBufferConfig& config);

// ---- Circular buffers and kernels ----

CBHandle CreateCircularBuffer(Program& program, const std::variant<CoreCoord, CoreRange, CoreRangeSet>& core_spec,
                              const CircularBufferConfig& config);

// file_name: the kernel source. Compile-time args and defines travel in the config.
KernelHandle CreateKernel(Program& program, const std::string& file_name,
                          const std::variant<CoreCoord, CoreRange, CoreRangeSet>& core_spec,
                          const std::variant<DataMovementConfig, ComputeConfig>& config);

// ---- Runtime args (at most 341 per core, unique and common together) ----
// The real overload takes stl::Span<const uint32_t>; the vector here stands in for it.

void SetRuntimeArgs(const Program& program, KernelHandle kernel,
                    const std::variant<CoreCoord, CoreRange, CoreRangeSet>& core_spec,
                    const std::vector<std::uint32_t>& runtime_args);
void SetRuntimeArgs(const Program& program, KernelHandle kernel,
                    const std::variant<CoreCoord, CoreRange, CoreRangeSet>& core_spec,
                    std::initializer_list<std::uint32_t> runtime_args);
void SetCommonRuntimeArgs(const Program& program, KernelHandle kernel_id,
                          const std::vector<std::uint32_t>& runtime_args);

// ---- Command queue ----
// The real buffer parameter is this variant; src/dst stand for the HostDataType alternative
// `const void*` / `void*`, plus the std::vector<DType>& overloads.

void EnqueueWriteBuffer(CommandQueue& cq,
                        std::variant<std::reference_wrapper<Buffer>, std::shared_ptr<Buffer>> buffer,
                        const void* src, bool blocking);
template <typename DType>
void EnqueueWriteBuffer(CommandQueue& cq,
                        std::variant<std::reference_wrapper<Buffer>, std::shared_ptr<Buffer>> buffer,
                        std::vector<DType>& src, bool blocking);

void EnqueueReadBuffer(CommandQueue& cq,
                       std::variant<std::reference_wrapper<Buffer>, std::shared_ptr<Buffer>> buffer,
                       void* dst, bool blocking);
template <typename DType>
void EnqueueReadBuffer(CommandQueue& cq,
                       std::variant<std::reference_wrapper<Buffer>, std::shared_ptr<Buffer>> buffer,
                       std::vector<DType>& dst, bool blocking);

void EnqueueProgram(CommandQueue& cq, Program& program, bool blocking);

// Blocks until every command enqueued on cq has completed.
void Finish(CommandQueue& cq);

}  // namespace tt::tt_metal
