#!/usr/bin/env bash
# The main job on the bundled example: compile TileLang's 256^3 bf16 GEMM for a Wormhole
# B0 device and print the metadata the TT pipeline inferred (layouts, circular buffers,
# partition, per-core work), then the L1-sharded variant's partition.
set -euo pipefail
build=${1:-build}
ttc="$build/client/ttc"
cd "$(dirname "$0")/.."

run() {
  printf '\n$ %s\n' "$*"
  "$@"
}

run "$ttc" --version
run "$ttc" compile examples/gemm_256_bf16.textproto --target=wormhole_b0 --emit=attrs
run "$ttc" compile examples/gemm_l1_sharded.textproto --emit=attrs --passes=apply_tt_defaults,infer_default_tt_schedule,infer_default_tt_shard,infer_tt_layout,propagate_tt_layout,layout_aware_work_partition_tt \
  | grep -E '"tt\.(partition_mode|shard_grid|local_shape_tiles|core_ranges|grid_tiles)"'
