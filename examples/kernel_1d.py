# Element-wise exp over a (32, 1024) bfloat16 tensor with a 1-D launch: T.Kernel(32) gives one
# work unit per 32x32 tile of the single tile row. Same request as kernel_1d.textproto.
import tilelang.language as T


@T.prim_func
def main(A: T.Buffer((32, 1024), "bfloat16"), B: T.Buffer((32, 1024), "bfloat16")):
    with T.Kernel(32) as bx:
        A_frag = T.alloc_fragment((32, 32), "bfloat16")
        B_frag = T.alloc_fragment((32, 32), "bfloat16")
        T.copy(A[0, bx * 32], A_frag)
        for i, j in T.Parallel(32, 32):
            B_frag[i, j] = T.exp(A_frag[i, j])
        T.copy(B_frag, B[0, bx * 32])
