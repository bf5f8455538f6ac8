# A float32 GEMM whose shapes are not multiples of the 32x32 tile (M = N = K = 100), written
# with 32x32 blocks as TileLang would; the TT backend pads every tensor to 128x128. Same
# request as matmul_100x100_fp32.textproto.
import tilelang.language as T

M = N = K = 100
block_M = block_N = block_K = 32
dtype = "float32"


@T.prim_func
def main(A: T.Buffer((M, K), dtype), B: T.Buffer((K, N), dtype), C: T.Buffer((M, N), dtype)):
    with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M)) as (bx, by):
        A_shared = T.alloc_shared((block_M, block_K), dtype)
        B_shared = T.alloc_shared((block_K, block_N), dtype)
        C_local = T.alloc_fragment((block_M, block_N), dtype)
        T.clear(C_local)
        for k in T.serial(T.ceildiv(K, block_K)):
            T.copy(A[by * block_M, k * block_K], A_shared)
            T.copy(B[k * block_K, bx * block_N], B_shared)
            T.gemm(A_shared, B_shared, C_local)
        T.copy(C_local, C[by * block_M, bx * block_N])
