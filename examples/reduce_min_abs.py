# Row minima and absolute maxima, TileLang's remaining reductions: T.reduce_min is -max(-x)
# and T.reduce_absmax / T.reduce_abssum reduce |x|, because TT's reduce_tile pools by SUM and
# MAX only; the negated or absolute block is computed in DST and handed to reduce_tile through
# a circular buffer. The three row vectors are combined and broadcast back over each row.
# Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def spread(M, N, block_M, dtype="bfloat16", accum_dtype="float32"):
    @T.prim_func
    def main(X: T.Tensor((M, N), dtype), Y: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as bx:
            x = T.alloc_shared((block_M, N), dtype)
            lo = T.alloc_fragment((block_M,), accum_dtype)
            amax = T.alloc_fragment((block_M,), accum_dtype)
            asum = T.alloc_fragment((block_M,), accum_dtype)
            y = T.alloc_fragment((block_M, N), accum_dtype)
            T.copy(X[bx * block_M, 0], x)
            T.reduce_min(x, lo, dim=1)
            T.reduce_absmax(x, amax, dim=1)
            T.reduce_abssum(x, asum, dim=1)
            for i, j in T.Parallel(block_M, N):
                y[i, j] = (x[i, j] - lo[i]) / amax[i] + asum[i] / N
            T.copy(y, Y[bx * block_M, 0])

    return main


kernel = spread(96, 128, 32)
