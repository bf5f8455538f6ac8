// Writer (RISCV_0): drains c_16 into the output, tile (mt, nt) to page mt * Nt + nt.
// Runtime args: dst address, Mt, Kt, Nt. Compile-time args: the tensor accessor args of C.
#include <cstdint>

#include "dataflow_api.h"

void kernel_main() {
    const uint32_t dst_addr = get_arg_val<uint32_t>(0);
    const uint32_t Mt = get_arg_val<uint32_t>(1);
    const uint32_t Nt = get_arg_val<uint32_t>(3);

    constexpr uint32_t cb_out = tt::CBIndex::c_16;
    constexpr auto c_args = TensorAccessorArgs<0>();
    const auto c = TensorAccessor(c_args, dst_addr, get_tile_size(cb_out));

    for (uint32_t mt = 0; mt < Mt; ++mt) {
        for (uint32_t nt = 0; nt < Nt; ++nt) {
            cb_wait_front(cb_out, 1);
            noc_async_write_tile(mt * Nt + nt, c, get_read_ptr(cb_out));
            noc_async_write_barrier();
            cb_pop_front(cb_out, 1);
        }
    }
}
