#!/usr/bin/env node
// kafkajs raw client case: produce | consume | pipe (see ../kafka.mjs for what each measures).
//   node bench/kafka/kafkajs.mjs <op> --brokers=H:P [--messages=N] [--bytes=B] [--partitions=P]
//        [--batch=1024] [--inflight=4] [--topic=SOURCE] (consume/pipe read SOURCE, already filled)
// produce: idempotent, acks=-1, `batch` records per send(), `inflight` sends outstanding.
// consume: a new consumer group from the beginning, eachBatch, commitOffsets after each batch.
// pipe: consume, produce each batch (split by `batch`) to a new topic, commit after the produce.
// Consumers are timed from the group join to the last record. Prints one JSON line.
import { createRequire } from 'node:module';
import { caseArgs, report, stopwatch, unique } from './common.mjs';

const kafkajs = createRequire(import.meta.url)('kafkajs');
const a = caseArgs();
const version = createRequire(import.meta.url)('kafkajs/package.json').version;
const kafka = new kafkajs.Kafka({
  clientId: 'edgeplane-bench',
  brokers: a.brokers,
  logLevel: kafkajs.logLevel.NOTHING,
});
const producer = () => kafka.producer({ idempotent: true, maxInFlightRequests: 5 });

async function createTopic(name) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: name, numPartitions: a.partitions }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  return name;
}

async function produce(topic) {
  const p = producer();
  await p.connect();
  const value = Buffer.alloc(a.bytes, 'x');
  let next = 0;
  const watch = stopwatch();
  const worker = async () => {
    while (next < a.messages) {
      const count = Math.min(a.batch, a.messages - next);
      const partition = Math.floor(next / a.batch) % a.partitions;
      next += count;
      const messages = Array.from({ length: count }, () => ({ value, partition }));
      await p.send({ topic, acks: -1, messages });
    }
  };
  await Promise.all(Array.from({ length: a.inflight }, worker));
  const measured = watch();
  await p.disconnect();
  return measured;
}

/** Consumes `messages` records of `topic` with a new group; `onBatch` runs before each commit. */
async function consume(topic, onBatch) {
  const consumer = kafka.consumer({
    groupId: unique('bench-kafkajs'),
    maxBytesPerPartition: 10 << 20,
    maxWaitTimeInMs: 100,
  });
  let watch;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    watch ??= stopwatch();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let measured;
  const done = new Promise((resolve) => {
    consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: a.partitions,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const msgs = batch.messages;
        if (msgs.length === 0) return;
        if (onBatch) await onBatch(batch.partition, msgs);
        const last = msgs[msgs.length - 1].offset;
        resolveOffset(last);
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) },
        ]);
        await heartbeat();
        count += msgs.length;
        if (count >= a.messages && !measured) {
          measured = watch();
          resolve();
        }
      },
    });
  });
  await done;
  await consumer.disconnect();
  return measured;
}

async function pipe(topic) {
  const out = await createTopic(unique('bench-kafkajs-out'));
  const p = producer();
  await p.connect();
  const measured = await consume(topic, async (partition, msgs) => {
    const sends = [];
    for (let i = 0; i < msgs.length; i += a.batch) {
      const messages = msgs
        .slice(i, i + a.batch)
        .map((m) => ({ key: m.key, value: m.value, headers: m.headers, partition }));
      sends.push(p.send({ topic: out, acks: -1, messages }));
    }
    await Promise.all(sends);
  });
  await p.disconnect();
  return measured;
}

const topic = a.topic ?? (await createTopic(unique('bench-kafkajs')));
const run = { produce, consume, pipe }[a.op];
if (!run) throw new Error(`unknown op ${a.op}`);
const measured = await run(topic);
report({ client: `kafkajs ${version}`, op: a.op, messages: a.messages }, measured);
