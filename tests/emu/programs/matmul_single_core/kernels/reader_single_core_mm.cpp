// Reader (RISCV_1): for every output tile (mt, nt), streams the Kt pairs of input tiles it
// needs - A tile (mt, kt) into c_0 and B tile (kt, nt) into c_1 - one tile per push.
// Runtime args: src0 address, src1 address, Mt, Kt, Nt. Compile-time args: the tensor
// accessor args of A, then of B.
#include <cstdint>

#include "dataflow_api.h"

void kernel_main() {
    const uint32_t src0_addr = get_arg_val<uint32_t>(0);
    const uint32_t src1_addr = get_arg_val<uint32_t>(1);
    const uint32_t Mt = get_arg_val<uint32_t>(2);
    const uint32_t Kt = get_arg_val<uint32_t>(3);
    const uint32_t Nt = get_arg_val<uint32_t>(4);

    constexpr uint32_t cb_in0 = tt::CBIndex::c_0;
    constexpr uint32_t cb_in1 = tt::CBIndex::c_1;

    constexpr auto a_args = TensorAccessorArgs<0>();
    const auto a = TensorAccessor(a_args, src0_addr, get_tile_size(cb_in0));
    constexpr auto b_args = TensorAccessorArgs<a_args.next_compile_time_args_offset()>();
    const auto b = TensorAccessor(b_args, src1_addr, get_tile_size(cb_in1));

    for (uint32_t mt = 0; mt < Mt; ++mt) {
        for (uint32_t nt = 0; nt < Nt; ++nt) {
            for (uint32_t kt = 0; kt < Kt; ++kt) {
                cb_reserve_back(cb_in0, 1);
                noc_async_read_tile(mt * Kt + kt, a, get_write_ptr(cb_in0));
                noc_async_read_barrier();
                cb_push_back(cb_in0, 1);

                cb_reserve_back(cb_in1, 1);
                noc_async_read_tile(kt * Nt + nt, b, get_write_ptr(cb_in1));
                noc_async_read_barrier();
                cb_push_back(cb_in1, 1);
            }
        }
    }
}
