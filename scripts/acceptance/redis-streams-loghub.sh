#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes through `edgeplane run`
# file → redis-streams, then redis-streams → file; the output must equal the input byte for byte,
# in order (CRLF endings become LF, an unterminated last line gains one). Then four bounded runs
# of --adapter-max-messages=500 (a second consumer group, one lane) must move the stream again,
# in order, each line once.
#
#   scripts/acceptance/redis-streams-loghub.sh ../shared/data/loghub/*.log
#
# Redis: $EDGEPLANE_REDIS_URL, else redis://127.0.0.1:6379. The streams it creates are deleted.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cli="node $root/apps/edgeplane/dist/cli.js"
url="${EDGEPLANE_REDIS_URL:-redis://127.0.0.1:6379}"
[ "$#" -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
work="$(mktemp -d)"
run="ep-acceptance-$$-$(date +%s)"
streams=()
redis() { # redis <command> <args...>: one command through the transport's own client
  node -e '
    const { createRequire } = require("node:module");
    const { Redis } = createRequire(process.argv[1])("ioredis");
    const r = new Redis(process.argv[2], { maxRetriesPerRequest: 1 });
    r.call(...process.argv.slice(3)).then((v) => { console.log(String(v)); r.disconnect(); },
      (e) => { console.error(e.message); r.disconnect(); process.exit(1); });
  ' "$root/packages/transport-redis-streams/package.json" "$url" "$@"
}
cleanup() {
  [ "${#streams[@]}" -eq 0 ] || redis DEL "${streams[@]}" > /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
printf 'v=1\nname=acceptance\nsingle_ring.stages.0.id=forward\nsingle_ring.stages.0.stage=identity\n' > "$work/spec.kv"
moved() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1])).egressMessages))' "$1"; }
fail=0
for input in "$@"; do
  name="$(basename "$input")"
  stream="$run-$name"
  streams+=("$stream")
  expected="$work/$name.expected"
  # The expected output: CRLF → LF, and a final LF after an unterminated last line.
  sed -e 's/\r$//' "$input" > "$expected"
  [ -z "$(tail -c1 "$expected")" ] || echo >> "$expected"
  lines="$(wc -l < "$expected")"
  # file → redis-streams
  printf 'ingress.transport=file\ningress.path=%s\negress.transport=redis-streams\negress.url=%s\negress.stream=%s\n' \
    "$input" "$url" "$stream" > "$work/to-redis.kv"
  $cli run --spec="$work/spec.kv" --config="$work/to-redis.kv" --lane-path="$work/$name.in.lane" --json > "$work/result.json"
  [ "$(moved "$work/result.json")" = "$lines" ] || { echo "FAIL $name: file → redis-streams moved $(moved "$work/result.json") of $lines"; fail=1; }
  [ "$(redis XLEN "$stream")" = "$lines" ] || { echo "FAIL $name: the stream has $(redis XLEN "$stream") entries, not $lines"; fail=1; }
  for mode in whole bounded; do
    out="$work/$name.$mode.out"; lane="$work/$name.$mode.lane"
    printf 'ingress.transport=redis-streams\ningress.url=%s\ningress.stream=%s\ningress.group=%s\negress.transport=file\negress.path=%s\n' \
      "$url" "$stream" "$mode" "$out" > "$work/from-redis.kv"
    if [ "$mode" = whole ]; then
      $cli run --spec="$work/spec.kv" --config="$work/from-redis.kv" --lane-path="$lane" --adapter-max-messages="$lines" --json > "$work/result.json"
    else
      for run_no in 1 2 3 4; do
        $cli run --spec="$work/spec.kv" --config="$work/from-redis.kv" --lane-path="$lane" --adapter-max-messages=500 --json > "$work/result.json"
        [ "$(moved "$work/result.json")" = 500 ] || { echo "FAIL $name: bounded run $run_no moved $(moved "$work/result.json"), not 500"; fail=1; }
        [ "$(wc -l < "$out")" = $((run_no * 500)) ] || { echo "FAIL $name: after run $run_no the output has $(wc -l < "$out") lines"; fail=1; }
      done
    fi
    if cmp -s "$expected" "$out"; then
      echo "ok   $name (file → redis-streams → file, $mode): $lines lines, content identical"
    else
      echo "FAIL $name ($mode): output differs from input ($(wc -l < "$out") of $lines lines)"; fail=1
    fi
  done
done
exit "$fail"
