#!/usr/bin/env bash
# Acceptance (not part of the unit suite): every given log file goes file → kafka → file through
# `edgeplane run`; each line must arrive once, byte for byte, in order (CRLF endings become LF, an
# unterminated last line gains one). Then four bounded runs of --adapter-max-messages=500 (a new
# consumer group) must move each file in order, once.
#
#   scripts/acceptance/kafka-loghub.sh ../shared/data/loghub/*.log
#
# Broker: $EDGEPLANE_KAFKA_BROKERS, else the one @edgeplane/test-servers runs on 127.0.0.1:19092
# (started, and downloaded once, if needed; left running). Needs `pnpm build` first. Each file
# gets a fresh single-partition topic and consumer groups, all deleted at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cli="node $root/apps/edgeplane/dist/cli.js"
[ "$#" -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
if [ -z "${EDGEPLANE_KAFKA_BROKERS:-}" ]; then
  line="$(node "$root/packages/test-servers/dist/cli.js" ensure kafka)"
  EDGEPLANE_KAFKA_BROKERS="$(echo "$line" | awk '{print $2}')"
fi
brokers="$EDGEPLANE_KAFKA_BROKERS"
work="$(mktemp -d)"
run_id="ep-accept-$$-$RANDOM"

# kafkajs admin calls, with the client the transport itself uses.
admin() {
  node --input-type=module -e "
    import { createRequire } from 'node:module';
    const kafkajs = createRequire('$root/packages/transport-kafka/package.json')('kafkajs');
    const client = new kafkajs.Kafka({ brokers: '$brokers'.split(','), logLevel: kafkajs.logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    const [op, name] = process.argv.slice(1);
    if (op === 'create') await admin.createTopics({ topics: [{ topic: name, numPartitions: 1 }], waitForLeaders: true });
    if (op === 'cleanup') {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(name));
      if (topics.length) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(name));
      if (groups.length) await admin.deleteGroups(groups).catch(() => {});
    }
    await admin.disconnect();
  " "$@"
}
trap 'admin cleanup "$run_id" || true; rm -rf "$work"' EXIT

printf 'v=1\nname=acceptance\nsingle_ring.stages.0.id=forward\nsingle_ring.stages.0.stage=identity\n' > "$work/spec.kv"
moved() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1])).egressMessages))' "$1"; }
fail=0
n=0
for input in "$@"; do
  n=$((n + 1))
  name="$(basename "$input")"
  topic="$run_id-$n"
  expected="$work/$name.expected"
  # The expected output: CRLF → LF, and a final LF after an unterminated last line.
  sed -e 's/\r$//' "$input" > "$expected"
  [ -z "$(tail -c1 "$expected")" ] || echo >> "$expected"
  lines="$(wc -l < "$expected")"
  admin create "$topic"
  printf 'ingress.transport=file\ningress.path=%s\negress.transport=kafka\negress.brokers=%s\negress.topic=%s\n' \
    "$input" "$brokers" "$topic" > "$work/in.kv"
  $cli run --spec="$work/spec.kv" --config="$work/in.kv" --lane-path="$work/$name.in.lane" --json > "$work/result.json"
  [ "$(moved "$work/result.json")" = "$lines" ] || { echo "FAIL $name: file → kafka moved $(moved "$work/result.json") of $lines"; fail=1; }
  for mode in whole bounded; do
    out="$work/$name.$mode.out"; lane="$work/$name.$mode.lane"
    printf 'ingress.transport=kafka\ningress.brokers=%s\ningress.topic=%s\ningress.groupId=%s\ningress.fromBeginning=true\ningress.maxWaitTimeMs=100\negress.transport=file\negress.path=%s\n' \
      "$brokers" "$topic" "$topic-$mode" "$out" > "$work/out.kv"
    if [ "$mode" = whole ]; then
      $cli run --spec="$work/spec.kv" --config="$work/out.kv" --lane-path="$lane" --adapter-max-messages="$lines" --json > "$work/result.json"
    else
      for run in 1 2 3 4; do
        want=$(( lines - (run - 1) * 500 < 500 ? lines - (run - 1) * 500 : 500 ))
        $cli run --spec="$work/spec.kv" --config="$work/out.kv" --lane-path="$lane" --adapter-max-messages="$want" --json > "$work/result.json"
        got="$(moved "$work/result.json")"
        [ "$got" = "$want" ] || { echo "FAIL $name: bounded run $run moved $got, not $want"; fail=1; }
        [ "$(wc -l < "$out")" = $(( (run - 1) * 500 + want )) ] || { echo "FAIL $name: after run $run the output has $(wc -l < "$out") lines"; fail=1; }
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
