# A copy kernel: each block of A goes DRAM -> L1 -> DRAM unchanged, the data movement of
# Tenstorrent's loopback example. The on-chip buffer is filled by the reader and drained by
# the writer straight from the same circular buffer; there is no tile math, so the compute
# kernel is empty. 20 blocks of 64x96 on 64 cores. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def copy(M, N, block_M, block_N, dtype="bfloat16"):
    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_N), dtype)
            T.copy(A[by * block_M, bx * block_N], A_shared)
            T.copy(A_shared, B[by * block_M, bx * block_N])

    return main


kernel = copy(320, 384, 64, 96)
