#!/usr/bin/env python3
"""The program ttc generates, built as its CMakeLists.txt says (find_package(TT-Metalium), target
TT::Metalium) against a TT-Metalium package (here the emulator's), run, and its outputs compared
with a reference computed here, with `ttc validate`'s tolerances (docs/validation.md):

  check_generated_cmake.py TTC REQUEST WORK --package DIR --ref add|matmul [--define NAME=VALUE]...

`--ref` names what the kernel computes for its inputs A, B and output C (all bfloat16):
add C = A + B, matmul C = A @ B (accumulated in float, rounded once).
"""
import argparse
import json
import random
import shutil
import struct
import subprocess
import sys
from pathlib import Path


def bf16_round(x):
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000  # round to nearest even
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def bf16_bytes(values):
    return b"".join(struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0])[2:] for v in values)


def bf16_values(data):
    return [struct.unpack("<f", b"\0\0" + data[i:i + 2])[0] for i in range(0, len(data), 2)]


def step(cmd, **kw):
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    p = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=600, **kw)
    print(p.stdout)
    if p.returncode != 0:
        sys.exit("FAIL: exit " + str(p.returncode))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ttc")
    ap.add_argument("request")
    ap.add_argument("work", type=Path)
    ap.add_argument("--package", required=True)
    ap.add_argument("--ref", choices=["add", "matmul"], required=True)
    ap.add_argument("--define", action="append", default=[])
    args = ap.parse_args()
    prog, build, data = args.work / "program", args.work / "build", args.work / "data"
    shutil.rmtree(prog, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)
    step([args.ttc, "compile", args.request, "-o", prog] + [a for d in args.define for a in ("--define", d)])
    # The generated CMakeLists.txt, unchanged: TT-Metalium is whatever package CMAKE_PREFIX_PATH names.
    launcher = ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"] if shutil.which("ccache") else []
    step(["cmake", "-S", prog, "-B", build, "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + args.package] + launcher)
    step(["cmake", "--build", build])

    plan = json.loads((prog / "plan.json").read_text())
    bufs = plan["buffers"]
    (data / "in").mkdir(parents=True)
    (data / "out").mkdir(parents=True)
    rng = random.Random(1)
    values = {}
    for name in ("A", "B"):
        b = bufs[name]
        assert b["dtype"] == "bfloat16" and b["input"], name
        n = b["shape"][0] * b["shape"][1]
        values[name] = [bf16_round(rng.uniform(-1.0, 1.0)) for _ in range(n)]
        (data / "in" / (name + ".bin")).write_bytes(bf16_bytes(values[name]))
    step([build / "main", "--inputs", data / "in", "--outputs", data / "out"])

    A, B = values["A"], values["B"]
    rows, cols = bufs["C"]["shape"]
    if args.ref == "add":
        ref = [bf16_round(a + b) for a, b in zip(A, B)]
    else:
        k = bufs["A"]["shape"][1]
        ref = [bf16_round(sum(A[i * k + t] * B[t * cols + j] for t in range(k))) for i in range(rows)
               for j in range(cols)]
    out = bf16_values((data / "out" / "C.bin").read_bytes())
    if len(out) != len(ref):
        sys.exit("FAIL: C has %d elements, expected %d" % (len(out), len(ref)))
    max_ref = max(abs(r) for r in ref)
    max_err = max(abs(o - r) for o, r in zip(out, ref))
    mo, mr = sum(out) / len(out), sum(ref) / len(ref)
    cov = sum((o - mo) * (r - mr) for o, r in zip(out, ref))
    pcc = cov / ((sum((o - mo) ** 2 for o in out) * sum((r - mr) ** 2 for r in ref)) ** 0.5 or 1.0)
    ok = max_err <= 0.02 * max_ref and pcc >= 0.999
    print("C  bfloat16  %d elements  max abs err %.3g (allowed %.3g)  PCC %.6f (min 0.999)  %s"
          % (len(out), max_err, 0.02 * max_ref, pcc, "ok" if ok else "MISMATCH"))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
