import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import { MemorySink, MemorySource, spec } from '../../test/memory.js';
import { parseAdapterConfig } from '../config/adapter-config.js';
import { createLoop } from '../loop/create-loop.js';
import type { EgressBatch } from '../loop/egress.js';
import { createStageResolver } from '../stages.js';
import type { InboundMessage } from '../transport/types.js';
import { Capture } from './capture.js';
import { decodeBody } from './records.js';

const inbound = (n: number, from = 0, extra: Partial<InboundMessage> = {}): InboundMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `m${from + i}`,
    origin: `line ${from + i + 1}`,
    body: Buffer.from(`body ${from + i}`),
    ...extra,
  }));

/** Publishes `messages` at sequences from `first`, as the producer does. */
const publish = (c: Capture, messages: InboundMessage[], first: number) =>
  c.ingress(messages, 0, messages.length, first + messages.length - 1);

const batch = (seqs: number[], lastSeq: number, bodies: string[]): EgressBatch => ({
  messages: bodies.map((b) => ({ body: Buffer.from(b) })),
  firstSeq: seqs[0] ?? -1,
  seqs,
  lastSeq,
  rejects: [],
});

describe('Capture', () => {
  it('keeps the last N messages by ring sequence', () => {
    const c = new Capture({ messages: 4, maxBytes: 1 << 20 });
    publish(c, inbound(10), 0);
    const { meta, ingress } = c.records();
    expect(ingress.map((r) => r.seq)).toEqual([6, 7, 8, 9]);
    expect(ingress.map((r) => r.body)).toEqual(['body 6', 'body 7', 'body 8', 'body 9']);
    expect(meta).toMatchObject({ kept: 4, evicted: 6, limit_messages: 4, settled: 0 });
  });

  it('keeps at most maxBytes (bodies, keys, headers; ingress and egress), the oldest go first', () => {
    const c = new Capture({ messages: 100, maxBytes: 2048 });
    const big = (i: number): InboundMessage => ({ id: `m${i}`, body: Buffer.alloc(600, 97 + i) });
    publish(c, [big(0), big(1), big(2)], 0);
    expect(c.records().ingress.map((r) => r.seq)).toEqual([0, 1, 2]);
    publish(c, [big(3)], 3);
    expect(c.records().meta).toMatchObject({ kept: 3, bytes: 1800, evicted: 1 });
    // An egress body that differs counts too: 600 more bytes push out the oldest.
    c.egress(batch([3], 3, ['x'.repeat(600)]), batch([3], 3, ['x'.repeat(600)]).messages);
    const { meta, ingress, egress } = c.records();
    expect(ingress.map((r) => r.seq)).toEqual([2, 3]);
    expect(meta).toMatchObject({ kept: 2, bytes: 1800, evicted: 2 });
    expect(egress).toEqual([{ seq: 3, status: 'sent', body: 'x'.repeat(600) }]);
  });

  it('pairs egress to ingress by sequence: sent, dropped by a stage, refused, not settled', () => {
    const c = new Capture({ messages: 10, maxBytes: 1 << 20 });
    publish(c, inbound(6), 0);
    // seqs 0 and 2 sent (1 dropped), 3 refused by the egress (partial), 4.. not settled yet
    const b = batch([0, 2, 3], 3, ['BODY 0', 'body 2', 'body 3']);
    const rejected = [{ index: 2, error: new EdgeplaneError('too-large', 'x', 'too big') }];
    c.egress(b, b.messages, rejected);
    c.settle(b);
    const { meta, egress } = c.records();
    expect(egress).toEqual([
      { seq: 0, status: 'sent', body: 'BODY 0' },
      { seq: 1, status: 'dropped' },
      { seq: 2, status: 'sent', body: 'body 2' },
      { seq: 3, status: 'rejected', error: '[x] too big', refused_by: 'egress', body: 'body 3' },
    ]);
    expect(meta).toMatchObject({ kept: 6, settled: 4 });
  });

  it('redacts secret-named headers and secret values; binary bodies as base64', () => {
    const c = new Capture({ messages: 10, maxBytes: 1 << 20 }, ['hunter22'], {
      name: 's',
      hash: 'sha256:00',
    });
    const binary = Buffer.from([0xff, 0x00, ...Buffer.from('hunter22'), 0xfe]);
    publish(
      c,
      [
        {
          id: 'a',
          key: 'k',
          headers: { authorization: 'Bearer abc', 'x-trace': 'pw=hunter22', plain: 'v' },
          body: Buffer.from('login with hunter22 ok'),
        },
        { id: 'b', body: binary },
      ],
      0,
    );
    const { meta, ingress } = c.records();
    expect(ingress[0]).toEqual({
      seq: 0,
      id: 'a',
      key: 'k',
      headers: { authorization: '[redacted]', 'x-trace': 'pw=[redacted]', plain: 'v' },
      body: 'login with [redacted] ok',
      redacted: true,
    });
    const bytes = Buffer.from(decodeBody(ingress[1] ?? { body: '' }));
    expect(ingress[1]?.body_base64).toBeDefined();
    expect(bytes).toEqual(Buffer.from([0xff, 0x00, ...Buffer.from('[redacted]'), 0xfe]));
    expect(JSON.stringify(ingress)).not.toContain('hunter22');
    expect(meta).toMatchObject({ spec_name: 's', spec_hash: 'sha256:00' });
  });
});

describe('createLoop({ capture })', () => {
  const stages = createStageResolver({
    // drops odd lines, upper-cases the rest
    shout: () => ({
      key: 'shout',
      process: (ms) =>
        ms.map((m) =>
          Number(Buffer.from(m.body).toString().split(' ')[1]) % 2
            ? null
            : { ...m, body: Buffer.from(Buffer.from(m.body).toString().toUpperCase()) },
        ),
    }),
  });

  it('writes ingress and what the egress took for each into <lane>/capture/', async () => {
    const lanePath = await mkdtemp(join(tmpdir(), 'ep-capture-'));
    const bodies = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    const result = await createLoop({
      spec: spec([{ id: 's0', stage: 'shout', dependsOn: [] }]),
      stages,
      ingress: { transport: new MemorySource(bodies, 7) },
      egress: { transport: new MemorySink() },
      batch: { maxMessages: 8 },
      lanePath,
      capture: { messages: 20, maxBytes: 1 << 20 },
    }).run();
    expect(result.state).toBe('stopped');
    const read = (f: string) => readFile(join(lanePath, 'capture', f), 'utf8');
    const ingress = (await read('ingress.ndjson'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const egress = (await read('egress.ndjson'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ingress.map((r) => r.body)).toEqual(bodies.slice(30));
    expect(ingress[0]).toEqual({ seq: 30, id: 'm30', position: '31', body: 'line 30' });
    expect(egress.slice(0, 2)).toEqual([
      { seq: 30, status: 'sent', body: 'LINE 30' },
      { seq: 31, status: 'dropped' },
    ]);
    expect(egress).toHaveLength(20);
    expect(JSON.parse(await read('capture.json'))).toMatchObject({ kept: 20, settled: 20 });
  });

  it('is off without `capture`, and refused without a lane path', async () => {
    const lanePath = await mkdtemp(join(tmpdir(), 'ep-capture-'));
    await createLoop({
      spec: spec(),
      ingress: { transport: new MemorySource(['a']) },
      egress: { transport: new MemorySink() },
      lanePath,
    }).run();
    expect(existsSync(join(lanePath, 'capture'))).toBe(false);
    expect(() =>
      createLoop({
        spec: spec(),
        ingress: { transport: new MemorySource(['a']) },
        egress: { transport: new MemorySink() },
        capture: { messages: 10, maxBytes: 4096 },
      }),
    ).toThrow('capture: capture is written into the lane path, and no lanePath is given');
  });
});

describe('loop.captureMessages / loop.captureMaxBytes', () => {
  const base =
    'ingress.transport=file\ningress.path=in.log\negress.transport=file\negress.path=out.log\n';
  const parse = (extra: string) => parseAdapterConfig(`${base}${extra}`, { env: {} }).loop;

  it('off by default (0), 16 MiB; ranges checked naming the key', () => {
    expect(parse('')).toMatchObject({ captureMessages: 0, captureMaxBytes: 16 * 1024 * 1024 });
    expect(parse('loop.captureMessages=500\nloop.captureMaxBytes=4096\n')).toMatchObject({
      captureMessages: 500,
      captureMaxBytes: 4096,
    });
    expect(() => parse('loop.captureMessages=100001\n')).toThrow(
      'adapters.kv:5:22: loop.captureMessages: expected an integer in [0, 100000], got "100001"',
    );
  });
});
