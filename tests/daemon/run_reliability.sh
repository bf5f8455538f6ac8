#!/usr/bin/env bash
# The long reliability suite (make reliability): runs the scenarios with TTC_RELIABILITY=long
# and writes the whole output to $2; prints the figures (`reliability:` lines) at the end.
# Usage: run_reliability.sh TTC_DAEMON_TESTS OUTPUT
set -uo pipefail
tests="$1"
out="$2"
TTC_RELIABILITY=long "$tests" \
  --gtest_filter='Reliability.*:AbuseTest.*:*SubmitTokensSeeOnlyTheirOwnAndTheirGroupsJobs*:*AcrossARestartOfTheDaemon*' \
  2>&1 | tee "$out"
status=${PIPESTATUS[0]}
echo "---- figures (also in $out) ----"
grep '^reliability:' "$out"
exit "$status"
