# The tiled GEMM of gemm_256_bf16 with its A operand kept in L1, sharded over a 2x4 block of
# cores (shards of 128 x 64 elements = 4 x 2 tiles, so the shard footprint is C's 8x8 tile
# grid and the work partition is local_shard). Same request as gemm_l1_sharded.textproto.
import tilelang.language as T
from tilelang.tt import annotate_tt_layout


@T.prim_func
def main(A: T.Buffer((256, 256), "bfloat16"), B: T.Buffer((256, 256), "bfloat16"), C: T.Buffer((256, 256), "bfloat16")):
    with T.Kernel(8, 8) as (bx, by):
        A_shared = T.alloc_shared((32, 32), "bfloat16")
        B_shared = T.alloc_shared((32, 32), "bfloat16")
        C_local = T.alloc_fragment((32, 32), "float32")
        T.clear(C_local)
        for k in T.serial(8):
            T.copy(A[by * 32, k * 32], A_shared)
            T.copy(B[k * 32, bx * 32], B_shared)
            T.gemm(A_shared, B_shared, C_local)
        T.copy(C_local, C[by * 32, bx * 32])


main = annotate_tt_layout(main, {
    "A": {"memory": "L1", "layout": "sharded",
          "nd_shard": {"axes": ["M", "N"], "grid": [2, 4], "shard_shape_elems": [128, 64]}},
})
