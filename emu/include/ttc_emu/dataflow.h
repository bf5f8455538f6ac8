// ttc's functional TT-Metalium emulator: the reader/writer (BRISC/NCRISC) kernel API
// (TT_METALIUM_API.md 1.1-1.5), with TT's names and signatures so kernels compile unchanged.
// Every call goes to the emulator runtime (ttc_emu/kernel_runtime.h). This file: arguments,
// where the kernel runs, circular buffers; the NoC (addresses, transfers, address generators,
// semaphores, multicast) is in ttc_emu/dataflow_noc.h. As with TT-Metalium's build, the
// emulator includes this header before a data movement kernel's source, and the debug print
// API (debug/dprint.h) with it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hostdevcommon/common_values.hpp"  // VALID, INVALID: semaphore values kernels use
#include "ttc_emu/cb_index.h"
#include "ttc_emu/compile_time_args.h"
#include "ttc_emu/dprint.h"
#include "ttc_emu/kernel_runtime.h"

#define tt_l1_ptr
#define tt_reg_ptr
#define FORCE_INLINE inline __attribute__((always_inline))

// The NoC this kernel's config chose (DataMovementConfig::noc).
inline constexpr std::uint8_t noc_index = NOC_INDEX;

void kernel_main();

// Kernel-side data formats (tt::DataFormat values).
enum class DataFormat : std::uint8_t {
    Float32 = 0, Float16 = 1, Bfp8 = 2, Bfp4 = 3, Tf32 = 4, Float16_b = 5, Bfp8_b = 6, Bfp4_b = 7, Int32 = 8,
    UInt16 = 9, Lf8 = 10, Bfp2 = 11, Int16 = 13, Int8 = 14, Bfp2_b = 15, MxFp4 = 22, UInt32 = 24, Fp8_e4m3 = 26,
    UInt8 = 30, Invalid = 255,
};

template <typename T>
FORCE_INLINE T get_arg_val(int arg_idx) {
    static_assert(sizeof(T) == 4, "only 4B args are supported (eg int32, uint32)");
    const std::uint32_t v = ttc::emu::rt::ArgVal(arg_idx);
    return *reinterpret_cast<const T*>(&v);
}
template <typename T>
FORCE_INLINE T get_common_arg_val(int arg_idx) {
    static_assert(sizeof(T) == 4, "only 4B args are supported (eg int32, uint32)");
    const std::uint32_t v = ttc::emu::rt::CommonArgVal(arg_idx);
    return *reinterpret_cast<const T*>(&v);
}

// The core's logical coordinates (absolute; relative to its sub-device, which is the whole grid).
inline std::uint8_t get_absolute_logical_x() { return static_cast<std::uint8_t>(ttc::emu::rt::LogicalX()); }
inline std::uint8_t get_absolute_logical_y() { return static_cast<std::uint8_t>(ttc::emu::rt::LogicalY()); }
inline std::uint8_t get_relative_logical_x() { return get_absolute_logical_x(); }
inline std::uint8_t get_relative_logical_y() { return get_absolute_logical_y(); }

inline void cb_reserve_back(std::int32_t cb, std::int32_t n) { ttc::emu::rt::CbReserveBack(cb, n); }
inline void cb_push_back(const std::int32_t cb, const std::int32_t n) { ttc::emu::rt::CbPushBack(cb, n); }
inline void cb_wait_front(std::int32_t cb, std::int32_t n) { ttc::emu::rt::CbWaitFront(cb, n); }
inline void cb_pop_front(std::int32_t cb, std::int32_t n) { ttc::emu::rt::CbPopFront(cb, n); }
inline bool cb_pages_reservable_at_back(std::int32_t cb, std::int32_t n) { return ttc::emu::rt::CbPagesReservable(cb, n); }
inline bool cb_pages_available_at_front(std::int32_t cb, std::int32_t n) { return ttc::emu::rt::CbPagesAvailable(cb, n); }
inline std::uint32_t get_write_ptr(std::uint32_t cb) { return ttc::emu::rt::CbWritePtr(static_cast<std::int32_t>(cb)); }
inline std::uint32_t get_read_ptr(std::uint32_t cb) { return ttc::emu::rt::CbReadPtr(static_cast<std::int32_t>(cb)); }
// The bytes of one 32x32 tile in the CB's data format (TT's generated unpack_tile_size).
constexpr std::int32_t get_tile_size(const std::int32_t cb) {
    return static_cast<std::int32_t>(ttc::emu::ct::TileBytes(ttc::emu::ct::CbFormat(static_cast<std::uint32_t>(cb))));
}
constexpr DataFormat get_dataformat(const std::int32_t cb) {
    return static_cast<DataFormat>(ttc::emu::ct::CbFormat(static_cast<std::uint32_t>(cb)));
}
constexpr std::uint32_t get_tile_hw(const std::int32_t) { return 32 * 32; }
constexpr std::uint32_t get_tile_num_faces(const std::int32_t) { return 4; }

#include "ttc_emu/dataflow_noc.h"
