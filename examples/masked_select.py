# Masks and selects: T.if_then_else with comparisons between tiles and against numbers, -inf
# as a masked value (as attention masks write it), and a comparison used as a number. Each
# comparison is the SFPU's test of a - b against zero (gtz_tile, gez_tile, ltz_tile: 1.0 or
# 0.0) and each select a where_tile; the second nest updates C_l in place, its branches reading
# the value being replaced. Written for ttc.
import tilelang
import tilelang.language as T


@tilelang.jit
def sel(M, N, bm, bn, dtype="bfloat16"):
    @T.prim_func
    def main(A: T.Tensor((M, N), dtype), B: T.Tensor((M, N), dtype), C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, bn), T.ceildiv(M, bm)) as (bx, by):
            A_s = T.alloc_shared((bm, bn), dtype)
            B_s = T.alloc_shared((bm, bn), dtype)
            C_l = T.alloc_fragment((bm, bn), "float32")
            T.copy(A[by * bm, bx * bn], A_s)
            T.copy(B[by * bm, bx * bn], B_s)
            for i, j in T.Parallel(bm, bn):
                C_l[i, j] = T.if_then_else(A_s[i, j] > B_s[i, j], A_s[i, j] * 2.0, -T.infinity("float32"))
            for i, j in T.Parallel(bm, bn):
                C_l[i, j] = T.if_then_else(C_l[i, j] >= 0, C_l[i, j], T.exp(C_l[i, j])) + (B_s[i, j] < 0.5)
            T.copy(C_l, C[by * bm, bx * bn])
    return main


kernel = sel(192, 256, 64, 64)
