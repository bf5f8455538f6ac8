#!/usr/bin/env bash
# bazel_remote_cache.sh TTCD WORKDIR: a real Bazel uses ttcd as its REAPI v2 remote cache.
# A 4-genrule workspace is built offline: once without a remote cache, once against a fresh
# ttcd (all actions run locally and are uploaded), once more from an empty output base (all
# actions must be remote cache hits, outputs downloaded from ttcd), and then with a wrong token
# (Bazel must fail with UNAUTHENTICATED) and with a submit-only token (read-only: Bazel refuses
# to upload, but reads hits with --noremote_upload_local_results).
# Exit 0: all passed; 1: a check failed; 77: no bazel (skip). TTC_KEEP_WORKDIR=1 keeps the files.
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 TTCD_BINARY WORKDIR" >&2; exit 2; }
BAZEL=${BAZEL:-$(command -v bazel || true)}
[[ -n $BAZEL ]] || { echo "SKIP: bazel is not installed"; exit 77; }
TTCD=$(realpath "$1")
mkdir -p "$2"
RUN=$(mktemp -d "$(realpath "$2")/run.XXXXXX")
TTCD_PID=""

cleanup() {
  if [[ -n $TTCD_PID ]] && kill -0 "$TTCD_PID" 2>/dev/null; then
    kill -TERM "$TTCD_PID"
    for _ in $(seq 100); do kill -0 "$TTCD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$TTCD_PID" 2>/dev/null || true
    wait "$TTCD_PID" 2>/dev/null || true
  fi
  if [[ -z ${TTC_KEEP_WORKDIR:-} ]]; then
    chmod -R u+w "$RUN" 2>/dev/null || true  # Bazel leaves read-only outputs behind
    rm -rf "$RUN"
  else
    echo "kept $RUN"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM  # a killed run still stops ttcd and removes RUN

fail() {
  echo "FAIL: $*" >&2
  [[ -f $RUN/ttcd.log ]] && { echo "--- ttcd.log (tail)" >&2; tail -n 20 "$RUN/ttcd.log" >&2; }
  exit 1
}

# The workspace: only genrules (native rules, nothing to download), one reading a source file.
WS=$RUN/ws
mkdir -p "$WS"
: >"$WS/WORKSPACE"
echo "hello from a source file" >"$WS/src.txt"
cat >"$WS/BUILD" <<'EOF'
genrule(name = "greeting", outs = ["greeting.txt"], cmd = "echo hello ttc > $@")
genrule(name = "upper", srcs = ["src.txt"], outs = ["upper.txt"], cmd = "tr a-z A-Z < $< > $@")
genrule(name = "both", srcs = [":greeting", ":upper"], outs = ["both.txt"], cmd = "cat $(SRCS) > $@")
genrule(name = "lines", srcs = [":both"], outs = ["lines.txt"], cmd = "wc -l < $< > $@")
EOF

# Startup options. --batch: no Bazel server outlives a command. --no{system,home,workspace}_rc:
# no rc file of the machine or user changes the flags. --output_user_root under RUN: nothing is
# written to $HOME. Debian's bazel-bootstrap ships an unpacked install base, not a self-extracting
# binary; its /etc/bazel/bazelrc names it, but Bazel 4 no longer reads that file, so we do.
STARTUP=(--batch --nosystem_rc --nohome_rc --noworkspace_rc --output_user_root="$RUN/bazel")
if [[ -f /usr/share/bazel/install_base_key ]]; then
  STARTUP+=(--install_base=/usr/share/bazel --trust_install_base)
fi
# Build options. --spawn_strategy=local: no linux-sandbox (it needs namespaces that containers
# may lack); the remote cache works the same on top of it. The rest: plain, bounded output.
BUILD=(--noshow_progress --color=no --curses=no --spawn_strategy=local --remote_timeout=30s)
OUT=""  # the last run's output

# bazel_build NAME [FLAGS...]: builds //:all with a fresh output base (as after clean --expunge);
# sets OUT, returns Bazel's exit status.
bazel_build() {
  local name=$1 rc=0
  shift
  OUT=$(cd "$WS" && timeout -k 10 300 "$BAZEL" "${STARTUP[@]}" --output_base="$RUN/bazel/$name" \
    build "${BUILD[@]}" "$@" //:all 2>&1) || rc=$?
  echo "$OUT" >"$RUN/$name.log"
  return $rc
}
summary() { grep -E '^INFO: [0-9]+ process(es)?:' <<<"$OUT" | tail -n 1 || true; }
# count KIND: how many processes of KIND ("remote cache hit", "local", ...) the summary lists.
count() { summary | sed -E 's/^INFO: [0-9]+ process(es)?: //; s/\.$//' | tr ',' '\n' |
  sed -nE "s/^ *([0-9]+) $1\$/\\1/p" | head -n 1 | grep . || echo 0; }
# executed: how many kinds of process other than cache hits and internal ones the summary lists.
executed() { summary | sed -E 's/^INFO: [0-9]+ process(es)?: //; s/\.$//' | tr ',' '\n' |
  grep -vE '^ *[0-9]+ (remote cache hit|internal)$' | grep -c . || true; }

start=$SECONDS
# 1. Offline, no remote cache: checks that Bazel itself works here.
bazel_build plain || fail "Bazel cannot build the workspace offline:"$'\n'"$OUT"
echo "no cache:      $(summary)"

# 2. ttcd with an agent token (agent may write the action cache) on a free loopback port.
T_AGENT=$("$TTCD" token add --tokens-file "$RUN/tokens.toml" --name bazel --role agent 2>/dev/null) ||
  fail "ttcd token add failed"
T_SUBMIT=$("$TTCD" token add --tokens-file "$RUN/tokens.toml" --name reader --role submit 2>/dev/null) ||
  fail "ttcd token add failed"
"$TTCD" --listen 127.0.0.1:0 --port-file "$RUN/port" --data-dir "$RUN/data" --insecure \
  --tokens-file "$RUN/tokens.toml" >"$RUN/ttcd.log" 2>&1 &
TTCD_PID=$!
for _ in $(seq 200); do
  [[ -s $RUN/port ]] && break
  kill -0 "$TTCD_PID" 2>/dev/null || fail "ttcd exited before serving"
  sleep 0.1
done
[[ -s $RUN/port ]] || fail "ttcd wrote no port file within 20 s"
REMOTE="--remote_cache=grpc://127.0.0.1:$(cat "$RUN/port")"

# 3. Build, then build again from an empty output base: every action must be a cache hit.
bazel_build first "$REMOTE" --remote_header="authorization=Bearer $T_AGENT" ||
  fail "build against ttcd failed:"$'\n'"$OUT"
echo "first build:   $(summary)"
[[ $(count local) -eq 4 ]] || fail "first build did not run the 4 genrules locally: $(summary)"
grep -qE '^WARNING: .*(remote|Remote)' <<<"$OUT" && fail "first build warned:"$'\n'"$OUT"
bazel_build second "$REMOTE" --remote_header="authorization=Bearer $T_AGENT" ||
  fail "second build against ttcd failed:"$'\n'"$OUT"
echo "second build:  $(summary)"
[[ $(count "remote cache hit") -eq 4 && $(executed) -eq 0 ]] ||
  fail "second build was not all remote cache hits: $(summary)"
[[ $(cat "$WS/bazel-bin/lines.txt") -eq 2 &&
   $(cat "$WS/bazel-bin/both.txt") == $'hello ttc\nHELLO FROM A SOURCE FILE' ]] ||
  fail "outputs downloaded from ttcd differ from the built ones"

# 4. A wrong token: Bazel's capabilities check gets UNAUTHENTICATED and the build fails
#    (Bazel 4 exits 34, remote error) before running anything; there is no local fallback.
rc=0; bazel_build wrong "$REMOTE" --remote_header="authorization=Bearer wrong" || rc=$?
echo "wrong token:   exit $rc, $(grep -m1 UNAUTHENTICATED <<<"$OUT" || echo "no UNAUTHENTICATED")"
[[ $rc -ne 0 ]] || fail "a build with a wrong token succeeded:"$'\n'"$OUT"
grep -q 'UNAUTHENTICATED' <<<"$OUT" || fail "no authentication error for a wrong token:"$'\n'"$OUT"
[[ -z $(summary) ]] || fail "a build with a wrong token ran actions: $(summary)"

# 5. A submit token may read but not write the action cache: ttcd's capabilities say so, so
#    Bazel refuses to upload; read-only, it gets the hits.
rc=0; bazel_build submit "$REMOTE" --remote_header="authorization=Bearer $T_SUBMIT" || rc=$?
[[ $rc -ne 0 ]] || fail "a build uploading with a submit token succeeded:"$'\n'"$OUT"
grep -q 'not authorized to write' <<<"$OUT" || fail "no refusal to upload with a submit token:"$'\n'"$OUT"
bazel_build reader "$REMOTE" --remote_header="authorization=Bearer $T_SUBMIT" \
  --noremote_upload_local_results || fail "read-only build with a submit token failed:"$'\n'"$OUT"
echo "submit token:  $(summary)"
[[ $(count "remote cache hit") -eq 4 ]] || fail "read-only build missed the cache: $(summary)"

echo "PASS: Bazel used ttcd as its remote cache ($((SECONDS - start)) s)"
