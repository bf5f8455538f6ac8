# Element-wise add of two 256x256 bfloat16 tensors, one 32x32 tile per work unit: the TileLang
# TT backend's examples/tenstorrent/example_elementwise_add_tt.py (float16 there; bfloat16
# here). The copies use TileLang's slice form, so the regions carry their extents. Same
# request as eltwise_add_256_bf16.textproto.
import tilelang.language as T

dtype = "bfloat16"


@T.prim_func
def main(A: T.Buffer((256, 256), dtype), B: T.Buffer((256, 256), dtype), C: T.Buffer((256, 256), dtype)):
    with T.Kernel(8, 8) as (bx, by):
        A_tile = T.alloc_fragment((32, 32), dtype)
        B_tile = T.alloc_fragment((32, 32), dtype)
        C_tile = T.alloc_fragment((32, 32), dtype)
        T.copy(A[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32], A_tile)
        T.copy(B[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32], B_tile)
        for i, j in T.grid(32, 32):
            C_tile[i, j] = A_tile[i, j] + B_tile[i, j]
        T.copy(C_tile, C[by * 32:(by + 1) * 32, bx * 32:(bx + 1) * 32])
