# Seed for fuzz_frontend: the Python syntax a kernel file may hold around and inside kernel
# factories (written for this project).
from __future__ import annotations
import math, functools, itertools
from . import sibling
from .pkg.mod import *
import tilelang
import tilelang.language as T

CONFIGS = [dict(block_M=m, block_N=n) for m, n in itertools.product([32, 64], [32, 64]) if m <= n]
SIZES = {k: v * 2 for k, v in {"a": 1, "b": 2}.items()}
FORMATS = {T.float16: "f16", T.bfloat16: "bf16", **{T.float32: "f32"}}
UNIQUE = {x % 3 for x in range(10)}
FIRST, *REST = (1, 2, 3)
TOTAL = sum(x * x for x in range(4))
NAME = f"{TOTAL=} {FIRST!r:>8} {math.pi:.{2}f} {{literal}}"
half = lambda n, *, d=2: n // d
Ellipsis_ = ...
if (n := len(REST)) > 1:
    pass


class Config:
    block: int = 32

    def __init__(self, *args, **kwargs):
        self.args = args


def helper(a, b=2, /, c=3, *rest, d, e=5, **kw) -> int:
    global TOTAL
    assert a > 0, f"a={a}"
    try:
        x = a // b
    except (ZeroDivisionError, ValueError) as err:
        raise RuntimeError("bad") from err
    else:
        x += 1
    finally:
        pass
    while x > 100:
        x //= 2
        if x == 7:
            break
        continue
    else:
        x -= 1
    del kw
    return x


@tilelang.jit(out_idx=[-1])
def matmul(M, N, K, block_M=32, block_N=32, block_K=32, dtype=T.float16, accum_dtype=T.float32):
    assert M % block_M == 0, f"M={M} is not a multiple of {block_M}"
    stages = max(0, min(2, K // block_K - 1))

    @T.prim_func
    def main(A: T.Tensor((M, K), dtype), B: T.Tensor((K, N), dtype), C: T.Tensor((M, N), dtype)):
        with T.Kernel(T.ceildiv(N, block_N), T.ceildiv(M, block_M), threads=128) as (bx, by):
            A_shared = T.alloc_shared((block_M, block_K), dtype)
            B_shared = T.alloc_shared((block_K, block_N), dtype)
            C_local = T.alloc_fragment((block_M, block_N), accum_dtype)
            T.clear(C_local)
            for k in T.Pipelined(T.ceildiv(K, block_K), num_stages=stages):
                T.copy(A[by * block_M, k * block_K], A_shared)
                T.copy(B[k * block_K, bx * block_N], B_shared)
                T.gemm(A_shared, B_shared, C_local)
            T.copy(C_local, C[by * block_M, bx * block_N])

    return main


def main(argv=None):
    kernel = matmul(*[64] * 3, **{"block_K": 32})
    match argv:
        case [x, *_]:
            print(x)
        case _:
            pass
    with open("x") as f, open("y") as g:
        pass


if __name__ == "__main__":
    main()
