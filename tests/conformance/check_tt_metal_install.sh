#!/usr/bin/env bash
# The emulator's TT-Metalium package as installed:
#   check_tt_metal_install.sh BUILD WORK PYTHON TTC CONFORMANCE_DIR
# installs the tt-metalium component of BUILD into WORK/prefix (cmake --install), checks the
# installed layout (and that no installed package file names the build or source tree), builds a
# program ttc generates against WORK/prefix/lib/ttc/tt-metalium, runs it with the installed
# library and headers (kernels compiled against the installed headers) and checks its output,
# then runs TT's loopback example of each generation against the installed package exactly as
# the conformance suite runs it against the build tree's: its outcome must be the table's.
set -u
build=$1 work=$2 python=$3 ttc=$4 conformance=$5
tests=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "$tests/.." && pwd)
prefix=$work/prefix
rm -rf "$prefix"
mkdir -p "$work"
cmake --install "$build" --component tt-metalium --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; echo "FAIL: cmake --install"; exit 1; }
pkg=$prefix/lib/ttc/tt-metalium
for f in "$pkg/TT-MetaliumConfig.cmake" "$pkg/TT-MetaliumConfigVersion.cmake" "$pkg/TT-MetaliumTargets.cmake" \
         "$prefix/lib/ttc/libttc_emu.so" "$prefix/share/ttc/emu/include/tt-metalium/host_api.hpp" \
         "$prefix/share/ttc/emu/include/dataflow_api.h"; do
  [ -f "$f" ] || { echo "FAIL: the install has no $f"; exit 1; }
done
if grep -rl -e "$build" -e "$src/" "$pkg"; then echo "FAIL: the installed package names the build or source tree"; exit 1; fi
echo "installed: $pkg"
status=0
"$python" "$tests/codegen/check_generated_cmake.py" "$ttc" "$src/examples/eltwise_add_256_bf16.py" "$work/generated" \
  --package "$pkg" --ref add || status=1
for example in classic/loopback mesh/loopback; do
  echo "== $example against $pkg"
  "$python" "$tests/conformance/check_tt_metal.py" "$conformance" "$example" \
    --table "$tests/conformance/tt_metal_expected.tsv" --package "$pkg" --work "$work" \
    --tree "$tests/conformance/tt_metal_tree" || status=1
done
exit $status
