// ttc's functional TT-Metalium emulator: the reader/writer (BRISC/NCRISC) kernel API of the
// "metalium-classic" dialect (TT_METALIUM_API.md 1.1-1.5), with the real names so kernels
// compile unchanged. Every call goes to the emulator runtime (ttc_emu/kernel_runtime.h).
// Compile-time args come from -DKERNEL_COMPILE_TIME_ARGS=a,b,c as on the device.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ttc_emu/compile_time_args.h"
#include "ttc_emu/kernel_runtime.h"

#define tt_l1_ptr
#define FORCE_INLINE inline

inline std::uint8_t noc_index = 0;

void kernel_main();

#include "ttc_emu/cb_index.h"

// Kernel-side data formats (tt::DataFormat values).
enum class DataFormat : std::uint8_t {
    Float32 = 0, Float16 = 1, Bfp8 = 2, Float16_b = 5, Bfp8_b = 6, Int32 = 8, UInt16 = 9,
    Int16 = 13, Int8 = 14, UInt32 = 24, UInt8 = 30, Invalid = 255,
};

template <typename T>
inline T get_arg_val(int arg_idx) {
    static_assert(sizeof(T) == 4, "only 4B args are supported (eg int32, uint32)");
    const std::uint32_t v = ttc::emu::rt::ArgVal(arg_idx);
    return *reinterpret_cast<const T*>(&v);
}
template <typename T>
inline T get_common_arg_val(int arg_idx) {
    static_assert(sizeof(T) == 4, "only 4B args are supported (eg int32, uint32)");
    const std::uint32_t v = ttc::emu::rt::CommonArgVal(arg_idx);
    return *reinterpret_cast<const T*>(&v);
}

inline void cb_reserve_back(std::int32_t cb, std::int32_t n) { ttc::emu::rt::CbReserveBack(cb, n); }
inline void cb_push_back(const std::int32_t cb, const std::int32_t n) { ttc::emu::rt::CbPushBack(cb, n); }
inline void cb_wait_front(std::int32_t cb, std::int32_t n) { ttc::emu::rt::CbWaitFront(cb, n); }
inline void cb_pop_front(std::int32_t cb, std::int32_t n) { ttc::emu::rt::CbPopFront(cb, n); }
inline std::uint32_t get_write_ptr(std::uint32_t cb) { return ttc::emu::rt::CbWritePtr(static_cast<std::int32_t>(cb)); }
inline std::uint32_t get_read_ptr(std::uint32_t cb) { return ttc::emu::rt::CbReadPtr(static_cast<std::int32_t>(cb)); }
inline std::int32_t get_tile_size(const std::int32_t cb) { return ttc::emu::rt::CbPageSize(cb); }

inline void noc_async_read_barrier(std::uint8_t = noc_index) { ttc::emu::rt::NocReadBarrier(); }
inline void noc_async_write_barrier(std::uint8_t = noc_index) { ttc::emu::rt::NocWriteBarrier(); }

namespace tensor_accessor {
inline constexpr std::size_t UNKNOWN = static_cast<std::size_t>(-1);
}  // namespace tensor_accessor

// Compile-time description of one tensor: the two words the host appended with
// TensorAccessorArgs(buffer).append_to(): [config bits (1: sharded, 2: DRAM), page size].
template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET = tensor_accessor::UNKNOWN>
struct TensorAccessorArgs {
    static constexpr std::uint32_t config = get_compile_time_arg_val(CTA_OFFSET);
    static constexpr bool is_sharded = (config & 1u) != 0;
    static constexpr bool is_dram = (config & 2u) != 0;
    static constexpr std::uint32_t aligned_page_size = get_compile_time_arg_val(CTA_OFFSET + 1);
    static constexpr std::uint32_t num_compile_time_args() { return 2; }
    static constexpr std::uint32_t next_compile_time_args_offset() { return CTA_OFFSET + num_compile_time_args(); }
};

template <typename DSpec>
struct TensorAccessor {
    template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET>
    TensorAccessor(const TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>&, const std::size_t base,
                   const std::uint32_t page = 0)
        : bank_base_address(static_cast<std::uint32_t>(base)), page_size(page ? page : DSpec::aligned_page_size) {}
    const std::uint32_t bank_base_address;
    const std::uint32_t page_size;
};

template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET>
TensorAccessor(const TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>&, std::size_t, std::uint32_t)
    -> TensorAccessor<TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>>;

template <typename DSpec>
inline void noc_async_read_tile(const std::uint32_t id, const TensorAccessor<DSpec>& s, std::uint32_t l1,
                                std::uint32_t offset = 0, std::uint8_t = noc_index) {
    ttc::emu::rt::NocReadPage(DSpec::is_dram, DSpec::is_sharded, s.bank_base_address, s.page_size, id, l1, offset);
}
template <typename DSpec>
inline void noc_async_write_tile(const std::uint32_t id, const TensorAccessor<DSpec>& s, std::uint32_t l1,
                                 std::uint8_t = noc_index) {
    ttc::emu::rt::NocWritePage(DSpec::is_dram, DSpec::is_sharded, s.bank_base_address, s.page_size, id, l1);
}

// The classic address generator (examples before TensorAccessor): interleaved pages, page i in
// bank i % banks.
template <bool DRAM, std::uint32_t tile_hw = 1024>
struct InterleavedAddrGenFast {
    std::uint32_t bank_base_address;
    std::uint32_t page_size;
    DataFormat data_format;
};
template <bool DRAM, std::uint32_t tile_hw>
inline void noc_async_read_tile(const std::uint32_t id, const InterleavedAddrGenFast<DRAM, tile_hw>& s,
                                std::uint32_t l1, std::uint32_t offset = 0, std::uint8_t = noc_index) {
    ttc::emu::rt::NocReadPage(DRAM, false, s.bank_base_address, s.page_size, id, l1, offset);
}
template <bool DRAM, std::uint32_t tile_hw>
inline void noc_async_write_tile(const std::uint32_t id, const InterleavedAddrGenFast<DRAM, tile_hw>& s,
                                 std::uint32_t l1, std::uint8_t = noc_index) {
    ttc::emu::rt::NocWritePage(DRAM, false, s.bank_base_address, s.page_size, id, l1);
}
