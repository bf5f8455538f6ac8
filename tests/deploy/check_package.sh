#!/usr/bin/env bash
# Builds the Debian package with CPack (as `make package` does), unpacks it into a scratch root
# with `dpkg -x`, and runs the installed binaries from there: every --version, no missing
# shared library, the units and example config in place, and `ttc validate` with the packaged
# emulator headers and library.
# Usage: check_package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/out/ttc_*_amd64.deb)
echo "package: $(basename "$deb") ($(stat -c %s "$deb") bytes)"
dpkg-deb -f "$deb" Package Version Depends
dpkg -x "$deb" "$tmp/root"
root="$tmp/root"

for bin in ttc ttc-client ttcd ttc-agent; do
  [ -x "$root/usr/bin/$bin" ] || { echo "missing /usr/bin/$bin"; exit 1; }
  if ldd "$root/usr/bin/$bin" | grep -q "not found"; then
    ldd "$root/usr/bin/$bin"
    echo "$bin: a shared library is missing"
    exit 1
  fi
done
"$root/usr/bin/ttcd" --version
"$root/usr/bin/ttc" --version
"$root/usr/bin/ttc-client" --help >/dev/null
"$root/usr/bin/ttc-agent" --help >/dev/null
for f in lib/systemd/system/ttcd.service lib/systemd/system/ttc-agent.service share/doc/ttc/examples/ttcd.toml \
         share/doc/ttc/examples/agent.toml share/ttc/emu/include/dataflow_api.h lib/ttc/libttc_emu.so; do
  [ -f "$root/usr/$f" ] || { echo "missing /usr/$f"; exit 1; }
done

# The installed compiler validates a kernel with the installed emulator only.
TTC_EMU_CACHE_DIR="$tmp/emu-cache" TTC_EMU_INCLUDE_DIR="$root/usr/share/ttc/emu/include" \
  TTC_EMU_LIB_DIR="$root/usr/lib/ttc" "$root/usr/bin/ttc" validate "$src/examples/kernel_1d.textproto" --seed 1 \
  | tee "$tmp/validate.log"
grep -q '^PASS' "$tmp/validate.log"
echo "package: ok"
