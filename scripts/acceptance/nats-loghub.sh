#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes file → NATS JetStream → file
# through `edgeplane run`; each line must come back once, byte for byte, in order (CRLF endings
# become LF, an unterminated last line gains one). Uses a fresh stream per file on
# $EDGEPLANE_NATS_URL (default nats://127.0.0.1:4222) and deletes it afterwards.
#
#   scripts/acceptance/nats-loghub.sh ../shared/data/loghub/*.log
set -euo pipefail
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
server="${EDGEPLANE_NATS_URL:-nats://127.0.0.1:4222}"
streams=()
# Deletes the streams this run created (JetStream keeps them in the server's store).
cleanup() {
  if [ "${#streams[@]}" -gt 0 ]; then
    node --input-type=module -e '
      import { createRequire } from "node:module";
      const require = createRequire(process.argv[1]);
      const { connect } = require("nats");
      const nc = await connect({ servers: process.argv[2] });
      const jsm = await nc.jetstreamManager();
      for (const s of process.argv.slice(3)) await jsm.streams.delete(s).catch(() => false);
      await nc.close();
    ' "$root/packages/transport-nats/package.json" "$server" "${streams[@]}" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
for input in "$@"; do
  name="$(basename "$input")"
  stream="ep-accept-$(printf '%s' "$name" | tr -c 'A-Za-z0-9_-' '-')-$$-$RANDOM"
  streams+=("$stream")
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  out="$work/$name.out"
  {
    printf 'ingress.transport=file\ningress.path=%s\n' "$input"
    printf 'egress.transport=nats\negress.servers=%s\negress.stream=%s\negress.subject=%s\n' "$server" "$stream" "$stream"
    printf 'egress.createStream=true\n'
  } > "$work/to-nats.kv"
  {
    printf 'ingress.transport=nats\ningress.servers=%s\ningress.stream=%s\ningress.subject=%s\n' "$server" "$stream" "$stream"
    printf 'ingress.durable=acceptance\ningress.createConsumer=true\n'
    printf 'egress.transport=file\negress.path=%s\n' "$out"
  } > "$work/from-nats.kv"
  $cli run --spec="$work/spec.kv" --config="$work/to-nats.kv" --lane-path="$work/$name.lane1" --json > "$work/result.json"
  sent="$(moved "$work/result.json")"
  [ "$sent" = "$lines" ] || { echo "FAIL $name: file → nats moved $sent of $lines lines"; fail=1; continue; }
  drain_and_check "$name" whole "$work/from-nats.kv" "$work/$name.lane2" "$out" "$expected" "$lines"
done
exit "$fail"
