#!/usr/bin/env bash
# Passes and codegen read and write PrimFunc attributes only through the typed structs and
# accessors of passes/attrs.{h,cc} (ARCHITECTURE.md "Kernel IR": each key is spelled once).
# Fails, naming file:line, on a raw JSON attribute access in passes/*.cc or codegen/*.cc
# outside passes/attrs.cc: indexing (attrs[...], v["key"]), lookups (.at("key"), .find,
# .contains, .value), conversions (.get<T>()) and type probes (.is_object() ...).
# Usage: check_no_raw_attrs.sh SOURCE_DIR
set -euo pipefail
src=${1:?usage: check_no_raw_attrs.sh SOURCE_DIR}
cd "$src"
pattern='(^|[^A-Za-z_])attrs\[|buffer_attrs\[|attrs\.(find|contains|value|at|count|erase|begin|end|items|size)\(|\.contains\(|\.get<|\.at\("|\.is_(object|array|string|boolean|number|number_integer|null)\(\)|\.dump\('
status=0
for f in passes/*.cc codegen/*.cc; do
  [[ $f == passes/attrs.cc ]] && continue
  # kernels.at("reader") indexes the std::map of lowered kernels, not attribute JSON.
  hits=$(grep -nE "$pattern" "$f" | grep -vE 'kernels\.at\("(reader|writer|compute)"\)' || true)
  if [[ -n $hits ]]; then
    while IFS= read -r line; do
      echo "$f:${line%%:*}: raw JSON attribute access (use passes/attrs.h):${line#*:}"
    done <<<"$hits"
    status=1
  fi
done
if [[ $status -ne 0 ]]; then
  echo "check_no_raw_attrs: FAILED" >&2
else
  echo "check_no_raw_attrs: passes/*.cc and codegen/*.cc use typed attributes only"
fi
exit $status
