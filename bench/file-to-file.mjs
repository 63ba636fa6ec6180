#!/usr/bin/env node
// Benchmark (not a timed test): file→file through the adapter loop with the identity stage,
// beside a raw baseline measured in the same process run. Prints lines/s for both, their ratio,
// and the loop's peak RSS.
//
//   node bench/file-to-file.mjs [--lines=1000000] [--bytes=100] [--rounds=3] [--ring=8192]
//                               [--batch=8192] [--fsync=batch|never] [--dir=bench/.tmp]
//
// Raw baseline: read 1 MiB chunks, split lines with Buffer.indexOf, write once per chunk.
import {
  closeSync,
  createReadStream,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { createFileTransport } from '@edgeplane/transport-file';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    bytes: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    ring: { type: 'string', default: '8192' },
    batch: { type: 'string', default: '8192' },
    fsync: { type: 'string', default: 'batch' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '.tmp') },
  },
});
const LINES = Number(values.lines);
const BYTES = Number(values.bytes);
const ROUNDS = Number(values.rounds);
const dir = resolve(values.dir);
mkdirSync(dir, { recursive: true });
const input = join(dir, `input-${LINES}x${BYTES}.log`);

function makeInput() {
  try {
    if (statSync(input).size === LINES * BYTES) return;
  } catch {}
  const fd = openSync(input, 'w');
  const perChunk = 10_000;
  const buf = Buffer.alloc(perChunk * BYTES, 'x');
  for (let written = 0; written < LINES; written += perChunk) {
    const n = Math.min(perChunk, LINES - written);
    for (let i = 0; i < n; i++) {
      const head = String(written + i).padStart(12, '0');
      buf.write(head, i * BYTES, 'latin1');
      buf[i * BYTES + BYTES - 1] = 0x0a;
    }
    writeSync(fd, buf, 0, n * BYTES);
  }
  closeSync(fd);
}

async function raw(out) {
  const handle = await open(out, 'w');
  let lines = 0;
  let carry = 0;
  const t0 = performance.now();
  for await (const chunk of createReadStream(input, { highWaterMark: 1 << 20 })) {
    let at = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, at);
      if (nl < 0) break;
      lines++;
      at = nl + 1;
    }
    carry = chunk.length - at;
    await handle.write(chunk);
  }
  await handle.sync();
  await handle.close();
  if (carry) lines++;
  return { lines, secs: (performance.now() - t0) / 1000 };
}

async function edgeplane(out, lanePath) {
  rmSync(lanePath, { recursive: true, force: true });
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: Number(values.ring),
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: { transport: createFileTransport({ path: input }) },
    egress: { transport: createFileTransport({ path: out, append: false, fsync: values.fsync }) },
    batch: { maxMessages: Number(values.batch), maxBytes: 4 << 20, lingerMs: 5 },
    lanePath,
  });
  const t0 = performance.now();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  if (result.state !== 'stopped' || result.egressMessages !== LINES) {
    throw new Error(
      `edgeplane run did not move every line: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  }
  if (statSync(out).size !== LINES * BYTES) throw new Error('output size differs from input size');
  return { lines: result.egressMessages, secs, peakRss: peak };
}

makeInput();
console.log(
  `file→file, identity stage, ${LINES} lines of ${BYTES} bytes, ${ROUNDS} rounds (best of each)`,
);
const results = { raw: [], edgeplane: [] };
for (let r = 0; r < ROUNDS; r++) {
  results.edgeplane.push(await edgeplane(join(dir, 'out-edgeplane.log'), join(dir, 'lane')));
  results.raw.push(await raw(join(dir, 'out-raw.log')));
}
const best = (xs) => xs.reduce((a, b) => (b.lines / b.secs > a.lines / a.secs ? b : a));
const e = best(results.edgeplane);
const b = best(results.raw);
const rate = (x) => Math.round(x.lines / x.secs);
const peak = Math.max(...results.edgeplane.map((x) => x.peakRss));
console.log(
  `raw baseline (indexOf split, write per chunk): ${rate(b).toLocaleString('en')} lines/s`,
);
console.log(
  `edgeplane loop (file→identity→file, fsync per batch): ${rate(e).toLocaleString('en')} lines/s`,
);
console.log(`ratio edgeplane/raw: ${((rate(e) / rate(b)) * 100).toFixed(1)}%`);
console.log(`edgeplane peak RSS during the loop: ${(peak / 2 ** 20).toFixed(1)} MiB`);
rmSync(join(dir, 'out-edgeplane.log'), { force: true });
rmSync(join(dir, 'out-raw.log'), { force: true });
