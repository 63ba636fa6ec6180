// The paced producer of latency.mjs and soak.mjs, off the measured event loop: started as a
// worker thread (workerData) or a child process (argv[2], JSON) with
//   { kind: 'file' | 'redis' | 'kafka', rate, count, bytes, path | url+stream | brokers+topic }
// It offers `count` stamped messages at `rate` messages/s (see paced.mjs) and posts, at the end,
// { sent, seconds, behindMaxMs }. file: one append per tick; redis: one pipeline of XADDs per
// tick; kafka: one idempotent acks=all send() per tick.
import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { pace, stampBody } from './paced.mjs';

const o = workerData ?? JSON.parse(process.argv[2] ?? '{}');

async function target() {
  if (o.kind === 'file') {
    const fd = openSync(o.path, 'a');
    return {
      send: (lines) => {
        writeSync(fd, Buffer.concat(lines.flatMap((l) => [l, NL])));
      },
      close: async () => closeSync(fd),
    };
  }
  if (o.kind === 'redis') {
    const pkg = new URL('../../packages/transport-redis-streams/package.json', import.meta.url);
    const { Redis } = createRequire(pkg)('ioredis');
    const client = new Redis(o.url, { protocol: 2 });
    return {
      send: async (bodies) => {
        const p = client.pipeline();
        for (const b of bodies) p.callBuffer('XADD', [o.stream, '*', 'body', b]);
        const results = await p.exec();
        if (results.some(([e]) => e)) throw new Error('XADD failed');
      },
      close: async () => client.disconnect(),
    };
  }
  if (o.kind === 'kafka') {
    const { Producer } = await import('@platformatic/kafka');
    const producer = new Producer({
      clientId: 'edgeplane-bench-paced',
      bootstrapBrokers: o.brokers,
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
    });
    await producer.initIdempotentProducer({});
    await producer.metadata({ topics: [o.topic] });
    return {
      send: (bodies) =>
        producer.send({ messages: bodies.map((value) => ({ topic: o.topic, value })) }),
      close: () => producer.close(),
    };
  }
  throw new Error(`unknown producer kind ${o.kind}`);
}

const NL = Buffer.from('\n');
const t = await target();
const result = await pace({
  rate: o.rate,
  count: o.count,
  send: (from, to, atOf) => {
    const bodies = [];
    for (let i = from; i < to; i++) bodies.push(stampBody(i, atOf(i), o.bytes));
    return t.send(bodies);
  },
});
await t.close();
const message = { done: true, ...result };
if (parentPort) parentPort.postMessage(message);
else process.send?.(message, () => process.disconnect());
