#!/usr/bin/env node
// Benchmark (not a timed test): S3 → S3 through the adapter loop (identity stage), beside a
// hand-written pipe doing the same at-least-once work with the same client (@aws-sdk/client-s3,
// same settings) and batch size, measured in the same process run, against a private S3Proxy
// (filesystem backend; or $EDGEPLANE_S3_URL with its keys and an existing bucket
// $EDGEPLANE_S3_BUCKET). Prints messages/s for both and their ratio.
//
//   node bench/s3.mjs [--messages=200000] [--bytes=100] [--batch=1024] [--per-object=1024]
//                     [--ring=8192] [--rounds=2]
//
// The input: `messages` lines of `bytes` bytes in objects of `per-object` lines. Hand-written
// pipe: list the input objects in key order; GET each, split its lines, and per batch of `batch`
// lines PUT one newline-delimited object to the output, then write and fdatasync a checkpoint
// file (key + byte offset): what the transport does (the ingress acknowledges only after the
// egress has the batch).
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { startS3Proxy } from '@edgeplane/test-servers';
import { recordPair } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1024' },
    'per-object': { type: 'string', default: '1024' },
    ring: { type: 'string', default: '8192' },
    rounds: { type: 'string', default: '2' },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const PER = Number(values['per-object']);
const ROUNDS = Number(values.rounds);

const pkg = new URL('../packages/transport-s3/', import.meta.url);
const { createS3Transport } = await import('@edgeplane/transport-s3').catch(
  () => import(new URL('dist/index.js', pkg).href),
);
const sdkRequire = createRequire(new URL('package.json', pkg));
const { S3Client, ListObjectsV2Command, GetObjectCommand, PutObjectCommand } =
  sdkRequire('@aws-sdk/client-s3');
const { NodeHttpHandler } = sdkRequire('@smithy/node-http-handler');

let server;
let url;
let keys;
let bucket;
if (process.env.EDGEPLANE_S3_URL) {
  url = process.env.EDGEPLANE_S3_URL;
  keys = {
    accessKeyId: process.env.EDGEPLANE_S3_ACCESS_KEY_ID,
    secretAccessKey: process.env.EDGEPLANE_S3_SECRET_ACCESS_KEY,
  };
  bucket = process.env.EDGEPLANE_S3_BUCKET;
} else {
  server = await startS3Proxy({ buckets: ['bench'] });
  url = server.url;
  keys = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  bucket = 'bench';
}
const run = `ep-bench-${process.pid}`;
// The transport's own client settings (src/client.ts).
const client = new S3Client({
  endpoint: url,
  region: 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  maxAttempts: 1,
  credentials: { ...keys }, // a copy: the SDK marks the object it is given
  requestHandler: new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 16 }),
  }),
});
const s3Options = (prefix, extra = {}) => ({
  endpoint: url,
  forcePathStyle: true,
  bucket,
  prefix,
  ...keys,
  ...extra,
});

async function fill() {
  const body = Buffer.alloc(BYTES, 'x');
  const puts = [];
  for (let i = 0, o = 0; i < N; i += PER, o++) {
    const lines = [];
    for (let j = i; j < Math.min(N, i + PER); j++) {
      const b = Buffer.from(body);
      b.write(String(j).padStart(12, '0'), 0, 'latin1');
      lines.push(b, Buffer.from('\n'));
    }
    puts.push([`${run}/in/${String(o).padStart(6, '0')}.ndjson`, Buffer.concat(lines)]);
  }
  for (let i = 0; i < puts.length; i += 8)
    await Promise.all(
      puts
        .slice(i, i + 8)
        .map(([Key, Body]) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body }))),
    );
}

async function listAll(prefix) {
  const out = [];
  let token;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const c of page.Contents ?? []) out.push(c);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

async function handPipe(output, dir) {
  const checkpoint = join(dir, 'checkpoint');
  let moved = 0;
  let seq = 0;
  const t0 = performance.now();
  for (const { Key } of await listAll(`${run}/in/`)) {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
    const data = Buffer.from(await got.Body.transformToByteArray());
    let start = 0;
    while (start < data.length) {
      // up to BATCH lines from `start`
      let end = start;
      for (let n = 0; n < BATCH && end < data.length; n++)
        end = data.indexOf(10, end) + 1 || data.length;
      const key = `${output}${String(seq++).padStart(20, '0')}.ndjson`;
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: data.subarray(start, end),
          ContentLength: end - start,
        }),
      );
      const fd = openSync(checkpoint, 'w');
      writeSync(fd, JSON.stringify({ key: Key, offset: end }));
      fdatasyncSync(fd);
      closeSync(fd);
      for (let i = start; i < end; i++) if (data[i] === 10) moved++;
      start = end;
    }
  }
  return { messages: moved, secs: (performance.now() - t0) / 1000 };
}

async function edgeplane(output, dir) {
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: Number(values.ring),
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: { transport: createS3Transport(s3Options(`${run}/in/`, { batchMaxMessages: BATCH })) },
    egress: { transport: createS3Transport(s3Options(output)) },
    batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
    lanePath: dir,
    maxMessages: N,
  });
  const t0 = performance.now();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  if (result.egressMessages !== N || result.ackedMessages !== N)
    throw new Error(
      `the loop did not move every message: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  return { messages: result.egressMessages, secs };
}

async function check(output) {
  let lines = 0;
  for (const { Key } of await listAll(output)) {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
    const data = Buffer.from(await got.Body.transformToByteArray());
    for (let i = 0; i < data.length; i++) if (data[i] === 10) lines++;
  }
  if (lines !== N) throw new Error(`${output}: ${lines} of ${N} lines`);
}

try {
  await fill();
  console.log(
    `s3 → s3, identity stage, ${N} messages of ${BYTES} bytes in objects of ${PER} lines, batch ${BATCH}, ring ${values.ring}, ${ROUNDS} rounds (best of each), ${server ? `S3Proxy ${url}` : url}`,
  );
  const results = { hand: [], edgeplane: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['edgeplane', 'hand'] : ['hand', 'edgeplane'];
    for (const which of order) {
      const output = `${run}/out-${which}-${r}/`;
      const dir = mkdtempSync(join(tmpdir(), 'ep-bench-s3-'));
      const x = which === 'hand' ? await handPipe(output, dir) : await edgeplane(output, dir);
      rmSync(dir, { recursive: true, force: true });
      await check(output);
      results[which].push(x);
      console.log(
        `  round ${r + 1} ${which}: ${Math.round(x.messages / x.secs).toLocaleString('en')} msg/s`,
      );
    }
  }
  const rate = (x) => Math.round(x.messages / x.secs);
  const best = (xs) => xs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const e = rate(best(results.edgeplane));
  const h = rate(best(results.hand));
  console.log(
    `hand-written pipe (GET → PUT per batch → checkpoint fdatasync): ${h.toLocaleString('en')} msg/s`,
  );
  console.log(`edgeplane loop (s3 → identity → s3): ${e.toLocaleString('en')} msg/s`);
  console.log(`ratio edgeplane/hand-written: ${((e / h) * 100).toFixed(1)}%`);
  recordPair('s3 → s3', e, 'hand-written pipe', h, {
    details: { messages: N, bytes: BYTES, batch: BATCH, rounds: ROUNDS, of: 'best' },
  });
} finally {
  client.destroy();
  await server?.stop();
}
