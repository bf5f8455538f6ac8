#!/usr/bin/env bash
# Checks deploy/: the systemd units pass `systemd-analyze verify` (with ExecStart pointed at the
# binaries just built, since /usr/bin has none here), and ttcd starts with the example config
# deploy/ttcd.toml (every key known and valid) and stops cleanly on SIGTERM.
# Usage: check_deploy.sh SOURCE_DIR TTCD TTC_AGENT
set -euo pipefail
src=$1 ttcd=$2 agent=$3
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

for unit in ttcd.service ttc-agent.service; do
  sed -e "s|/usr/bin/ttcd|$ttcd|; s|/usr/bin/ttc-agent|$agent|" "$src/deploy/systemd/$unit" > "$tmp/$unit"
done
# verify exits 0 on unknown keys (it only warns): any message at all is a failure.
if ! (cd "$tmp" && systemd-analyze verify ./ttcd.service ./ttc-agent.service) >"$tmp/verify" 2>&1 ||
   [ -s "$tmp/verify" ]; then
  cat "$tmp/verify"
  echo "systemd-analyze verify: the units have problems"
  exit 1
fi
echo "systemd-analyze verify: ok (no warnings)"

"$ttcd" --config "$src/deploy/ttcd.toml" --listen 127.0.0.1:0 --data-dir "$tmp/data" --port-file "$tmp/port" \
  >"$tmp/out" 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/log"; echo "ttcd refused deploy/ttcd.toml"; exit 1; }
  sleep 0.1
done
[ -s "$tmp/port" ] || { echo "ttcd did not start within 10 s"; exit 1; }
grep -q 'cache_size=10737418240' "$tmp/log" || { cat "$tmp/log"; echo "the example's cache_size was not applied"; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || { echo "ttcd exited with $status on SIGTERM"; exit 1; }
echo "ttcd with deploy/ttcd.toml: started and stopped cleanly"
