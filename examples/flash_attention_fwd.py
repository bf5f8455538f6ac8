# Flash attention forward (one head, non-causal), in TileLang's style: for each 64-row block
# of queries, a loop over 64-row blocks of keys and values with an online softmax: S = Q K^T
# (T.gemm with transpose_B), the running row maximum (T.reduce_max with clear=False) and the
# rescaling factor exp2((m_prev - m) * scale), P = exp2(S * scale - m * scale) and its row sum,
# the running sum and the output accumulator rescaled and updated with P V, and the output
# divided by the sum at the end. On TT the running values (row max, row sum, output
# accumulator) are carried from one iteration to the next through circular buffers; P is
# handed to the second matmul through one. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def flash_attention(seq_q, seq_kv, dim, block_M, block_N, dtype="bfloat16", accum_dtype="float32"):
    scale = (1.0 / dim) ** 0.5 * 1.44269504  # log2(e)

    @T.prim_func
    def main(
        Q: T.Tensor((seq_q, dim), dtype),
        K: T.Tensor((seq_kv, dim), dtype),
        V: T.Tensor((seq_kv, dim), dtype),
        Output: T.Tensor((seq_q, dim), dtype),
    ):
        with T.Kernel(T.ceildiv(seq_q, block_M), threads=128) as bx:
            Q_shared = T.alloc_shared([block_M, dim], dtype)
            K_shared = T.alloc_shared([block_N, dim], dtype)
            V_shared = T.alloc_shared([block_N, dim], dtype)
            acc_s = T.alloc_fragment([block_M, block_N], accum_dtype)
            acc_s_cast = T.alloc_fragment([block_M, block_N], dtype)
            acc_o = T.alloc_fragment([block_M, dim], accum_dtype)
            scores_max = T.alloc_fragment([block_M], accum_dtype)
            scores_max_prev = T.alloc_fragment([block_M], accum_dtype)
            scores_scale = T.alloc_fragment([block_M], accum_dtype)
            scores_sum = T.alloc_fragment([block_M], accum_dtype)
            logsum = T.alloc_fragment([block_M], accum_dtype)

            T.copy(Q[bx * block_M, 0], Q_shared)
            T.fill(acc_o, 0)
            T.fill(logsum, 0)
            T.fill(scores_max, -T.infinity(accum_dtype))
            for k in T.Pipelined(T.ceildiv(seq_kv, block_N), num_stages=1):
                T.copy(K[k * block_N, 0], K_shared)
                T.clear(acc_s)
                T.gemm(Q_shared, K_shared, acc_s, transpose_B=True)
                T.copy(scores_max, scores_max_prev)
                T.fill(scores_max, -T.infinity(accum_dtype))
                T.reduce_max(acc_s, scores_max, dim=1, clear=False)
                for i in T.Parallel(block_M):
                    scores_max[i] = T.max(scores_max[i], scores_max_prev[i])
                for i in T.Parallel(block_M):
                    scores_scale[i] = T.exp2(scores_max_prev[i] * scale - scores_max[i] * scale)
                for i, j in T.Parallel(block_M, block_N):
                    acc_s[i, j] = T.exp2(acc_s[i, j] * scale - scores_max[i] * scale)
                T.reduce_sum(acc_s, scores_sum, dim=1)
                for i in T.Parallel(block_M):
                    logsum[i] = logsum[i] * scores_scale[i] + scores_sum[i]
                T.copy(acc_s, acc_s_cast)
                for i, j in T.Parallel(block_M, dim):
                    acc_o[i, j] *= scores_scale[i]
                T.copy(V[k * block_N, 0], V_shared)
                T.gemm(acc_s_cast, V_shared, acc_o)
            for i, j in T.Parallel(block_M, dim):
                acc_o[i, j] /= logsum[i]
            T.copy(acc_o, Output[bx * block_M, 0])

    return main


kernel = flash_attention(256, 384, 64, 64, 64)
