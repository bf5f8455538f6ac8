# TileLang's own GEMM example (examples/gemm/example_gemm.py, the program of
# HOWTO_RUN_GEMM_WITH_TT.md) at M = N = K = 1024 with block_M = block_N = 128, block_K = 32:
# shared-memory operand tiles, a float32 fragment accumulator, a 3-stage software pipeline
# over K and threads=128 (TileLang's hint, ignored by the TT backend). bfloat16 operands and
# result. Same request as gemm_1024_bf16_block128.textproto.
#
#   ttc compile examples/gemm_1024_bf16_block128.py -o out/gemm
import tilelang.language as T

M = N = K = 1024
block_M = block_N = 128
block_K = 32
dtype = "bfloat16"
accum_dtype = "float"


@T.prim_func
def gemm(A: T.Buffer((M, K), dtype), B: T.Buffer((K, N), dtype), C: T.Buffer((M, N), dtype)):
    with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
        A_shared = T.alloc_shared((block_M, block_K), dtype)
        B_shared = T.alloc_shared((block_K, block_N), dtype)
        C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
        T.clear(C_local)
        for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=3):
            T.copy(A[by * block_M, k * block_K], A_shared)
            T.copy(B[k * block_K, bx * block_N], B_shared)
            T.gemm(A_shared, B_shared, C_local)
        T.copy(C_local, C[by * block_M, bx * block_N])
