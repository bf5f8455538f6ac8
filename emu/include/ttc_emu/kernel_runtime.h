// The emulator's kernel-side runtime: what the emulated TT-Metalium kernel API headers
// (dataflow_api.h, compute_kernel_api/*.h) call. Each call acts on the calling thread's
// kernel (one of a core's reader, compute and writer threads), set up by the device before
// it enters the kernel. A protocol violation (CB overrun or underrun, pop without wait, a
// NoC transfer not completed by a barrier, DST misuse, an argument index the host did not
// set) aborts the whole program with a report naming the core, the kernel and the CB; the
// call then does not return (it unwinds the kernel thread).
// Thread-safety: each function is called by kernel threads only; CB calls synchronise the
// threads of one core.
#pragma once

#include <cstdint>

namespace ttc::emu::rt {

// Runtime arguments (TT_METALIUM_API.md 1.1): 4-byte values set by SetRuntimeArgs /
// SetCommonRuntimeArgs for this core and kernel.
std::uint32_t ArgVal(int index);
std::uint32_t CommonArgVal(int index);

// Circular buffers (1.2): counts are pages; waits are cumulative; pointers are byte L1
// addresses of this core.
void CbReserveBack(std::int32_t cb, std::int32_t pages);
void CbPushBack(std::int32_t cb, std::int32_t pages);
void CbWaitFront(std::int32_t cb, std::int32_t pages);
void CbPopFront(std::int32_t cb, std::int32_t pages);
std::uint32_t CbWritePtr(std::int32_t cb);
std::uint32_t CbReadPtr(std::int32_t cb);
std::int32_t CbPageSize(std::int32_t cb);

// NoC (1.3-1.5): page `page` of the tensor at `base` (interleaved over DRAM banks, page i in
// bank i % banks, or L1-sharded as the host created it) to/from this core's L1. Transfers
// complete at the next barrier of the same direction.
void NocReadPage(bool is_dram, bool sharded, std::uint32_t base, std::uint32_t page_size, std::uint32_t page,
                 std::uint32_t l1_addr, std::uint32_t offset);
void NocWritePage(bool is_dram, bool sharded, std::uint32_t base, std::uint32_t page_size, std::uint32_t page,
                  std::uint32_t l1_addr);
void NocReadBarrier();
void NocWriteBarrier();

// Compute (2.2-2.4): DST registers and tile math. `cb` tile indices are relative to the CB's
// front (the pages waited for); DST indices must be below the configured capacity.
void TileRegsAcquire();
void TileRegsCommit();
void TileRegsWait();
void TileRegsRelease();
// The deprecated acquire_dst / release_dst pair (acquire + wait, commit + release in one
// call each): between them both math and pack may use DST.
void AcquireDst();
void ReleaseDst();
void InitOp(const char* op, std::uint32_t cb_a, std::uint32_t cb_b, std::uint32_t cb_out);
void MatmulTiles(std::uint32_t in0, std::uint32_t in1, std::uint32_t i0, std::uint32_t i1, std::uint32_t dst,
                 std::uint32_t transpose);
// op: 0 add, 1 sub, 2 mul.
void BinaryTiles(int op, std::uint32_t a, std::uint32_t b, std::uint32_t ia, std::uint32_t ib, std::uint32_t dst);
void CopyTile(std::uint32_t cb, std::uint32_t itile, std::uint32_t dst);
// op: "exp", "relu", "sqrt", "recip", "rsqrt", "log", "abs", "tanh", "sigmoid", "negative", and the
// comparisons with zero "ltz", "lez", "gtz", "gez", "eqz", "nez" (1.0 or 0.0).
void UnaryTile(const char* op, std::uint32_t dst);
void FillTile(std::uint32_t dst, float value);
// DST[odst] = DST[cond] != 0 ? DST[a] : DST[b].
void WhereTile(std::uint32_t cond, std::uint32_t a, std::uint32_t b, std::uint32_t odst);
// DST[odst] = DST[i0] op DST[i1]; op: "add", "sub", "mul", "div", "rsub" (i1 - i0), "max", "min".
void SfpuBinary(const char* op, std::uint32_t i0, std::uint32_t i1, std::uint32_t odst);
// DST[dst] = DST[dst] op s, s the float with bit pattern `bits`; op: "add", "sub", "mul", "div",
// "rsub" (s - x).
void SfpuScalar(const char* op, std::uint32_t dst, std::uint32_t bits);
// type: 1 COL (column 0 across the columns), 2 ROW (row 0 down the rows), 3 SCALAR ([0, 0]).
void UnaryBcast(int type, std::uint32_t cb, std::uint32_t itile, std::uint32_t dst);
// DST[dst] = A op B with A tile ia of cb_a and B tile ib of cb_b broadcast as in UnaryBcast
// (ROW: row `bcast_row` of B, 0-15); op: 0 add, 1 sub, 2 mul.
void BinaryBcast(int op, int type, std::uint32_t cb_a, std::uint32_t cb_b, std::uint32_t ia, std::uint32_t ib,
                 std::uint32_t dst, std::uint32_t bcast_row);
// pool: 0 SUM, 1 AVG, 2 MAX; dim: 0 REDUCE_ROW (per row, into column 0 of DST[dst]),
// 1 REDUCE_COL (per column, into row 0), 2 REDUCE_SCALAR (into [0, 0]). Each result is scaled by
// the scaler, tile `iscaler` of cb_scaler (uniform in row 0 of each face: element [0, 0]; MAX
// uses its power of two; REDUCE_SCALAR applies it twice), and combined with what DST holds there
// (SUM, AVG add; MAX takes the maximum, a DST tile cleared since the last release counting as
// minus infinity).
void ReduceTile(int pool, int dim, std::uint32_t cb, std::uint32_t cb_scaler, std::uint32_t itile,
                std::uint32_t iscaler, std::uint32_t dst);
void PackTile(std::uint32_t dst, std::uint32_t cb);
// A call or argument the emulator does not model: fails the run naming `what`.
[[noreturn]] void NotEmulated(const char* what);

}  // namespace ttc::emu::rt
