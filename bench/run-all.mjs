#!/usr/bin/env node
// `pnpm bench`: runs every bench in bench/ in turn, each in its own process, and writes
//   bench/results/<date>.json   machine, versions, and every bench's recorded results
//   bench/results/<date>.md     the Markdown table (also bench/results/latest.md)
//   bench/results/<date>.svg    one bar chart, edgeplane beside baselines and peers (latest.svg)
// Each bench records its comparisons through lib/results.mjs (EDGEPLANE_BENCH_RESULTS); its full
// output goes to bench/.tmp/logs/<date>/<bench>.log. Servers come from @edgeplane/test-servers,
// as each bench gets them; a Kafka broker this run started is stopped at the end (--keep-kafka
// keeps it).
//
//   pnpm bench [--quick] [--only=a,b] [--skip=a,b] [--timeout=MINUTES] [--keep-kafka]
//   pnpm bench --redraw=bench/results/<date>.json      (the .md and .svg again, nothing run)
//
// --quick: small sizes and one round each (a smoke test of every bench: minutes, not hours; its
// figures are not comparable with full runs). A bench whose script is missing is skipped with a
// note; one that fails is reported and the run goes on (exit code 1 at the end).
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isKafkaStartedHere, KAFKA_VERSION, stopKafka } from '@edgeplane/test-servers';
import { BENCHES } from './lib/benches.mjs';
import { markdown, svg } from './lib/report.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    skip: { type: 'string', default: '' },
    timeout: { type: 'string' },
    'keep-kafka': { type: 'boolean', default: false },
    redraw: { type: 'string' },
  },
});
if (values.redraw) {
  // only the outputs: the .md and .svg again from a results .json (e.g. after a report change)
  const doc = JSON.parse(readFileSync(values.redraw, 'utf8'));
  const stem = values.redraw.replace(/\.json$/, '');
  writeFileSync(`${stem}.md`, markdown(doc));
  writeFileSync(`${stem}.svg`, svg(doc));
  console.log(`wrote ${stem}.md and ${stem}.svg`);
  process.exit(0);
}
const here = import.meta.dirname;
const root = resolve(here, '..');
const only = values.only ? new Set(values.only.split(',')) : undefined;
const skip = new Set(values.skip.split(',').filter(Boolean));
const timeoutMs = Number(values.timeout ?? (values.quick ? 10 : 60)) * 60_000;
const date = `${new Date().toISOString().slice(0, 16).replace(':', '')}Z${values.quick ? '-quick' : ''}`;
const logs = join(here, '.tmp', 'logs', date);
const out = join(here, 'results');
mkdirSync(logs, { recursive: true });
mkdirSync(out, { recursive: true });
const load = () => Number(loadavg()[0].toFixed(2));
const kafkaBefore = isKafkaStartedHere();

/** Runs one bench; resolves { exitCode, seconds, tail } (its output also goes to the console). */
function runBench(b, args, resultsFile) {
  const log = createWriteStream(join(logs, `${b.name}.log`));
  const t0 = performance.now();
  return new Promise((resolvePromise) => {
    // its own process group, so a timeout ends what it started (JVMs, servers) too
    const child = spawn(process.execPath, [join(here, `${b.name}.mjs`), ...args], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EDGEPLANE_BENCH_RESULTS: resultsFile },
    });
    let tail = '';
    const onData = (stream) => (d) => {
      stream.write(d);
      log.write(d);
      tail = (tail + d).slice(-4000);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    const timer = setTimeout(() => {
      tail += `\n[run-all] timed out after ${timeoutMs / 60_000} min: stopped`;
      process.kill(-child.pid, 'SIGTERM');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      log.end();
      const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
      resolvePromise({
        exitCode: code ?? signal,
        seconds,
        tail: tail.split('\n').slice(-15).join('\n'),
      });
    });
  });
}

function readResults(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function versionOf(pkgDir, name) {
  try {
    const dir = join(root, pkgDir, 'node_modules', name, 'package.json');
    return JSON.parse(readFileSync(dir, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** `branch@commit` of the checkout (`+dirty` with uncommitted changes to tracked files), or 'unknown'. */
function commit() {
  const git = (...args) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no') ? '+dirty' : '';
    return `${git('rev-parse', '--abbrev-ref', 'HEAD')}@${git('rev-parse', '--short=10', 'HEAD')}${dirty}`;
  } catch {
    return 'unknown';
  }
}

const run = {
  date,
  quick: values.quick,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    loadStart: load(),
    loadEnd: undefined,
  },
  versions: {
    node: process.version,
    commit: commit(),
    other: {
      Kafka: KAFKA_VERSION,
      '@platformatic/kafka': versionOf('bench', '@platformatic/kafka'),
      kafkajs: versionOf('bench', 'kafkajs'),
      ioredis: versionOf('packages/transport-redis-streams', 'ioredis'),
      'hdr-histogram-js': versionOf('bench', 'hdr-histogram-js'),
    },
  },
  benches: [],
};

for (const b of BENCHES) {
  if ((only && !only.has(b.name)) || skip.has(b.name)) continue;
  const entry = { name: b.name, status: 'ok', note: undefined, results: [] };
  run.benches.push(entry);
  const missing =
    b.requires?.find((p) => !existsSync(p)) ??
    (existsSync(join(here, `${b.name}.mjs`)) ? undefined : `bench/${b.name}.mjs`);
  if (missing) {
    entry.status = 'skipped';
    entry.note = `${missing} does not exist here`;
    console.log(`\n=== ${b.name}: skipped (${entry.note})`);
    continue;
  }
  const args = values.quick ? b.quick : b.full;
  console.log(`\n=== ${b.name} ${args.join(' ')} (load ${load()})`);
  const resultsFile = join(logs, `${b.name}.results.jsonl`);
  const loadBefore = load();
  const r = await runBench(b, args, resultsFile);
  Object.assign(entry, { args, seconds: r.seconds, load: [loadBefore, load()] });
  entry.results = readResults(resultsFile);
  if (entry.results.length === 0 && b.parse)
    entry.results = b.parse(readFileSync(join(logs, `${b.name}.log`), 'utf8'));
  if (r.exitCode !== 0) {
    entry.status = 'failed';
    entry.note = `exit ${r.exitCode} after ${r.seconds} s (log: bench/.tmp/logs/${date}/${b.name}.log)`;
    entry.tail = r.tail;
  } else if (entry.results.length === 0) entry.note = 'finished without a recorded result';
}

if (!kafkaBefore && isKafkaStartedHere() && !values['keep-kafka']) {
  console.log('\nstopping the Kafka broker this run started');
  await stopKafka();
}
run.machine.loadEnd = load();
const base = join(out, date);
writeFileSync(`${base}.json`, `${JSON.stringify(run, null, 2)}\n`);
writeFileSync(`${base}.md`, markdown(run));
writeFileSync(`${base}.svg`, svg(run));
copyFileSync(`${base}.md`, join(out, 'latest.md'));
copyFileSync(`${base}.svg`, join(out, 'latest.svg'));
console.log(
  `\n${markdown(run)}\nwrote bench/results/${date}.{json,md,svg} (and latest.md, latest.svg)`,
);
if (run.benches.some((b) => b.status === 'failed')) process.exitCode = 1;
