#!/usr/bin/env node
// Benchmark (not a timed test): does agent reporting slow the loop when the control plane
// misbehaves? The same file→file loop runs with reporting off, and with the bootstrap variables
// pointing at a local server that answers 200, 429, 500, or never answers, heartbeats and
// snapshots every 50 ms. Prints messages/s of each beside the "off" baseline of the same run, and
// checks that every message arrived each time.
//
//   node bench/reporting.mjs [--lines=500000] [--rounds=3]
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { createReporter } from '@edgeplane/app-kit';
import { createFileTransport } from '@edgeplane/transport-file';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '500000' },
    rounds: { type: 'string', default: '3' },
  },
});
const LINES = Number(values.lines);
const dir = resolve(import.meta.dirname, '.tmp');
mkdirSync(dir, { recursive: true });
const input = join(dir, `reporting-${LINES}.log`);
const data = Buffer.alloc(LINES * 100, 'r');
for (let i = 99; i < data.length; i += 100) data[i] = 0x0a;
writeFileSync(input, data);

let mode = 'ok';
const hung = [];
const server = createServer((req, res) => {
  req.resume();
  if (mode === 'hang') return hung.push(res);
  const status = mode === '429' ? 429 : mode === '500' ? 500 : 200;
  res.writeHead(status, mode === '429' ? { 'retry-after': '1' } : {}).end('{}');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

async function once(reporting) {
  const out = join(dir, 'reporting-out.log');
  rmSync(out, { force: true });
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: 8192,
      stages: [{ id: 'f', stage: 'identity', dependsOn: [] }],
    },
    ingress: { transport: createFileTransport({ path: input }) },
    egress: { transport: createFileTransport({ path: out, fsync: 'batch' }) },
    batch: { maxMessages: 8192, maxBytes: 4 << 20 },
  });
  const env = reporting
    ? {
        BYTEOR_API_BASE_URL: base,
        BYTEOR_AGENT_ID: 'bench',
        BYTEOR_AGENT_API_KEY: 'k',
        BYTEOR_HEARTBEAT_INTERVAL_SECS: '0.05',
        BYTEOR_SNAPSHOT_INTERVAL_SECS: '0.05',
      }
    : {};
  const reporter = createReporter({
    env,
    snapshot: () => loop.snapshot(),
    heartbeat: () => ({
      version: '0',
      state: loop.snapshot().state,
      specHash: null,
      tuning: { requested: 'default', applied: 'default', degradedReasons: [] },
    }),
    logger: () => {},
    timeoutMs: 1000,
  });
  reporter.start();
  const t0 = performance.now();
  const r = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  await reporter.stop();
  if (r.egressMessages !== LINES || statSync(out).size !== LINES * 100)
    throw new Error(`lost messages with reporting ${mode}`);
  return LINES / secs;
}

const modes = ['off', 'ok', '429', '500', 'hang'];
const best = Object.fromEntries(modes.map((m) => [m, 0]));
for (let round = 0; round < Number(values.rounds); round++) {
  for (const m of modes) {
    mode = m;
    best[m] = Math.max(best[m], await once(m !== 'off'));
  }
}
for (const res of hung) res.destroy();
server.close();
console.log(`file→file ${LINES} lines, reporting every 50 ms, best of ${values.rounds} rounds`);
record({
  case: 'file → file with agent reporting (control plane answers 200 / 500 / never)',
  unit: 'msg/s',
  series: [
    { name: 'edgeplane, control plane answers 200', role: 'edgeplane', value: best.ok },
    { name: 'reporting off', role: 'baseline', value: best.off },
    { name: 'control plane answers 500', role: 'edgeplane', value: best['500'] },
    { name: 'control plane never answers', role: 'edgeplane', value: best.hang },
  ].map((s) => ({ ...s, value: Math.round(s.value) })),
  chart: false,
  details: { lines: LINES, rounds: Number(values.rounds), of: 'best' },
});
for (const m of modes) {
  const label = m === 'off' ? 'reporting off (baseline)' : `control plane answers ${m}`;
  console.log(
    `${label.padEnd(34)} ${Math.round(best[m]).toLocaleString('en').padStart(11)} msg/s  ${((best[m] / best.off) * 100).toFixed(1)}%`,
  );
}
