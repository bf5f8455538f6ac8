#!/usr/bin/env bash
# Runs the `# RUN:` lines of one golden test file, lit-style.
# Usage: run_golden.sh TEST_FILE TTC_BINARY LLVM_TOOLS_DIR SOURCE_ROOT [EMU_INCLUDE EMU_LIB_DIR]
# Substitutions in RUN lines:
#   %ttc       the ttc binary           %s   this test file      %S  its directory
#   %examples  SOURCE_ROOT/examples     %data SOURCE_ROOT/tests/data
#   %t         a fresh temporary directory, removed afterwards
#   %exit N    run the rest of the line and require exit status N (e.g. `%exit 2 %ttc ...`)
#   %emu_include  the emulator's TT-Metalium headers (EMU_INCLUDE)
#   %emu_lib      the directory of libttc_emu.so (EMU_LIB_DIR)
# FileCheck and `not` resolve to LLVM_TOOLS_DIR. Each RUN line runs under `bash -o pipefail`.
set -u
test_file=$1 ttc=$2 tools=$3 root=$4 emu_include=${5:-} emu_lib=${6:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PATH="$tools:$PATH"
n=0
while IFS= read -r line; do
  cmd=${line#*RUN: }
  cmd=${cmd//%emu_include/$emu_include}
  cmd=${cmd//%emu_lib/$emu_lib}
  cmd=${cmd//%ttc/$ttc}
  cmd=${cmd//%examples/$root/examples}
  cmd=${cmd//%data/$root/tests/data}
  cmd=${cmd//%S/$(dirname "$test_file")}
  cmd=${cmd//%s/$test_file}
  cmd=${cmd//%t/$tmp}
  cmd=${cmd//%exit/bash $root/tests/expect_exit.sh}
  n=$((n + 1))
  echo "RUN[$n]: $cmd"
  if ! bash -o pipefail -c "$cmd"; then
    echo "FAILED: RUN line $n of $test_file" >&2
    exit 1
  fi
done < <(grep -E '^(#|//) RUN: ' "$test_file")
if [ "$n" -eq 0 ]; then
  echo "no RUN lines in $test_file" >&2
  exit 1
fi
