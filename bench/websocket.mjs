#!/usr/bin/env node
import { parseArgs } from 'node:util';
// Benchmark (not a timed test): websocket → websocket through the adapter loop (the websocket
// ingress listening, identity stage, the websocket egress dialling), beside a hand-written `ws`
// pipe doing the same acked work with the same client library and batch size, in the same process
// run. Prints messages/s for both and their ratio.
//
//   node bench/websocket.mjs [--messages=200000] [--bytes=100] [--batch=1024] [--ring=8192]
//                            [--rounds=3] [--hand-cork]
//
// The transport writes each batch's frames to a corked socket (one write system call per batch);
// `--hand-cork` makes the hand-written pipe do the same (by default it sends frame by frame, as
// plain `ws` code does).
//
// Both pipes sit between the same two peers, run in a worker thread (so the pipe under test has
// the main thread to itself): a producer that dials the pipe with the edgeplane.v1 subprotocol and
// keeps 2 × batch messages unacknowledged, and a consumer server that acks cumulatively once per
// tick. The hand-written pipe, per batch: take `batch` data frames from the producer (reading is
// paused past that: the same window as the ingress's `maxInFlight`), decode each envelope,
// re-encode it with its own sequence on the downstream connection, wait until the consumer acked
// the last one, then ack the last upstream sequence. That is what the loop promises too: the
// producer's message is acknowledged only once the consumer has it.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { recordPair } from './lib/results.mjs';

const ENV = isMainThread
  ? parseArgs({
      options: {
        messages: { type: 'string', default: '200000' },
        bytes: { type: 'string', default: '100' },
        batch: { type: 'string', default: '1024' },
        ring: { type: 'string', default: '8192' },
        rounds: { type: 'string', default: '3' },
        'hand-cork': { type: 'boolean', default: false },
      },
    }).values
  : workerData;
const N = Number(ENV.messages);
const BYTES = Number(ENV.bytes);
const BATCH = Number(ENV.batch);

// The transport package and `ws`: through the bench package once it depends on them, else
// straight from the workspace package (built with `pnpm build`).
const pkg = new URL('../packages/transport-websocket/', import.meta.url);
const { createRequire } = await import('node:module');
const { WebSocket, WebSocketServer } = createRequire(new URL('package.json', pkg))('ws');

function frame(seq, body) {
  const f = Buffer.allocUnsafe(11 + body.length);
  f[0] = 1;
  f.writeUIntBE(seq, 1, 6);
  f.writeUInt32BE(0, 7);
  body.copy(f, 11);
  return f;
}
const protocols = (offered) => (offered.has('edgeplane.v1') ? 'edgeplane.v1' : false);

// ---- the peers (worker thread) -------------------------------------------------------------
if (!isMainThread) {
  const consumer = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: protocols });
  await new Promise((r) => consumer.once('listening', r));
  let got = 0;
  let expectNext = 0;
  let bad = 0;
  consumer.on('connection', (ws) => {
    let last = 0;
    let scheduled = false;
    ws.on('message', (data) => {
      last = data.readUIntBE(1, 6);
      const index = Number(
        data.toString('latin1', 11 + data.readUInt32BE(7), 23 + data.readUInt32BE(7)),
      );
      if (index === expectNext) expectNext++;
      else if (index >= expectNext) bad++; // a gap (a duplicate below expectNext is allowed)
      got++;
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          ws.send(`{"ack":${last}}`);
        });
      }
      if (expectNext === N) parentPort.postMessage({ done: true, got, bad });
    });
  });
  parentPort.postMessage({ consumerPort: consumer.address().port });
  parentPort.on('message', async ({ produceTo }) => {
    got = 0;
    expectNext = 0;
    bad = 0;
    const body = Buffer.alloc(BYTES, 'x');
    let ws;
    for (;;) {
      ws = new WebSocket(`ws://127.0.0.1:${produceTo}/`, ['edgeplane.v1']);
      const ok = await new Promise((r) => {
        ws.once('open', () => r(true));
        ws.once('error', () => r(false));
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    let acked = 0;
    let sent = 0;
    let wake = () => {};
    ws.on('message', (d) => {
      acked = JSON.parse(d).ack;
      wake();
    });
    while (sent < N) {
      while (sent < N && sent - acked < 2 * BATCH) {
        body.write(String(sent).padStart(12, '0'), 0, 'latin1');
        sent++;
        ws.send(frame(sent, body));
      }
      await new Promise((r) => {
        wake = r;
      });
    }
    while (acked < N) await new Promise((r) => (wake = r));
    ws.close();
  });
} else {
  // ---- the pipes under test (main thread) ----------------------------------------------------
  const { createLoop } = await import('@edgeplane/adapter-loop');
  const { createWebSocketTransport } = await import('@edgeplane/transport-websocket').catch(
    () => import(new URL('dist/index.js', pkg).href),
  );
  const worker = new Worker(new URL(import.meta.url), { workerData: ENV });
  const messages = [];
  let notify = () => {};
  worker.on('message', (m) => {
    messages.push(m);
    notify();
  });
  const next = async () => {
    while (messages.length === 0) await new Promise((r) => (notify = r));
    return messages.shift();
  };
  const { consumerPort } = await next();

  /** Runs one pipe (`start()` returns the port it listens on and a promise of its end). */
  async function measure(start) {
    const pipe = await start();
    const t0 = performance.now();
    worker.postMessage({ produceTo: pipe.port });
    const done = await next();
    const secs = (performance.now() - t0) / 1000;
    await pipe.finished;
    if (done.bad) throw new Error(`the consumer saw ${done.bad} messages out of order`);
    return { messages: N, secs, duplicates: done.got - N };
  }

  async function handPipe() {
    const down = new WebSocket(`ws://127.0.0.1:${consumerPort}/`, ['edgeplane.v1']);
    await new Promise((r) => down.once('open', r));
    let downSeq = 0;
    let downAcked = 0;
    let onDownAck = () => {};
    down.on('message', (d) => {
      downAcked = JSON.parse(d).ack;
      onDownAck();
    });
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: protocols });
    await new Promise((r) => server.once('listening', r));
    let moved = 0;
    let finish;
    const finished = new Promise((r) => (finish = r));
    server.on('connection', (up) => {
      const queue = [];
      let busy = false;
      const pump = async () => {
        if (busy) return;
        busy = true;
        while (queue.length >= BATCH || (queue.length > 0 && moved + queue.length >= N)) {
          const batch = queue.splice(0, BATCH);
          // --hand-cork: write the batch's frames to the corked TCP socket, as the transport does
          if (ENV['hand-cork']) down._socket.cork();
          for (const f of batch) {
            const m = f.readUInt32BE(7);
            const body = f.subarray(11 + m);
            downSeq++;
            down.send(frame(downSeq, body));
          }
          if (ENV['hand-cork']) down._socket.uncork();
          const last = downSeq;
          while (downAcked < last) await new Promise((r) => (onDownAck = r));
          up.send(`{"ack":${batch.at(-1).readUIntBE(1, 6)}}`);
          moved += batch.length;
          if (queue.length < BATCH) up.resume();
        }
        busy = false;
        if (moved >= N) {
          finish();
        }
      };
      up.on('message', (data) => {
        queue.push(data);
        if (queue.length >= BATCH) up.pause();
        pump();
      });
    });
    return {
      port: server.address().port,
      finished: finished.then(() => {
        down.close();
        server.close();
      }),
    };
  }

  async function edgeplane() {
    const ingress = createWebSocketTransport({ listen: '127.0.0.1:0', maxInFlight: 2 * BATCH });
    const loop = createLoop({
      spec: {
        name: 'bench',
        capacity: Number(ENV.ring),
        stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
      },
      ingress: { transport: ingress },
      egress: { transport: createWebSocketTransport({ url: `ws://127.0.0.1:${consumerPort}/` }) },
      batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
      maxMessages: N,
    });
    const running = loop.run();
    while (!ingress.stats().listening) await new Promise((r) => setTimeout(r, 5));
    return {
      port: Number(ingress.stats().listening.split(':')[1]),
      finished: running.then((result) => {
        if (result.state !== 'stopped' || result.egressMessages !== N || result.ackedMessages !== N)
          throw new Error(
            `the loop did not move every message: ${JSON.stringify({ ...result, snapshot: undefined })}`,
          );
      }),
    };
  }

  console.log(
    `websocket → websocket, identity stage, ${N} messages of ${BYTES} bytes, batch ${BATCH}, ring ${ENV.ring}, ${ENV.rounds} rounds (best of each), edgeplane.v1 acks, hand-written pipe ${ENV['hand-cork'] ? 'corked per batch' : 'frame by frame'}`,
  );
  const results = { hand: [], edgeplane: [] };
  for (let r = 0; r < Number(ENV.rounds); r++) {
    const order = r % 2 === 0 ? ['edgeplane', 'hand'] : ['hand', 'edgeplane'];
    for (const which of order) {
      const x = await measure(which === 'hand' ? handPipe : edgeplane);
      results[which].push(x);
      console.log(
        `  round ${r + 1} ${which}: ${Math.round(x.messages / x.secs).toLocaleString('en')} msg/s (duplicates ${x.duplicates})`,
      );
    }
  }
  const rate = (x) => Math.round(x.messages / x.secs);
  const best = (xs) => xs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const e = rate(best(results.edgeplane));
  const h = rate(best(results.hand));
  console.log(
    `hand-written ws pipe (batch → forward → downstream ack → upstream ack): ${h.toLocaleString('en')} msg/s`,
  );
  console.log(`edgeplane loop (websocket → identity → websocket): ${e.toLocaleString('en')} msg/s`);
  console.log(`ratio edgeplane/hand-written: ${((e / h) * 100).toFixed(1)}%`);
  recordPair('websocket → websocket', e, 'hand-written ws pipe', h, {
    details: { messages: N, bytes: BYTES, batch: BATCH, handCork: ENV['hand-cork'], of: 'best' },
  });
  await worker.terminate();
}
