#!/usr/bin/env bash
# syntax_check.sh PROGRAM_DIR API_DIR: compiles the generated sources of one program directory
# (reader.cpp, writer.cpp, compute.cpp, main.cpp) in syntax-only mode against the TT-Metalium
# headers in API_DIR (the emulator's, emu/include), with warnings as errors: generated code must
# be warning-free (the emulator itself builds kernels without warnings). Kernels see the device
# API, main.cpp the host API. Dataflow kernels get eight DRAM tensor accessors' worth of
# compile-time args ([config, page size] pairs), as the host would append. Checks every file,
# names each one that fails, and exits 1 if any did (2 on a usage error).
set -u
if [ $# -ne 2 ]; then
  echo "usage: syntax_check.sh PROGRAM_DIR API_DIR" >&2
  exit 2
fi
prog=$1 api=$2
if [ ! -d "$prog" ] || [ ! -d "$api" ]; then
  echo "syntax_check.sh: not a directory: $([ -d "$prog" ] && echo "$api" || echo "$prog")" >&2
  exit 2
fi
flags=(-std=c++20 -fsyntax-only -Wall -Wextra -Werror -I "$api")
failed=0

check() {  # FILE EXTRA_FLAGS...
  local file=$1
  shift
  if [ ! -f "$prog/$file" ]; then
    echo "FAILED: $file (missing from $prog)" >&2
    failed=1
  elif ! g++ "${flags[@]}" "$@" "$prog/$file"; then
    echo "FAILED: $file" >&2
    failed=1
  fi
}

ct_args=-DKERNEL_COMPILE_TIME_ARGS=2,2048,2,2048,2,2048,2,2048,2,2048,2,2048,2,2048,2,2048
check reader.cpp "$ct_args"
check writer.cpp "$ct_args"
check compute.cpp -DNAMESPACE=ttc_compute '-DMAIN=kernel_main()'
check main.cpp '-DTTC_KERNEL_DIR="/nonexistent"'
if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "syntax OK: $prog"
