#!/usr/bin/env node
// Benchmark (not a timed test): gRPC → file through the adapter loop (identity stage), beside a
// hand-written connect-node server doing the same at-least-once work with the same client and
// call size, measured in the same process run. Prints messages/s for both and their ratio.
//
//   node bench/grpc.mjs [--messages=200000] [--bytes=100] [--batch=1024] [--concurrency=4]
//                       [--ring=8192] [--rounds=3] [--fsync=batch]
//
// The client (connect-node's gRPC transport over h2c, one HTTP/2 connection) sends the messages
// in `Ingest` calls of <batch> messages, <concurrency> calls in flight, and counts a message only
// when its call is answered OK; it resends a call answered RESOURCE_EXHAUSTED or UNAVAILABLE.
// - edgeplane: `createLoop` with the grpc ingress (window `maxInFlight` = batch × concurrency)
//   and the file egress (`fsync=batch`: written and fdatasynced before the ack, which answers).
// - hand-written: a connect-node server of the same service whose handler appends the call's
//   messages as lines to a file (one write, then fdatasync with `--fsync=batch`) and answers after
//   the write, calls serialised in arrival order.
// Both outputs are checked: every message, as a line.
import { fdatasync, mkdirSync, openSync, readFileSync, rmSync, write } from 'node:fs';
import http2 from 'node:http2';
import { parseArgs, promisify } from 'node:util';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import {
  connectNodeAdapter,
  createGrpcTransport as createGrpcClientTransport,
} from '@connectrpc/connect-node';
import { createLoop } from '@edgeplane/adapter-loop';
import { freePort } from '@edgeplane/test-servers';
import { createFileTransport } from '@edgeplane/transport-file';
import { createGrpcTransport } from '@edgeplane/transport-grpc';
import { IngestService } from '@edgeplane/transport-grpc/ingest';
import { recordPair } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1024' },
    concurrency: { type: 'string', default: '4' },
    ring: { type: 'string', default: '8192' },
    rounds: { type: 'string', default: '3' },
    fsync: { type: 'string', default: 'batch' },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const FSYNC = values.fsync === 'batch';
const dir = new URL('.tmp/grpc/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });

// The calls: N bodies of BYTES bytes (a 12-digit sequence number, then 'x'), in BATCH-sized calls.
const calls = [];
for (let i = 0; i < N; i += BATCH) {
  const messages = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) {
    const body = Buffer.alloc(BYTES, 'x');
    body.write(String(j).padStart(12, '0'), 0, 'latin1');
    messages.push({ body });
  }
  calls.push(messages);
}

/** Sends every call, CONCURRENCY in flight, resending on backpressure; resolves when all are answered. */
async function drive(port) {
  const client = createClient(
    IngestService,
    createGrpcClientTransport({ baseUrl: `http://127.0.0.1:${port}` }),
  );
  let next = 0;
  const worker = async () => {
    while (next < calls.length) {
      const messages = calls[next++];
      for (;;) {
        try {
          await client.ingest({ messages }, { timeoutMs: 60_000 });
          break;
        } catch (e) {
          const code = ConnectError.from(e).code;
          if (code !== Code.ResourceExhausted && code !== Code.Unavailable) throw e;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function handWritten(out) {
  const fd = openSync(out, 'w');
  const writeP = promisify(write);
  const syncP = promisify(fdatasync);
  let chain = Promise.resolve();
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(IngestService, {
        ingest: (req) => {
          const parts = [];
          for (const m of req.messages) parts.push(m.body, NEWLINE);
          const data = Buffer.concat(parts);
          const done = chain.then(async () => {
            await writeP(fd, data);
            if (FSYNC) await syncP(fd);
          });
          chain = done.catch(() => {});
          return done.then(() => ({ accepted: req.messages.length }));
        },
      }),
  });
  const server = http2.createServer(handler);
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const t0 = performance.now();
  await drive(port);
  const secs = (performance.now() - t0) / 1000;
  await new Promise((r) => server.close(r));
  return { messages: N, secs };
}
const NEWLINE = Buffer.from('\n');

async function edgeplane(out) {
  const port = await freePort();
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: Number(values.ring),
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: {
      transport: createGrpcTransport({
        listen: `127.0.0.1:${port}`,
        maxInFlight: BATCH * CONCURRENCY,
      }),
    },
    egress: {
      transport: createFileTransport({ path: out, fsync: FSYNC ? 'batch' : 'never' }),
    },
    batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
    maxMessages: N,
  });
  const running = loop.run();
  // The ingress listens once the loop opened it.
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const s = http2.connect(`http://127.0.0.1:${port}`);
      s.once('connect', () => r(true));
      s.once('error', () => r(false));
      setTimeout(() => s.close(), 10);
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const t0 = performance.now();
  await drive(port);
  const secs = (performance.now() - t0) / 1000;
  const result = await running;
  if (result.egressMessages !== N || result.ackedMessages !== N)
    throw new Error(
      `the loop did not move every message: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  return { messages: N, secs };
}

function check(out) {
  const text = readFileSync(out, 'latin1');
  const lines = text.split('\n');
  lines.pop();
  const seen = new Set(lines.map((l) => l.slice(0, 12)));
  if (seen.size !== N) throw new Error(`${out}: ${seen.size} distinct of ${N} messages`);
}

console.log(
  `grpc → file, identity stage, ${N} messages of ${BYTES} bytes, calls of ${BATCH}, ${CONCURRENCY} in flight, ring ${values.ring}, fsync=${values.fsync}, ${ROUNDS} rounds (best of each)`,
);
const results = { hand: [], edgeplane: [] };
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['edgeplane', 'hand'] : ['hand', 'edgeplane'];
  for (const which of order) {
    const out = `${dir}${which}-${r}.log`;
    rmSync(out, { force: true });
    const x = which === 'hand' ? await handWritten(out) : await edgeplane(out);
    check(out);
    rmSync(out, { force: true });
    rmSync(`${out}.checkpoint`, { force: true, recursive: true });
    results[which].push(x);
    console.log(
      `  round ${r + 1} ${which}: ${Math.round(x.messages / x.secs).toLocaleString('en')} msg/s`,
    );
  }
}
const rate = (x) => Math.round(x.messages / x.secs);
const best = (xs) => Math.max(...xs.map(rate));
const median = (xs) => xs.map(rate).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const e = best(results.edgeplane);
const h = best(results.hand);
console.log(
  `hand-written connect-node server (append, answer after write): ${h.toLocaleString('en')} msg/s (median ${median(results.hand).toLocaleString('en')})`,
);
console.log(
  `edgeplane loop (grpc → identity → file): ${e.toLocaleString('en')} msg/s (median ${median(results.edgeplane).toLocaleString('en')})`,
);
recordPair('grpc → file', e, 'hand-written server', h, {
  details: {
    messages: N,
    bytes: BYTES,
    call: BATCH,
    inFlight: CONCURRENCY,
    rounds: ROUNDS,
    of: 'best',
  },
});
console.log(
  `ratio edgeplane/hand-written: ${((e / h) * 100).toFixed(1)}% (medians ${((median(results.edgeplane) / median(results.hand)) * 100).toFixed(1)}%)`,
);
