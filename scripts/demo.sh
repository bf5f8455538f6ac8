#!/usr/bin/env bash
# The farm's main job on the bundled example: start a ttcd compile daemon on a free loopback
# port with a temporary data dir, submit TileLang's 256^3 bf16 GEMM (examples/gemm_256_bf16.py,
# the TileLang script itself) - a cache miss that compiles - then submit it again - a cache
# hit - and write the TT-Metalium program (reader, compute and writer kernels, host program)
# to out/gemm_256_bf16. Then the layouts the pipeline inferred; an emulator agent (ttc-agent)
# joins and the GEMM, then the flash-attention example (examples/flash_attention_fwd.py), are
# submitted with --validate: each job's progress and passing report;
# the daemon's statistics; both shut down cleanly with SIGTERM.
set -euo pipefail
build=${1:-build}
ttc="$build/client/ttc"
client="$build/client/ttc-client"
ttcd="$build/daemon/ttcd"
agent="$build/agent/ttc-agent"
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
daemon_pid=""
agent_pid=""
cleanup() {
  for pid in $agent_pid $daemon_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

run() {
  printf '\n$ %s\n' "$*"
  "$@"
}

run "$ttc" --version
printf '\nThe kernel, as TileLang users write it:\n$ sed -n "/^import/,\$p" examples/gemm_256_bf16.py\n'
sed -n '/^import/,$p' examples/gemm_256_bf16.py

# The daemon: port 0 picks a free port; --port-file tells us which.
printf '\n$ %s --insecure --listen 127.0.0.1:0 --data-dir %s --port-file %s &\n' "$ttcd" "$tmp/data" "$tmp/port"
"$ttcd" --insecure --listen 127.0.0.1:0 --data-dir "$tmp/data" --port-file "$tmp/port" >"$tmp/ttcd.out" 2>"$tmp/ttcd.log" &
daemon_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$tmp/ttcd.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$tmp/port" ] || { echo "demo: ttcd did not start within 10 s" >&2; cat "$tmp/ttcd.log" >&2; exit 1; }
export TTC_SERVER="127.0.0.1:$(cat "$tmp/port")"
cat "$tmp/ttcd.out"
echo "export TTC_SERVER=$TTC_SERVER"

run "$client" health
# First submit: nothing cached yet, so the daemon compiles it on a worker.
run "$client" submit examples/gemm_256_bf16.py -o out/gemm_256_bf16
# Second submit: same action key, answered from the RocksDB action cache.
run "$client" submit examples/gemm_256_bf16.py -o out/gemm_256_bf16

printf '\nThe TT-Metalium program for examples/gemm_256_bf16.py is in %s:\n' "$PWD/out/gemm_256_bf16"
ls -l out/gemm_256_bf16
printf '\n$ sed -n "/namespace NAMESPACE/,\$p" out/gemm_256_bf16/compute.cpp\n'
sed -n '/namespace NAMESPACE/,$p' out/gemm_256_bf16/compute.cpp

# Layout requests run only the metadata passes (and are cached too).
printf '\n$ %s layout examples/gemm_l1_sharded.py | grep partition...\n' "$client"
"$client" layout examples/gemm_l1_sharded.py 2>/dev/null >"$tmp/sharded.json"
grep -E '^  "tt\.(partition_mode|shard_grid|local_shape_tiles|core_ranges|grid_tiles)"' "$tmp/sharded.json"

# Device validation: an agent with one emulated Wormhole B0 device joins the farm.
printf '\n$ %s --host-id demo-host --backend emulator --devices 1 --work-dir %s &\n' "$agent" "$tmp/agent"
TTC_EMU_CACHE_DIR="$tmp/emu-cache" "$agent" --host-id demo-host --backend emulator --devices 1 \
  --work-dir "$tmp/agent" 2>"$tmp/agent.log" &
agent_pid=$!
for _ in $(seq 100); do
  "$client" devices 2>/dev/null | grep -q demo-host && break
  sleep 0.1
done
run "$client" devices
# The job: the cached program is fetched by the agent from the CAS, run on the emulator and
# compared with the reference interpreter; --wait follows it stage by stage.
run "$client" submit examples/gemm_256_bf16.py --validate --seed 1 --wait
# Flash attention forward (two matmuls, an online softmax whose running max, sum and output
# accumulator are carried across the key blocks in circular buffers), compiled and validated
# the same way.
run "$client" submit examples/flash_attention_fwd.py --validate --seed 1 --wait
run "$client" jobs
run "$client" stats

printf '\n$ kill -TERM %s %s   # the agent hands back its leases, ttcd drains and closes the store\n' \
  "$agent_pid" "$daemon_pid"
kill -TERM "$agent_pid"
wait "$agent_pid"
agent_pid=""
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=""
echo "ttc-agent and ttcd exited with status 0; ttcd's log:"
cat "$tmp/ttcd.log"
