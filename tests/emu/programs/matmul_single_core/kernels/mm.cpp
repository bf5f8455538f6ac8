// Compute: C tile (mt, nt) = sum over kt of A (mt, kt) @ B (kt, nt), accumulated in DST[0]
// (matmul_tiles adds into DST; acquiring DST gives zeroed registers), then packed into c_16.
// Compile-time args: Mt, Kt, Nt.
#include <cstdint>

#include "compute_kernel_api/common.h"
#include "compute_kernel_api/matmul.h"
#include "compute_kernel_api/tile_move_copy.h"

namespace NAMESPACE {
void MAIN {
    constexpr uint32_t Mt = get_compile_time_arg_val(0);
    constexpr uint32_t Kt = get_compile_time_arg_val(1);
    constexpr uint32_t Nt = get_compile_time_arg_val(2);
    constexpr uint32_t cb_in0 = tt::CBIndex::c_0;
    constexpr uint32_t cb_in1 = tt::CBIndex::c_1;
    constexpr uint32_t cb_out = tt::CBIndex::c_16;

    mm_init(cb_in0, cb_in1, cb_out);
    for (uint32_t mt = 0; mt < Mt; ++mt) {
        for (uint32_t nt = 0; nt < Nt; ++nt) {
            acquire_dst();
            for (uint32_t kt = 0; kt < Kt; ++kt) {
                cb_wait_front(cb_in0, 1);
                cb_wait_front(cb_in1, 1);
                matmul_tiles(cb_in0, cb_in1, 0, 0, 0, false);
                cb_pop_front(cb_in0, 1);
                cb_pop_front(cb_in1, 1);
            }
            cb_reserve_back(cb_out, 1);
            pack_tile(0, cb_out);
            cb_push_back(cb_out, 1);
            release_dst();
        }
    }
}
}  // namespace NAMESPACE
