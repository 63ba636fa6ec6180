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
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
url="${EDGEPLANE_REDIS_URL:-redis://127.0.0.1:6379}"
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
for input in "$@"; do
  name="$(basename "$input")"
  stream="$run-$name"
  streams+=("$stream")
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  # file → redis-streams
  printf 'ingress.transport=file\ningress.path=%s\negress.transport=redis-streams\negress.url=%s\negress.stream=%s\n' \
    "$input" "$url" "$stream" > "$work/to-redis.kv"
  $cli run --spec="$work/spec.kv" --config="$work/to-redis.kv" --lane-path="$work/$name.in.lane" --json > "$work/result.json"
  [ "$(moved "$work/result.json")" = "$lines" ] || { echo "FAIL $name: file → redis-streams moved $(moved "$work/result.json") of $lines"; fail=1; }
  [ "$(redis XLEN "$stream")" = "$lines" ] || { echo "FAIL $name: the stream has $(redis XLEN "$stream") entries, not $lines"; fail=1; }
  for mode in whole bounded; do
    out="$work/$name.$mode.out"
    printf 'ingress.transport=redis-streams\ningress.url=%s\ningress.stream=%s\ningress.group=%s\negress.transport=file\negress.path=%s\n' \
      "$url" "$stream" "$mode" "$out" > "$work/from-redis.kv"
    drain_and_check "$name" "$mode" "$work/from-redis.kv" "$work/$name.$mode.lane" "$out" "$expected" "$lines"
  done
done
exit "$fail"
