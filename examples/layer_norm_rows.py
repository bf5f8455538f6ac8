# Layer norm with one row per block, as TileLang's layernorm and softmax examples launch it:
# T.Kernel(N) with (1, D) blocks, per-row statistics in (1,) fragments, gamma and beta as 1-D
# tensors broadcast over the rows, and the per-row mean and 1/std copied out to 1-D tensors.
# ttc stacks 32 one-row blocks into one tile row; gamma and beta are row vectors (unary_bcast
# ROW), the statistics column vectors (unary_bcast COL) written to (N, 1) tiles. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def layer_norm(N, D, eps=1e-5, dtype="bfloat16"):
    accum = "float32"

    @T.prim_func
    def main(
        X: T.Tensor((N, D), dtype),
        gamma: T.Tensor((D,), dtype),
        beta: T.Tensor((D,), dtype),
        Y: T.Tensor((N, D), dtype),
        Mean: T.Tensor((N,), accum),
        Rstd: T.Tensor((N,), accum),
    ):
        with T.Kernel(N, threads=128) as bx:
            x_s = T.alloc_shared((1, D), dtype)
            g_s = T.alloc_shared((D,), dtype)
            b_s = T.alloc_shared((D,), dtype)
            x = T.alloc_fragment((1, D), accum)
            x_sq = T.alloc_fragment((1, D), accum)
            y = T.alloc_fragment((1, D), dtype)
            total = T.alloc_fragment((1,), accum)
            total_sq = T.alloc_fragment((1,), accum)
            mean = T.alloc_fragment((1,), accum)
            rstd = T.alloc_fragment((1,), accum)
            T.copy(X[bx, 0], x_s)
            T.copy(gamma, g_s)
            T.copy(beta, b_s)
            for i, j in T.Parallel(1, D):
                x[i, j] = T.Cast(accum, x_s[i, j])
                x_sq[i, j] = x[i, j] * x[i, j]
            T.reduce_sum(x, total, dim=1)
            T.reduce_sum(x_sq, total_sq, dim=1)
            for i in T.Parallel(1):
                mean[i] = total[i] / D
                rstd[i] = T.rsqrt(total_sq[i] / D - mean[i] * mean[i] + eps)
            for i, j in T.Parallel(1, D):
                y[i, j] = T.Cast(dtype, (x[i, j] - mean[i]) * rstd[i] * g_s[j] + b_s[j])
            T.copy(y, Y[bx, 0])
            T.copy(mean, Mean[bx])
            T.copy(rstd, Rstd[bx])

    return main


kernel = layer_norm(80, 256)
