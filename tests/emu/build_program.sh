#!/usr/bin/env bash
# Builds a TT-Metalium host program (a directory written by `ttc compile -o`, or any
# main.cpp whose kernels sit next to it) against the emulator, as a user would build it
# against TT-Metalium: the emulator's headers stand in for TT-Metalium's, libttc_emu.so for
# its library, and TTC_KERNEL_DIR names the directory the kernels are read from at
# EnqueueProgram.
# Usage: build_program.sh PROGRAM_DIR EMU_INCLUDE EMU_LIB_DIR OUT_EXE
# Compiler: $CXX, else g++. Exits non-zero (with the compiler's output) when the build fails.
set -euo pipefail
if [ $# -ne 4 ]; then
  echo "usage: $0 PROGRAM_DIR EMU_INCLUDE EMU_LIB_DIR OUT_EXE" >&2
  exit 2
fi
program=$(cd "$1" && pwd) include=$2 lib=$3 out=$4
if [ ! -f "$program/main.cpp" ]; then
  echo "$0: $program/main.cpp does not exist" >&2
  exit 2
fi
mkdir -p "$(dirname "$out")"
exec "${CXX:-g++}" -std=c++20 -O1 -I"$include" -DTTC_KERNEL_DIR="\"$program\"" "$program/main.cpp" \
  -L"$lib" -lttc_emu -lfmt -Wl,-rpath,"$lib" -o "$out"
