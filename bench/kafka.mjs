#!/usr/bin/env node
// Benchmark (not a timed test): kafka→kafka through the adapter loop with the identity stage,
// beside a hand-written kafkajs pipe doing the same at-least-once work, measured in the same run.
// Prints messages/s for both and their ratio.
//
//   node bench/kafka.mjs [--messages=200000] [--bytes=100] [--rounds=3] [--batch=1024]
//                        [--partitions=1] [--ring=8192] [--compression=none|gzip]
//
// Broker: $EDGEPLANE_KAFKA_BROKERS, else the single-node broker @edgeplane/test-servers runs on
// 127.0.0.1:19092 (started, and downloaded once, if needed; left running for reuse).
//
// Both sides use kafkajs 2.2.4 with the same client settings and batch size, and both:
// consume with a consumer group from the beginning, produce each batch with an idempotent
// producer (acks=-1, gzip if asked), and commit the consumed offsets only once the batch is
// acknowledged. Each side gets its own group and output topic, every round; times include
// connecting and joining the group.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { createKafkaTransport } from '@edgeplane/transport-kafka';

// kafkajs and the test-server harness are not bench dependencies: take the very kafkajs the
// transport uses (so both sides run the same client code), and the harness from its package.
const pkg = new URL('../packages/transport-kafka/', import.meta.url);
const { kafkaServer } = await import(new URL('../test-servers/dist/index.js', pkg).href);
const kafkajs = createRequire(new URL('package.json', pkg))('kafkajs');

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '1' },
    ring: { type: 'string', default: '8192' },
    compression: { type: 'string', default: 'none' },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const PARTITIONS = Number(values.partitions);
const GZIP = values.compression === 'gzip';

const server = await kafkaServer()();
const brokers = [...server.brokers];
const run = `ep-bench-${randomBytes(3).toString('hex')}`;
const client = new kafkajs.Kafka({
  clientId: 'edgeplane-bench',
  brokers,
  logLevel: kafkajs.logLevel.NOTHING,
  retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5000, factor: 0.2, multiplier: 2 },
});
const admin = client.admin();
await admin.connect();
const topics = [];
async function topic(name, partitions = PARTITIONS) {
  await admin.createTopics({
    topics: [{ topic: name, numPartitions: partitions }],
    waitForLeaders: true,
  });
  topics.push(name);
  return name;
}

/** N messages of BYTES bytes (a sequence number, padded). */
async function fill(name) {
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const pad = 'x'.repeat(BYTES);
  for (let i = 0; i < N; i += 5000) {
    const messages = [];
    for (let j = i; j < Math.min(N, i + 5000); j++) {
      messages.push({ value: `${String(j).padStart(12, '0')}${pad}`.slice(0, BYTES) });
    }
    await producer.send({ topic: name, acks: -1, messages });
  }
  await producer.disconnect();
}

async function edgeplane(input, round) {
  const output = await topic(`${run}-out-e${round}`);
  const groupId = `${run}-e${round}`;
  const common = { brokers, maxWaitTimeMs: 100 };
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: Number(values.ring),
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: {
      transport: createKafkaTransport({ ...common, topic: input, groupId, fromBeginning: true }),
    },
    egress: {
      transport: createKafkaTransport({
        ...common,
        topic: output,
        compression: GZIP ? 'gzip' : 'none',
      }),
    },
    batch: { maxMessages: BATCH, maxBytes: 16 << 20, lingerMs: 5 },
    maxMessages: N,
  });
  const t0 = performance.now();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  if (result.state !== 'stopped' || result.ackedMessages !== N) {
    throw new Error(
      `edgeplane did not move every message: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  }
  return { messages: N, secs };
}

/** The hand-written pipe: eachBatch → produce BATCH at a time (acks=-1) → commit → next. */
async function raw(input, round) {
  const output = await topic(`${run}-out-r${round}`);
  const groupId = `${run}-r${round}`;
  const consumer = client.consumer({ groupId, maxWaitTimeInMs: 100 });
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  const compression = GZIP ? kafkajs.CompressionTypes.GZIP : kafkajs.CompressionTypes.None;
  let moved = 0;
  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  const t0 = performance.now();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (let i = 0; i < batch.messages.length && moved < N; i += BATCH) {
        const chunk = batch.messages.slice(i, Math.min(i + BATCH, i + N - moved));
        await producer.send({
          topic: output,
          acks: -1,
          compression,
          messages: chunk.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        });
        const last = chunk[chunk.length - 1].offset;
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) },
        ]);
        resolveOffset(last);
        moved += chunk.length;
        await heartbeat();
      }
      if (moved >= N) finish();
    },
  });
  await finished;
  const secs = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return { messages: moved, secs };
}

try {
  const input = await topic(`${run}-in`);
  await fill(input);
  console.log(
    `kafka→kafka, identity stage, ${N} messages of ${BYTES} bytes, ${PARTITIONS} partition(s), batch ${BATCH}, ` +
      `compression ${values.compression}, ${values.rounds} rounds (best of each), broker ${brokers.join(',')}`,
  );
  const results = { raw: [], edgeplane: [] };
  // Alternate which side goes first, so neither always runs on a cold JIT or a warm page cache.
  for (let r = 0; r < Number(values.rounds); r++) {
    if (r % 2 === 0) results.edgeplane.push(await edgeplane(input, r));
    results.raw.push(await raw(input, r));
    if (r % 2 === 1) results.edgeplane.push(await edgeplane(input, r));
  }
  const rate = (x) => Math.round(x.messages / x.secs);
  const best = (xs) => xs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const e = rate(best(results.edgeplane));
  const b = rate(best(results.raw));
  console.log(`rounds edgeplane: ${results.edgeplane.map(rate).join(', ')} msg/s`);
  console.log(`rounds raw:       ${results.raw.map(rate).join(', ')} msg/s`);
  console.log(
    `raw kafkajs pipe (eachBatch → send acks=-1 → commit): ${b.toLocaleString('en')} msg/s`,
  );
  console.log(
    `edgeplane loop (kafka→identity→kafka):               ${e.toLocaleString('en')} msg/s`,
  );
  console.log(`ratio edgeplane/raw: ${((e / b) * 100).toFixed(1)}%`);
} finally {
  await admin.deleteTopics({ topics }).catch(() => {});
  const groups = (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((g) => g.startsWith(run));
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
  await admin.disconnect();
}
