#!/usr/bin/env python3
"""Writes deeply nested kernels and requests to stdout, so that tests need not store them.

  make_deep_request.py script --chain N    kernel_1d as a TileLang script whose first T.copy
                                           reads at (bx * 1 * ... * 1) * 32, N factors of 1: one
                                           expression N + 2 levels deep (the frontend takes up
                                           to 196 here: 200 levels with the call and subscript)
  make_deep_request.py script --depth D    the same offset built by a helper applied to itself,
                                           so that the copy statement and its expression nest
                                           exactly D levels as ir/request_limits.h counts them
                                           (kMaxNestingDepth)
  make_deep_request.py textproto|json|binpb --depth N
                                           a request whose store value is N BinaryExprs nested
                                           in one another (2 N + 4 messages below the request)
  make_deep_request.py textproto --not-utf8
                                           kernel_1d.textproto named "ma\\xffin"
"""
import argparse
import os
import sys

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")
COPY_OFFSET = "T.copy(A[0, bx * 32], A_frag)"
HELPER_STEP = 100


def script(offset, helper=""):
    with open(os.path.join(EXAMPLES, "kernel_1d.py")) as f:
        text = f.read()
    assert COPY_OFFSET in text
    text = text.replace(COPY_OFFSET, "T.copy(A[0, %s], A_frag)" % offset)
    return text.replace("\n\n@T.prim_func", helper + "\n\n@T.prim_func", 1)


def depth_script(depth):
    # The copy statement (1), the `* 32` (1), the helper's factors, the chain's, and bx (1).
    steps, rest = divmod(depth - 3, HELPER_STEP)
    helper = "\n\ndef step(x):\n    return x" + " * 1" * HELPER_STEP + "\n"
    inner = "bx" + " * 1" * rest
    return script("(%s%s%s) * 32" % ("step(" * steps, inner, ")" * steps), helper)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def binpb(depth):
    # Expr{var "bx"} inside `depth` Expr{binary{op: MUL, a: ..., b: {int_imm: 1}}}, as the value of
    # func.body[0].store (KernelRequest.func = 1, PrimFunc.body = 4, Stmt.store = 6,
    # BufferStore.value = 3, Expr.binary = 4, BinaryExpr.a = 2 / b = 3, Expr.var = 3).
    expr = field(3, b"bx")
    one = bytes([0x08, 0x01])  # Expr.int_imm = 1
    for _ in range(depth):
        expr = field(4, bytes([0x08, 0x03]) + field(2, expr) + field(3, one))
    store = field(1, b"B") + field(3, expr)
    return field(1, field(4, field(6, store)))


def nested_json(depth):
    expr = '{"binary": {"op": "MUL", "a": ' * depth + '{"var": "bx"}' + ', "b": {"int_imm": 1}}}' * depth
    return '{"func": {"name": "main", "body": [{"store": {"buffer": "B", "value": %s}}]}}' % expr


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["script", "textproto", "json", "binpb"])
    p.add_argument("--chain", type=int)
    p.add_argument("--depth", type=int)
    p.add_argument("--not-utf8", action="store_true")
    a = p.parse_args()
    out = sys.stdout.buffer
    if a.kind == "script":
        text = depth_script(a.depth) if a.depth else script("(bx" + " * 1" * a.chain + ") * 32")
        out.write(text.encode())
    elif a.kind == "textproto" and a.not_utf8:
        with open(os.path.join(EXAMPLES, "kernel_1d.textproto"), "rb") as f:
            out.write(f.read().replace(b'name: "main"', b'name: "ma\xffin"', 1))
    elif a.kind == "textproto":
        expr = "binary { op: MUL a { " * a.depth + 'var: "bx"' + " } b { int_imm: 1 } }" * a.depth
        out.write(('func { name: "main" body { store { buffer: "B" value { %s } } } }\n' % expr).encode())
    elif a.kind == "json":
        out.write(nested_json(a.depth).encode())
    else:
        out.write(binpb(a.depth))


if __name__ == "__main__":
    main()
