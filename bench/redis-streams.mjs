#!/usr/bin/env node
// Benchmark (not a timed test): Redis stream → Redis stream through the adapter loop (identity
// stage), beside a hand-written pipe doing the same at-least-once work with the same client
// (ioredis) and batch size, measured in the same process run. Prints messages/s for both and
// their ratio.
//
//   node bench/redis-streams.mjs [--messages=200000] [--bytes=100] [--batch=1024] [--ring=8192]
//                                [--rounds=3] [--url=redis://127.0.0.1:6379]
//
// Hand-written pipe, per batch: XREADGROUP COUNT <batch> (group, `>`) → one pipeline of XADDs to
// the output stream → XACK of the batch on the input group → next batch. That is what the loop
// promises too (the input is acknowledged only after the output has the batch).
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { recordPair } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1024' },
    ring: { type: 'string', default: '8192' },
    rounds: { type: 'string', default: '3' },
    url: { type: 'string', default: process.env.EDGEPLANE_REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const url = values.url;

// The transport package and its client: through the bench package once it depends on them,
// else straight from the workspace package (built with `pnpm build`).
const pkg = new URL('../packages/transport-redis-streams/', import.meta.url);
const { createRedisStreamsTransport } = await import('@edgeplane/transport-redis-streams').catch(
  () => import(new URL('dist/index.js', pkg).href),
);
const { Redis } = createRequire(new URL('package.json', pkg))('ioredis');

const run = `ep-bench-${process.pid}`;
const input = `${run}-in`;
// RESP2, as the transport uses (RESP3's replies to XREADGROUP have another shape).
const admin = new Redis(url, { protocol: 2 });

async function fill() {
  const body = Buffer.alloc(BYTES, 'x');
  for (let i = 0; i < N; i += 5000) {
    const p = admin.pipeline();
    for (let j = i; j < Math.min(N, i + 5000); j++) {
      const b = Buffer.from(body);
      b.write(String(j).padStart(12, '0'), 0, 'latin1');
      p.xadd(input, '*', 'body', b);
    }
    await p.exec();
  }
}

async function handPipe(group, output) {
  await admin.xgroup('CREATE', input, group, '0');
  const client = new Redis(url, { protocol: 2 });
  const consumer = 'hand';
  let moved = 0;
  const t0 = performance.now();
  while (moved < N) {
    const reply = await client.callBuffer('XREADGROUP', [
      'GROUP',
      group,
      consumer,
      'COUNT',
      Math.min(BATCH, N - moved),
      'STREAMS',
      input,
      '>',
    ]);
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    const p = client.pipeline();
    const ids = [];
    for (const [id, fields] of entries) {
      ids.push(id);
      p.callBuffer('XADD', [output, '*', 'body', fields[1]]);
    }
    const results = await p.exec();
    if (results.some(([e]) => e)) throw new Error('XADD failed');
    await client.xack(input, group, ...ids);
    moved += entries.length;
  }
  const secs = (performance.now() - t0) / 1000;
  client.disconnect();
  return { messages: moved, secs };
}

async function edgeplane(group, output) {
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: Number(values.ring),
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: {
      transport: createRedisStreamsTransport({
        url,
        stream: input,
        group,
        batchMaxMessages: BATCH,
      }),
    },
    egress: { transport: createRedisStreamsTransport({ url, stream: output }) },
    batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
    maxMessages: N,
  });
  const t0 = performance.now();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  if (result.state !== 'stopped' || result.egressMessages !== N || result.ackedMessages !== N) {
    throw new Error(
      `the loop did not move every message: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  }
  return { messages: result.egressMessages, secs };
}

async function check(output, group) {
  const [len, groups] = await Promise.all([admin.xlen(output), admin.xinfo('GROUPS', input)]);
  const g = groups.find((f) => f[f.indexOf('name') + 1] === group);
  const pending = Number(g[g.indexOf('pending') + 1]);
  if (len !== N || pending !== 0)
    throw new Error(`${group}: output has ${len} of ${N}, ${pending} pending`);
}

try {
  await admin.del(input);
  await fill();
  console.log(
    `redis-streams → redis-streams, identity stage, ${N} messages of ${BYTES} bytes, batch ${BATCH}, ring ${values.ring}, ${ROUNDS} rounds (best of each), ${url}`,
  );
  const results = { hand: [], edgeplane: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['edgeplane', 'hand'] : ['hand', 'edgeplane'];
    for (const which of order) {
      const group = `${run}-${which}-${r}`;
      const output = `${run}-out-${which}-${r}`;
      const x = which === 'hand' ? await handPipe(group, output) : await edgeplane(group, output);
      await check(output, group);
      await admin.del(output);
      await admin.xgroup('DESTROY', input, group);
      results[which].push(x);
      console.log(
        `  round ${r + 1} ${which}: ${Math.round(x.messages / x.secs).toLocaleString('en')} msg/s`,
      );
    }
  }
  const rate = (x) => Math.round(x.messages / x.secs);
  const best = (xs) => xs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const e = rate(best(results.edgeplane));
  const h = rate(best(results.hand));
  console.log(
    `hand-written pipe (XREADGROUP → XADD pipeline → XACK): ${h.toLocaleString('en')} msg/s`,
  );
  console.log(
    `edgeplane loop (redis-streams → identity → redis-streams): ${e.toLocaleString('en')} msg/s`,
  );
  console.log(`ratio edgeplane/hand-written: ${((e / h) * 100).toFixed(1)}%`);
  recordPair('redis-streams → redis-streams', e, 'hand-written pipe', h, {
    details: { messages: N, bytes: BYTES, batch: BATCH, rounds: ROUNDS, of: 'best' },
  });
} finally {
  await admin.del(input);
  admin.disconnect();
}
