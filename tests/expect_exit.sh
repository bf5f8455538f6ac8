#!/usr/bin/env bash
# expect_exit.sh N CMD...: runs CMD, passes its stdout and stderr through, and succeeds only
# when CMD exits with status N.
want=$1
shift
"$@"
got=$?
if [ "$got" -ne "$want" ]; then
  echo "expected exit status $want, got $got: $*" >&2
  exit 1
fi
