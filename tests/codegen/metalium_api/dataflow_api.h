// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions are declared, never
// defined; the only bodies are the constexpr members that constant expressions in kernels
// require (TensorAccessorArgs), and they compute placeholders.
//
// The reader/writer (BRISC/NCRISC) kernel API. Names and signatures from tt-metal
// `tt_metal/hw/inc/dataflow_api.h` (classic path; `api/dataflow/dataflow_api.h` in current main)
// and `tt_metal/hw/inc/accessor/tensor_accessor{,_args}.h`, per TT_METALIUM_API.md sections
// 1.1-1.5. The kernel itself defines `void kernel_main()`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "compile_time_args.h"
#include "hostdevcommon/kernel_structs.h"

// L1 pointer attribute (risc_attribs.h); empty on the host, as in an emulator build.
#define tt_l1_ptr

// The NoC this kernel was assigned (DataMovementConfig::noc); default argument of NoC calls.
extern std::uint8_t noc_index;

// Kernel entry point, defined by each reader/writer kernel.
void kernel_main();

// ---- Runtime arguments (section 1.1) ----

// Unique per-core runtime argument `arg_idx` set with SetRuntimeArgs(); T must be 4 bytes.
template <typename T>
T get_arg_val(int arg_idx);

// Common (all-core) runtime argument `arg_idx` set with SetCommonRuntimeArgs(); T must be 4 bytes.
template <typename T>
T get_common_arg_val(int arg_idx);

// ---- Circular buffers (section 1.2); counts are pages ----

void cb_reserve_back(std::int32_t operand, std::int32_t num_pages);
void cb_push_back(const std::int32_t operand, const std::int32_t num_pages);
void cb_wait_front(std::int32_t operand, std::int32_t num_pages);
void cb_pop_front(std::int32_t operand, std::int32_t num_pages);

// Byte L1 address of the reserved back / waited-for front of a CB.
std::uint32_t get_write_ptr(std::uint32_t operand);
std::uint32_t get_read_ptr(std::uint32_t operand);

// Page (tile) size in bytes of the CB's data format. Returns int32_t as in the real header.
std::int32_t get_tile_size(const std::int32_t operand);

// ---- NoC barriers (section 1.3) ----

void noc_async_read_barrier(std::uint8_t noc = noc_index);
void noc_async_write_barrier(std::uint8_t noc = noc_index);

// ---- TensorAccessor (section 1.5) ----

namespace tensor_accessor {
// "CRTA offset not known at compile time" marker (accessor/const.h); the value is a guess.
inline constexpr std::size_t UNKNOWN = static_cast<std::size_t>(-1);
}  // namespace tensor_accessor

// Compile-time description of one tensor, read from the kernel's compile-time args starting
// at CTA_OFFSET (the words the host appended with TensorAccessorArgs(buffer).append_to()).
template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET = tensor_accessor::UNKNOWN>
struct TensorAccessorArgs {
    constexpr TensorAccessorArgs() = default;

    // Number of compile-time args this tensor uses. On the device it depends on the config word
    // at CTA_OFFSET (2 for an interleaved buffer in the current tree); here it is that
    // interleaved count, a placeholder that only makes the next offset a constant.
    static constexpr std::uint32_t num_compile_time_args() { return 2; }

    // CTA_OFFSET of the next tensor's args: `TensorAccessorArgs<a.next_compile_time_args_offset()>()`.
    static constexpr std::uint32_t next_compile_time_args_offset() {
        return CTA_OFFSET + num_compile_time_args();
    }
};

// Page addressing for one tensor. In tt-metal the template parameter is a DistributionSpec
// derived from the args; here the args type itself stands in for it. Built with
// `TensorAccessor(args, bank_base_address, page_size)` (class template argument deduction).
template <typename DSpec>
struct TensorAccessor {
    template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET>
    TensorAccessor(const TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>& args,
                   const std::size_t bank_base_address_in, const std::uint32_t page_size_in = 0);

    const std::size_t bank_base_address = 0;
    const std::uint32_t page_size = 0;
};

template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET>
TensorAccessor(const TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>& args, std::size_t, std::uint32_t)
    -> TensorAccessor<TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>>;

// Reads page `id` of the tensor into L1 at dst_local_l1_addr (size: the accessor's page size).
template <typename DSpec>
void noc_async_read_tile(const std::uint32_t id, const TensorAccessor<DSpec>& addrgen,
                         std::uint32_t dst_local_l1_addr, std::uint32_t offset = 0,
                         std::uint8_t noc = noc_index);

// Writes one page from L1 at src_local_l1_addr to page `id` of the tensor.
template <typename DSpec>
void noc_async_write_tile(const std::uint32_t id, const TensorAccessor<DSpec>& addrgen,
                          std::uint32_t src_local_l1_addr, std::uint8_t noc = noc_index);
