import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type InboundMessage, isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import type { PrivateS3Proxy } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Transport, readCheckpointFile, type S3Transport } from '../src/index.js';
import { BUCKET, optionsFor, rawClient, startS3ProxyWithBucket } from './support/s3.js';

let server: PrivateS3Proxy;
let raw: S3Client;
let n = 0;
const open: S3Transport[] = [];
const prefix = () => `t-${process.pid}-${Date.now()}-${n++}/`;
const stateDir = () => mkdtempSync(join(tmpdir(), 'ep-s3-state-'));
const text = (m: InboundMessage) => Buffer.from(m.body).toString('utf8');

beforeAll(async () => {
  server = await startS3ProxyWithBucket();
  raw = rawClient(server);
}, 180_000);
afterAll(async () => {
  for (const t of open) await t.close();
  raw?.destroy();
  await server?.stop();
});

function transport(p: string, extra: Record<string, unknown> = {}): S3Transport {
  const t = createS3Transport({ ...optionsFor(server, p), ...extra });
  open.push(t);
  return t;
}
const put = (key: string, body: string | Buffer, encoding?: string) =>
  raw.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: body,
      ...(encoding ? { ContentEncoding: encoding } : {}),
    }),
  );
const keys = async (p: string) =>
  ((await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: p }))).Contents ?? []).map(
    (c) => c.Key as string,
  );
const get = async (key: string) =>
  Buffer.from(
    await (
      (await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body as {
        transformToByteArray(): Promise<Uint8Array>;
      }
    ).transformToByteArray(),
  );

/** Reads every message of a finite source, acknowledging `ackAll` batches. */
async function readAll(t: S3Transport, ack = true): Promise<InboundMessage[]> {
  const out: InboundMessage[] = [];
  for await (const batch of t.receive({ signal: AbortSignal.timeout(20_000) })) {
    out.push(...batch.messages);
    if (ack) await batch.ack();
  }
  return out;
}

const rejection = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    if (isEdgeplaneError(error)) return error;
    throw error;
  }
  throw new Error('resolved');
};

describe('S3 transport against S3Proxy', () => {
  it('a wrong secretAccessKey is unauthenticated naming secretAccessKey (S3Proxy checks signatures)', async () => {
    const e = await rejection(
      transport(prefix(), { secretAccessKey: 'not-the-secret' }).open({ role: 'egress' }),
    );
    expect(e.code).toBe('unauthenticated');
    expect(e.details?.option).toBe('secretAccessKey');
    expect(e.message).not.toContain('not-the-secret');
  });

  it('a wrong access key id is unauthenticated naming accessKeyId', async () => {
    const e = await rejection(
      transport(prefix(), { accessKeyId: 'nobody' }).open({ role: 'ingress' }),
    );
    expect(e.code).toBe('unauthenticated');
    expect(e.details?.option).toBe('accessKeyId');
  });

  it('a missing bucket is not-found naming bucket', async () => {
    const e = await rejection(
      transport(prefix(), { bucket: 'no-such-bucket-here' }).open({ role: 'ingress' }),
    );
    expect(e.code).toBe('not-found');
    expect(e.details?.option).toBe('bucket');
  });

  it('reads lines in key order: CRLF stripped, a last line without LF, .gz and Content-Encoding gzip decoded', async () => {
    const p = prefix();
    await put(`${p}b.log`, 'b1\r\nb2\n\nb4');
    await put(`${p}a.log.gz`, gzipSync('a1\na2\n'));
    await put(`${p}c.log`, gzipSync('c1\nc2\n'), 'gzip');
    const t = transport(p);
    await t.open({ role: 'ingress' });
    const got = await readAll(t);
    expect(got.map(text)).toEqual(['a1', 'a2', 'b1', 'b2', '', 'b4', 'c1', 'c2']);
    expect(got[2]?.id).toBe(`${p}b.log@0`);
    expect(got[2]?.position).toBe(`${p}b.log@4`);
    expect(got[2]?.origin).toBe(`object s3://${BUCKET}/${p}b.log byte 0`);
  });

  it('a .gz object that is not gzip stops the source with invalid-input naming it', async () => {
    const p = prefix();
    await put(`${p}a.log.gz`, 'plain text, not gzip\n');
    const t = transport(p);
    await t.open({ role: 'ingress' });
    const e = await rejection(readAll(t));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toContain(`${p}a.log.gz`);
    expect(e.message).toContain('not valid gzip');
  });

  it('follow: new keys are read as they appear, past empty objects, until aborted', async () => {
    const p = prefix();
    await put(`${p}1-empty`, '');
    await put(`${p}2`, 'two\n');
    const t = transport(p, { follow: true, pollIntervalMs: 50 });
    await t.open({ role: 'ingress', stateDir: stateDir() });
    const controller = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const batch of t.receive({ signal: controller.signal })) {
        got.push(...batch.messages.map(text));
        await batch.ack();
        if (got.length === 1) await put(`${p}3`, 'three\nfour\n');
        if (got.length === 3) controller.abort();
      }
    })();
    await reading;
    expect(got).toEqual(['two', 'three', 'four']);
  });

  it('startAfter skips the keys up to it', async () => {
    const p = prefix();
    await put(`${p}1`, 'one\n');
    await put(`${p}2`, 'two\n');
    const t = transport(p, { startAfter: `${p}1` });
    await t.open({ role: 'ingress' });
    expect((await readAll(t)).map(text)).toEqual(['two']);
  });

  it('resumes mid-object from the checkpoint in the lane: nothing lost, nothing acknowledged again', async () => {
    const p = prefix();
    const dir = stateDir();
    await put(`${p}x.log`, 'l0\nl1\nl2\nl3\nl4\n');
    await put(`${p}y.log.gz`, gzipSync('g0\ng1\ng2\n'));
    const first = transport(p, { batchMaxMessages: 2 });
    await first.open({ role: 'ingress', stateDir: dir });
    const seen: string[] = [];
    for await (const batch of first.receive({ signal: AbortSignal.timeout(10_000) })) {
      seen.push(...batch.messages.map(text));
      if (seen.length <= 4) await batch.ack(1); // partly: l0, then l2
      if (seen.length >= 4) break;
    }
    await first.close();
    expect(await readCheckpointFile(dir)).toMatchObject({
      key: `${p}x.log`,
      offset: 9,
    });
    const second = transport(p, { batchMaxMessages: 2 });
    await second.open({ role: 'ingress', stateDir: dir });
    const rest: string[] = [];
    for await (const batch of second.receive({ signal: AbortSignal.timeout(10_000) })) {
      rest.push(...batch.messages.map(text));
      if (rest.length === 2) await batch.ack(); // l3, l4
      if (rest.length === 4) await batch.ack(1); // g0 only
      if (rest.length >= 4) break;
    }
    expect(rest).toEqual(['l3', 'l4', 'g0', 'g1']);
    await second.close();
    const third = transport(p);
    await third.open({ role: 'ingress', stateDir: dir });
    expect((await readAll(third)).map(text)).toEqual(['g1', 'g2']);
  });

  it('framing=object: one object per message both ways, any bytes', async () => {
    const p = prefix();
    const sink = transport(p, { framing: 'object' });
    await sink.open({ role: 'egress' });
    const bodies = ['multi\nline\r\n', '', 'third'].map((s) => Buffer.from(s));
    expect(await sink.send(bodies.map((body) => ({ body })))).toEqual({ status: 'ok' });
    const written = await keys(p);
    expect(written).toHaveLength(3);
    expect(written[0]).toMatch(/^.+\/\d{20}-000000$/);
    const source = transport(p, { framing: 'object' });
    await source.open({ role: 'ingress' });
    expect(source.capabilities.framing).toBe('message');
    const got = await readAll(source);
    expect(got.map((m) => Buffer.from(m.body))).toEqual(bodies);
    expect(got[0]?.id).toBe(written[0]);
  });

  it('egress: one newline-delimited object per batch, gzip when asked, keys increasing', async () => {
    const p = prefix();
    const sink = transport(p, { compression: 'gzip' });
    await sink.open({ role: 'egress', stateDir: stateDir() });
    const batch = (from: number) =>
      Array.from({ length: 3 }, (_, i) => ({ body: Buffer.from(`m${from + i}`) }));
    expect(await sink.send(batch(0))).toEqual({ status: 'ok' });
    expect(await sink.send(batch(3))).toEqual({ status: 'ok' });
    const written = await keys(p);
    expect(written).toHaveLength(2);
    expect(written[0]).toMatch(/^.+\/\d{20}\.ndjson\.gz$/);
    expect(written.slice().sort()).toEqual(written);
    expect(gunzipSync(await get(written[0] as string)).toString()).toBe('m0\nm1\nm2\n');
    const source = transport(p);
    await source.open({ role: 'ingress' });
    expect((await readAll(source)).map(text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('egress: a body line framing cannot carry fails alone; the rest is written', async () => {
    const p = prefix();
    const sink = transport(p);
    await sink.open({ role: 'egress' });
    const result = await sink.send([
      { body: Buffer.from('ok1') },
      { body: Buffer.from('bad\nline') },
      { body: Buffer.from('ok2') },
    ]);
    expect(result.status).toBe('partial');
    if (result.status === 'partial') {
      expect(result.rejected.map((r) => [r.index, r.error.code])).toEqual([[1, 'invalid-input']]);
    }
    expect((await get((await keys(p))[0] as string)).toString()).toBe('ok1\nok2\n');
  });

  it('egress: a batch over multipartThresholdBytes goes as a multipart upload, intact', async () => {
    const p = prefix();
    const sink = transport(p, {
      multipartThresholdBytes: 5 * 1024 * 1024,
      partSizeBytes: 5 * 1024 * 1024,
    });
    await sink.open({ role: 'egress' });
    const line = 'x'.repeat(1023);
    const batch = Array.from({ length: 6 * 1024 }, (_, i) => ({
      body: Buffer.from(`${String(i).padStart(6, '0')}${line.slice(6)}`),
    }));
    expect(await sink.send(batch)).toEqual({ status: 'ok' });
    const [key] = await keys(p);
    const body = await get(key as string);
    expect(body.length).toBe(6 * 1024 * 1024);
    expect(
      body
        .toString()
        .split('\n')
        .slice(0, -1)
        .map((l) => l.slice(0, 6)),
    ).toEqual(batch.map((_, i) => String(i).padStart(6, '0')));
  });

  it('afterAck=delete removes an object once all of it is acknowledged; move copies it first', async () => {
    const p = prefix();
    await put(`${p}a`, 'a1\na2\n');
    await put(`${p}b`, 'b1\n');
    const t = transport(p, { afterAck: 'delete', batchMaxMessages: 1 });
    await t.open({ role: 'ingress', stateDir: stateDir() });
    const it = t.receive({ signal: AbortSignal.timeout(10_000) })[Symbol.asyncIterator]();
    const first = (await it.next()).value;
    await first.ack();
    expect(await keys(p)).toEqual([`${p}a`, `${p}b`]); // a2 not acknowledged yet
    await (await it.next()).value.ack();
    expect(await keys(p)).toEqual([`${p}b`]);
    await it.return?.();

    const q = prefix();
    await put(`${q}in/x`, 'x1\n');
    const mover = transport(`${q}in/`, { afterAck: 'move', moveToPrefix: `${q}done/` });
    await mover.open({ role: 'ingress', stateDir: stateDir() });
    expect((await readAll(mover)).map(text)).toEqual(['x1']);
    // S3Proxy's filesystem backend lists the directory it made for the copy as `done/`.
    expect((await keys(q)).filter((k) => !k.endsWith('/'))).toEqual([`${q}done/x`]);
    expect((await get(`${q}done/x`)).toString()).toBe('x1\n');
  });

  it('afterAck: acknowledging a later batch finishes the objects of the earlier ones too (the loop acks cumulatively)', async () => {
    const p = prefix();
    for (const k of ['a', 'b', 'c']) await put(`${p}${k}`, `${k}1\n`);
    const t = transport(p, { afterAck: 'delete', batchMaxMessages: 1 });
    await t.open({ role: 'ingress', stateDir: stateDir() });
    const it = t.receive({ signal: AbortSignal.timeout(10_000) })[Symbol.asyncIterator]();
    await it.next(); // a: never acked itself
    await it.next(); // b: never acked itself
    const third = (await it.next()).value;
    await third.ack(); // covers a and b
    expect(await keys(p)).toEqual([]);
    await it.return?.();
  });

  it('lag: the bytes after the checkpoint', async () => {
    const p = prefix();
    await put(`${p}a`, 'aaaa\n'); // 5 bytes
    await put(`${p}b`, 'bbbbbbbbb\n'); // 10 bytes
    const t = transport(p);
    await t.open({ role: 'ingress', stateDir: stateDir() });
    expect(await t.lag()).toEqual({ lag: 15, unit: 'bytes' });
    for await (const batch of t.receive({ signal: AbortSignal.timeout(10_000) })) {
      await batch.ack();
      break;
    }
    expect(await t.lag()).toEqual({ lag: 15, unit: 'bytes' }); // a listing: at most every 2 s
    await new Promise((r) => setTimeout(r, 2000));
    expect(await t.lag()).toEqual({ lag: 10, unit: 'bytes' });
  });
});
