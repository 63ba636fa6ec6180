#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes through two `edgeplane run`
# processes, file → websocket (egress, dialling) and websocket → file (ingress, listening on a free
# loopback port, edgeplane.v1 acks); the output must equal the input byte for byte, in order (CRLF
# endings become LF, an unterminated last line gains one). Whole: one ingress run bounded by the
# line count. Bounded: four (or more) ingress runs of --adapter-max-messages=500 while ONE egress run
# sends the whole file, riding out the gaps between ingress runs (it reconnects and resends only
# what was not acknowledged), each line once.
#
#   scripts/acceptance/websocket-loghub.sh ../shared/data/loghub/*.log
#
# No server needed: both ends are edgeplane on 127.0.0.1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
trap 'rm -rf "$work"' EXIT
free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
for input in "$@"; do
  name="$(basename "$input")"
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  for mode in whole bounded; do
    port="$(free_port)"
    out="$work/$name.$mode.out"
    printf 'ingress.transport=file\ningress.path=%s\negress.transport=websocket\negress.url=ws://127.0.0.1:%s/loghub\negress.reconnectMaxDelayMs=200\nloop.retryMaxDelayMs=200\nloop.maxRetries=100000\n' \
      "$input" "$port" > "$work/to-ws.kv"
    printf 'ingress.transport=websocket\ningress.listen=127.0.0.1:%s\ningress.path=/loghub\negress.transport=file\negress.path=%s\n' \
      "$port" "$out" > "$work/from-ws.kv"
    # the egress first: it dials and keeps redialling until an ingress run listens
    $cli run --spec="$work/spec.kv" --config="$work/to-ws.kv" --lane-path="$work/$name.$mode.in.lane" --json > "$work/egress.json" 2> "$work/egress.err" &
    egress=$!
    drain_and_check "$name" "$mode" "$work/from-ws.kv" "$work/$name.$mode.lane" "$out" "$expected" "$lines"
    if wait "$egress"; then
      [ "$(moved "$work/egress.json")" = "$lines" ] || { echo "FAIL $name ($mode): the egress run moved $(moved "$work/egress.json") of $lines"; fail=1; }
    else
      echo "FAIL $name ($mode): the egress run failed: $(tail -3 "$work/egress.err")"; fail=1
    fi
  done
done
exit "$fail"
