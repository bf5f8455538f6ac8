#!/usr/bin/env bash
# Runs docs/operations.md on loopback, so the runbook and the tools cannot drift apart.
#
# Every ```sh block of the doc must be preceded by `<!-- ops-step: NAME -->` (run here, in
# order, each in a fresh `bash -euo pipefail`, bounded by a timeout) or `<!-- ops-skip: WHY -->`
# (needs root, a package or a second machine). The run steps are the operator's commands with
# only these changes:
#
#   Text substitutions (applied to the step and to the units' ExecStart/Environment lines):
#     /etc/ttc            -> $tmp/etc/ttc
#     /var/lib/ttc        -> $tmp/var/lib/ttc   (covers /var/lib/ttc-agent too)
#     /usr/bin/           -> $tmp/bin/          (symlinks to the binaries under test; also on PATH)
#     ttcd.lab.example    -> localhost          (the server's name, in the certificate and configs)
#     192.0.2.10, 0.0.0.0 -> 127.0.0.1
#     :7878, :9464        -> a free port each (gRPC, metrics)
#   Stand-ins (shell functions defined before each step):
#     sudo [-u USER] CMD  runs CMD as the current user
#     install -o U -g G   drops -o/-g (no user ttc here); chown is a no-op
#     scp FILES HOST:     copies FILES to ~ (the device host is this machine and has the same ~)
#     systemctl start|enable --now|stop|restart|reload UNIT
#                         runs/stops the ExecStart of deploy/systemd/UNIT.service in the
#                         background (its Environment= set, StateDirectory= created), logging to
#                         a file; start waits for ttcd's msg="serving"; stop sends SIGTERM, waits
#                         TimeoutStopSec and fails unless the process exits 0; reload sends
#                         SIGHUP and waits for ttcd's "tokens reloaded" line
#     journalctl -u UNIT  prints that log
#   Environment: HOME=$tmp/home (with ~/ttc a symlink to SOURCE_DIR, the checkout the doc
#   assumes), XDG_CONFIG_HOME=$tmp/home/.config, TTC_SERVER/TTC_TOKEN* unset.
#
# After some steps the script checks more than the step itself (check_NAME below): TLS and
# tokens are on, a plaintext client and a config without TLS are refused, a submit token gets
# exit 5 on stats, a revoked token gets exit 5, the agent is online, the restored store holds
# the job, and everything exits 0 on stop.
# Usage: check_operations.sh SOURCE_DIR TTCD TTC_CLIENT TTC_AGENT
set -euo pipefail
src=$(cd "$1" && pwd)
ttcd=$(realpath "$2") client=$(realpath "$3") agent=$(realpath "$4")
doc="$src/docs/operations.md"
step_timeout=${TTC_OPS_STEP_TIMEOUT:-240}
tmp=$(mktemp -d)
run="$tmp/run"

cleanup() {
  local f
  for f in "$run"/*.pid; do
    [ -e "$f" ] || continue
    kill -KILL "$(cat "$f")" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "check_operations: FAIL: $*" >&2
  local f
  for f in "$run"/*.log; do
    [ -e "$f" ] || continue
    echo "--- last lines of $(basename "$f")" >&2
    tail -n 30 "$f" >&2
  done
  exit 1
}

free_port() {  # the kernel's pick (python3), else a random port nothing answers on
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
port=$(free_port)
mport=$(free_port)
while [ "$mport" = "$port" ]; do mport=$(free_port); done

mkdir -p "$tmp/bin" "$tmp/home" "$tmp/etc" "$tmp/var/lib" "$run" "$tmp/steps" "$tmp/out" "$tmp/empty"
ln -s "$ttcd" "$tmp/bin/ttcd"
ln -s "$client" "$tmp/bin/ttc-client"
ln -s "$agent" "$tmp/bin/ttc-agent"
ln -s "$src" "$tmp/home/ttc"

subst() {
  sed -e "s|/etc/ttc|$tmp/etc/ttc|g; s|/var/lib/ttc|$tmp/var/lib/ttc|g; s|/usr/bin/|$tmp/bin/|g" \
      -e "s|ttcd\.lab\.example|localhost|g; s|192\.0\.2\.10|127.0.0.1|g; s|0\.0\.0\.0|127.0.0.1|g" \
      -e "s|:7878|:$port|g; s|:9464|:$mport|g"
}

# Extract the blocks: every ```sh fence needs a marker on the line before it.
awk -v dir="$tmp/steps" '
  /^<!-- ops-(step|skip): .* -->$/ { marker = $0; next_is_fence = 1; next }
  /^```sh$/ {
    if (!next_is_fence) { printf "docs/operations.md:%d: ```sh block without an ops-step/ops-skip marker\n", NR; bad = 1 }
    in_block = 1; out = ""
    if (marker ~ /ops-step:/) {
      name = marker; sub(/^<!-- ops-step: */, "", name); sub(/ *-->$/, "", name)
      n++; out = sprintf("%s/%02d-%s.sh", dir, n, name)
      printf "" > out
    }
    marker = ""; next_is_fence = 0; next
  }
  in_block && /^```$/ { in_block = 0; if (out != "") close(out); next }
  in_block { if (out != "") print > out; next }
  { next_is_fence = 0; marker = "" }
  END { exit bad }
' "$doc" || fail "docs/operations.md: every sh block must be marked (see this script's header)"
ls "$tmp/steps"/*.sh >/dev/null 2>&1 || fail "no ops-step blocks in docs/operations.md"

# The stand-ins, sourced by every step.
cat >"$tmp/prelude.sh" <<EOF
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_CACHE_HOME="$tmp/cache"
export PATH="$tmp/bin:\$PATH"
unset TTC_SERVER TTC_TOKEN TTC_TOKEN_FILE
src="$src" run="$run" tmp="$tmp" port="$port" mport="$mport"
EOF
cat >>"$tmp/prelude.sh" <<'EOF'
sudo() { if [ "$1" = -u ]; then shift 2; fi; "$@"; }
chown() { echo "(stand-in: chown $* skipped)" >&2; }
install() {
  local a=()
  while [ $# -gt 0 ]; do case $1 in -o|-g) shift 2 ;; *) a+=("$1"); shift ;; esac; done
  command install "${a[@]}"
}
scp() {
  local dest=${!#}
  [[ $dest == *: ]] || { echo "scp stand-in: expected HOST: last, got $dest" >&2; return 1; }
  local f
  for f in "${@:1:$#-1}"; do  # a file already in ~ is the same file on loopback
    [ "$(realpath "$f")" = "$(realpath -m ~/"$(basename "$f")")" ] || cp "$f" ~/
  done
}
unit_key() {  # unit_key UNIT KEY: the value of KEY= in the unit, with the substitutions
  sed -n "s/^$2=//p" "$src/deploy/systemd/$1.service" | subst
}
journalctl() {
  [ "$1" = -u ] || { echo "journalctl stand-in: only -u UNIT" >&2; return 2; }
  cat "$run/$2.log" 2>/dev/null || true
}
wait_log() {  # wait_log UNIT PATTERN BEFORE SECONDS: until PATTERN has more than BEFORE matches
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    [ "$(grep -c -- "$2" "$run/$1.log" 2>/dev/null || true)" -gt "$3" ] && return 0
    [ -e "$run/$1.rc" ] && { echo "$1 exited with $(cat "$run/$1.rc")" >&2; tail -n 20 "$run/$1.log" >&2; return 1; }
    sleep 0.1
  done
  echo "$1: no '$2' within $4 s" >&2
  return 1
}
svc_start() {
  local u=$1 exec env dir before
  [ -e "$run/$u.pid" ] && kill -0 "$(cat "$run/$u.pid")" 2>/dev/null && return 0
  exec=$(unit_key "$u" ExecStart)
  env=$(unit_key "$u" Environment)
  dir=$(sed -n 's/^StateDirectory=//p' "$src/deploy/systemd/$u.service")
  [ -n "$dir" ] && mkdir -p "$tmp/var/lib/$dir"
  rm -f "$run/$u.rc"
  before=$(grep -c 'msg="serving"' "$run/$u.log" 2>/dev/null || true)
  # shellcheck disable=SC2086
  ( env $env $exec </dev/null >>"$run/$u.log" 2>&1 & echo $! >"$run/$u.pid"; wait $!; echo $? >"$run/$u.rc" ) \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 50); do [ -s "$run/$u.pid" ] && break; sleep 0.1; done
  if [ "$u" = ttcd ]; then
    wait_log ttcd 'msg="serving"' "${before:-0}" 30
  else
    sleep 1
    [ ! -e "$run/$u.rc" ] || { echo "$u exited with $(cat "$run/$u.rc")" >&2; tail -n 20 "$run/$u.log" >&2; return 1; }
  fi
}
svc_stop() {
  local u=$1 pid limit i
  [ -e "$run/$u.pid" ] || return 0
  pid=$(cat "$run/$u.pid")
  limit=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$src/deploy/systemd/$u.service")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < ${limit:-90} * 10; i++)); do [ -e "$run/$u.rc" ] && break; sleep 0.1; done
  if [ ! -e "$run/$u.rc" ]; then
    kill -KILL "$pid" 2>/dev/null || true
    echo "$u did not stop within TimeoutStopSec" >&2
    return 1
  fi
  rm -f "$run/$u.pid"
  [ "$(cat "$run/$u.rc")" = 0 ] || { echo "$u exited with $(cat "$run/$u.rc") on SIGTERM" >&2; return 1; }
}
svc_reload() {
  local u=$1 before
  before=$(grep -c 'tokens reload' "$run/$u.log" 2>/dev/null || true)
  kill -HUP "$(cat "$run/$u.pid")"
  wait_log "$u" 'tokens reload' "${before:-0}" 10
}
systemctl() {
  case "$1 ${2:-}" in
    "enable --now") svc_start "$3" ;;
    "start "*) svc_start "$2" ;;
    "stop "*) svc_stop "$2" ;;
    "restart "*) svc_stop "$2" && svc_start "$2" ;;
    "reload "*) svc_reload "$2" ;;
    *) echo "systemctl stand-in: $* is not supported" >&2; return 2 ;;
  esac
}
EOF
declare -f subst >>"$tmp/prelude.sh"

# Runs a client outside the doc's steps, as the operator (client.toml in ~/.config/ttc).
as_operator() { (source "$tmp/prelude.sh"; timeout 60 "$@"); }
expect_exit() {  # expect_exit CODE PATTERN CMD...: CMD exits CODE and prints PATTERN
  local code=$1 pattern=$2 status=0
  shift 2
  as_operator "$@" >"$tmp/expect.out" 2>&1 || status=$?
  [ "$status" -eq "$code" ] && { [ -z "$pattern" ] || grep -q -- "$pattern" "$tmp/expect.out"; } ||
    { cat "$tmp/expect.out" >&2; fail "$*: expected exit $code and '$pattern', got exit $status"; }
  echo "  ok: exit $code ($pattern): $*"
  sed 's/^/  | /' "$tmp/expect.out" | head -n 5
}

check_start-daemon() {
  grep -q "msg=\"serving\" listen=127.0.0.1:$port tls=true client_certs=false tokens=3 " "$run/ttcd.log" ||
    fail "ttcd does not serve TLS with the 3 tokens on 127.0.0.1:$port"
  # A config without the TLS lines is refused at start.
  grep -v '^tls_' "$tmp/etc/ttc/ttcd.toml" >"$tmp/notls.toml"
  expect_exit 2 'tls_cert, tls_key: not set' \
    ttcd --config "$tmp/notls.toml" --listen 127.0.0.1:0 --data-dir "$tmp/notls-data" --metrics-listen ""
}
check_client() {
  # Plaintext to the TLS port: the client does not get through (no client.toml, no TLS flags).
  expect_exit 4 "" env XDG_CONFIG_HOME="$tmp/empty" ttc-client --server "127.0.0.1:$port" --timeout 10 health
  # No token; a submit token on an admin call.
  expect_exit 5 UNAUTHENTICATED env XDG_CONFIG_HOME="$tmp/empty" \
    ttc-client --server "localhost:$port" --tls-ca "$tmp/etc/ttc/tls/ca.crt" jobs
  expect_exit 5 PERMISSION_DENIED ttc-client --token-file "$tmp/home/ci.token" stats
  expect_exit 0 "" ttc-client --token-file "$tmp/home/ci.token" jobs
}
check_agent-start() {
  as_operator ttc-client devices | grep -q '^tt-host-7 .*GOOD *yes' || fail "tt-host-7 is not online and GOOD"
  echo "  ok: tt-host-7 online over TLS with its agent token"
}
check_validate() {
  as_operator ttc-client jobs | grep -q PASS || { as_operator ttc-client jobs; fail "no passed job listed"; }
  echo "  ok: the validation job passed"
}
check_drain() {
  as_operator ttc-client devices >"$tmp/devices.out" 2>&1 || true
  ! grep -q '^tt-host-7 .* yes ' "$tmp/devices.out" || { cat "$tmp/devices.out"; fail "tt-host-7 is still online"; }
  echo "  ok: tt-host-7 drained: its agent exited 0, no device online"
}
check_undrain() {
  as_operator ttc-client devices | grep -q '^tt-host-7 .*GOOD *yes' || fail "tt-host-7 is not back online and GOOD"
  echo "  ok: tt-host-7 back online, GOOD"
}
check_restore() {
  as_operator ttc-client jobs | grep -q PASS || fail "the restored store lost the job"
  echo "  ok: the restored store holds the job"
}
check_rotate() {
  expect_exit 5 UNAUTHENTICATED ttc-client --token-file "$tmp/home/ci.token" jobs
}
check_metrics() {
  # ttcd was restarted twice (backup, restore): the agent must have reconnected by itself.
  local i
  for ((i = 0; i < 60; i++)); do
    as_operator ttc-client devices 2>/dev/null | grep -q '^tt-host-7 .*GOOD *yes' && break
    sleep 1
  done
  [ "$i" -lt 60 ] || fail "tt-host-7 did not reconnect within 60 s after ttcd's restart"
  echo "  ok: tt-host-7 reconnected by itself after ttcd's restarts (${i} s)"
}
check_stop() {
  [ ! -e "$run/ttcd.pid" ] && [ ! -e "$run/ttc-agent.pid" ] || fail "a service is still running"
  echo "  ok: ttc-agent and ttcd exited 0"
}

echo "docs/operations.md on loopback: gRPC port $port, metrics port $mport, root $tmp"
for f in "$tmp/steps"/*.sh; do
  name=$(basename "$f" .sh)
  name=${name#*-}
  { echo 'set -euo pipefail'; echo "source '$tmp/prelude.sh'"; echo 'cd ~'; subst <"$f"; } >"$f.run"
  echo "== ops-step: $name"
  status=0
  timeout "$step_timeout" bash "$f.run" >"$tmp/out/$name" 2>&1 || status=$?
  sed 's/^/  | /' "$tmp/out/$name"
  if [ "$status" -ne 0 ]; then
    echo "--- the step as run:" >&2
    cat -n "$f.run" >&2
    fail "step '$name' exited with $status (124 = timed out after $step_timeout s)"
  fi
  if declare -F "check_$name" >/dev/null; then "check_$name"; fi
done
echo "check_operations: PASS: docs/operations.md works as written (on loopback)"
