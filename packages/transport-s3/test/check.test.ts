// `check()` (edgeplane doctor) against S3Proxy (signatures checked): all ok for both roles with no
// object left or changed, a missing bucket, a wrong secret, a closed port and a silent one.
import { createServer, type Server } from 'node:net';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CheckContext, TransportCheck } from '@edgeplane/adapter-loop/transport';
import { freePort, type PrivateS3Proxy } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Transport } from '../src/index.js';
import { BUCKET, optionsFor, rawClient, startS3ProxyWithBucket } from './support/s3.js';

let server: PrivateS3Proxy;
let raw: S3Client;
let n = 0;
const prefix = () => `check-${process.pid}-${Date.now()}-${n++}/`;

beforeAll(async () => {
  server = await startS3ProxyWithBucket();
  raw = rawClient(server);
}, 180_000);
afterAll(async () => {
  raw?.destroy();
  await server?.stop();
});

const ctx = (role: CheckContext['role'], timeoutMs = 10_000): CheckContext => ({
  role,
  signal: new AbortController().signal,
  timeoutMs,
});
const byName = (checks: readonly TransportCheck[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c]));
const statuses = (checks: readonly TransportCheck[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c.status]));

async function check(options: Record<string, unknown>, context: CheckContext) {
  const t = createS3Transport({ ...optionsFor(server, 'unused/'), ...options });
  try {
    const out = await t.check(context);
    if (process.env.SHOW_CHECKS) console.log(JSON.stringify(out, null, 1));
    return out;
  } finally {
    await t.close();
  }
}

/** Every key of the bucket with its ETag (what doctor must leave as it was). */
async function everything(): Promise<string[]> {
  const page = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (page.Contents ?? []).map((c) => `${c.Key} ${c.ETag}`).sort();
}

describe('s3 check()', () => {
  it('ingress and egress all ok; no object left, read past 1 byte or changed', async () => {
    const p = prefix();
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${p}a.log`, Body: 'one\ntwo\n' }));
    const before = await everything();
    const ingress = await check({ prefix: p }, ctx('ingress'));
    expect(statuses(ingress)).toEqual({
      reachable: 'ok',
      credentials: 'ok',
      bucket: 'ok',
      permissions: 'ok',
    });
    const i = byName(ingress);
    expect(i.reachable?.detail).toMatch(/^127\.0\.0\.1:\d+ answered ListObjectsV2 in [\d.]+ ms$/);
    expect(i.credentials?.detail).toBe(
      'request signature accepted (keys from `accessKeyId` / `secretAccessKey`)',
    );
    expect(i.bucket?.detail).toBe(`bucket "${BUCKET}" exists`);
    expect(i.permissions?.detail).toBe(
      `granted ListObjectsV2 under "${p}", GetObject (1 byte of "${p}a.log")`,
    );

    const empty = byName(await check({ prefix: prefix() }, ctx('ingress')));
    expect(empty.permissions?.detail).toMatch(/\(no object there yet: GetObject not tried\)$/);

    const moved = prefix();
    const move = byName(
      await check({ prefix: p, afterAck: 'move', moveToPrefix: moved }, ctx('ingress')),
    );
    expect(move.permissions?.detail).toBe(
      `granted ListObjectsV2 under "${p}", GetObject (1 byte of "${p}a.log"); PutObject and DeleteObject under "${moved}"`,
    );
    const del = byName(await check({ prefix: p, afterAck: 'delete' }, ctx('ingress')));
    expect(del.permissions?.detail).toMatch(/; DeleteObject under "check-[^"]+"$/);

    const egress = byName(await check({ prefix: p }, ctx('egress')));
    expect(statuses(Object.values(egress))).toEqual({
      reachable: 'ok',
      credentials: 'ok',
      bucket: 'ok',
      permissions: 'ok',
    });
    expect(egress.permissions?.detail).toBe(`granted PutObject and DeleteObject under "${p}"`);
    expect(await everything()).toEqual(before);
  });

  it('a missing bucket: bucket fails naming `bucket`, permissions skipped', async () => {
    for (const role of ['ingress', 'egress'] as const) {
      const checks = await check({ bucket: 'ep-no-such-bucket', prefix: 'x/' }, ctx(role));
      expect(statuses(checks)).toEqual({
        reachable: 'ok',
        credentials: 'ok',
        bucket: 'fail',
        permissions: 'skip',
      });
      expect(byName(checks).bucket?.detail).toMatch(
        /^\[transport:s3\] cannot list bucket "ep-no-such-bucket" on 127\.0\.0\.1:\d+: the bucket does not exist \(NoSuchBucket\); option "bucket"$/,
      );
      expect(byName(checks).bucket?.fix).toBe(
        'create the bucket, or fix `bucket` (and `endpoint`/`region`)',
      );
    }
  });

  it('a wrong secret: credentials fail naming `secretAccessKey`; the secret is never shown', async () => {
    const wrong = 'not-the-secret-key-at-all';
    const checks = await check({ prefix: 'x/', secretAccessKey: wrong }, ctx('egress'));
    expect(statuses(checks)).toEqual({
      reachable: 'ok',
      credentials: 'fail',
      bucket: 'skip',
      permissions: 'skip',
    });
    expect(byName(checks).credentials?.detail).toMatch(
      /\(SignatureDoesNotMatch\); option "secretAccessKey"$/,
    );
    expect(byName(checks).credentials?.fix).toMatch(/check `secretAccessKey`/);
    expect(JSON.stringify(checks)).not.toContain(wrong);
  });

  it('a closed port: reachable fails naming `endpoint`, the rest is skipped', async () => {
    const port = await freePort();
    const checks = await check(
      { endpoint: `http://127.0.0.1:${port}`, prefix: 'x/' },
      ctx('ingress'),
    );
    expect(statuses(checks)).toEqual({
      reachable: 'fail',
      credentials: 'skip',
      bucket: 'skip',
      permissions: 'skip',
    });
    expect(byName(checks).reachable?.detail).toBe(
      `[transport:s3] cannot list bucket "${BUCKET}" on 127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    );
    expect(byName(checks).reachable?.fix).toBe('start the server there, or fix `endpoint`');
  });

  it('a port that never answers: resolves within timeoutMs', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const began = performance.now();
      const checks = await check(
        { endpoint: `http://127.0.0.1:${port}`, prefix: 'x/' },
        ctx('egress', 800),
      );
      expect(performance.now() - began).toBeLessThan(800 + 100);
      expect(byName(checks).reachable?.status).toBe('fail');
    } finally {
      silent.close();
    }
  });
});
