#!/usr/bin/env node
// Benchmark (not a timed test): the CPU cost of redact, dedupe and rate_limit per message,
// calling `process` directly (no loop, no transport) on the loghub OpenSSH sample (2,000 real
// lines, repeated), in runs of 4096 like the loop's. Prints messages/s and ns per message.
//
//   pnpm --filter @edgeplane/stages-transform build
//   pnpm exec node packages/stages-transform/bench/stage-costs.mjs [--repeat=250]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDedupeStage, createRateLimitStage, createRedactStage } from '../dist/index.js';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '250' } } });
const REPEAT = Number(values.repeat);
const sample = new URL('../../../../shared/data/loghub/OpenSSH_2k.log', import.meta.url);
const lines = readFileSync(sample, 'utf8').split('\n').filter(Boolean);

const text = [];
const json = [];
const distinctIps = [];
for (let r = 0; r < REPEAT; r++)
  lines.forEach((line, i) => {
    const n = r * lines.length + i;
    text.push({ key: `k${n % 100_000}`, body: Buffer.from(line) });
    json.push({
      body: Buffer.from(JSON.stringify({ n, user: { email: `u${n}@example.com` }, msg: line })),
    });
    distinctIps.push({
      body: Buffer.from(`from ${n >>> 16}.${(n >>> 8) & 255}.${n & 255}.7 port 22`),
    });
  });
const runs = (messages) => {
  const out = [];
  for (let i = 0; i < messages.length; i += 4096) out.push(messages.slice(i, i + 4096));
  return out;
};
const signal = new AbortController().signal;
const context = (key, settings) => ({ key, id: 'x', index: 0, settings });

async function bench(name, make, messages) {
  const batches = runs(messages);
  const warm = make();
  for (const b of batches.slice(0, 20)) await warm.process(b, { id: 'x', index: 0, signal });
  const stage = make();
  const t0 = performance.now();
  for (const b of batches) await stage.process(b, { id: 'x', index: 0, signal });
  const ms = performance.now() - t0;
  const perSec = (messages.length / ms) * 1000;
  console.log(
    `${name.padEnd(52)} ${(perSec / 1e6).toFixed(2).padStart(6)} M msg/s ${((ms * 1e6) / messages.length).toFixed(0).padStart(6)} ns/msg`,
  );
}

const KEY = 'bench-hmac-key-0123456789abcdef';
console.log(
  `${text.length} messages (OpenSSH_2k.log x ${REPEAT}), runs of 4096, Node ${process.version}`,
);
await bench(
  'redact presets=ipv4',
  () => createRedactStage(context('redact', { presets: 'ipv4' })),
  text,
);
await bench(
  'redact presets=email,ipv4,bearer,card',
  () => createRedactStage(context('redact', { presets: 'email,ipv4,bearer,card' })),
  text,
);
await bench(
  'redact presets=ipv4 hmac_key (repeated addresses)',
  () => createRedactStage(context('redact', { presets: 'ipv4', hmac_key: KEY })),
  text,
);
await bench(
  'redact presets=ipv4 hmac_key (every address new)',
  () => createRedactStage(context('redact', { presets: 'ipv4', hmac_key: KEY })),
  distinctIps,
);
await bench(
  'redact fields=user.email (JSON body)',
  () => createRedactStage(context('redact', { fields: 'user.email' })),
  json,
);
await bench(
  'redact fields=user.email presets=ipv4 (JSON body)',
  () => createRedactStage(context('redact', { fields: 'user.email', presets: 'ipv4' })),
  json,
);
await bench(
  'dedupe by=key (100k distinct keys, window 10000)',
  () => createDedupeStage(context('dedupe', {})),
  text,
);
await bench(
  'dedupe by=body (SHA-256 of each body)',
  () => createDedupeStage(context('dedupe', { by: 'body' })),
  text,
);
await bench(
  'dedupe by=field:n (JSON body)',
  () => createDedupeStage(context('dedupe', { by: 'field:n' })),
  json,
);
await bench(
  'rate_limit rate=10000000 (never waits)',
  () => createRateLimitStage(context('rate_limit', { rate: '10000000' })),
  text,
);
