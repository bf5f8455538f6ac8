#!/usr/bin/env bash
# Installs the Debian packages ttc builds and tests with, and only those that are missing.
# Idempotent: when everything is present it checks with dpkg-query and exits without
# touching apt (a second run is a no-op and takes well under a second).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc
  libabsl-dev libssl-dev librocksdb-dev
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  llvm-14-tools clang-14 libclang-rt-14-dev
  systemd prometheus-cpp-dev prometheus libmicrohttpd-dev openssl curl python3
  libhiredis-dev redis-server bazel-bootstrap hyperfine
  python3-grpcio python3-protobuf python3-pytest python3-venv chromium
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

# Node.js and npm: the machines have them; a machine without installs Debian's.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

# The web view's front-end packages (web/package.json, pinned by web/package-lock.json) from
# the npm registry, when node_modules is missing or older than the lock file.
npm_install() {
  local web
  web="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/web"
  if [ ! -f "$web/node_modules/.package-lock.json" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    echo "bootstrap: npm ci in web/"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  npm_install
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once before installing.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ] ||
   ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
npm_install
