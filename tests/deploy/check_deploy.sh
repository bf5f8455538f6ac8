#!/usr/bin/env bash
# Checks deploy/: the systemd units pass `systemd-analyze verify` (with ExecStart pointed at the
# binaries just built, since /usr/bin has none here), ttcd starts with the example config
# deploy/ttcd.toml (every key known and valid) and stops cleanly on SIGTERM, and ttc-agent
# --check-config accepts the example deploy/agent.toml (its /etc/ttc files made in a temp dir)
# and refuses a broken one with exit 2.
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

# The example config names /etc/ttc files: make them in a temp dir (a self-signed server
# certificate, a token file from `ttcd token add`) and point the config there.
mkdir -p "$tmp/etc/ttc/tls"
sed -e "s|/etc/ttc/|$tmp/etc/ttc/|g" "$src/deploy/ttcd.toml" > "$tmp/ttcd.toml"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/etc/ttc/tls/server.key" -out "$tmp/etc/ttc/tls/server.crt" \
  2>"$tmp/openssl.log" || { cat "$tmp/openssl.log"; echo "openssl could not make a certificate"; exit 1; }
"$ttcd" token add --tokens-file "$tmp/etc/ttc/tokens.toml" --name ci --role submit >/dev/null 2>&1 ||
  { echo "ttcd token add failed"; exit 1; }
"$ttcd" --config "$tmp/ttcd.toml" --listen 127.0.0.1:0 --data-dir "$tmp/data" --port-file "$tmp/port" \
  >"$tmp/out" 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/port" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/log"; echo "ttcd refused deploy/ttcd.toml"; exit 1; }
  sleep 0.1
done
[ -s "$tmp/port" ] || { echo "ttcd did not start within 10 s"; exit 1; }
grep -q 'cache_size=10737418240' "$tmp/log" || { cat "$tmp/log"; echo "the example's cache_size was not applied"; exit 1; }
grep -q 'tls=true client_certs=false tokens=1 ' "$tmp/log" ||
  { cat "$tmp/log"; echo "the example's TLS and token settings were not applied"; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || { echo "ttcd exited with $status on SIGTERM"; exit 1; }
echo "ttcd with deploy/ttcd.toml: started and stopped cleanly"

# The agent's example, with /etc/ttc pointed at a temp dir holding the token file it names.
mkdir -p "$tmp/etc/ttc"
sed -e "s|/etc/ttc/|$tmp/etc/ttc/|g" "$src/deploy/agent.toml" > "$tmp/agent.toml"
echo "ttc_example_token" > "$tmp/etc/ttc/agent.token"
if ! "$agent" --config "$tmp/agent.toml" --check-config >"$tmp/agent.out" 2>&1; then
  cat "$tmp/agent.out"
  echo "ttc-agent --check-config refused deploy/agent.toml"
  exit 1
fi
grep -q '^server = "ttcd.lab.example:7878"$' "$tmp/agent.out" &&
  grep -q "^# token: from token_file in $tmp/agent.toml" "$tmp/agent.out" ||
  { cat "$tmp/agent.out"; echo "ttc-agent --check-config did not print deploy/agent.toml's settings"; exit 1; }
printf 'devices = 2\nlabel = "rack=r1"\n' > "$tmp/bad.toml"
status=0
"$agent" --config "$tmp/bad.toml" --check-config >"$tmp/agent.out" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q "bad.toml:2:1: key 'label': unknown key" "$tmp/agent.out" ||
  { cat "$tmp/agent.out"; echo "ttc-agent --check-config: expected exit 2 naming bad.toml:2:1, got $status"; exit 1; }
echo "ttc-agent --check-config: accepts deploy/agent.toml, refuses an unknown key with exit 2"
