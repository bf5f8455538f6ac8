#!/usr/bin/env bash
# The tree's structure rules (docs/architecture.md), checked on the sources:
#  1. a folder includes only the folders it may depend on (the dependency direction below);
#  2. no production source file (outside tests/, bench/, fuzz/) is over 800 lines;
#  3. ttcd links neither the emulator nor the reference interpreter (`ninja -t query` on the
#     link step, when BUILD_DIR is given).
# Usage: check_layering.sh SOURCE_ROOT [BUILD_DIR]. Prints every violation as file:line; exit 1
# when there is any.
set -u
root=$1 build=${2:-}
cd "$root" || exit 2

# What each folder may include besides itself; proto's generated headers are `ttc/` and `grpc/`.
declare -A allowed=(
  [common]=""
  [ir]="ttc common"
  [passes]="ir ttc common"
  [codegen]="passes ir ttc common"
  [frontend]="ir ttc common"
  [cache]="ir ttc common"
  [emu]="ir ttc common"
  [driver]="codegen passes frontend cache ir ttc common"
  [validate]="driver codegen passes cache emu ir ttc common"
  [remote]="cache ttc grpc common"
  [daemon]="driver passes frontend cache ir ttc grpc common"
  [agent]="validate driver remote passes cache frontend ir ttc grpc common"
  [client]="validate driver remote codegen passes frontend cache ir ttc grpc common"
)
folders=" ${!allowed[*]} ttc grpc "
bad=0
for from in "${!allowed[@]}"; do
  [ -d "$from" ] || continue
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$rest")
    to=${inc%%/*}
    [ "$to" = "$inc" ] && continue            # a file next to it
    [ "$to" = "$from" ] && continue
    case "$folders" in *" $to "*) ;; *) continue ;; esac  # not one of ours (absl/, ttc_emu/, ...)
    case " ${allowed[$from]} " in
      *" $to "*) ;;
      *) echo "$file:$line: $from/ may not include $inc ($from/ may use: ${allowed[$from]:-nothing of ours})"; bad=1 ;;
    esac
  done < <(grep -rnE '^#include "' "$from" --include='*.h' --include='*.cc' --include='*.hpp' --include='*.cpp' \
             --exclude-dir=include || true)
done

while IFS= read -r f; do
  n=$(wc -l <"$f")
  if [ "$n" -gt 800 ]; then echo "$f:1: $n lines; production files stay under 800 (split it by concept)"; bad=1; fi
done < <(find . -path ./tests -prune -o -path ./bench -prune -o -path ./fuzz -prune -o -path './build*' -prune \
           -o -path ./.git -prune -o \( -name '*.cc' -o -name '*.h' \) -print | sort)

if [ -n "$build" ]; then
  ttcd=$(cd "$build" && ninja -t targets all | grep -E '^daemon/ttcd:' | cut -d: -f1)
  if [ -z "$ttcd" ]; then echo "$build: no daemon/ttcd target"; bad=1; fi
  # The link step's inputs, and the inputs of every static library among them, transitively.
  seen=" "
  queue=("$ttcd")
  while [ ${#queue[@]} -gt 0 ]; do
    t=${queue[0]}; queue=("${queue[@]:1}")
    while IFS= read -r in; do
      case "$seen" in *" $in "*) continue ;; esac
      seen+="$in "
      case "$in" in *.a|*.so) queue+=("$in") ;; esac
    done < <(cd "$build" && ninja -t query "$t" | awk '/^  input:/{f=1;next} /^  outputs:/{f=0} f && $NF !~ /^CXX_/ {print $NF}')
  done
  for lib in libttc_emu.so libttc_emu_core.a libttc_validate.a; do
    case "$seen" in *"/$lib "*|*" $lib "*) echo "$build: ttcd links $lib; ttcd must not link the emulator"; bad=1 ;; esac
  done
fi
exit $bad
