#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes through `edgeplane run`
# file→file; each line must arrive once, byte for byte, in order (CRLF endings become LF, an
# unterminated last line gains one). Then four bounded runs of --adapter-max-messages=500 must move
# each file in order, once.
#
#   scripts/acceptance/file-loghub.sh ../shared/data/loghub/*.log
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cli="node $root/apps/edgeplane/dist/cli.js"
[ "$#" -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf 'v=1\nname=acceptance\nsingle_ring.stages.0.id=forward\nsingle_ring.stages.0.stage=identity\n' > "$work/spec.kv"
fail=0
for input in "$@"; do
  name="$(basename "$input")"
  expected="$work/$name.expected"
  # The expected output: CRLF → LF, and a final LF after an unterminated last line.
  sed -e 's/\r$//' "$input" > "$expected"
  [ -z "$(tail -c1 "$expected")" ] || echo >> "$expected"
  lines="$(wc -l < "$expected")"
  for mode in whole bounded; do
    out="$work/$name.$mode.out"; lane="$work/$name.$mode.lane"
    printf 'ingress.transport=file\ningress.path=%s\negress.transport=file\negress.path=%s\n' "$input" "$out" > "$work/adapters.kv"
    if [ "$mode" = whole ]; then
      $cli run --spec="$work/spec.kv" --config="$work/adapters.kv" --lane-path="$lane" --json > "$work/result.json"
    else
      for run in 1 2 3 4; do
        $cli run --spec="$work/spec.kv" --config="$work/adapters.kv" --lane-path="$lane" --adapter-max-messages=500 --json > "$work/result.json"
        moved="$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1])).egressMessages))' "$work/result.json")"
        [ "$moved" = 500 ] || { echo "FAIL $name: bounded run $run moved $moved, not 500"; fail=1; }
        [ "$(wc -l < "$out")" = $((run * 500)) ] || { echo "FAIL $name: after run $run the output has $(wc -l < "$out") lines"; fail=1; }
      done
    fi
    if cmp -s "$expected" "$out"; then
      echo "ok   $name ($mode): $lines lines, content identical"
    else
      echo "FAIL $name ($mode): output differs from input ($(wc -l < "$out") of $lines lines)"; fail=1
    fi
  done
done
exit "$fail"
