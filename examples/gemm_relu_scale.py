# GEMM with an epilogue, in TileLang's quickstart style: a 128x128 float32 accumulator (16
# tiles; DST holds 4 with fp32 accumulation) over 24 K steps, then ReLU and a scale applied to
# the accumulator before the float32 -> bfloat16 staging copy and the DRAM write. The
# accumulator is split into DST-sized sub-blocks whose partial sums wait in a circular buffer
# between K steps; the epilogue runs on each sub-block after its last step. A 5x3 grid on 64
# cores. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def matmul_relu_scale(M, N, K, block_M, block_N, block_K, dtype="bfloat16", accum_dtype="float32"):
    @T.prim_func
    def main(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype), C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            C_shared = T.alloc_shared((block_M, block_N), dtype)
            T.clear(C_local)
            for ko in T.Pipelined(T.ceildiv(K, block_K), num_stages=2):
                T.copy(A[by * block_M, ko * block_K], A_shared)
                T.copy(B[ko * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            for i, j in T.Parallel(block_M, block_N):
                C_local[i, j] = T.max(C_local[i, j], 0) * 0.125
            T.copy(C_local, C_shared)
            T.copy(C_shared, C[by * block_M, bx * block_N])

    return main


kernel = matmul_relu_scale(384, 640, 768, 128, 128, 32)
