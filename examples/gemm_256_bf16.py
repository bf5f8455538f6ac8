# TileLang's tiled GEMM with 32x32 blocks, M = N = K = 256, bfloat16 operands and result,
# float32 accumulation. Same request as gemm_256_bf16.textproto.
import tilelang.language as T

M = N = K = 256
block = 32


@T.prim_func
def main(A: T.Buffer((M, K), "bfloat16"), B: T.Buffer((K, N), "bfloat16"), C: T.Buffer((M, N), "bfloat16")):
    with T.Kernel(N // block, M // block) as (bx, by):
        A_shared = T.alloc_shared((block, block), "bfloat16")
        B_shared = T.alloc_shared((block, block), "bfloat16")
        C_local = T.alloc_fragment((block, block), "float32")
        T.clear(C_local)
        for k in T.serial(K // block):
            T.copy(A[by * block, k * block], A_shared)
            T.copy(B[k * block, bx * block], B_shared)
            T.gemm(A_shared, B_shared, C_local)
        T.copy(C_local, C[by * block, bx * block])
