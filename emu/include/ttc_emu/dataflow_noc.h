// ttc's functional TT-Metalium emulator: the NoC half of the data movement kernel API
// (TT_METALIUM_API.md 1.3-1.5; included by ttc_emu/dataflow.h). NoC addresses are 64-bit values
// naming a core's L1 or a DRAM bank (ttc_emu/noc_map.h): get_noc_addr(x, y, addr) with the NoC
// coordinates the host got from worker_core_from_logical_core, get_noc_addr(addr) for the
// kernel's own L1, get_noc_addr(page, address generator) for a page of a tensor,
// get_noc_addr_from_bank_id, get_noc_multicast_addr for a rectangle of cores. Transfers are
// asynchronous and complete at a barrier of their direction; semaphores are L1 words
// (get_semaphore(id) is the address of semaphore id, the same on every core).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ttc_emu/noc_map.h"

namespace ttc::emu::dataflow {
// Interleaved pages: page i in bank i % banks at base + (i / banks) * stride + offset.
template <bool DRAM>
constexpr std::uint64_t InterleavedNocAddr(std::uint32_t id, std::uint32_t base, std::uint32_t stride,
                                           std::uint32_t offset) {
    constexpr std::uint32_t banks = DRAM ? noc::kDramBanks : noc::kL1Banks;
    const std::uint32_t bank = id % banks;
    const std::uint64_t addr = std::uint64_t{base} + std::uint64_t{id / banks} * stride + offset;
    return DRAM ? noc::Unicast(noc::DramX(bank), noc::DramY(bank), addr)
                : noc::Unicast(noc::L1BankX(bank), noc::L1BankY(bank), addr);
}
template <bool DRAM>
constexpr std::uint32_t Aligned(std::uint32_t page_size) {
    constexpr std::uint32_t a = DRAM ? 32 : 16;  // the allocator's DRAM / L1 alignment
    return (page_size + a - 1) / a * a;
}
}  // namespace ttc::emu::dataflow

// ---- NoC addresses ----
FORCE_INLINE std::uint64_t get_noc_addr(std::uint32_t noc_x, std::uint32_t noc_y, std::uint32_t addr,
                                        std::uint8_t noc = noc_index) {
    (void)noc;
    return ttc::emu::noc::Unicast(noc_x, noc_y, addr);
}
// This core's own L1.
FORCE_INLINE std::uint64_t get_noc_addr(std::uint32_t addr, std::uint8_t noc = noc_index) {
    (void)noc;
    return ttc::emu::noc::Unicast(ttc::emu::noc::WorkerX(ttc::emu::rt::LogicalX()),
                                  ttc::emu::noc::WorkerY(ttc::emu::rt::LogicalY()), addr);
}
FORCE_INLINE std::uint64_t get_noc_multicast_addr(std::uint32_t noc_x_start, std::uint32_t noc_y_start,
                                                  std::uint32_t noc_x_end, std::uint32_t noc_y_end, std::uint32_t addr,
                                                  std::uint8_t noc = noc_index) {
    (void)noc;
    return ttc::emu::noc::Multicast(noc_x_start, noc_y_start, noc_x_end, noc_y_end, addr);
}
// Byte `bank_address_offset` of DRAM bank (or, !DRAM, L1 bank) `bank_id`.
template <bool DRAM>
FORCE_INLINE std::uint64_t get_noc_addr_from_bank_id(std::uint32_t bank_id, std::uint32_t bank_address_offset,
                                                     std::uint8_t noc = noc_index) {
    (void)noc;
    return DRAM ? ttc::emu::noc::Unicast(ttc::emu::noc::DramX(bank_id), ttc::emu::noc::DramY(bank_id), bank_address_offset)
                : ttc::emu::noc::Unicast(ttc::emu::noc::L1BankX(bank_id), ttc::emu::noc::L1BankY(bank_id),
                                         bank_address_offset);
}

// ---- Address generators of interleaved tensors ----
template <bool DRAM>
struct InterleavedAddrGen {
    std::uint32_t bank_base_address;
    const std::uint32_t page_size;
    const std::uint32_t aligned_page_size = ttc::emu::dataflow::Aligned<DRAM>(page_size);
    std::uint64_t get_noc_addr(const std::uint32_t id, const std::uint32_t offset = 0,
                               std::uint8_t noc = noc_index) const {
        (void)noc;
        return ttc::emu::dataflow::InterleavedNocAddr<DRAM>(id, bank_base_address, aligned_page_size, offset);
    }
};
// Pages of one 32x32 tile of `data_format`, spaced by its tile size.
template <bool DRAM, std::uint32_t tile_hw = 1024>
struct InterleavedAddrGenFast {
    std::uint32_t bank_base_address;
    std::uint32_t page_size;
    DataFormat data_format;
    std::uint64_t get_noc_addr(const std::uint32_t id, const std::uint32_t offset = 0,
                               std::uint8_t noc = noc_index) const {
        (void)noc;
        const std::uint32_t tile = ttc::emu::ct::TileBytes(static_cast<std::uint8_t>(data_format)) * tile_hw / 1024;
        return ttc::emu::dataflow::InterleavedNocAddr<DRAM>(id, bank_base_address, tile, offset);
    }
};
template <bool DRAM>
struct InterleavedPow2AddrGen {
    const std::uint32_t bank_base_address;
    const std::uint32_t log_base_2_of_page_size;
    std::uint64_t get_noc_addr(const std::uint32_t id, const std::uint32_t offset = 0,
                               std::uint8_t noc = noc_index) const {
        (void)noc;
        return ttc::emu::dataflow::InterleavedNocAddr<DRAM>(
            id, bank_base_address, ttc::emu::dataflow::Aligned<DRAM>(1u << log_base_2_of_page_size), offset);
    }
};
template <bool DRAM>
struct InterleavedPow2AddrGenFast {
    std::uint32_t bank_base_address;
    std::uint32_t log_base_2_of_page_size;
    std::uint64_t get_noc_addr(const std::uint32_t id, const std::uint32_t offset = 0,
                               std::uint8_t noc = noc_index) const {
        (void)noc;
        return ttc::emu::dataflow::InterleavedNocAddr<DRAM>(
            id, bank_base_address, ttc::emu::dataflow::Aligned<DRAM>(1u << log_base_2_of_page_size), offset);
    }
};

// ---- TensorAccessor (the current address API, 1.5) ----
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
    static constexpr std::uint32_t num_common_runtime_args() { return 0; }
    static constexpr std::uint32_t next_common_runtime_args_offset() { return CRTA_OFFSET; }
};

template <typename DSpec>
struct TensorAccessor {
    template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET>
    TensorAccessor(const TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>&, const std::size_t base,
                   const std::uint32_t page = 0)
        : bank_base_address(static_cast<std::uint32_t>(base)), page_size(page ? page : DSpec::aligned_page_size) {}
    std::uint64_t get_noc_addr(const std::uint32_t page_id, const std::uint32_t offset = 0,
                               std::uint8_t noc = noc_index) const {
        (void)noc;
        if constexpr (DSpec::is_sharded) {
            return ttc::emu::rt::PageNocAddr(DSpec::is_dram, true, bank_base_address, page_size, page_id, offset);
        } else {
            return ttc::emu::dataflow::InterleavedNocAddr<DSpec::is_dram>(
                page_id, bank_base_address, ttc::emu::dataflow::Aligned<DSpec::is_dram>(page_size), offset);
        }
    }
    const std::uint32_t bank_base_address;
    const std::uint32_t page_size;
};

template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET>
TensorAccessor(const TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>&, std::size_t, std::uint32_t)
    -> TensorAccessor<TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>>;
template <std::size_t CTA_OFFSET, std::size_t CRTA_OFFSET>
TensorAccessor(const TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>&, std::size_t)
    -> TensorAccessor<TensorAccessorArgs<CTA_OFFSET, CRTA_OFFSET>>;

// Page `id` of any address generator.
template <typename AddrGen>
    requires requires(const AddrGen& s) { s.get_noc_addr(0u, 0u, std::uint8_t{0}); }
FORCE_INLINE std::uint64_t get_noc_addr(const std::uint32_t id, const AddrGen& s, std::uint32_t offset = 0,
                                        std::uint8_t noc = noc_index) {
    return s.get_noc_addr(id, offset, noc);
}

// The bytes of one page an address generator moves.
namespace ttc::emu::dataflow {
template <typename AddrGen>
constexpr std::uint32_t PageBytes(const AddrGen& s) {
    if constexpr (requires { s.log_base_2_of_page_size; }) {
        return 1u << s.log_base_2_of_page_size;
    } else {
        return s.page_size;
    }
}
}  // namespace ttc::emu::dataflow

// ---- Transfers ----
template <std::uint32_t max_page_size = 8192 + 1, bool enable_noc_tracing = true>
FORCE_INLINE void noc_async_read(std::uint64_t src_noc_addr, std::uint32_t dst_local_l1_addr, std::uint32_t size,
                                 std::uint8_t noc = noc_index, std::uint32_t read_req_vc = 0) {
    (void)noc;
    (void)read_req_vc;
    ttc::emu::rt::NocRead(src_noc_addr, dst_local_l1_addr, size);
}
template <std::uint32_t max_page_size = 8192 + 1, bool enable_noc_tracing = true, bool posted = false>
FORCE_INLINE void noc_async_write(std::uint32_t src_local_l1_addr, std::uint64_t dst_noc_addr, std::uint32_t size,
                                  std::uint8_t noc = noc_index, std::uint32_t vc = 0) {
    (void)noc;
    (void)vc;
    ttc::emu::rt::NocWrite(src_local_l1_addr, dst_noc_addr, size);
}
template <typename AddrGen, bool enable_noc_tracing = true>
FORCE_INLINE void noc_async_read_page(const std::uint32_t id, const AddrGen& s, std::uint32_t dst_local_l1_addr,
                                      std::uint32_t offset = 0, std::uint8_t noc = noc_index) {
    noc_async_read(s.get_noc_addr(id, offset, noc), dst_local_l1_addr, ttc::emu::dataflow::PageBytes(s), noc);
}
template <typename AddrGen, bool enable_noc_tracing = true, bool posted = false>
FORCE_INLINE void noc_async_write_page(const std::uint32_t id, const AddrGen& s, std::uint32_t src_local_l1_addr,
                                       std::uint32_t size = 0, std::uint32_t offset = 0, std::uint8_t noc = noc_index) {
    noc_async_write(src_local_l1_addr, s.get_noc_addr(id, offset, noc), size ? size : ttc::emu::dataflow::PageBytes(s),
                    noc);
}
template <typename AddrGen>
FORCE_INLINE void noc_async_read_tile(const std::uint32_t id, const AddrGen& s, std::uint32_t dst_local_l1_addr,
                                      std::uint32_t offset = 0, std::uint8_t noc = noc_index) {
    noc_async_read_page(id, s, dst_local_l1_addr, offset, noc);
}
template <typename AddrGen>
FORCE_INLINE void noc_async_write_tile(const std::uint32_t id, const AddrGen& s, std::uint32_t src_local_l1_addr,
                                       std::uint8_t noc = noc_index) {
    noc_async_write_page(id, s, src_local_l1_addr, 0, 0, noc);
}
// `size` bytes from L1 to the same address of every core of a rectangle (never the sender;
// the _loopback_src form includes it). `num_dests` counts the destinations.
FORCE_INLINE void noc_async_write_multicast(std::uint32_t src_local_l1_addr, std::uint64_t dst_noc_addr_multicast,
                                            std::uint32_t size, std::uint32_t num_dests, bool linked = false,
                                            std::uint8_t noc = noc_index) {
    (void)linked;
    (void)noc;
    ttc::emu::rt::NocWriteMulticast(src_local_l1_addr, dst_noc_addr_multicast, size, num_dests, false,
                                    "noc_async_write_multicast");
}
FORCE_INLINE void noc_async_write_multicast_loopback_src(std::uint32_t src_local_l1_addr,
                                                         std::uint64_t dst_noc_addr_multicast, std::uint32_t size,
                                                         std::uint32_t num_dests, bool linked = false,
                                                         std::uint8_t noc = noc_index) {
    (void)linked;
    (void)noc;
    ttc::emu::rt::NocWriteMulticast(src_local_l1_addr, dst_noc_addr_multicast, size, num_dests, true,
                                    "noc_async_write_multicast_loopback_src");
}
// Writes the 32-bit `val` to a NoC address.
FORCE_INLINE void noc_inline_dw_write(std::uint64_t addr, std::uint32_t val, std::uint8_t be = 0xF,
                                      std::uint8_t noc = noc_index) {
    (void)be;
    (void)noc;
    ttc::emu::rt::NocInlineWrite(addr, val);
}

// ---- Barriers ----
FORCE_INLINE void noc_async_read_barrier(std::uint8_t noc = noc_index) {
    (void)noc;
    ttc::emu::rt::NocReadBarrier();
}
FORCE_INLINE void noc_async_write_barrier(std::uint8_t noc = noc_index) {
    (void)noc;
    ttc::emu::rt::NocWriteBarrier();
}
// The writes have left (their source may be reused): the emulator completes them.
FORCE_INLINE void noc_async_writes_flushed(std::uint8_t noc = noc_index) { noc_async_write_barrier(noc); }
FORCE_INLINE void noc_async_posted_writes_flushed(std::uint8_t noc = noc_index) { noc_async_write_barrier(noc); }
// Atomic increments land at once in the emulator.
FORCE_INLINE void noc_async_atomic_barrier(std::uint8_t noc_idx = noc_index) { (void)noc_idx; }
FORCE_INLINE void noc_async_full_barrier(std::uint8_t noc_idx = noc_index) {
    (void)noc_idx;
    ttc::emu::rt::NocFullBarrier();
}

// ---- Semaphores ----
enum class ProgrammableCoreType : std::uint8_t { TENSIX = 0, ACTIVE_ETH = 1, IDLE_ETH = 2 };
template <ProgrammableCoreType type = ProgrammableCoreType::TENSIX>
FORCE_INLINE std::uint32_t get_semaphore(std::uint32_t semaphore_id) {
    return ttc::emu::rt::SemaphoreAddr(semaphore_id);
}
namespace ttc::emu::dataflow {
inline std::uint32_t L1Address(volatile std::uint32_t* p) {
    return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(p));
}
}  // namespace ttc::emu::dataflow
// Blocks until the semaphore (a word of this core's L1) equals `val` (_min: is at least `val`).
FORCE_INLINE void noc_semaphore_wait(volatile tt_l1_ptr std::uint32_t* sem_addr, std::uint32_t val) {
    ttc::emu::rt::NocSemaphoreWait(ttc::emu::dataflow::L1Address(sem_addr), val, false);
}
FORCE_INLINE void noc_semaphore_wait_min(volatile tt_l1_ptr std::uint32_t* sem_addr, std::uint32_t val) {
    ttc::emu::rt::NocSemaphoreWait(ttc::emu::dataflow::L1Address(sem_addr), val, true);
}
FORCE_INLINE void noc_semaphore_set(volatile tt_l1_ptr std::uint32_t* sem_addr, std::uint32_t val) {
    ttc::emu::rt::NocSemaphoreSet(ttc::emu::dataflow::L1Address(sem_addr), val);
}
// Atomic increment of a semaphore anywhere on the NoC.
FORCE_INLINE void noc_semaphore_inc(std::uint64_t addr, std::uint32_t incr, std::uint8_t noc_id = noc_index,
                                    std::uint8_t vc = 0) {
    (void)noc_id;
    (void)vc;
    ttc::emu::rt::NocSemaphoreInc(addr, incr);
}
// Copies this core's semaphore word at src_local_l1_addr to another core (a NoC write).
FORCE_INLINE void noc_semaphore_set_remote(std::uint32_t src_local_l1_addr, std::uint64_t dst_noc_addr,
                                           std::uint8_t noc = noc_index) {
    noc_async_write(src_local_l1_addr, dst_noc_addr, 4, noc);
}
FORCE_INLINE void noc_semaphore_set_multicast(std::uint32_t src_local_l1_addr, std::uint64_t dst_noc_addr_multicast,
                                              std::uint32_t num_dests, bool linked = false,
                                              std::uint8_t noc = noc_index) {
    (void)linked;
    (void)noc;
    ttc::emu::rt::NocWriteMulticast(src_local_l1_addr, dst_noc_addr_multicast, 4, num_dests, false,
                                    "noc_semaphore_set_multicast");
}
FORCE_INLINE void noc_semaphore_set_multicast_loopback_src(std::uint32_t src_local_l1_addr,
                                                           std::uint64_t dst_noc_addr_multicast,
                                                           std::uint32_t num_dests, bool linked = false,
                                                           std::uint8_t noc = noc_index) {
    (void)linked;
    (void)noc;
    ttc::emu::rt::NocWriteMulticast(src_local_l1_addr, dst_noc_addr_multicast, 4, num_dests, true,
                                    "noc_semaphore_set_multicast_loopback_src");
}
