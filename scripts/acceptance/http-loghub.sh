#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes file → http → file through
# two `edgeplane run` processes over loopback: the http → file run (the ingress, bounded with
# --adapter-max-messages) starts first; once its port answers, the file → http run (the egress)
# sends the file to it. The output must equal the input byte for byte, in order (CRLF endings
# become LF, an unterminated last line gains one): in one ingress run, then in runs of
# --adapter-max-messages=500 (the egress retries between them; the same egress run throughout).
#
#   scripts/acceptance/http-loghub.sh ../shared/data/loghub/*.log
#
# EDGEPLANE_HTTP_BATCHING=message (default: one request per line) or ndjson.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
batching="${EDGEPLANE_HTTP_BATCHING:-message}"
framing="$batching"
writer=""
cleanup() {
  [ -z "$writer" ] || kill -9 "$writer" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
wait_port() { # wait_port PORT: until something listens there (20 s)
  node -e '
    const net = require("net"); const port = Number(process.argv[1]); const end = Date.now() + 20000;
    (function probe() {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => { s.destroy(); process.exit(0); });
      s.once("error", () => { if (Date.now() > end) process.exit(1); setTimeout(probe, 50); });
    })();' "$1"
}
for input in "$@"; do
  name="$(basename "$input")"
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  for mode in whole bounded; do
    port="$(free_port)"
    out="$work/$name.$mode.out"
    printf 'ingress.transport=http\ningress.listen=127.0.0.1:%s\ningress.framing=%s\negress.transport=file\negress.path=%s\n' \
      "$port" "$framing" "$out" > "$work/from-http.kv"
    printf 'ingress.transport=file\ningress.path=%s\negress.transport=http\negress.url=http://127.0.0.1:%s/\negress.batching=%s\nloop.maxRetries=100000\nloop.retryMinDelayMs=20\nloop.retryMaxDelayMs=200\n' \
      "$input" "$port" "$batching" > "$work/to-http.kv"
    # The egress (file → http) waits for each ingress run, retrying, for the whole mode.
    ( sleep 0.5; wait_port "$port"
      $cli run --spec="$work/spec.kv" --config="$work/to-http.kv" --lane-path="$work/$name.$mode.out.lane" --json > "$work/writer.json" ) &
    writer=$!
    drain_and_check "$name" "$mode" "$work/from-http.kv" "$work/$name.$mode.in.lane" "$out" "$expected" "$lines"
    if wait "$writer"; then
      [ "$(moved "$work/writer.json")" = "$lines" ] || { echo "FAIL $name ($mode): file → http moved $(moved "$work/writer.json") of $lines"; fail=1; }
    else
      echo "FAIL $name ($mode): the file → http run failed"; fail=1
    fi
    writer=""
  done
done
exit "$fail"
