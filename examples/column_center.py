# Column centering of 64-row blocks: each column of a block minus the column's mean over the
# block. T.reduce_sum over dim 0 is reduce_tile with REDUCE_COL (one value per column, in row
# 0 of each tile); the means are broadcast down the rows (unary_bcast ROW) with a T.max
# against a floor. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def center(M, N, block_M, block_N, dtype="bfloat16", accum_dtype="float32"):
    @T.prim_func
    def main(X: T.Tensor((M, N), dtype), Y: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            x = T.alloc_shared((block_M, block_N), dtype)
            col_sum = T.alloc_fragment((block_N,), accum_dtype)
            y = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.copy(X[by * block_M, bx * block_N], x)
            T.reduce_sum(x, col_sum, dim=0)
            for i, j in T.Parallel(block_M, block_N):
                y[i, j] = T.max(x[i, j] - col_sum[j] / block_M, -1.5)
            T.copy(y, Y[by * block_M, bx * block_N])

    return main


kernel = center(192, 320, 64, 64)
