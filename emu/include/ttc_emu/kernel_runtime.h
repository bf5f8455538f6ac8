// The emulator's kernel-side runtime: what the emulated TT-Metalium kernel API headers
// (dataflow_api.h, compute_kernel_api/*.h) call. Each call acts on the calling thread's
// kernel (one of a core's reader, compute and writer threads), set up by the device before
// it enters the kernel. A real hazard (CB overrun or underrun, a NoC transfer not completed by
// a barrier before its data is used, DST misuse, an argument index the host did not set,
// memory that does not exist) aborts the whole program with a report naming the core, the
// kernel and the CB; the call then does not return (it unwinds the kernel thread). A protocol
// slip the hardware tolerates (a push or a pack without cb_reserve_back into free pages, a pop
// without cb_wait_front of pushed pages) is a warning, printed once per kernel and kind.
// Thread-safety: each function is called by kernel threads only; CB calls synchronise the
// threads of one core.
#pragma once

#include <cstdint>

namespace ttc::emu::rt {

// Runtime arguments (TT_METALIUM_API.md 1.1): 4-byte values set by SetRuntimeArgs /
// SetCommonRuntimeArgs for this core and kernel.
std::uint32_t ArgVal(int index);
std::uint32_t CommonArgVal(int index);
// Where the kernel runs: its core's logical coordinates.
std::uint32_t LogicalX();
std::uint32_t LogicalY();

// Circular buffers (1.2): counts are pages; waits are cumulative; pointers are byte L1
// addresses of this core.
void CbReserveBack(std::int32_t cb, std::int32_t pages);
void CbPushBack(std::int32_t cb, std::int32_t pages);
void CbWaitFront(std::int32_t cb, std::int32_t pages);
void CbPopFront(std::int32_t cb, std::int32_t pages);
std::uint32_t CbWritePtr(std::int32_t cb);
std::uint32_t CbReadPtr(std::int32_t cb);
std::int32_t CbPageSize(std::int32_t cb);
bool CbPagesReservable(std::int32_t cb, std::int32_t pages);
bool CbPagesAvailable(std::int32_t cb, std::int32_t pages);

// NoC (1.3-1.5), addresses as in ttc_emu/noc_map.h. PageNocAddr: the NoC address of byte
// `offset` of page `page` of the tensor at `base` (interleaved over DRAM banks or L1 banks, page
// i in bank i % banks, or L1-sharded as the host created it). Reads and writes complete at the
// next barrier of their direction (or when the kernel blocks or ends); multicast writes go to
// every worker core of the rectangle of `dst` (the sender only with `loopback`).
std::uint64_t PageNocAddr(bool is_dram, bool sharded, std::uint32_t base, std::uint32_t page_size,
                          std::uint32_t page, std::uint32_t offset);
void NocRead(std::uint64_t src, std::uint32_t dst_l1_addr, std::uint32_t size);
void NocWrite(std::uint32_t src_l1_addr, std::uint64_t dst, std::uint32_t size);
void NocWriteMulticast(std::uint32_t src_l1_addr, std::uint64_t dst, std::uint32_t size, std::uint32_t num_dests,
                       bool loopback, const char* name);
void NocInlineWrite(std::uint64_t dst, std::uint32_t value);
void NocReadBarrier();
void NocWriteBarrier();
void NocFullBarrier();
// Semaphores: the L1 word of semaphore `id`; atomic increment of a (remote) word; set and wait
// on a word of this core's L1 (wait: until it equals `value`, or with `at_least` until >= value).
std::uint32_t SemaphoreAddr(std::uint32_t id);
void NocSemaphoreInc(std::uint64_t addr, std::uint32_t incr);
void NocSemaphoreSet(std::uint32_t l1_addr, std::uint32_t value);
void NocSemaphoreWait(std::uint32_t l1_addr, std::uint32_t value, bool at_least);

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
// DPRINT (debug/dprint.h), printed as TT-Metalium's print server prints (dprint.cc). Values by
// kind (DprintKind), then manipulators; `trisc` restricts a compute kernel's prints to one TRISC
// (0 unpack, 1 math, 2 pack; -1: all three) and returns the previous setting.
enum class DprintKind : int { kCStr, kChar, kU8, kU16, kU32, kU64, kI8, kI16, kI32, kI64, kF32, kBf16, kPointer };
enum class DprintManip : int { kEndl, kSetPrecision, kFixed, kDefaultFloat, kHex, kOct, kDec, kSetW };
void DprintValue(DprintKind kind, const void* value);
void DprintManipulate(DprintManip manip, int arg, bool sticky);
// A TileSlice: rows h0:h1:hs and columns w0:w1:ws (range[0..5]) of tile `tile` of `cb`, counted
// from its read pointer (ptr 0) or write pointer (1; -1: the compute RISC's own: the unpacker
// reads the front, the packer the back), untilized or in stored order, at most max_bytes.
void DprintTileSlice(std::uint32_t cb, std::int32_t tile, const std::uint16_t* range, int ptr, bool endl_rows,
                     bool untilize, std::uint32_t max_bytes);
int DprintTrisc(int trisc);

// A call or argument the emulator does not model: fails the run naming `what`.
[[noreturn]] void NotEmulated(const char* what);

}  // namespace ttc::emu::rt
