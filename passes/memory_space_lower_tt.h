// memory_space_lower_tt — MemorySpaceLowerTT (PASSES.md section 9). Real lowering.
// Before: a persistent body (grid_to_persistent_tt) and tt.cb.* for every buffer on a DRAM
// copy (propagate_tt_layout). After:
// - Every on-chip buffer on a DRAM copy is a circular buffer with a deterministic index by
//   data-flow role: filled from DRAM = input (c_0..c_7, in order of first use); copied to
//   DRAM = output (c_16..c_23, in order of first use). Its capacity is its tile count times
//   tt.cb depth. Written as tt_circular_buffers = [{cb_id, buffer, role, page_size,
//   num_pages, data_format, block_tiles, block_tile_grid}], tt_num_cbs, tt_l1_bytes.
// - func.kernels holds three projections of the body, sharing its loops and lets:
//   reader: each DRAM->L1 copy becomes cb_reserve_back / get_write_ptr / one
//     noc_async_read_tile per tile (row-major over the block) / noc_async_read_barrier /
//     cb_push_back;
//   writer: each L1->DRAM copy becomes cb_wait_front / get_read_ptr / noc_async_write_tile
//     per tile / noc_async_write_barrier / cb_pop_front;
//   compute: each DRAM->L1 copy becomes cb_wait_front at its place and cb_pop_front at the
//     end of the enclosing block (its data is consumed there); compute statements and the
//     L1->DRAM copies stay for tensorize_tt, which owns DST and packing.
//   Tile ids come from the copy's element offsets divided by the tile shape (offsets must be
//   provably tile-aligned) over the global buffer's padded tile grid.
// Errors: a buffer both filled from and copied to DRAM, copies between on-chip buffers,
// `local` buffers on DRAM copies, offsets or extents that are not whole tiles, copies that
// reshape a block, copies spanning several batch entries, 1-D global buffers, more than 8
// input or output circular buffers.
#ifndef TTC_PASSES_MEMORY_SPACE_LOWER_TT_H_
#define TTC_PASSES_MEMORY_SPACE_LOWER_TT_H_

#include "passes/pass.h"

namespace ttc {
void MemorySpaceLowerTT(PassContext& ctx, ir::PrimFunc& func);
}  // namespace ttc

#endif  // TTC_PASSES_MEMORY_SPACE_LOWER_TT_H_
