# Split-K GEMM in TileLang's style (example_tilelang_gemm_splitk.py): a third grid dimension
# over 3 splits of K, each block adding its partial product into C with T.atomic_add, C both
# read (its initial values) and written. TT has no DRAM atomics: ttc runs the splits of a block
# one after another on one core, as one K loop of 3 x 4 steps (passes/fold_split_grid), then
# adds the accumulator to the C block read from DRAM and writes it back once
# (passes/stage_global_accesses). A 96 x 32 block on a 2 x 3 grid. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def matmul_splitk(M, N, K, block_M, block_N, block_K, split_k, dtype="bfloat16", accum_dtype="float32"):
    splitK = K // split_k

    @T.prim_func
    def main(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype), C: T.Tensor((M, N), accum_dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), split_k, threads=128) as (bx, by, bz):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for ko in T.Pipelined(T.ceildiv(splitK, block_K), num_stages=2):
                T.copy(A[by * block_M, bz * splitK + ko * block_K], A_shared)
                T.copy(B[bz * splitK + ko * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            for i, j in T.Parallel(block_M, block_N):
                T.atomic_add(C[by * block_M + i, bx * block_N + j], C_local[i, j])

    return main


kernel = matmul_splitk(288, 64, 384, 96, 32, 32, 3)
