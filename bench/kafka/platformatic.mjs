#!/usr/bin/env node
// @platformatic/kafka raw client case: produce | consume | pipe (see ../kafka.mjs).
//   node bench/kafka/platformatic.mjs <op> --brokers=H:P [--messages=N] [--bytes=B]
//        [--partitions=P] [--batch=1024] [--inflight=4] [--topic=SOURCE] [--mode=read|data]
//        [--chunk=10000]
// produce: idempotent (acks=-1; the client allows one produce request in flight per connection),
//   `batch` records per send(), `inflight` sends outstanding.
// consume: a new consumer group from the earliest offset, autocommit off; `read` pulls up to
//   `chunk` buffered records at a time and commits the last of each partition; `data` commits
//   every 10,000 records, one commit in flight.
// pipe: the `read` loop; each chunk is produced (split by `batch`) to a new topic, then committed.
// Consumers are timed from the group join to the last record. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { caseArgs, report, stopwatch, unique } from './common.mjs';

const a = caseArgs({
  mode: { type: 'string', default: 'read' },
  chunk: { type: 'string', default: '10000' },
});
// the package does not export ./package.json: read it beside the resolved entry point
const entry = createRequire(import.meta.url).resolve('@platformatic/kafka');
const version = JSON.parse(
  readFileSync(new URL('../package.json', `file://${entry}`), 'utf8'),
).version;
const base = { clientId: 'edgeplane-bench', bootstrapBrokers: a.brokers };
const producer = () =>
  new Producer({ ...base, idempotent: true, acks: -1, autocreateTopics: false });

async function createTopic(name) {
  const admin = new Admin(base);
  await admin.createTopics({ topics: [name], partitions: a.partitions, replicas: 1 });
  await admin.close();
  return name;
}

async function produce(topic) {
  const p = producer();
  await p.initIdempotentProducer({});
  await p.metadata({ topics: [topic] });
  const value = Buffer.alloc(a.bytes, 'x');
  let next = 0;
  const watch = stopwatch();
  const worker = async () => {
    while (next < a.messages) {
      const count = Math.min(a.batch, a.messages - next);
      const partition = Math.floor(next / a.batch) % a.partitions;
      next += count;
      await p.send({
        messages: Array.from({ length: count }, () => ({ topic, value, partition })),
      });
    }
  };
  await Promise.all(Array.from({ length: a.inflight }, worker));
  const measured = watch();
  await p.close();
  return measured;
}

/** Pulls up to `max` buffered records; the stream fetches only while a listener is attached. */
function reader(stream) {
  let wake;
  stream.on('readable', () => wake?.());
  return async (max) => {
    for (;;) {
      const chunk = [];
      let m = stream.read();
      while (m !== null) {
        chunk.push(m);
        if (chunk.length >= max) break;
        m = stream.read();
      }
      if (chunk.length > 0) return chunk;
      await new Promise((resolve, reject) => {
        wake = resolve;
        stream.once('error', reject);
      });
    }
  };
}

function lastPerPartition(chunk) {
  const last = new Map();
  for (const m of chunk) last.set(m.partition, m);
  return [...last.values()];
}

/** Consumes `messages` records with a new group; `onChunk` runs before each commit (read mode). */
async function consume(topic, onChunk) {
  const consumer = new Consumer({
    ...base,
    groupId: unique('bench-platformatic'),
    autocommit: false,
    maxBytesPerPartition: 10 << 20,
    maxWaitTime: 100,
    highWaterMark: 16384,
  });
  let watch;
  consumer.on('consumer:group:join', () => {
    watch ??= stopwatch();
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
  let count = 0;
  if (a.values.mode === 'data' && !onChunk) {
    await new Promise((resolve, reject) => {
      let last;
      let committing = Promise.resolve();
      stream.on('error', reject);
      stream.on('data', (m) => {
        last = m;
        count++;
        if (count % 10_000 === 0 || count === a.messages) {
          const target = last;
          committing = committing.then(() => target.commit());
          if (count === a.messages) committing.then(resolve, reject);
        }
      });
    });
  } else {
    const read = reader(stream);
    while (count < a.messages) {
      const chunk = await read(Number(a.values.chunk));
      if (onChunk) await onChunk(chunk);
      await Promise.all(lastPerPartition(chunk).map((m) => m.commit()));
      count += chunk.length;
    }
  }
  const measured = watch();
  await stream.close();
  await consumer.close();
  return measured;
}

async function pipe(topic) {
  const out = await createTopic(unique('bench-platformatic-out'));
  const p = producer();
  await p.initIdempotentProducer({});
  const measured = await consume(topic, async (chunk) => {
    const sends = [];
    for (let i = 0; i < chunk.length; i += a.batch) {
      const messages = chunk.slice(i, i + a.batch).map((m) => ({
        topic: out,
        key: m.key,
        value: m.value,
        headers: m.headers,
        partition: m.partition,
      }));
      sends.push(p.send({ messages }));
    }
    await Promise.all(sends);
  });
  await p.close();
  return measured;
}

const topic = a.topic ?? (await createTopic(unique('bench-platformatic')));
const run = { produce, consume, pipe }[a.op];
if (!run) throw new Error(`unknown op ${a.op}`);
const measured = await run(topic);
report(
  { client: `@platformatic/kafka ${version}`, op: a.op, mode: a.values.mode, messages: a.messages },
  measured,
);
