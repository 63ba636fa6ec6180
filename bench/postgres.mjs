#!/usr/bin/env node
// Benchmark (not a timed test): PostgreSQL table → PostgreSQL table through the adapter loop
// (identity stage; source mode=single with its checkpoint in a lane dir, sink writeMode=copy with
// dedupe on message ids), beside a hand-written pipe doing the same at-least-once work with the
// same client (`postgres`) and batch size, in the same process run. Also the egress alone
// (`send()` of batches) against the raw COPY rate of the same rows.
//
//   node bench/postgres.mjs [--messages=200000] [--bytes=100] [--batch=1024] [--ring=8192]
//                           [--rounds=2] [--url=postgres://postgres@127.0.0.1:5432/test]
//
// Hand-written pipe, per batch: SELECT … WHERE id > cursor ORDER BY id LIMIT <batch> → one
// transaction: COPY into a temporary table, INSERT … SELECT … ON CONFLICT (message_id) DO NOTHING
// → COMMIT → write the cursor to a file (fsync, rename) → next batch. That is what the loop
// promises too (the checkpoint moves only after the output committed the batch).
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { recordPair } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1024' },
    ring: { type: 'string', default: '8192' },
    rounds: { type: 'string', default: '2' },
    nagle: { type: 'boolean', default: false },
    url: {
      type: 'string',
      default: process.env.EDGEPLANE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const url = values.url;

const pkg = new URL('../packages/transport-postgres/', import.meta.url);
const { createPostgresTransport } = await import('@edgeplane/transport-postgres').catch(
  () => import(new URL('dist/index.js', pkg).href),
);
const postgres = createRequire(new URL('package.json', pkg))('postgres');

// The hand-written side gets TCP_NODELAY too, as the transport sets it: with the client's
// default socket (Nagle on), each COPY waits ~40 ms for a delayed ACK (`--nagle` shows it).
const nagle = process.argv.includes('--nagle');
const u = new URL(url);
const fast = nagle
  ? {}
  : { socket: () => netConnect({ host: u.hostname, port: Number(u.port || 5432), noDelay: true }) };

const run = `ep_bench_${process.pid}`;
const input = `${run}_in`;
const admin = postgres(url, { onnotice() {}, max: 2 });
const tmp = mkdtempSync(join(tmpdir(), 'ep-bench-pg-'));
const layout = (name) =>
  `CREATE TABLE "${name}" (id bigserial PRIMARY KEY, message_id text UNIQUE, key text, headers jsonb, payload bytea NOT NULL, done_at timestamptz, created_at timestamptz NOT NULL DEFAULT now())`;

async function fill() {
  await admin.unsafe(layout(input));
  await admin.unsafe(
    `INSERT INTO "${input}" (payload) SELECT convert_to(lpad(g::text, 12, '0') || repeat('x', $1::int - 12), 'UTF8') FROM generate_series(0, $2::int - 1) g`,
    [BYTES, N],
  );
}

function saveCursor(dir, position) {
  const file = join(dir, 'cursor.tmp');
  const fd = openSync(file, 'w');
  writeSync(fd, position);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(file, join(dir, 'cursor'));
}

async function handPipe(output) {
  await admin.unsafe(layout(output));
  const sql = postgres(url, { onnotice() {}, max: 2, fetch_types: false, ...fast });
  const dir = mkdtempSync(join(tmp, 'hand-'));
  let cursor = '0';
  let moved = 0;
  const t0 = performance.now();
  while (moved < N) {
    const rows = await sql.unsafe(
      `SELECT id::text AS pos, key AS k, headers::text AS h, payload AS p FROM "${input}" WHERE id > $1::bigint ORDER BY id LIMIT $2`,
      [cursor, Math.min(BATCH, N - moved)],
    );
    if (rows.length === 0) continue;
    const lines = rows.map(
      (r) => `${input}@${r.pos}\t${r.k ?? '\\N'}\t${r.h ?? '\\N'}\t\\\\x${r.p.toString('hex')}\n`,
    );
    await sql.begin(async (tx) => {
      await tx.unsafe(
        'CREATE TEMP TABLE IF NOT EXISTS hand_stage (n bigserial, id text, k text, h jsonb, p bytea) ON COMMIT DELETE ROWS',
      );
      const w = await tx.unsafe('COPY hand_stage (id, k, h, p) FROM STDIN').writable();
      await pipeline(Readable.from([Buffer.from(lines.join(''))]), w);
      await tx.unsafe(
        `INSERT INTO "${output}" (message_id, key, headers, payload) SELECT id, k, h, p FROM hand_stage ORDER BY n ON CONFLICT (message_id) DO NOTHING`,
      );
    });
    cursor = rows[rows.length - 1].pos;
    saveCursor(dir, cursor);
    moved += rows.length;
  }
  const secs = (performance.now() - t0) / 1000;
  await sql.end();
  return { messages: moved, secs };
}

async function edgeplane(output) {
  const lanePath = mkdtempSync(join(tmp, 'lane-'));
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: Number(values.ring),
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: { transport: createPostgresTransport({ url, table: input, batchSize: BATCH }) },
    egress: { transport: createPostgresTransport({ url, table: output, createTable: true }) },
    batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
    maxMessages: N,
    lanePath,
  });
  const t0 = performance.now();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  if (result.state !== 'stopped' || result.egressMessages !== N || result.ackedMessages !== N)
    throw new Error(
      `the loop did not move every message: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  return { messages: result.egressMessages, secs };
}

/** The sink alone: send() of N messages in batches, with ids (dedupe path) or without. */
async function egressOnly(output, withIds, writeMode = 'copy') {
  const sink = createPostgresTransport({ url, table: output, createTable: true, writeMode });
  await sink.open({ role: 'egress' });
  const body = Buffer.alloc(BYTES, 'x');
  const batches = [];
  for (let i = 0; i < N; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++)
      batch.push(withIds ? { id: `bench@${j}`, body } : { body });
    batches.push(batch);
  }
  const t0 = performance.now();
  for (const b of batches) {
    const r = await sink.send(b);
    if (r.status !== 'ok') throw new Error(`send: ${JSON.stringify(r)}`);
  }
  const secs = (performance.now() - t0) / 1000;
  await sink.close();
  return { messages: N, secs };
}

/** Raw COPY of the same rows (bytea payload), in the same batch size, one transaction each. */
async function rawCopy(output) {
  await admin.unsafe(layout(output));
  const sql = postgres(url, { onnotice() {}, max: 1, fetch_types: false, ...fast });
  const hex = Buffer.alloc(BYTES, 'x').toString('hex');
  const chunks = [];
  for (let i = 0; i < N; i += BATCH) {
    const n = Math.min(BATCH, N - i);
    chunks.push(Buffer.from(`\\N\t\\N\t\\N\t\\\\x${hex}\n`.repeat(n)));
  }
  const t0 = performance.now();
  for (const c of chunks) {
    const w = await sql
      .unsafe(`COPY "${output}" (message_id, key, headers, payload) FROM STDIN`)
      .writable();
    await pipeline(Readable.from([c]), w);
  }
  const secs = (performance.now() - t0) / 1000;
  await sql.end();
  return { messages: N, secs };
}

const rate = (x) => Math.round(x.messages / x.secs);
const fmt = (n) => n.toLocaleString('en');
const drop = (t) => admin.unsafe(`DROP TABLE IF EXISTS "${t}"`);

try {
  await drop(input);
  await fill();
  console.log(
    `postgres → postgres, identity stage, ${N} messages of ${BYTES} bytes, batch ${BATCH}, ring ${values.ring}, ${ROUNDS} rounds (best of each), ${url.replace(/\/\/[^@]*@/, '//')}`,
  );
  const results = {
    hand: [],
    edgeplane: [],
    egress: [],
    egressNoIds: [],
    egressInsert: [],
    raw: [],
  };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['edgeplane', 'hand'] : ['hand', 'edgeplane'];
    for (const which of [...order, 'egress', 'egressNoIds', 'egressInsert', 'raw']) {
      const output = `${run}_out_${which.toLowerCase()}_${r}`;
      const x =
        which === 'hand'
          ? await handPipe(output)
          : which === 'edgeplane'
            ? await edgeplane(output)
            : which === 'raw'
              ? await rawCopy(output)
              : await egressOnly(
                  output,
                  which !== 'egressNoIds',
                  which === 'egressInsert' ? 'insert' : 'copy',
                );
      const [{ n }] = await admin.unsafe(`SELECT count(*)::int AS n FROM "${output}"`);
      if (n !== N) throw new Error(`${which}: output has ${n} of ${N} rows`);
      await drop(output);
      results[which].push(x);
      console.log(`  round ${r + 1} ${which}: ${fmt(rate(x))} msg/s`);
    }
  }
  const best = (xs) => Math.max(...xs.map(rate));
  const e = best(results.edgeplane);
  const h = best(results.hand);
  console.log(
    `hand-written pipe (SELECT → COPY via stage + ON CONFLICT → fsync'd cursor): ${fmt(h)} msg/s`,
  );
  console.log(`edgeplane loop (postgres → identity → postgres): ${fmt(e)} msg/s`);
  console.log(`ratio edgeplane/hand-written: ${((e / h) * 100).toFixed(1)}%`);
  const details = { messages: N, bytes: BYTES, batch: BATCH, rounds: ROUNDS, of: 'best' };
  recordPair('postgres → postgres (COPY + dedupe)', e, 'hand-written pipe', h, { details });
  const raw = best(results.raw);
  recordPair('postgres egress (COPY + dedupe)', best(results.egress), 'raw COPY', raw, {
    unit: 'rows/s',
    details,
  });
  const eg = best(results.egress);
  const egNo = best(results.egressNoIds);
  console.log(`raw COPY (batches of ${BATCH}, no ids): ${fmt(raw)} rows/s`);
  console.log(
    `egress send() with ids (COPY → stage → ON CONFLICT): ${fmt(eg)} rows/s (${((eg / raw) * 100).toFixed(1)}% of raw COPY)`,
  );
  const ins = best(results.egressInsert);
  console.log(
    `egress send() with ids, writeMode=insert (multi-row INSERT … ON CONFLICT): ${fmt(ins)} rows/s (${((ins / raw) * 100).toFixed(1)}% of raw COPY)`,
  );
  console.log(
    `egress send() without ids (COPY straight in): ${fmt(egNo)} rows/s (${((egNo / raw) * 100).toFixed(1)}% of raw COPY)`,
  );
} finally {
  await drop(input);
  await admin.end();
  rmSync(tmp, { recursive: true, force: true });
}
