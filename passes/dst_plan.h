// DST planning for tensorize_tt (PASSES.md section 11): how the results live together in a
// compute region use DST, the tile registers of a Tensix core's math engine (capacity: the
// target's dst_tiles_16, or dst_tiles_32 with fp32 accumulation; TT-Metalium
// tile_regs_acquire/commit/wait/release protocol). An analysis only: tensorize_tt emits the
// code the plan describes.
#ifndef TTC_PASSES_DST_PLAN_H_
#define TTC_PASSES_DST_PLAN_H_

#include <cstdint>
#include <map>
#include <string>

namespace ttc {

struct DstPlan {
  enum class Kind {
    kResident,   // every result in DST at once, at `offsets`
    kSubBlocks,  // results computed `sub_block` tiles at a time (nothing consumed inside): one
                 // result (offsets empty), or several of the same size, tile t of each
                 // together, result r at DST offset `offsets[r]` within the sub-block
    kSpill,      // one result whose K loop consumes operands: partial sums of each sub-block
                 // wait in an intermediate circular buffer between K steps
    kOverflow,   // several results live together that do not fit: a user error
  };
  Kind kind = Kind::kResident;
  std::map<std::string, int64_t> offsets;  // kResident, kSubBlocks of several: first DST tile of each
  int64_t total = 0;      // tiles of all results together
  std::string result;     // kSubBlocks of one result, kSpill: the result
  int64_t sub_block = 0;  // kSubBlocks, kSpill: DST tiles per sub-block of each result, the
                          // largest count <= capacity / results that divides the tiles
  // DST tiles held at once (the maximum over plans is tt_dst_tiles_needed); 0 for kOverflow.
  int64_t dst_tiles() const;
};

// The plan for a region whose live results have `tiles` (tiles per result, > 0; names in
// order), on a DST of `capacity` tiles (> 0). `consumes` says whether the region waits on an
// input circular buffer (cb_wait_front) inside, which rules out repeating it per sub-block.
DstPlan PlanDst(const std::map<std::string, int64_t>& tiles, int64_t capacity, bool consumes);

}  // namespace ttc

#endif  // TTC_PASSES_DST_PLAN_H_
