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
. "$(dirname "$0")/lib.sh"
acceptance_setup "$@"
if [ -z "${EDGEPLANE_KAFKA_BROKERS:-}" ]; then
  line="$(node "$root/packages/test-servers/dist/cli.js" ensure kafka)"
  EDGEPLANE_KAFKA_BROKERS="$(echo "$line" | awk '{print $2}')"
fi
brokers="$EDGEPLANE_KAFKA_BROKERS"
run_id="ep-accept-$$-$RANDOM"

# kafkajs admin calls (the transport's tests keep kafkajs as an independent client for setup and checks).
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

n=0
for input in "$@"; do
  n=$((n + 1))
  name="$(basename "$input")"
  topic="$run_id-$n"
  expected="$work/$name.expected"
  lines="$(expected_of "$input" "$expected")"
  admin create "$topic"
  printf 'ingress.transport=file\ningress.path=%s\negress.transport=kafka\negress.brokers=%s\negress.topic=%s\n' \
    "$input" "$brokers" "$topic" > "$work/in.kv"
  $cli run --spec="$work/spec.kv" --config="$work/in.kv" --lane-path="$work/$name.in.lane" --json > "$work/result.json"
  [ "$(moved "$work/result.json")" = "$lines" ] || { echo "FAIL $name: file → kafka moved $(moved "$work/result.json") of $lines"; fail=1; }
  for mode in whole bounded; do
    out="$work/$name.$mode.out"
    printf 'ingress.transport=kafka\ningress.brokers=%s\ningress.topic=%s\ningress.groupId=%s\ningress.fromBeginning=true\ningress.maxWaitTimeMs=100\negress.transport=file\negress.path=%s\n' \
      "$brokers" "$topic" "$topic-$mode" "$out" > "$work/out.kv"
    drain_and_check "$name" "$mode" "$work/out.kv" "$work/$name.$mode.lane" "$out" "$expected" "$lines"
  done
done
exit "$fail"
