#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes through `edgeplane run`
# file→file; each line must arrive once, byte for byte, in order (CRLF endings become LF, an
# unterminated last line gains one). Then bounded runs of --adapter-max-messages=500 must move
# each file in order, once.
#
#   scripts/acceptance/file-loghub.sh ../shared/data/loghub/*.log
set -euo pipefail
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
trap 'rm -rf "$work"' EXIT
for input in "$@"; do
  name="$(basename "$input")"
  lines="$(expected_of "$input" "$work/$name.expected")"
  for mode in to-end bounded; do
    out="$work/$name.$mode.out"
    printf 'ingress.transport=file\ningress.path=%s\negress.transport=file\negress.path=%s\n' "$input" "$out" > "$work/adapters.kv"
    drain_and_check "$name" "$mode" "$work/adapters.kv" "$work/$name.$mode.lane" "$out" "$work/$name.expected" "$lines"
  done
done
exit "$fail"
