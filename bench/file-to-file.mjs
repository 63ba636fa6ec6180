#!/usr/bin/env node
// Benchmark (not a timed test): file→file through the adapter loop with the identity stage,
// beside a raw copy measured in the same run. Each case runs in a child process of its own (a
// clean heap, and its true peak RSS from getrusage), rounds alternate the order of the cases.
//
//   node bench/file-to-file.mjs [--lines=1000000] [--bytes=100] [--rounds=3]
//                               [--cases=defaults,tuned,raw] [--fsync=batch|interval|never]
//                               [--ring=N --batch=N]   (one custom setting instead: cases custom,raw)
//                               [--dir=bench/.tmp] [--json]
//                               [--baseline=<another build's transport-file dist/index.js>]
//   node --cpu-prof bench/file-to-file.mjs --case=defaults   (one case, in this process)
//
// defaults: ring 1024, the loop's default batch (1024 messages, 1 MiB, linger 5 ms), fsync=batch.
// tuned:    ring 8192, batch 8192 messages / 4 MiB, linger 5 ms, fsync=batch.
// raw:      read 1 MiB chunks, split lines with Buffer.indexOf, one write per chunk, one fsync
//           at the end: no acknowledgements, no checkpoint, no ring.
// floorN:   the sync floor of batches of N lines (`--cases=floor1024,floor8192`): the raw split,
//           then per batch an O_DSYNC write of its lines and an O_DSYNC 4 KiB checkpoint write.
// before-defaults, before-tuned: those cases with the transport build given by `--baseline`.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  createReadStream,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    bytes: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    cases: { type: 'string' },
    case: { type: 'string' },
    ring: { type: 'string' },
    batch: { type: 'string' },
    fsync: { type: 'string', default: 'batch' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '.tmp') },
    json: { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
});
const LINES = Number(values.lines);
const BYTES = Number(values.bytes);
const ROUNDS = Number(values.rounds);
const dir = resolve(values.dir);
mkdirSync(dir, { recursive: true });
const input = join(dir, `input-${LINES}x${BYTES}.log`);

/** The edgeplane settings of each case: ring capacity, egress batch (undefined: the loop's defaults). */
const SETTINGS = {
  defaults: { ring: 1024, batch: undefined },
  tuned: { ring: 8192, batch: { maxMessages: 8192, maxBytes: 4 << 20, lingerMs: 5 } },
  custom: {
    ring: Number(values.ring ?? 8192),
    batch: { maxMessages: Number(values.batch ?? 8192), maxBytes: 4 << 20, lingerMs: 5 },
  },
};

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
  return lines;
}

/**
 * The sync floor of a batch of `batch` lines: the same split as `raw`, then per batch one O_DSYNC
 * write of its lines and one O_DSYNC 4 KiB in-place checkpoint write, one after the other (what
 * any pipeline must wait for that acknowledges a batch only once both are durable). No ring, no
 * messages: the I/O alone.
 */
async function syncFloor(out, batch) {
  const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_DSYNC } = constants;
  const data = await open(out, O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC);
  const ckpt = await open(`${out}.ckpt`, O_RDWR | O_CREAT | O_TRUNC | O_DSYNC);
  const slot = Buffer.alloc(4096, 0x20);
  let lines = 0;
  let inBatch = 0;
  let parts = [];
  let seq = 0;
  const flush = async () => {
    if (parts.length === 0) return;
    await data.writev(parts);
    parts = [];
    inBatch = 0;
    await ckpt.write(slot, 0, slot.length, (seq++ & 1) * slot.length);
  };
  for await (const chunk of createReadStream(input, { highWaterMark: 1 << 20 })) {
    let at = 0;
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, at);
      if (nl < 0) break;
      lines++;
      at = nl + 1;
      if (++inBatch === batch) {
        parts.push(chunk.subarray(from, at));
        from = at;
        await flush();
      }
    }
    if (from < chunk.length) parts.push(chunk.subarray(from));
  }
  await flush();
  await data.close();
  await ckpt.close();
  rmSync(`${out}.ckpt`, { force: true });
  if (statSync(out).size !== LINES * BYTES)
    throw new Error('floor: output size differs from input');
  return lines;
}

async function edgeplane(name, out) {
  const lanePath = join(dir, `lane-${name}`);
  rmSync(lanePath, { recursive: true, force: true });
  // before-<case>: the same case with another build of the transport (`--baseline`).
  const before = name.startsWith('before-');
  const { createFileTransport } = await import(
    before ? pathToFileURL(resolve(values.baseline)).href : '@edgeplane/transport-file'
  );
  const { ring, batch } = SETTINGS[before ? name.slice(7) : name];
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: ring,
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: { transport: createFileTransport({ path: input }) },
    egress: { transport: createFileTransport({ path: out, append: false, fsync: values.fsync }) },
    ...(batch ? { batch } : {}),
    lanePath,
  });
  const result = await loop.run();
  if (result.state !== 'stopped' || result.egressMessages !== LINES) {
    throw new Error(
      `${name}: not every line moved: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  }
  if (statSync(out).size !== LINES * BYTES)
    throw new Error(`${name}: output size differs from input`);
  rmSync(lanePath, { recursive: true, force: true });
  return result.egressMessages;
}

/** One case in this process: prints one JSON line (lines, secs, cpu seconds, peak RSS bytes). */
async function runCase(name) {
  const out = join(dir, `out-${name}.log`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const lines =
    name === 'raw'
      ? await raw(out)
      : name.startsWith('floor')
        ? await syncFloor(out, Number(name.slice(5)))
        : await edgeplane(name, out);
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  rmSync(out, { force: true });
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(
    JSON.stringify({ name, lines, secs, cpuSecs: (cpu.user + cpu.system) / 1e6, peakRss }),
  );
}

if (values.case) {
  makeInput();
  await runCase(values.case);
} else {
  makeInput();
  const custom = values.ring !== undefined || values.batch !== undefined;
  const cases = (values.cases ?? (custom ? 'custom,raw' : 'defaults,tuned,raw')).split(',');
  const forward = [
    '--lines',
    values.lines,
    '--bytes',
    values.bytes,
    '--fsync',
    values.fsync,
    '--dir',
    dir,
  ];
  if (values.ring) forward.push('--ring', values.ring);
  if (values.batch) forward.push('--batch', values.batch);
  if (values.baseline) forward.push('--baseline', values.baseline);
  console.log(
    `file→file, identity stage, ${LINES} lines of ${BYTES} bytes, fsync=${values.fsync}, ${ROUNDS} rounds, cases ${cases.join(', ')} (order rotates each round)`,
  );
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = cases.map((_, i) => cases[(i + r) % cases.length]);
    for (const name of order) {
      const load = loadavg()[0];
      const stdout = execFileSync(
        process.execPath,
        [...process.execArgv, import.meta.filename, '--case', name, ...forward],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const run = { ...JSON.parse(stdout.trim().split('\n').at(-1)), round: r + 1, load };
      runs.push(run);
      console.log(
        `  round ${r + 1} ${name.padEnd(8)} ${fmt(run.lines / run.secs)} lines/s  cpu ${run.cpuSecs.toFixed(2)} s  peak RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MiB  (load ${load.toFixed(1)})`,
      );
    }
  }
  report(cases, runs);
}

function fmt(rate) {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : `${(rate / 1e3).toFixed(1)} k`;
}

function report(cases, runs) {
  const rate = (x) => x.lines / x.secs;
  const of = (name) =>
    runs
      .filter((x) => x.name === name)
      .map(rate)
      .sort((a, b) => a - b);
  const median = (xs) => xs[Math.floor((xs.length - 1) / 2)];
  const raws = of('raw');
  const summary = {};
  console.log(
    '\ncase             best lines/s   median      vs raw (best / median / per-round)   peak RSS',
  );
  for (const name of cases) {
    const rates = of(name);
    const mine = runs.filter((x) => x.name === name);
    const perRound = mine.map((x) => {
      const base = runs.find((y) => y.name === 'raw' && y.round === x.round);
      return base ? rate(x) / rate(base) : Number.NaN;
    });
    const peak = Math.max(...mine.map((x) => x.peakRss));
    const best = rates.at(-1);
    const pct = (v) => `${(v * 100).toFixed(1)} %`;
    const vsRaw = raws.length
      ? `${pct(best / raws.at(-1))} / ${pct(median(rates) / median(raws))} / ${perRound.map(pct).join(', ')}`
      : '–';
    console.log(
      `${name.padEnd(16)} ${fmt(best).padEnd(14)} ${fmt(median(rates)).padEnd(11)} ${vsRaw.padEnd(36)} ${(peak / 2 ** 20).toFixed(0)} MiB`,
    );
    summary[name] = {
      best,
      median: median(rates),
      perRound,
      peakRss: peak,
      cpuSecs: mine.map((x) => x.cpuSecs),
    };
  }
  if (values.json)
    console.log(
      JSON.stringify({ bench: 'file-to-file', lines: LINES, bytes: BYTES, summary, runs }),
    );
  // For `pnpm bench` (lib/results.mjs): each loop case beside the raw copy, by median.
  const raw = summary.raw;
  for (const name of cases) {
    if (name === 'raw' || !raw || name.startsWith('floor') || name.startsWith('before')) continue;
    record({
      case: `file → file (${name}, fsync=${values.fsync})`,
      unit: 'lines/s',
      series: [
        { name: 'edgeplane', role: 'edgeplane', value: summary[name].median },
        { name: 'raw split-and-write copy', role: 'baseline', value: raw.median },
      ],
      load1: loadavg()[0],
      details: {
        lines: LINES,
        bytes: BYTES,
        peakRssMiB: summary[name].peakRss / 2 ** 20,
        of: 'median',
      },
    });
  }
}
