#!/usr/bin/env bash
# The main job on the bundled example: compile TileLang's 256^3 bf16 GEMM for a Wormhole
# B0 device and print the metadata the TT pipeline inferred (layouts, circular buffers,
# partition, per-core work), the L1-sharded variant's partition and a summary, then writes the
# complete TT-Metalium program to out/gemm_256_bf16, says where, and validates it on the emulator.
set -euo pipefail
build=${1:-build}
ttc="$build/client/ttc"
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {
  printf '\n$ %s\n' "$*"
  "$@"
}

run "$ttc" --version
run "$ttc" compile examples/gemm_256_bf16.textproto --target=wormhole_b0 --emit=attrs | tee "$out/gemm.json"
run "$ttc" compile examples/gemm_l1_sharded.textproto --emit=attrs > "$out/sharded.json"
echo "(written to a temporary file; its partition:)"
grep -E '^  "tt\.(partition_mode|shard_grid|local_shape_tiles|core_ranges|grid_tiles)"' "$out/sharded.json"

printf '\nSummary of examples/gemm_256_bf16 on wormhole_b0:\n'
grep -E '^  "(tt_num_cores|tt_grid_x|tt_grid_y|tt.partition_mode|tt.core_ranges|tt.runtime_constants|tt.cb\.[A-Za-z_]+)"' "$out/gemm.json"

# The program: reader, compute and writer kernels, the host program, plan and build file.
run "$ttc" compile examples/gemm_256_bf16.textproto -o out/gemm_256_bf16
printf '\nThe TT-Metalium program for examples/gemm_256_bf16 is in %s:\n' "$PWD/out/gemm_256_bf16"
ls -l out/gemm_256_bf16
printf '\n$ sed -n "/namespace NAMESPACE/,\$p" out/gemm_256_bf16/compute.cpp\n'
sed -n '/namespace NAMESPACE/,$p' out/gemm_256_bf16/compute.cpp

# Validation: run the program on ttc's TT-Metalium emulator and compare with the reference.
run "$ttc" validate examples/gemm_256_bf16.textproto --seed 1
