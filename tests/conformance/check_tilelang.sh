#!/usr/bin/env bash
# One TileLang conformance file (TileLang's published example, unchanged) through ttc:
#   check_tilelang.sh TTC FILE EXPECTED_FILE REL
# 1. the frontend accepts the whole file: `ttc compile FILE --list` lists at least one kernel
#    with the sizes its own harness gives (or stops at the recorded error of a kernel body);
# 2. what EXPECTED_FILE (lines `REL<TAB>validates[ OPTIONS]` or `REL<TAB>error: MESSAGE`) says of REL:
#    `validates`: `ttc validate FILE` passes on the emulator; OPTIONS (`--func NAME`,
#    `--define NAME=VALUE`) choose one of several kernels or sizes the emulator runs in the
#    suite's time (the file itself is unchanged);
#    `error: MESSAGE`: `ttc compile FILE` fails (exit 1) and its first diagnostic line ends
#    with exactly `error: MESSAGE`;
#    a file not listed (a new example): `ttc compile FILE` either succeeds or fails with a
#    located diagnostic (exit 1), never a usage error, an internal error or a crash.
#    Further `REL<TAB>validates --func NAME ...` lines validate the file's other kernels.
set -u
ttc=$1 file=$2 expected=$3 rel=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

want=$(awk -F '\t' -v r="$rel" '$1 == r { print $2 }' "$expected")
if "$ttc" compile "$file" --list >"$tmp/list" 2>"$tmp/list.err"; then
  if [ ! -s "$tmp/list" ]; then echo "FAIL: no kernel listed for $rel"; exit 1; fi
  echo "kernels of $rel:"; cat "$tmp/list"
else
  # Listing builds the kernels, so a kernel body the TT lowering refuses stops it: only with
  # the recorded error (the file parsed and evaluated up to that statement).
  listed=$(grep -m1 ': error: ' "$tmp/list.err")
  case "$want" in
    error:*) case "$listed" in *": $want") ;; *) echo "FAIL: the frontend refuses $rel:"; cat "$tmp/list.err"; exit 1 ;; esac ;;
    *) echo "FAIL: the frontend refuses $rel:"; cat "$tmp/list.err"; exit 1 ;;
  esac
  echo "listing stops at the recorded lowering error: $listed"
fi

case "$want" in validates*)
  # Every recorded line validates (one line per kernel of the file).
  while IFS= read -r line; do
    validate_opts=${line#validates}
    # shellcheck disable=SC2086  # the recorded options are words
    "$ttc" validate "$file" --seed 1 $validate_opts >"$tmp/out" 2>"$tmp/err"
    rc=$?
    cat "$tmp/out"
    if [ $rc -ne 0 ]; then echo "FAIL: $rel ($line) does not validate (exit $rc):"; cat "$tmp/err"; exit 1; fi
    grep -q '^PASS' "$tmp/out" || { echo "FAIL: no PASS line ($line)"; exit 1; }
  done <<<"$want"
  exit 0 ;;
esac
"$ttc" compile "$file" --emit=plan >"$tmp/out" 2>"$tmp/err"
rc=$?
first=$(grep -m1 ': error: ' "$tmp/err")
if [ -n "$want" ]; then
  if [ $rc -ne 1 ]; then echo "FAIL: expected '$want', got exit $rc:"; cat "$tmp/err"; exit 1; fi
  case "$first" in
    *": $want") echo "refused as expected: $first"; exit 0 ;;
    *) echo "FAIL: expected the first error to end with '$want', got:"; cat "$tmp/err"; exit 1 ;;
  esac
fi
if [ $rc -eq 0 ]; then echo "compiles (not listed in $(basename "$expected"))"; exit 0; fi
if [ $rc -eq 1 ] && [ -n "$first" ]; then echo "refused (not listed): $first"; exit 0; fi
echo "FAIL: $rel: exit $rc without a located diagnostic:"; cat "$tmp/err"; exit 1
