// Writer (RISCV_0): tiles 0..n_tiles-1 of the output from c_16, with InterleavedAddrGenFast.
// Runtime args: out address, n_tiles.
#include <cstdint>

#include "dataflow_api.h"

void kernel_main() {
    const uint32_t out_addr = get_arg_val<uint32_t>(0);
    const uint32_t n_tiles = get_arg_val<uint32_t>(1);

    constexpr uint32_t cb_out0 = tt::CBIndex::c_16;
    const uint32_t tile_size_bytes = get_tile_size(cb_out0);
    const InterleavedAddrGenFast<true> out0 = {
        .bank_base_address = out_addr,
        .page_size = tile_size_bytes,
        .data_format = DataFormat::Float16_b,
    };

    for (uint32_t i = 0; i < n_tiles; ++i) {
        cb_wait_front(cb_out0, 1);
        noc_async_write_tile(i, out0, get_read_ptr(cb_out0));
        noc_async_write_barrier();
        cb_pop_front(cb_out0, 1);
    }
}
