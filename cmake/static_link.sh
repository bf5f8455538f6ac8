#!/bin/bash
# Link launcher for ttc-client (RULE_LAUNCH_LINK, client/CMakeLists.txt): runs the link
# command it is given with the shared gRPC, protobuf, abseil, c-ares, re2, upb, OpenSSL and
# zlib libraries replaced by their static archives from the same Debian packages, in one
# archive group, as a position-dependent executable. A CI job starts the client once per
# kernel: with 50 shared libraries the dynamic loader's relocations and page faults were
# most of its start (docs/performance.md, "Client process"). A library without a static
# archive stays shared.
set -euo pipefail
args=()
static=()
for a in "$@"; do
  if [[ "$a" =~ ^(.*/)lib(grpc\+\+|grpc|gpr|upb|address_sorting|protobuf|cares|re2|absl_[a-z0-9_]+|ssl|crypto|z)\.so(\.[0-9.]+)?$ ]] &&
     [[ -f "${BASH_REMATCH[1]}lib${BASH_REMATCH[2]}.a" ]]; then
    static+=("${BASH_REMATCH[1]}lib${BASH_REMATCH[2]}.a")
  elif [[ "$a" == "-lre2" ]]; then
    static+=("-l:libre2.a")
  else
    args+=("$a")
  fi
done
# The archives resolve each other in any order inside the group; the system libraries the
# shared versions brought in are added after it.
exec "${args[@]}" -no-pie -Wl,--start-group "${static[@]}" -Wl,--end-group -lpthread -ldl -lm -lrt
