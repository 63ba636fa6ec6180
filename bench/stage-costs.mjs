#!/usr/bin/env node
// Benchmark (not a timed test): what each transform stage costs per message, in memory (no
// transport, no ring), over the lines of a loghub file: µs per message per stage and for the
// serialisation of the output bodies (what the egress reads), best of the rounds.
//
//   node bench/stage-costs.mjs --input=../shared/data/loghub/OpenSSH_2k.log [--lines=400000]
//        [--rounds=5] [--format=syslog] [--filter=CEL] [--map=CEL]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createStageResolver } from '@edgeplane/adapter-loop';
import { transformStages } from '@edgeplane/stages-transform';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    lines: { type: 'string', default: '400000' },
    rounds: { type: 'string', default: '5' },
    format: { type: 'string', default: 'syslog' },
    filter: {
      type: 'string',
      default: 'message.startsWith("Failed") || message.startsWith("Invalid")',
    },
    map: { type: 'string', default: '{"ts": time, "host": host, "pid": pid, "msg": message}' },
  },
});
if (!values.input) {
  console.error('usage: node bench/stage-costs.mjs --input=<a loghub file>');
  process.exit(2);
}
const N = Number(values.lines);
const sample = readFileSync(values.input, 'latin1').split(/\r?\n/).filter(Boolean);
const messages = Array.from({ length: N }, (_, i) => ({
  body: Buffer.from(sample[i % sample.length]),
}));
const resolver = createStageResolver(transformStages);
const make = (key, index, settings) => resolver.resolve({ key, id: key, index, settings });
const parse = make(`parse:${values.format}`, 0, {});
const filter = make('filter', 1, { expression: values.filter });
const map = make('map', 2, { expression: values.map });
const ctx = { id: 'bench', index: 0, signal: new AbortController().signal };
const BATCH = 4096;
const best = { parse: Infinity, filter: Infinity, map: Infinity, serialise: Infinity };
let kept = 0;
for (let r = 0; r < Number(values.rounds); r++) {
  const t = { parse: 0, filter: 0, map: 0, serialise: 0 };
  kept = 0;
  for (let at = 0; at < N; at += BATCH) {
    const batch = messages.slice(at, at + BATCH);
    let t0 = performance.now();
    const parsed = parse.process(batch, ctx);
    t.parse += performance.now() - t0;
    t0 = performance.now();
    const filtered = filter.process(parsed, ctx).filter((m) => m !== null);
    t.filter += performance.now() - t0;
    t0 = performance.now();
    const mapped = map.process(filtered, ctx);
    t.map += performance.now() - t0;
    t0 = performance.now();
    for (const m of mapped) kept += m.body.byteLength > 0 ? 1 : 0;
    t.serialise += performance.now() - t0;
  }
  for (const k of Object.keys(t)) best[k] = Math.min(best[k], t[k]);
}
const us = (ms, per) => ((ms * 1000) / per).toFixed(2);
console.log(`${N} lines of ${values.input}, ${kept} kept by the filter`);
console.log(`parse:${values.format}  ${us(best.parse, N)} µs per input line`);
console.log(`filter        ${us(best.filter, N)} µs per input line`);
console.log(`map           ${us(best.map, kept)} µs per kept line`);
console.log(`serialise     ${us(best.serialise, kept)} µs per kept line (JSON.stringify + UTF-8)`);
const total = best.parse + best.filter + best.map + best.serialise;
console.log(`chain         ${us(total, N)} µs per input line`);
record({
  case: `stage chain parse:${values.format} → filter → map, in memory`,
  unit: 'µs/line',
  series: [{ name: 'edgeplane, stage chain', role: 'edgeplane', value: Number(us(total, N)) }],
  details: {
    parse: Number(us(best.parse, N)),
    filter: Number(us(best.filter, N)),
    map: Number(us(best.map, kept)),
  },
});
