# RMS norm over blocks of whole tiles (TileLang's rms_norm with 32-row blocks instead of one
# row per block): x * rsqrt(mean(x^2) + eps) per row. The squares are handed to reduce_tile
# through a circular buffer, the per-row scale is computed in DST on the reduced vector and
# broadcast back over the row's tiles. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def rms_norm(M, N, block_M, eps=1e-6):
    dtype = "float32"

    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as bx:
            A_shared = T.alloc_shared((block_M, N), dtype)
            A_pow = T.alloc_fragment((block_M, N), dtype)
            A_powsum = T.alloc_fragment((block_M,), dtype)
            B_local = T.alloc_fragment((block_M, N), dtype)
            T.copy(A[bx * block_M, 0], A_shared)
            for i, j in T.Parallel(block_M, N):
                A_pow[i, j] = A_shared[i, j] * A_shared[i, j]
            T.reduce_sum(A_pow, A_powsum, dim=1)
            for i in T.Parallel(block_M):
                A_powsum[i] = T.rsqrt(A_powsum[i] / N + eps)
            for i, j in T.Parallel(block_M, N):
                B_local[i, j] = A_shared[i, j] * A_powsum[i]
            T.copy(B_local, B[bx * block_M, 0])

    return main


kernel = rms_norm(288, 512, 32)
