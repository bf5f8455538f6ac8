// Writer (RISCV_0): output tiles [start_id, start_id + num_tiles) from c_16, one at a time.
// Runtime args: dst address, num_tiles, start_id. Compile-time args: tensor accessor of C.
#include <cstdint>

#include "dataflow_api.h"

void kernel_main() {
    const uint32_t dst_addr = get_arg_val<uint32_t>(0);
    const uint32_t num_tiles = get_arg_val<uint32_t>(1);
    const uint32_t start_id = get_arg_val<uint32_t>(2);

    constexpr uint32_t cb_out = tt::CBIndex::c_16;
    constexpr auto c_args = TensorAccessorArgs<0>();
    const auto c = TensorAccessor(c_args, dst_addr, get_tile_size(cb_out));

    for (uint32_t i = start_id; i < start_id + num_tiles; ++i) {
        cb_wait_front(cb_out, 1);
        noc_async_write_tile(i, c, get_read_ptr(cb_out));
        noc_async_write_barrier();
        cb_pop_front(cb_out, 1);
    }
}
