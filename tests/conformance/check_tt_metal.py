#!/usr/bin/env python3
"""One of Tenstorrent's programming examples (../shared/conformance/tt-metal, unchanged) on the
emulator's TT-Metalium package, as a TT-Metalium developer builds and runs it:

  check_tt_metal.py --list CONFORMANCE_DIR                      the examples, one `GEN/ID` a line
  check_tt_metal.py CONFORMANCE_DIR GEN/ID --table TSV --package DIR --work DIR [--tree DIR]

1. configure: an example whose directory (or a parent, as matmul/) holds a CMakeLists.txt with
   project() is configured alone with it (cmake -S, CMAKE_PREFIX_PATH=the package), as a user of
   an installed TT-Metalium does; the others (contributed/multicast, distributed/, profiler/) only
   build inside tt-metal, so the generation's own programming_examples/CMakeLists.txt is
   configured below --tree (a stand-in for tt-metal's top level: find_package(TT-Metalium), the
   in-tree names tt_metal and CREATE_PGM_EXAMPLES_EXE, TT-Metalium_DIR=the package);
2. build its target (ccache as the compiler launcher when present);
3. run it from a tree laid out as TT expects: ROOT/tt_metal/programming_examples/ holds the
   generation's examples (links), the working directory is ROOT; the classic generation gets
   TT_METAL_HOME=ROOT (TT-Metalium then required it), the mesh generation finds ROOT as the
   current directory holding tt_metal/; examples built alone name kernels without the
   tt_metal/programming_examples/ prefix, so TT_METAL_KERNEL_PATH points there for them;
4. check it: exit status 0 and the example's own "pass" line; an example without a check of its
   own has its printed results compared with values computed here (CHECKS below);
5. compare the outcome with the table's line for GEN/ID: `passes`, `fails: <first error line>`
   (the step that failed and its first error, paths cut to file names), or `cannot run: <reason>`
   (not built or run: ctest reports the test as skipped, with the reason).
Exit status: 0 as recorded, 1 otherwise (the message gives the line to record), 77 cannot run.
With TTC_CONFORMANCE_RECORD=1 in the environment a changed outcome is written into the table
instead (review the diff before committing it).
"""
import argparse
import collections
import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

SKIP = 77
BUILD_TIMEOUT = 900  # a cold build of the in-tree stand-in waits for its lock behind others
RUN_TIMEOUT = 240

# Extra links in the run tree, for a program that names a path TT's tree at the commit lacks
# (matmul_multicore_reuse_mcast names programming_examples/matmul_common/, which moved to
# matmul/matmul_common/; TT's CMakeLists build no target for it at either commit).
EXTRA_LINKS = {"matmul/matmul_multicore_reuse_mcast": {"matmul_common": "matmul/matmul_common"}}

# TT_METAL_DPRINT_CORES as each example's own warning asks for it (device prints are part of
# what some examples show; the others run without).
DPRINT_CORES = {
    "hello_world_compute_kernel": "0,0", "hello_world_datamovement_kernel": "0,0",
    "hello_world_datatypes_kernel": "0,0", "add_2_integers_in_riscv": "0,0",
    "add_2_integers_in_compute": "0,0", "NoC_tile_transfer": "(0,0),(0,1)",
    "shard_data_rm": "(0,0)-(0,3)", "contributed/multicast": "(0,0)-(3,0)",
}


def examples(gen_dir):
    """{id: host .cpp relative to gen_dir}: every host program (not a kernel) of a generation."""
    cpps = [p.relative_to(gen_dir) for p in sorted(gen_dir.rglob("*.cpp")) if "kernels" not in p.parts]
    per_dir = collections.Counter(p.parent for p in cpps)
    return {(str(p.parent) if per_dir[p.parent] == 1 else str(p.with_suffix(""))): p for p in cpps}


def own_target(cmake_file, cpp_name):
    """The target of CMakeLists `cmake_file` whose sources name `cpp_name`, or None."""
    if not cmake_file.exists():
        return None
    text = cmake_file.read_text()
    for name in re.findall(r"add_executable\(\s*([\w.-]+)", text):
        for m in re.finditer(r"(?:add_executable|target_sources)\(\s*" + re.escape(name) + r"\b([^)]*)\)", text):
            if cpp_name in m.group(1):
                return name
    return None


def build_route(gen_dir, rel_cpp):
    """('alone', project dir, target) or ('tree', None, target)."""
    target = own_target(gen_dir / rel_cpp.parent / "CMakeLists.txt", rel_cpp.name)
    d = rel_cpp.parent
    while target and str(d) != ".":
        cm = gen_dir / d / "CMakeLists.txt"
        if cm.exists() and re.search(r"^\s*project\s*\(", cm.read_text(), re.M):
            return "alone", d, target
        d = d.parent
    return "tree", None, rel_cpp.stem  # CREATE_PGM_EXAMPLES_EXE names targets by the file's stem


def first_build_error(log):
    for line in log.splitlines():
        if "CMake Error" in line:
            return re.sub(r"at \S*/", "at ", line.strip())
        m = re.search(r"undefined reference to .*", line)
        if m:
            return m.group(0)
        m = re.match(r"^(?:\S*/)?([^/\s:]+:\d+(?::\d+)?: (?:fatal )?error: .*)$", line.strip())
        if m:
            return m.group(1)
        if re.match(r"^ninja: error: ", line):
            return line.strip()
    return "no error line in the output"


def short_paths(line):
    """A message with its absolute paths cut to file names, and no line numbers into the emulator's
    sources (they move with every edit)."""
    line = re.sub(r"(?<![^\s:'\"`(])/[^\s:'\"`)]*/([^/\s:'\"`)]+\.(?:cc|h|hpp)):\d+(?::\d+)?", r"\1", line)
    return re.sub(r"(?<![^\s:'\"`(])/[^\s:'\"`)]*/([^/\s:'\"`)]+)", r"\1", line)


def first_run_error(out, root, rc):
    text = out.replace(str(root) + "/", "")
    m = re.search(r"building kernel (\S+) failed:\n(.*)", text, re.S)
    if m:
        kernel = m.group(1).split("programming_examples/")[-1]
        for line in m.group(2).splitlines():
            e = re.match(r"^(\S+?):(\d+:\d+: (?:fatal )?error: .*)$", line)
            if e:
                name = Path(e.group(1)).name
                if re.match(r"^[0-9a-f]{16}\.\d+\.kernel\.cpp$", name):  # the emulator's copy of the kernel
                    name = Path(kernel).name
                return "building kernel " + kernel + ": " + name + ":" + short_paths(e.group(2))
        return "building kernel " + kernel + " failed"
    for pattern in (r"what\(\):\s*(.*)", r"(Kernel file .*)", r"^(.*(?:[Ee]rror|FAIL|[Ee]xception|[Aa]bort).*)$"):
        m = re.search(pattern, text, re.M)
        if m:
            return short_paths(re.sub(r"\s*\(searched: .*\)$", "", m.group(1).strip()))
    return ("killed by signal " + str(-rc)) if rc < 0 else ("exit status " + str(rc) + " without an error line")


# ---- Checks: each returns None when the run's output shows the example's results correct, else
# what is wrong. `out` is stdout and stderr together.

def has_line(out, text):
    return None if any(line.strip() == text for line in out.splitlines()) else "no line '" + text + "'"


def floats(s):
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", s)]


def check_noc_tile_transfer(out):
    m = re.search(r"Result = (\S+) : Expected = (\S+)", out)
    if not m:
        return "no 'Result = R : Expected = E' line"
    return None if m.group(1) == m.group(2) == "14" else "result " + m.group(1) + ", expected 14"


def check_messages(*messages):
    def check(out):
        for msg in messages:
            if msg not in out:
                return "no device print '" + msg + "'"
        return None
    return check


def check_datatypes(out):
    m = re.search(r"It is: (\S+)", out)
    if not m:
        return "no device print 'It is: <value>'"
    return None if abs(float(m.group(1)) - 1.23) < 1e-5 else "printed " + m.group(1) + ", expected 1.23"


def check_pad(out):
    def rows(title):
        m = re.search(title + r"[^\n]*:\n((?:[\d ]+\n)+)", out)
        return [[int(x) for x in r.split()] for r in m.group(1).splitlines()] if m else None
    src, dst = rows("Original tensor with shape"), rows("Padded tensor with shape")
    if not src or not dst:
        return "no original or padded tensor printed"
    pad = 0x4000  # bfloat16(2)
    want = [row + [pad] * (64 - len(row)) for row in src]
    for i, (w, d) in enumerate(zip(want, dst)):
        if w != d:
            return "padded row " + str(i) + " differs from the original row followed by the pad value"
    return None if len(dst) == len(want) == 64 else "64 padded rows expected"


def check_shard(out):
    cores = dict(re.findall(r"Core \(0,(\d)\): ([^\n]*)", out))
    for i in range(4):
        if str(i) not in cores:
            return "no device print from core (0," + str(i) + ")"
        if floats(cores[str(i)]) != [float(2 * (4 * i + k + 1)) for k in range(4)]:
            return "core (0," + str(i) + ") printed " + cores[str(i)].strip()
    return has_line(out, "Program finished successfully.")


def check_vecadd(out):
    sums = re.findall(r"^\s*(-?[\d.e+-]+) \+ (-?[\d.e+-]+) = (-?[\d.e+-]+)\s*$", out, re.M)
    if len(sums) < 10:
        return "fewer than 10 'a + b = c' lines"
    for a, b, c in sums:
        want = float(a) + float(b)
        if abs(float(c) - want) > 2 ** -7 * max(abs(want), 1.0):  # one bfloat16 rounding of the sum
            return a + " + " + b + " printed as " + c
    return has_line(out, "Kernel execution finished")


def check_pcc(minimum):
    def check(out):
        m = re.search(r"PCC = (\S+)", out)
        if not m:
            return "no 'PCC = x' line"
        return None if float(m.group(1)) > minimum else "PCC " + m.group(1) + " <= " + str(minimum)
    return check


CHECKS = {
    "add_2_integers_in_compute": lambda out: has_line(out, "Success: Result matches expected value!"),
    "add_2_integers_in_riscv": lambda out: has_line(out, "Success: Result is 21"),
    "NoC_tile_transfer": check_noc_tile_transfer,
    "hello_world_compute_kernel": check_messages(
        "Hello, I am the MATH core running the compute kernel", "Hello, I am the UNPACK core running the compute kernel",
        "Hello, I am the PACK core running the compute kernel",
        "Thank you, Core {0, 0} on Device 0, for the completed task."),
    "hello_world_datamovement_kernel": check_messages(
        "My logical coordinates are 0,0",
        "Hello, host, I am running a void data movement kernel on Data Movement core 0.",
        "Hello, host, I am running a void data movement kernel on Data Movement core 1.",
        "Thank you, Core {0, 0} on Device 0, for the completed task."),
    "hello_world_datatypes_kernel": check_datatypes,
    "pad_multi_core": check_pad,
    "shard_data_rm": check_shard,
    "contributed/vecadd": check_vecadd,
    "contributed/multicast": lambda out: None if re.search(
        r"\[✅ PASS\] All \d+ receiver tiles match the golden tile\.", out) else "no 'All N receiver tiles match' line",
    "vecadd_multi_core": lambda out: has_line(out, "All results match expected values within tolerance."),
    "vecadd_sharding": lambda out: has_line(out, "All results match expected values within tolerance."),
    "sfpu_eltwise_chain": check_pcc(0.999),
    "distributed/3_distributed_eltwise_add": lambda out: None if re.search(
        r"verification: (\d+) / \1 passed", out) else "no 'verification: N / N passed' line",
    "distributed/4_distributed_trace_and_events": lambda out: has_line(
        out, "Running EltwiseBinary MeshTraces on 2 MeshCQs Passed!"),
    "tests/package_integration_test": check_messages(
        "Protobuf: Serialized an empty message of size 0", "TT-Metal: Mesh device closed"),
    "tests/out_of_tree_test": lambda out: None,
    "distributed/1_distributed_program_dispatch": lambda out: None,
    "distributed/2_distributed_buffer_rw": lambda out: None,
}


def default_check(out):
    return has_line(out, "Test Passed")


def locked(lock_path, fn):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return fn()


def run(cmd, timeout, **kw):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                           timeout=timeout, **kw)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out


def configure_and_build(args, gen, gen_dir, route, proj, target):
    """(None, build dir) on success, else (outcome, None)."""
    if route == "alone":
        src, bdir = gen_dir / proj, args.work / gen / "build" / str(proj).replace("/", "_")
        defs = ["-DCMAKE_PREFIX_PATH=" + str(args.package)]
    else:
        src, bdir = Path(args.tree), args.work / gen / "build" / "_in_tree"
        defs = ["-DTT-Metalium_DIR=" + str(args.package), "-DTT_PROGRAMMING_EXAMPLES=" + str(gen_dir)]
    # Release, as tt-metal's build_metal.sh builds by default: the host programs compute their golden
    # results on the CPU (matmul_multicore_reuse_mcast multiplies 3584x768 by 768x3072).
    defs.append("-DCMAKE_BUILD_TYPE=Release")
    if shutil.which("ccache"):
        defs.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    stamp = bdir / "ttc-configure-args"

    def step():
        if not (bdir / "build.ninja").exists() or not stamp.exists() or stamp.read_text() != " ".join(defs):
            rc, log = run(["cmake", "-S", str(src), "-B", str(bdir), "-G", "Ninja"] + defs, 300)
            print(log)
            if rc != 0:
                shutil.rmtree(bdir, ignore_errors=True)
                return "configure: " + first_build_error(log), None
            stamp.write_text(" ".join(defs))
        rc, log = run(["cmake", "--build", str(bdir), "--target", target], BUILD_TIMEOUT)
        print(log)
        if rc is None:
            return "build: timed out after " + str(BUILD_TIMEOUT) + " s", None
        return ("build: " + first_build_error(log), None) if rc != 0 else (None, bdir)
    return locked(bdir.parent / (bdir.name + ".lock"), step)


def run_tree(args, gen, gen_dir, example_id):
    links = EXTRA_LINKS.get(example_id, {})
    root = args.work / gen / ("root-" + example_id.replace("/", "_") if links else "root")
    pe = root / "tt_metal" / "programming_examples"

    def make():
        pe.mkdir(parents=True, exist_ok=True)
        entries = {e.name: e for e in gen_dir.iterdir()}
        entries.update({name: gen_dir / to for name, to in links.items()})
        for name, to in entries.items():
            if not (pe / name).is_symlink():
                (pe / name).symlink_to(to)
        return root
    return locked(args.work / gen / "root.lock", make)


def outcome_of(args, gen, example_id, rel_cpp):
    gen_dir = args.conformance / gen
    route, proj, target = build_route(gen_dir, rel_cpp)
    print("build:", "alone with " + str(proj) + "/CMakeLists.txt" if route == "alone" else
          "in tt-metal's tree (" + gen + "/CMakeLists.txt)", "target", target)
    failed, bdir = configure_and_build(args, gen, gen_dir, route, proj, target)
    if failed:
        return failed
    exe = next((p for p in sorted(bdir.rglob(target)) if p.is_file() and os.access(p, os.X_OK)), None)
    if exe is None:
        return "build: no executable " + target
    root = run_tree(args, gen, gen_dir, example_id)
    env = {k: v for k, v in os.environ.items()
           if k not in ("TT_METAL_HOME", "TT_METAL_RUNTIME_ROOT", "TT_METAL_KERNEL_PATH", "TT_METAL_DPRINT_CORES")}
    if gen == "classic":
        env["TT_METAL_HOME"] = str(root)
    if route == "alone":
        env["TT_METAL_KERNEL_PATH"] = str(root / "tt_metal" / "programming_examples")
    if example_id in DPRINT_CORES:
        env["TT_METAL_DPRINT_CORES"] = DPRINT_CORES[example_id]
    print("run:", exe, "in", root, "with", " ".join(k + "=" + env[k] for k in sorted(env) if k.startswith("TT_METAL")))
    rc, out = run([str(exe)], RUN_TIMEOUT, cwd=root, env=env)
    print(out)
    if rc is None:
        return "run: timed out after " + str(RUN_TIMEOUT) + " s"
    if rc != 0:
        return "run: " + first_run_error(out, root, rc)
    problem = CHECKS.get(example_id, default_check)(out)
    return "check: " + problem if problem else None


def table_line(table, key):
    for line in table.read_text().splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.partition("\t")
            if k == key:
                return v.strip()
    return None


def record(table, key, outcome, lock):
    """Replaces the table's line for `key` (TTC_CONFORMANCE_RECORD=1), under a lock: ctest -j runs
    several examples at once."""
    def rewrite():
        lines = table.read_text().splitlines()
        lines = [key + "\t" + outcome if line.partition("\t")[0] == key else line for line in lines]
        tmp = table.with_name("." + table.name + ".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        os.replace(tmp, table)  # atomic: another test reading the table sees the old or the new one
    locked(lock, rewrite)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("conformance", type=Path)
    ap.add_argument("example", nargs="?")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--table", type=Path)
    ap.add_argument("--package", type=Path)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--tree", type=Path)
    args = ap.parse_args()
    gens = [g for g in ("classic", "mesh") if (args.conformance / g).is_dir()]
    if args.list:
        for g in gens:
            for example_id in examples(args.conformance / g):
                print(g + "/" + example_id)
        return 0
    gen, _, example_id = args.example.partition("/")
    rel_cpp = examples(args.conformance / gen).get(example_id)
    if rel_cpp is None:
        print("FAIL: no example " + args.example + " in " + str(args.conformance))
        return 1
    want = table_line(args.table, args.example)
    if want is None:
        print("FAIL: " + args.example + " has no line in " + args.table.name + "; record its outcome there")
        return 1
    if want.startswith("cannot run: "):
        print(args.example + " " + want)
        return SKIP
    args.work = args.work.resolve()
    failed = outcome_of(args, gen, example_id, rel_cpp)
    got = "fails: " + failed if failed else "passes"
    if got == want:
        print("as recorded: " + got)
        return 0
    if os.environ.get("TTC_CONFORMANCE_RECORD") == "1":
        record(args.table, args.example, got, args.work / "table.lock")
        print("recorded in " + args.table.name + ": " + got + " (was: " + want + ")")
        return 0
    print("FAIL: " + args.example + " is recorded as\n  " + want + "\nbut now\n  " + got +
          "\nRecord it in " + args.table.name + " as (or run with TTC_CONFORMANCE_RECORD=1):\n" +
          args.example + "\t" + got)
    return 1


if __name__ == "__main__":
    sys.exit(main())
