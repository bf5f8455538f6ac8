// Reader (RISCV_1) of the multi-core matmul: this core computes the output tiles
// [start_id, start_id + num_tiles) in row-major order over the Mt x Nt output tiles; for
// each, it streams the Kt pairs A tile (mt, kt) -> c_0 and B tile (kt, nt) -> c_1.
// Runtime args: src0 address, src1 address, Mt, Kt, Nt, start_id, num_tiles.
// Compile-time args: the tensor accessor args of A, then of B.
#include <cstdint>

#include "dataflow_api.h"

void kernel_main() {
    const uint32_t src0_addr = get_arg_val<uint32_t>(0);
    const uint32_t src1_addr = get_arg_val<uint32_t>(1);
    const uint32_t Kt = get_arg_val<uint32_t>(3);
    const uint32_t Nt = get_arg_val<uint32_t>(4);
    const uint32_t start_id = get_arg_val<uint32_t>(5);
    const uint32_t num_tiles = get_arg_val<uint32_t>(6);

    constexpr uint32_t cb_in0 = tt::CBIndex::c_0;
    constexpr uint32_t cb_in1 = tt::CBIndex::c_1;
    constexpr auto a_args = TensorAccessorArgs<0>();
    const auto a = TensorAccessor(a_args, src0_addr, get_tile_size(cb_in0));
    constexpr auto b_args = TensorAccessorArgs<a_args.next_compile_time_args_offset()>();
    const auto b = TensorAccessor(b_args, src1_addr, get_tile_size(cb_in1));

    for (uint32_t t = start_id; t < start_id + num_tiles; ++t) {
        const uint32_t mt = t / Nt, nt = t % Nt;
        uint32_t a_tile = mt * Kt;  // walks along row mt of A
        uint32_t b_tile = nt;       // walks down column nt of B
        for (uint32_t kt = 0; kt < Kt; ++kt, ++a_tile, b_tile += Nt) {
            cb_reserve_back(cb_in0, 1);
            noc_async_read_tile(a_tile, a, get_write_ptr(cb_in0));
            noc_async_read_barrier();
            cb_push_back(cb_in0, 1);

            cb_reserve_back(cb_in1, 1);
            noc_async_read_tile(b_tile, b, get_write_ptr(cb_in1));
            noc_async_read_barrier();
            cb_push_back(cb_in1, 1);
        }
    }
}
