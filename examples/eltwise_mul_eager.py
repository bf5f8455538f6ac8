# Element-wise multiply of two bfloat16 matrices in TileLang's eager style (@tilelang.jit with
# the sizes as T.const, the inputs annotated in the body, the output made by T.empty and
# returned): M and N come from `mul.compile(...)` below, or from --define M=... on the command
# line. The result is staged through a shared buffer before the DRAM write, as TileLang's
# examples do. Written for ttc; `ttc compile examples/eltwise_mul_eager.py --list` shows the
# kernel and its sizes.
import tilelang
import tilelang.language as T


@tilelang.jit
def mul(A, B, block_M, block_N, dtype):
    M, N = T.const("M, N")

    A: T.Tensor((M, N), dtype)
    B: T.Tensor((M, N), dtype)
    C = T.empty((M, N), dtype)

    with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
        A_s = T.alloc_shared((block_M, block_N), dtype)
        B_s = T.alloc_shared((block_M, block_N), dtype)
        C_l = T.alloc_fragment((block_M, block_N), dtype)
        C_s = T.alloc_shared((block_M, block_N), dtype)
        T.copy(A[by * block_M, bx * block_N], A_s)
        T.copy(B[by * block_M, bx * block_N], B_s)
        for i, j in T.Parallel(block_M, block_N):
            C_l[i, j] = A_s[i, j] * B_s[i, j]
        T.copy(C_l, C_s)
        T.copy(C_s, C[by * block_M, bx * block_N])

    return C


def main():
    blocks = {T.bfloat16: (32, 64)}
    block_M, block_N = blocks[T.bfloat16]
    return mul.compile(M=128, N=256, block_M=block_M, block_N=block_N, dtype=T.bfloat16)


if __name__ == "__main__":
    kernel = main()
