#!/usr/bin/env node
// Benchmark (not a timed test): http → file and file → http through the adapter loop (identity
// stage), each beside a hand-written pipe doing the same at-least-once work with the same client
// (undici) and the same batch size, in the same process run; then a flood of the ingress, for its
// memory. Prints messages/s for both and their ratio.
//
//   pnpm exec node bench/http.mjs [--messages=200000] [--bytes=100] [--batch=1024] [--rounds=2]
//                                 [--flood=2000]
//
// http → file. One sender (undici Pool, one connection) POSTs NDJSON requests of <batch> lines,
// one after the other, each after the previous one was answered.
//   - edgeplane: the http ingress (framing=ndjson) → identity → file egress (fsync=batch);
//     a request is answered 204 once the file egress has written and fdatasynced its lines.
//   - hand-written: a plain node:http server appending each request's body to a file,
//     fdatasync, then 204.
// file → http. A plain node:http server counts the lines it receives and answers 204 (the same
// receiver for both).
//   - edgeplane: the file ingress → identity → http egress (batching=ndjson), the file
//     checkpoint written after each acknowledged batch.
//   - hand-written: read the file, POST <batch> lines per NDJSON request with undici, and after
//     each 204 schedule the checkpoint (coalesced tmp-file + fdatasync + rename, as the file
//     source does).
// Flood: <flood> concurrent clients POST 10 KiB bodies at an ingress with maxInFlight=256 and
// maxPendingRequests=256 whose consumer acknowledges slowly; peak RSS and the 429 count.
import { once } from 'node:events';
import { createReadStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { recordPair } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '2' },
    flood: { type: 'string', default: '2000' },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);

const root = new URL('../', import.meta.url);
const httpPkg = new URL('packages/transport-http/', root);
const filePkg = new URL('packages/transport-file/', root);
const { createHttpTransport } = await import('@edgeplane/transport-http').catch(
  () => import(new URL('dist/index.js', httpPkg).href),
);
const { createFileTransport } = await import('@edgeplane/transport-file').catch(
  () => import(new URL('dist/index.js', filePkg).href),
);
const { Pool } = createRequire(new URL('package.json', httpPkg))('undici');

const tmp = new URL('bench/.tmp/http/', root).pathname;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

// The input: N lines of BYTES bytes (including the LF).
const lines = [];
for (let i = 0; i < N; i++) lines.push(`${String(i).padStart(12, '0')}${'x'.repeat(BYTES - 13)}`);
const inputFile = join(tmp, 'in.log');
writeFileSync(inputFile, `${lines.join('\n')}\n`);
const requests = [];
for (let i = 0; i < N; i += BATCH)
  requests.push(Buffer.from(`${lines.slice(i, i + BATCH).join('\n')}\n`));

const listen = async (server) => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
};

/** The sender of http → file: NDJSON requests one after the other; resends on non-2xx. */
async function send(port) {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
  for (const body of requests) {
    for (;;) {
      const r = await pool.request({
        path: '/',
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      await r.body.dump();
      if (r.statusCode === 204 || r.statusCode === 200) break;
      await sleep(5);
    }
  }
  await pool.close();
}

const count = (file) =>
  new Promise((resolve, reject) => {
    let n = 0;
    createReadStream(file)
      .on('data', (c) => {
        for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) n++;
      })
      .on('end', () => resolve(n))
      .on('error', reject);
  });

async function httpToFileEdgeplane(r) {
  const out = join(tmp, `h2f-edgeplane-${r}.log`);
  const ingress = createHttpTransport({
    listen: '127.0.0.1:0',
    framing: 'ndjson',
    maxInFlight: BATCH * 2,
  });
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: 8192,
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: { transport: ingress },
    egress: { transport: createFileTransport({ path: out, append: false, fsync: 'batch' }) },
    batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
    maxMessages: N,
  });
  const running = loop.run();
  while (!ingress.address) await sleep(5);
  const t0 = performance.now();
  await send(ingress.address.port);
  const result = await running;
  const secs = (performance.now() - t0) / 1000;
  if (result.egressMessages !== N)
    throw new Error(`edgeplane moved ${result.egressMessages} of ${N}`);
  if ((await count(out)) !== N) throw new Error('http → file (edgeplane): the output lacks lines');
  return { messages: N, secs };
}

async function httpToFileHand(r) {
  const out = join(tmp, `h2f-hand-${r}.log`);
  const fh = await open(out, 'w');
  let chain = Promise.resolve();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      // Appends in arrival order, then fdatasync, then 204: the answer is the acknowledgement.
      chain = chain.then(async () => {
        await fh.write(Buffer.concat(chunks));
        await fh.datasync();
        res.writeHead(204).end();
      });
    });
  });
  const port = await listen(server);
  const t0 = performance.now();
  await send(port);
  const secs = (performance.now() - t0) / 1000;
  server.close();
  await fh.close();
  if ((await count(out)) !== N)
    throw new Error('http → file (hand-written): the output lacks lines');
  return { messages: N, secs };
}

/** The receiver of file → http: counts lines, answers 204. */
async function receiver() {
  let lines = 0;
  const server = createServer((req, res) => {
    req.on('data', (c) => {
      for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
    });
    req.on('end', () => res.writeHead(204).end());
  });
  const port = await listen(server);
  return { port, lines: () => lines, close: () => server.close() };
}

async function fileToHttpEdgeplane(r) {
  const sink = await receiver();
  const lane = join(tmp, `f2h-lane-${r}`);
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: 8192,
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: { transport: createFileTransport({ path: inputFile }) },
    egress: {
      transport: createHttpTransport({
        url: `http://127.0.0.1:${sink.port}/`,
        batching: 'ndjson',
        maxInFlight: BATCH,
      }),
    },
    batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
    lanePath: lane,
  });
  const t0 = performance.now();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  sink.close();
  if (result.egressMessages !== N || sink.lines() !== N)
    throw new Error(
      `file → http (edgeplane): ${result.egressMessages} sent, ${sink.lines()} received of ${N}`,
    );
  return { messages: N, secs };
}

async function fileToHttpHand(r) {
  const sink = await receiver();
  const pool = new Pool(`http://127.0.0.1:${sink.port}`, { connections: 1 });
  const checkpoint = join(tmp, `f2h-hand-${r}.offset`);
  // Coalesced checkpoint writes (tmp file, fdatasync, rename), at most one at a time.
  let writing;
  let next;
  const schedule = (offset) => {
    next = offset;
    writing ??= (async () => {
      while (next !== undefined) {
        const value = next;
        next = undefined;
        const fh = await open(`${checkpoint}.tmp`, 'w');
        await fh.writeFile(`${JSON.stringify({ v: 1, offset: value })}\n`);
        await fh.datasync();
        await fh.close();
        await rename(`${checkpoint}.tmp`, checkpoint);
      }
      writing = undefined;
    })();
  };
  const t0 = performance.now();
  let pending = [];
  let offset = 0;
  let carry = Buffer.alloc(0);
  const flush = async () => {
    const body = Buffer.concat(pending);
    pending = [];
    for (;;) {
      const res = await pool.request({
        path: '/',
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) break;
      await sleep(5);
    }
    offset += body.length;
    schedule(offset);
  };
  let inBatch = 0;
  for await (const chunk of createReadStream(inputFile, { highWaterMark: 1 << 20 })) {
    let buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let lf = buf.indexOf(10); lf >= 0; lf = buf.indexOf(10, start)) {
      pending.push(buf.subarray(start, lf + 1));
      start = lf + 1;
      if (++inBatch === BATCH) {
        await flush();
        inBatch = 0;
      }
    }
    carry = buf.subarray(start);
    buf = undefined;
  }
  if (inBatch > 0) await flush();
  await writing;
  const secs = (performance.now() - t0) / 1000;
  await pool.close();
  sink.close();
  if (sink.lines() !== N) throw new Error(`file → http (hand-written): ${sink.lines()} of ${N}`);
  return { messages: N, secs };
}

async function flood() {
  const CLIENTS = Number(values.flood);
  const ingress = createHttpTransport({
    listen: '127.0.0.1:0',
    maxInFlight: 256,
    maxPendingRequests: 256,
    maxBodyBytes: 16384,
  });
  await ingress.open({ role: 'ingress' });
  const controller = new AbortController();
  const consumer = (async () => {
    for await (const batch of ingress.receive({ signal: controller.signal })) {
      await sleep(10);
      await batch.ack();
    }
  })();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const body = Buffer.alloc(10 * 1024, 0x61);
  const pool = new Pool(`http://127.0.0.1:${ingress.address.port}`, { connections: 512 });
  const statuses = new Map();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const r = await pool.request({ path: '/', method: 'POST', body }).catch(() => undefined);
      const s = r ? r.statusCode : 0;
      if (r) await r.body.dump();
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  controller.abort();
  await consumer;
  await pool.close();
  const stats = { ...ingress.stats };
  await ingress.close();
  return { CLIENTS, secs, before, peak, statuses, stats };
}

const rate = (x) => Math.round(x.messages / x.secs);
const best = (xs) => Math.max(...xs.map(rate));
const fmt = (n) => n.toLocaleString('en');
try {
  console.log(
    `http bench: ${fmt(N)} messages of ${BYTES} bytes, NDJSON requests of ${BATCH} lines, ${ROUNDS} rounds (best of each)`,
  );
  const results = { h2fE: [], h2fH: [], f2hE: [], f2hH: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['E', 'H'] : ['H', 'E'];
    for (const w of order) {
      const x = w === 'E' ? await httpToFileEdgeplane(r) : await httpToFileHand(r);
      results[`h2f${w}`].push(x);
      console.log(
        `  round ${r + 1} http → file ${w === 'E' ? 'edgeplane' : 'hand-written'}: ${fmt(rate(x))} msg/s`,
      );
    }
    for (const w of order) {
      const x = w === 'E' ? await fileToHttpEdgeplane(r) : await fileToHttpHand(r);
      results[`f2h${w}`].push(x);
      console.log(
        `  round ${r + 1} file → http ${w === 'E' ? 'edgeplane' : 'hand-written'}: ${fmt(rate(x))} msg/s`,
      );
    }
  }
  for (const [name, e, h] of [
    ['http → file', results.h2fE, results.h2fH],
    ['file → http', results.f2hE, results.f2hH],
  ]) {
    const E = best(e);
    const H = best(h);
    recordPair(name, E, 'hand-written', H, {
      details: { messages: N, bytes: BYTES, batch: BATCH, rounds: ROUNDS, of: 'best' },
    });
    console.log(
      `${name}: edgeplane ${fmt(E)} msg/s, hand-written ${fmt(H)} msg/s, ratio ${((E / H) * 100).toFixed(1)}%`,
    );
  }
  const f = await flood();
  const mib = (b) => `${(b / 1048576).toFixed(0)} MiB`;
  console.log(
    `flood: ${fmt(f.CLIENTS)} concurrent 10 KiB POSTs (window 256, 256 pending requests) in ${f.secs.toFixed(1)} s: ` +
      `${[...f.statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}; RSS ${mib(f.before)} → peak ${mib(f.peak)}`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
