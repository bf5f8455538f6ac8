# Row softmax over blocks of whole tiles: each block holds 64 rows of the 256-column input.
# T.reduce_max and T.reduce_sum become reduce_tile (REDUCE_ROW) into DST; the row maxima and
# sums are handed to the next step through circular buffers and broadcast back over the rows
# with unary_bcast. exp(x - max) is computed once, handed off, and read by both the sum and
# the normalisation. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def softmax(M, N, block_M, dtype="bfloat16", accum_dtype="float32"):
    @T.prim_func
    def main(X: T.Tensor((M, N), dtype), Y: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(M, block_M), threads=128) as bx:
            x = T.alloc_shared((block_M, N), dtype)
            row_max = T.alloc_fragment((block_M,), accum_dtype)
            e = T.alloc_fragment((block_M, N), accum_dtype)
            row_sum = T.alloc_fragment((block_M,), accum_dtype)
            y = T.alloc_fragment((block_M, N), accum_dtype)
            T.copy(X[bx * block_M, 0], x)
            T.reduce_max(x, row_max, dim=1)
            for i, j in T.Parallel(block_M, N):
                e[i, j] = T.exp(x[i, j] - row_max[i])
            T.reduce_sum(e, row_sum, dim=1)
            for i, j in T.Parallel(block_M, N):
                y[i, j] = e[i, j] / row_sum[i]
            T.copy(y, Y[bx * block_M, 0])

    return main


kernel = softmax(320, 256, 64)
