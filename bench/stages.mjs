#!/usr/bin/env node
// Benchmark (not a timed test): N loghub lines through the adapter loop, file → file, with the
// transform chain parse → filter → map beside the identity stage, in the same process run.
// Prints lines/s of both, their ratio, and CPU seconds per million lines.
//
//   node bench/stages.mjs --input=../shared/data/loghub/OpenSSH_2k.log [--lines=1000000]
//        [--rounds=3] [--ring=8192] [--batch=8192] [--format=syslog] [--pattern=REGEX]
//        [--filter=CEL] [--map=CEL] [--dir=bench/.tmp]
//
// The input is the given file repeated (CRLF endings as in loghub) up to --lines, generated into
// --dir the first time. Defaults fit OpenSSH_2k.log: parse:syslog, a filter keeping the failed
// and invalid logins (31.7 % of the lines), a map to a smaller object.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoop, createStageResolver } from '@edgeplane/adapter-loop';
import { transformStages } from '@edgeplane/stages-transform';
import { createFileTransport } from '@edgeplane/transport-file';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    lines: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    ring: { type: 'string', default: '8192' },
    batch: { type: 'string', default: '8192' },
    format: { type: 'string', default: 'syslog' },
    pattern: { type: 'string' },
    filter: {
      type: 'string',
      default: 'message.startsWith("Failed") || message.startsWith("Invalid")',
    },
    map: { type: 'string', default: '{"ts": time, "host": host, "pid": pid, "msg": message}' },
    only: { type: 'string' },
    identities: { type: 'string' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '.tmp') },
  },
});
if (!values.input) {
  console.error(
    'usage: node bench/stages.mjs --input=<a loghub file, e.g. ../shared/data/loghub/OpenSSH_2k.log>',
  );
  process.exit(2);
}
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
const dir = resolve(values.dir);
mkdirSync(dir, { recursive: true });
const input = join(dir, `stages-${basename(values.input)}-${LINES}.log`);

function makeInput() {
  const sample = readFileSync(values.input, 'latin1')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const size = (n) => Buffer.byteLength(`${sample.slice(0, n).join('\r\n')}\r\n`, 'latin1');
  const whole = Math.floor(LINES / sample.length);
  const rest = LINES % sample.length;
  const expected = whole * size(sample.length) + size(rest) - (rest ? 0 : 2);
  try {
    if (statSync(input).size === expected) return;
  } catch {}
  const block = `${sample.join('\r\n')}\r\n`;
  const text = block.repeat(whole) + (rest ? `${sample.slice(0, rest).join('\r\n')}\r\n` : '');
  writeFileSync(input, text, 'latin1');
}

const chain = [
  { id: 'parse', stage: `parse:${values.format}`, dependsOn: [] },
  { id: 'keep', stage: 'filter', dependsOn: [0] },
  { id: 'shape', stage: 'map', dependsOn: [1] },
];
const settings = {
  parse: values.pattern ? { pattern: values.pattern } : {},
  keep: { expression: values.filter },
  shape: { expression: values.map },
};
const identity =
  values.identities === undefined
    ? [{ id: 'forward', stage: 'identity', dependsOn: [] }]
    : Array.from({ length: Number(values.identities) }, (_, i) => ({
        id: `forward${i}`,
        stage: 'identity',
        dependsOn: i === 0 ? [] : [i - 1],
      }));

async function round(stages, out, lanePath) {
  rmSync(lanePath, { recursive: true, force: true });
  const loop = createLoop({
    spec: { name: 'bench', capacity: Number(values.ring), stages },
    ingress: { transport: createFileTransport({ path: input }) },
    egress: { transport: createFileTransport({ path: out, append: false, fsync: 'batch' }) },
    stages: createStageResolver(transformStages),
    stageSettings: stages === chain ? settings : {},
    batch: { maxMessages: Number(values.batch), maxBytes: 4 << 20, lingerMs: 5 },
    lanePath,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (result.state !== 'stopped' || result.ingressMessages !== LINES) {
    throw new Error(
      `the run did not read every line: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  }
  if (result.ackedMessages !== LINES) throw new Error(`acked ${result.ackedMessages} of ${LINES}`);
  return { secs, cpu: (cpu.user + cpu.system) / 1e6, out: result.egressMessages };
}

makeInput();
console.log(
  `${LINES} lines of ${basename(values.input)}, file → file, ring ${values.ring}, batch ${values.batch}, ${ROUNDS} rounds (best of each)`,
);
console.log(`chain: parse:${values.format} → filter(${values.filter}) → map(${values.map})`);
const results = { identity: [], chain: [] };
for (let r = 0; r < ROUNDS; r++) {
  if (values.only !== 'chain')
    results.identity.push(
      await round(identity, join(dir, 'out-identity.log'), join(dir, 'lane-i')),
    );
  if (values.only !== 'identity')
    results.chain.push(await round(chain, join(dir, 'out-chain.log'), join(dir, 'lane-c')));
}
const best = (xs) => xs.reduce((a, b) => (b.secs < a.secs ? b : a));
const report = (name, xs) => {
  if (xs.length === 0) return undefined;
  const b = best(xs);
  const rate = LINES / b.secs;
  console.log(
    `${name.padEnd(8)} ${Math.round(rate).toLocaleString('en').padStart(10)} lines/s  ${(b.cpu / (LINES / 1e6)).toFixed(2)} CPU s per million lines  (${b.out.toLocaleString('en')} lines out)`,
  );
  return rate;
};
const i = report('identity', results.identity);
const c = report('chain', results.chain);
if (i && c) {
  console.log(`ratio chain/identity: ${((c / i) * 100).toFixed(1)}%`);
  record({
    case: `file → parse:${values.format} → filter → map → file`,
    unit: 'lines/s',
    series: [
      { name: 'edgeplane, stage chain', role: 'edgeplane', value: Math.round(c) },
      { name: 'edgeplane, identity', role: 'baseline', value: Math.round(i) },
    ],
    chart: false,
    details: { lines: LINES, rounds: ROUNDS, of: 'best' },
  });
}
rmSync(join(dir, 'out-identity.log'), { force: true });
rmSync(join(dir, 'out-chain.log'), { force: true });
