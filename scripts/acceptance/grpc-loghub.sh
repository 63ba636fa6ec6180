#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes through two `edgeplane run`
# processes, file → grpc (the writer, an egress dialling) and grpc → file (the reader, an ingress
# listening on a free loopback port); the output must equal the input byte for byte, in order
# (CRLF endings become LF, an unterminated last line gains one). Whole: one reader bounded by
# --adapter-max-messages=<lines>. Bounded: readers of --adapter-max-messages=500, one after the
# other on the same port, under one writer that rides out the gaps (it retries while no reader
# listens; a reader stopping mid-call answers with the count it took, so the writer resends only
# the rest): each line once, in order.
#
#   scripts/acceptance/grpc-loghub.sh ../shared/data/loghub/*.log
set -euo pipefail
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
writer_pid=""
cleanup() {
  [ -z "$writer_pid" ] || kill "$writer_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
for input in "$@"; do
  name="$(basename "$input")"
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  for mode in whole bounded; do
    port="$(free_port)"
    out="$work/$name.$mode.out"
    printf 'ingress.transport=file\ningress.path=%s\negress.transport=grpc\negress.url=http://127.0.0.1:%s\nloop.maxRetries=10000\nloop.retryMaxDelayMs=200\n' \
      "$input" "$port" > "$work/to-grpc.kv"
    printf 'ingress.transport=grpc\ningress.listen=127.0.0.1:%s\negress.transport=file\negress.path=%s\n' \
      "$port" "$out" > "$work/from-grpc.kv"
    # the writer first: it retries (UNAVAILABLE) until a reader listens, and between readers
    $cli run --spec="$work/spec.kv" --config="$work/to-grpc.kv" --lane-path="$work/$name.$mode.w.lane" --json > "$work/writer.json" &
    writer_pid=$!
    drain_and_check "$name" "$mode" "$work/from-grpc.kv" "$work/$name.$mode.lane" "$out" "$expected" "$lines"
    if wait "$writer_pid"; then
      [ "$(moved "$work/writer.json")" = "$lines" ] || { echo "FAIL $name ($mode): the writer moved $(moved "$work/writer.json") of $lines"; fail=1; }
    else
      echo "FAIL $name ($mode): the writer failed"; fail=1
    fi
    writer_pid=""
  done
done
exit "$fail"
