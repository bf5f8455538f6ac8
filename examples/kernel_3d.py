# Batched element-wise add over (2, 64, 64) bfloat16 tensors with a 3-D launch: bx is the
# 32-column block, by the 32-row block and bz the batch. Same request as kernel_3d.textproto.
import tilelang.language as T

batch, rows, cols = 2, 64, 64


@T.prim_func
def main(A: T.Tensor((batch, rows, cols), "bfloat16"), B: T.Tensor((batch, rows, cols), "bfloat16"),
         C: T.Tensor((batch, rows, cols), "bfloat16")):
    with T.Kernel(cols // 32, rows // 32, batch) as (bx, by, bz):
        A_tile = T.alloc_fragment((32, 32), "bfloat16")
        B_tile = T.alloc_fragment((32, 32), "bfloat16")
        C_tile = T.alloc_fragment((32, 32), "bfloat16")
        T.copy(A[bz, by * 32, bx * 32], A_tile)
        T.copy(B[bz, by * 32, bx * 32], B_tile)
        for i, j in T.Parallel(32, 32):
            C_tile[i, j] = A_tile[i, j] + B_tile[i, j]
        T.copy(C_tile, C[bz, by * 32, bx * 32])
