#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes through `edgeplane run`
# file → rabbitmq-streams → file; each line must arrive once, byte for byte, in order (CRLF
# endings become LF, an unterminated last line gains one). The stream is read back twice: in
# one bounded run of exactly its line count, and in bounded runs of 500 (a new consumer name).
#
#   scripts/acceptance/rabbitmq-streams-loghub.sh ../shared/data/loghub/*.log
#
# The broker: $EDGEPLANE_RABBITMQ_STREAM_URL, else the machine's RabbitMQ on 127.0.0.1:5552 (set up
# by `node packages/test-servers/dist/cli.js ensure rabbitmq-stream`). Streams are deleted at exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
url="${EDGEPLANE_RABBITMQ_STREAM_URL:-rabbitmq-stream://guest:guest@127.0.0.1:5552/}"
[ -n "${EDGEPLANE_RABBITMQ_STREAM_URL:-}" ] || node "$root/packages/test-servers/dist/cli.js" ensure rabbitmq-stream >/dev/null
streams=()
cleanup() {
  # Delete the streams this run created (through the transport package's shimmed client).
  if [ "${#streams[@]}" -gt 0 ]; then
    (cd "$root/packages/transport-rabbitmq-streams" && URL="$url" node --input-type=module -e '
      import { createRequire } from "node:module";
      const { installClientCompat } = await import("./dist/index.js");
      installClientCompat();
      const { connect } = createRequire(import.meta.url)("rabbitmq-stream-js-client");
      const u = new URL(process.env.URL);
      const client = await connect({ hostname: u.hostname, port: Number(u.port || 5552),
        username: decodeURIComponent(u.username || "guest"), password: decodeURIComponent(u.password || "guest"),
        vhost: decodeURIComponent(u.pathname.slice(1)) || "/" });
      for (const stream of process.argv.slice(1)) await client.deleteStream({ stream }).catch(() => {});
      await client.close();' "${streams[@]}") || echo "warning: could not delete ${streams[*]}" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
for input in "$@"; do
  name="$(basename "$input")"
  stream="ep-acceptance-$(date +%s%N | tail -c 9)-${name//[^A-Za-z0-9]/-}"
  streams+=("$stream")
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  printf 'ingress.transport=file\ningress.path=%s\negress.transport=rabbitmq-streams\negress.url=%s\negress.stream=%s\negress.publisherRef=acceptance\n' \
    "$input" "$url" "$stream" > "$work/in.kv"
  $cli run --spec="$work/spec.kv" --config="$work/in.kv" --lane-path="$work/$name.in.lane" --json > "$work/result.json"
  [ "$(moved "$work/result.json")" = "$lines" ] || { echo "FAIL $name: file → stream moved $(moved "$work/result.json") of $lines"; fail=1; }
  for mode in whole bounded; do
    out="$work/$name.$mode.out"
    printf 'ingress.transport=rabbitmq-streams\ningress.url=%s\ningress.stream=%s\ningress.consumerName=acceptance-%s\negress.transport=file\negress.path=%s\n' \
      "$url" "$stream" "$mode" "$out" > "$work/out.kv"
    drain_and_check "$name" "$mode" "$work/out.kv" "$work/$name.$mode.lane" "$out" "$expected" "$lines"
  done
done
exit "$fail"
