# TileLang's public GEMM example (tilelang examples/gemm/example_gemm.py) as published: the
# @tilelang.jit factory `matmul(M, N, K, block_M, block_N, block_K, ...)` returning its
# @T.prim_func. Changed for the TT backend, and only that: the factory is called at module
# level with concrete sizes (the published main() does it at run time, next to its torch/CUDA
# test harness, which is host code and not part of the kernel), and the dtype is bfloat16
# (the TT devices' native 16-bit format; the example's default is float16).
#
#   ttc compile examples/tilelang_gemm.py -o out/gemm
import tilelang
import tilelang.language as T


@tilelang.jit(out_idx=[-1])
def matmul(M, N, K, block_M, block_N, block_K, dtype="float16", accum_dtype="float"):

    @T.prim_func
    def gemm(
            A: T.Tensor((M, K), dtype),
            B: T.Tensor((K, N), dtype),
            C: T.Tensor((M, N), dtype),
    ):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)

            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=3):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)

            T.copy(C_local, C[by * block_M, bx * block_N])

    return gemm


kernel = matmul(1024, 1024, 1024, 128, 128, 32, dtype="bfloat16")
