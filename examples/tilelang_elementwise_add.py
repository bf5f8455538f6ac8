# TileLang's public element-wise add example (tilelang examples/elementwise/
# example_elementwise_add.py) as published: the factory `elementwise_add(M, N, block_M,
# block_N, in_dtype, out_dtype, threads)` returning its @T.prim_func. Changed for the TT
# backend, and only that: the factory is called at module level with concrete sizes and
# dtypes (the published main() does it from command-line arguments next to its torch
# harness and autotuner, which are host code), with 32x32 blocks (one TT tile) in bfloat16;
# and the result goes from the fragment straight to C: the published C_local -> C_shared -> C
# staging is a copy between on-chip buffers, which the TT lowering does not support.
#
#   ttc validate examples/tilelang_elementwise_add.py
import tilelang
import tilelang.language as T


def elementwise_add(M, N, block_M, block_N, in_dtype, out_dtype, threads):

    @T.prim_func
    def elem_add(A: T.Tensor((M, N), in_dtype), B: T.Tensor((M, N), in_dtype), C: T.Tensor(
            (M, N), out_dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=threads) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_N), in_dtype)
            B_shared = T.alloc_shared((block_M, block_N), in_dtype)
            C_local = T.alloc_fragment((block_M, block_N), out_dtype)

            T.copy(A[by * block_M, bx * block_N], A_shared)
            T.copy(B[by * block_M, bx * block_N], B_shared)
            for (local_y, local_x) in T.Parallel(block_M, block_N):
                C_local[local_y, local_x] = A_shared[local_y, local_x] + B_shared[local_y, local_x]
            T.copy(C_local, C[by * block_M, bx * block_N])

    return elem_add


kernel = elementwise_add(256, 256, 32, 32, "bfloat16", "bfloat16", 128)
