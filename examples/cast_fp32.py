# A cast kernel: bfloat16 in, float32 out (T.cast). copy_tile unpacks the bfloat16 tiles into
# DST and pack_tile writes them in the float32 output circular buffer's format. 70 blocks of
# 32x128 on 64 cores: a partition with a remainder (6 cores take two blocks). Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def cast(M, N, block_M, block_N):
    @T.prim_func
    def main(A: T.Tensor((M, N), "bfloat16"), B: T.Tensor((M, N), "float32")):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_N), "bfloat16")
            B_local = T.alloc_fragment((block_M, block_N), "float32")
            T.copy(A[by * block_M, bx * block_N], A_shared)
            for i, j in T.Parallel(block_M, block_N):
                B_local[i, j] = T.cast(A_shared[i, j], "float32")
            T.copy(B_local, B[by * block_M, bx * block_N])

    return main


kernel = cast(2240, 128, 32, 128)
