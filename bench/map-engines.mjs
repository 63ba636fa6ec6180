#!/usr/bin/env node
// Benchmark (not a timed test): the same mapping in CEL (@marcbachmann/cel-js, what `map` uses)
// and in JSONata (jsonata), over the same parsed syslog objects, in one process run: evaluations
// per second (best of the rounds) and whether both give the same result. This is the measurement
// behind docs/stages/map.md ("why CEL").
//
//   node bench/map-engines.mjs [--objects=200000] [--rounds=5]
import { parseArgs } from 'node:util';
import { Environment } from '@marcbachmann/cel-js';
import jsonata from 'jsonata';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
  },
});
const N = Number(values.objects);
const ROUNDS = Number(values.rounds);
const objects = Array.from({ length: N }, (_, i) => ({
  time: 'Dec 10 06:55:46',
  host: 'LabSZ',
  program: 'sshd',
  pid: 24200 + (i % 1000),
  message: `Failed password for root from 183.62.140.${i % 256} port 22 ssh2`,
}));
const CEL = '{"ts": time, "host": host.lowerAscii(), "pid": pid, "msg": message, "app": program}';
const JSONATA =
  '{"ts": time, "host": $lowercase(host), "pid": pid, "msg": message, "app": program}';

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
const cel = env.parse(CEL);
const jn = jsonata(JSONATA);
const same = JSON.stringify(cel(objects[1])) === JSON.stringify(await jn.evaluate(objects[1]));

async function measure(name, evaluate) {
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (const o of objects) await evaluate(o);
    best = Math.max(best, N / ((performance.now() - t0) / 1000));
  }
  console.log(
    `${name.padEnd(8)} ${Math.round(best).toLocaleString('en').padStart(11)} evaluations/s`,
  );
  return best;
}

console.log(`${N} objects, ${ROUNDS} rounds (best), same result: ${same}`);
console.log(`CEL:     ${CEL}\nJSONata: ${JSONATA}`);
// CEL is synchronous; JSONata 2.x evaluates asynchronously (a promise per evaluation)
const c = await measure('CEL', (o) => cel(o));
const j = await measure('JSONata', (o) => jn.evaluate(o));
console.log(`CEL / JSONata: ${(c / j).toFixed(1)}×`);
record({
  case: 'map expression engines',
  unit: 'evaluations/s',
  series: [
    { name: 'CEL (what map uses)', role: 'edgeplane', value: Math.round(c) },
    { name: 'JSONata', role: 'baseline', value: Math.round(j) },
  ],
  chart: false,
  details: { objects: N, rounds: ROUNDS, of: 'best' },
});
