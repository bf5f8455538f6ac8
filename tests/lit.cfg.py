# lit configuration of ttc's golden tests: every tests/{golden,cli,codegen,emu,frontend}/*.test
# is a shell test (`# RUN:` lines, run by lit's internal shell, one after another, each
# pipeline with pipefail) whose output is checked by LLVM FileCheck.
#
# This file is loaded by the lit.site.cfg.py that CMake writes into the build tree
# (tests/lit.site.cfg.py.in), which names the binaries; run lit on the build tree's mirror of
# a test or of a directory, e.g.
#   python3 /usr/lib/llvm-14/build/utils/lit/lit.py -v build/tests/golden/gemm_256_bf16.test
#   python3 /usr/lib/llvm-14/build/utils/lit/lit.py build/tests
# (ctest does the former for each file: `ctest --test-dir build -R golden.gemm_256_bf16`).
#
# Substitutions in RUN lines (besides lit's own %s, %S and %t):
#   %ttc          the ttc binary
#   %examples     SOURCE_ROOT/examples           %data  SOURCE_ROOT/tests/data
#   %exit N CMD   runs CMD and requires exit status exactly N (tests/expect_exit.sh); CMD's
#                 stdout and stderr pass through, so `%exit 1 %ttc ... 2>&1 | FileCheck ...`
#   %emu_include  the emulator's TT-Metalium headers (emu/include)
#   %emu_lib      the directory of libttc_emu.so
# %t is a path in the build tree, not created by lit: a test that uses it starts with
# `RUN: rm -rf %t && mkdir -p %t`. FileCheck, not and count come from the LLVM tools directory.
import os

import lit.formats

if not hasattr(config, "ttc"):
    lit_config.fatal("tests/lit.cfg.py is loaded through the build tree's lit.site.cfg.py: run "
                     "lit on BUILD/tests/... (e.g. build/tests/golden/gemm_256_bf16.test), not on "
                     "the source tree")

config.name = "ttc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
# Per-test temporary paths (%t) are <exec root>/<dir>/Output/<file>.tmp. The default exec
# root is BUILD/tests/lit; ctest gives each test file its own (the ttc_exec_root parameter),
# because every lit run rewrites <exec root>/.lit_test_times.txt, which a concurrent run of
# another test (ctest -j) would otherwise read half-written.
config.test_exec_root = lit_config.params.get("ttc_exec_root",
                                              os.path.join(config.ttc_binary_dir, "lit"))

config.substitutions.extend([
    ("%ttc", config.ttc),
    ("%examples", os.path.join(config.ttc_source_root, "examples")),
    ("%data", os.path.join(config.ttc_source_root, "tests", "data")),
    ("%exit", "bash " + os.path.join(config.test_source_root, "expect_exit.sh")),
    ("%emu_include", config.emu_include),
    ("%emu_lib", config.emu_lib_dir),
])

config.environment["PATH"] = os.pathsep.join([config.llvm_tools_dir, config.environment["PATH"]])
# emu/*.test build kernels into a cache under the build tree (never $HOME) and bound every
# emulator run with its watchdog.
config.environment["TTC_EMU_CACHE_DIR"] = config.emu_cache_dir
config.environment["TTC_EMU_TIMEOUT_SECONDS"] = config.emu_timeout_seconds
# tests/emu/build_program.sh compiles with $CXX when it is set.
if "CXX" in os.environ:
    config.environment["CXX"] = os.environ["CXX"]
