# Fused element-wise kernel: one expression tree per output tile, computed in DST without
# leaving the core: a named intermediate (a gated activation, x * sigmoid(x)), numbers
# (binop with scalar), T.max / T.min against a tile, a division by a tile, and a float32
# result cast to bfloat16 by its staging copy. 4x3 blocks of 64x128 (a remainder on the
# partition: 12 blocks on 64 cores). Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def fused(M, N, block_M, block_N, dtype="bfloat16", accum_dtype="float32"):
    @T.prim_func
    def main(X: T.Tensor((M, N), dtype), G: T.Tensor((M, N), dtype), Y: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            x = T.alloc_shared((block_M, block_N), dtype)
            g = T.alloc_shared((block_M, block_N), dtype)
            act = T.alloc_fragment((block_M, block_N), accum_dtype)
            y_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            y_shared = T.alloc_shared((block_M, block_N), dtype)
            T.copy(X[by * block_M, bx * block_N], x)
            T.copy(G[by * block_M, bx * block_N], g)
            for i, j in T.Parallel(block_M, block_N):
                act[i, j] = x[i, j] * T.sigmoid(x[i, j])
            for i, j in T.Parallel(block_M, block_N):
                y_local[i, j] = T.min(T.max(act[i, j] * 2.0 - 0.5, g[i, j]), 4.0) / (T.abs(g[i, j]) + 1.0)
            T.copy(y_local, y_shared)
            T.copy(y_shared, Y[by * block_M, bx * block_N])

    return main


kernel = fused(256, 384, 64, 128)
