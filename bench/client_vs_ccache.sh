#!/usr/bin/env bash
# A CI job's view of the farm: `ttc-client submit` of a kernel ttcd already compiled, as a whole
# process, side by side with the peer a CI user compares it with: ccache's direct-mode hit of one
# g++ compile, whose input is the host program ttc generates for the same kernel (main.cpp,
# against the emulator's TT-Metalium headers). Both are timed by hyperfine in the same run,
# alternating; for information also `ttc-client --help` and `ttc --version` (process start).
#
# Usage: bench/client_vs_ccache.sh BUILD_DIR [RUNS]   (RUNS per command, default 50)
# Prints hyperfine's table and `RATIO client_hit_vs_ccache_hit <x> goal <= 1.0x PASS|MISS-GOAL`.
# Exit 1 when a command fails (a miss where a hit is expected counts as a failure); never on
# timing. docs/performance.md, "Client process vs ccache".
set -euo pipefail
build=$(cd "${1:?usage: client_vs_ccache.sh BUILD_DIR [RUNS]}" && pwd)
runs=${2:-50}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/ttc-client-vs-ccache.XXXXXX)
ttcd_pid=""
cleanup() {
  if [ -n "$ttcd_pid" ]; then kill "$ttcd_pid" 2>/dev/null || true; wait "$ttcd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in hyperfine ccache g++; do
  command -v "$tool" >/dev/null || { echo "client_vs_ccache: $tool is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
done

kernel="$src/examples/gemm_256_bf16.py"
"$build/daemon/ttcd" --listen 127.0.0.1:0 --data-dir "$work/data" --insecure --workers 1 >"$work/ttcd.log" 2>&1 &
ttcd_pid=$!
port=""
for _ in $(seq 1 100); do  # bounded: 10 s
  port=$(grep -o 'msg="serving" listen=127.0.0.1:[0-9]*' "$work/ttcd.log" | head -1 | sed 's/.*://') || true
  [ -n "$port" ] && break
  kill -0 "$ttcd_pid" 2>/dev/null || { cat "$work/ttcd.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "client_vs_ccache: ttcd did not start" >&2; cat "$work/ttcd.log" >&2; exit 1; }
export TTC_SERVER="127.0.0.1:$port"
client=("$build/client/ttc-client" submit "$kernel" -o "$work/out")
"${client[@]}" >/dev/null  # the miss that fills the cache
"${client[@]}" --json >"$work/hit.json"
grep -Eq '"cache_?[hH]it": *true' "$work/hit.json" || { echo "client_vs_ccache: the second submit was not a hit" >&2; cat "$work/hit.json" >&2; exit 1; }

# The peer: the generated host program, compiled as the emulator's host build compiles it.
"$build/client/ttc" compile "$kernel" -o "$work/prog" >/dev/null
export CCACHE_DIR="$work/ccache" CCACHE_NOHASHDIR=1
unset CCACHE_BASEDIR CCACHE_DISABLE CCACHE_NODIRECT || true
cxx=(ccache g++ -std=c++20 -O1 -I"$src/emu/include" -DTTC_KERNEL_DIR=\".\" -c "$work/prog/main.cpp" -o "$work/main.o")
"${cxx[@]}"  # cold: fills the cache
ccache -z >/dev/null
"${cxx[@]}"
direct=$(ccache --print-stats | awk -F'\t' '$1 == "direct_cache_hit" {print $2}')
[ "${direct:-0}" -ge 1 ] || { echo "client_vs_ccache: ccache did not hit in direct mode" >&2; ccache -s >&2; exit 1; }

q() { printf '%q ' "$@"; }
hyperfine --style basic --warmup 3 --runs "$runs" --export-json "$work/times.json" \
  -n "ttc-client submit (hit)" "$(q "${client[@]}")" \
  -n "ccache g++ main.cpp (direct hit)" "$(q "${cxx[@]}")" \
  -n "ttc-client --help" "$(q "$build/client/ttc-client" --help)" \
  -n "ttc --version" "$(q "$build/client/ttc" --version)"

python3 - "$work/times.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
client = r["ttc-client submit (hit)"]["median"]
cc = r["ccache g++ main.cpp (direct hit)"]["median"]
ratio = client / cc
print(f"\nmedians: client hit {client*1e3:.2f} ms, ccache direct hit {cc*1e3:.2f} ms, "
      f"ttc-client --help {r['ttc-client --help']['median']*1e3:.2f} ms, "
      f"ttc --version {r['ttc --version']['median']*1e3:.2f} ms")
print(f"RATIO client_hit_vs_ccache_hit {ratio:.2f}x  goal <= 1.0x  {'PASS' if ratio <= 1.0 else 'MISS-GOAL'}  "
      "ttc-client submit hit / ccache direct-mode hit of main.cpp, whole processes, medians")
PY
