# The tiled GEMM of gemm_256_bf16 with the block product written as loops instead of T.gemm:
# the compiler recognises the T.grid nest as a matmul (reduction variable kk). Same request as
# gemm_manual_loops.textproto.
import tilelang.language as T

accum_dtype = "float32"


@T.prim_func
def main(A: T.Buffer((256, 256), "bfloat16"), B: T.Buffer((256, 256), "bfloat16"), C: T.Buffer((256, 256), "bfloat16")):
    with T.Kernel(8, 8) as (bx, by):
        A_shared = T.alloc_shared((32, 32), "bfloat16")
        B_shared = T.alloc_shared((32, 32), "bfloat16")
        C_local = T.alloc_fragment((32, 32), accum_dtype)
        T.clear(C_local)
        for k in T.serial(8):
            T.copy(A[by * 32, k * 32], A_shared)
            T.copy(B[k * 32, bx * 32], B_shared)
            for i, j, kk in T.grid(32, 32, 32):
                C_local[i, j] += T.cast(A_shared[i, kk], accum_dtype) * T.cast(B_shared[kk, j], accum_dtype)
        T.copy(C_local, C[by * 32, bx * 32])
