import { randomBytes } from 'node:crypto';
import {
  type ConnectionState,
  type EdgeplaneError,
  type InboundBatch,
  isEdgeplaneError,
  type Transport,
} from '@edgeplane/adapter-loop/transport';
import { natsServer } from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNatsTransport, type NatsTransportOptions } from '../src/index.js';
import { deleteStreams, privateNats, readStream, seed, sleep } from './support.js';

/** Transport behaviour beyond the conformance suite, against the real server. */
let url = '';
const streams = new Set<string>();
const opened: Transport[] = [];
const unique = () => {
  const name = `ep-nats-t-${randomBytes(4).toString('hex')}`;
  streams.add(name);
  return name;
};
const nats = (options: Omit<NatsTransportOptions, 'servers'> & { servers?: string }) => {
  const t = createNatsTransport({ servers: url, ...options });
  opened.push(t);
  return t;
};
const text = (s: string) => new TextEncoder().encode(s);

async function rejection(p: Promise<unknown>): Promise<EdgeplaneError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEdgeplaneError(error)) throw new Error(`expected an EdgeplaneError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  url = (await natsServer()()).url;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});
afterAll(async () => {
  await deleteStreams(url, streams);
});

describe('nats transport against the server', () => {
  it('a missing stream is not-found unless createStream', async () => {
    const s = unique();
    const error = await rejection(nats({ stream: s, subject: s }).open({ role: 'egress' }));
    expect(error.code).toBe('not-found');
    expect(error.message).toBe(`[transport:nats] cannot use stream ${s}: stream not found (10059)`);
    expect(error.hint).toBe('create the stream, or set `createStream=true`');
    await nats({ stream: s, subject: s, createStream: true }).open({ role: 'egress' });
  });

  it('a missing consumer is not-found unless createConsumer; a source needs durable', async () => {
    const s = unique();
    const missing = await rejection(
      nats({ stream: s, subject: s, durable: 'd', createStream: true }).open({ role: 'ingress' }),
    );
    expect(missing.code).toBe('not-found');
    expect(missing.message).toBe(
      `[transport:nats] cannot use consumer d of stream ${s}: consumer not found (10014)`,
    );
    const noDurable = await rejection(nats({ stream: s, subject: s }).open({ role: 'ingress' }));
    expect(noDurable.code).toBe('invalid-config');
    expect(noDurable.details?.option).toBe('durable');
    await nats({ stream: s, subject: s, durable: 'd', createConsumer: true }).open({
      role: 'ingress',
    });
  });

  it('a sink whose subject the stream does not take is invalid-config at open', async () => {
    const s = unique();
    await nats({ stream: s, subject: s, createStream: true }).open({ role: 'egress' });
    const error = await rejection(
      nats({ stream: s, subject: `${s}.other` }).open({ role: 'egress' }),
    );
    expect(error.code).toBe('invalid-config');
    expect(error.message).toBe(
      `[transport:nats] stream ${s} does not take subject ${s}.other (its subjects: ${s})`,
    );
  });

  it('a body over maxBodyBytes or a bad header name fails alone; the rest is stored, in order', async () => {
    const s = unique();
    const sink = nats({ stream: s, subject: s, createStream: true, maxBodyBytes: 10 });
    await sink.open({ role: 'egress' });
    const big = await sink.send([{ body: text('ok') }, { body: new Uint8Array(11) }]);
    expect(big).toMatchObject({ status: 'partial', rejected: [{ index: 1 }] });
    if (big.status === 'partial') {
      expect(big.rejected[0]?.error.code).toBe('too-large');
      expect(big.rejected[0]?.error.message).toBe(
        '[transport:nats] message 1 of the batch has 11 bytes, over `maxBodyBytes` (10)',
      );
    }
    const header = await sink.send([
      { body: text('ok'), headers: { 'bad name': 'x' } },
      { body: text('ok2') },
    ]);
    expect(header).toMatchObject({ status: 'partial', rejected: [{ index: 0 }] });
    if (header.status === 'partial') expect(header.rejected[0]?.error.code).toBe('invalid-input');
    expect(await readStream(url, s)).toEqual(['ok', 'ok2']);
    const lag = nats({ stream: s, subject: s, durable: 'd', createConsumer: true });
    await lag.open({ role: 'ingress' });
    expect(await lag.lag()).toEqual({ lag: 2 });
    const first = await lag
      .receive({ signal: AbortSignal.timeout(5_000) })
      [Symbol.asyncIterator]()
      .next();
    expect(first.done).toBe(false);
    if (!first.done)
      expect(first.value.messages[0]?.origin).toBe(`stream ${s} sequence 1 (subject ${s})`);
  });

  it('lag is num_pending + num_ack_pending of the durable', async () => {
    const s = unique();
    await seed(url, s, s, ['a', 'b', 'c', 'd']);
    const source = nats({ stream: s, subject: s, durable: 'd', createConsumer: true });
    await source.open({ role: 'ingress' });
    expect(await source.lag()).toEqual({ lag: 4 });
    const controller = new AbortController();
    for await (const batch of source.receive({ signal: controller.signal })) {
      await batch.ack(batch.messages.length);
      if (batch.messages.at(-1)?.position === '4') break;
    }
    expect(await source.lag()).toEqual({ lag: 0 });
  });

  it('core: nack() puts the rest back in front; a full buffer drops and counts', async () => {
    const subject = unique();
    const source = nats({ mode: 'core', subject, coreBufferMessages: 5, batchMaxMessages: 3 });
    const sink = nats({ mode: 'core', subject });
    await source.open({ role: 'ingress' });
    await sink.open({ role: 'egress' });
    await sink.send(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((b) => ({ body: text(b) })));
    await sleep(200);
    expect(source.dropped).toBe(2);
    const seen: string[] = [];
    let nacked = false;
    for await (const batch of source.receive({ signal: AbortSignal.timeout(2000) })) {
      seen.push(...batch.messages.map((m) => new TextDecoder().decode(m.body)));
      if (!nacked) {
        nacked = true;
        await batch.ack(1);
        await batch.nack();
      } else if (seen.length >= 8) break;
    }
    expect(seen).toEqual(['a', 'b', 'c', 'b', 'c', 'd', 'e']);
  });
});

describe('nats transport against a private nats-server', () => {
  it('bad credentials are unauthenticated, and the password is never in the message', async () => {
    const server = await privateNats(['--user', 'alice', '--pass', 'right-password']);
    try {
      const t = nats({
        servers: server.url,
        mode: 'core',
        subject: 'x',
        user: 'alice',
        password: 'wrong-password',
      });
      const error = await rejection(t.open({ role: 'egress' }));
      expect(error.code).toBe('unauthenticated');
      expect(error.message).toMatch(
        /^\[transport:nats\] cannot connect to nats:\/\/127\.0\.0\.1:\d+: /,
      );
      expect(JSON.stringify({ m: error.message, d: error.details, h: error.hint })).not.toMatch(
        /wrong-password|right-password/,
      );
      const inUrl = nats({
        servers: server.url.replace('nats://', 'nats://alice:wrong-password@'),
        mode: 'core',
        subject: 'x',
      });
      const urlError = await rejection(inUrl.open({ role: 'egress' }));
      expect(urlError.code).toBe('unauthenticated');
      expect(urlError.message).not.toMatch(/wrong-password|alice/);
      const ok = nats({
        servers: server.url,
        mode: 'core',
        subject: 'x',
        user: 'alice',
        password: 'right-password',
      });
      await ok.open({ role: 'egress' });
    } finally {
      await server.dispose();
    }
  });

  it('reports reconnecting, then ready, and an ack taken while the server was down is confirmed after', async () => {
    const server = await privateNats();
    try {
      await seed(server.url, 'S', 'S', ['one', 'two']);
      const states: [ConnectionState, string | undefined][] = [];
      const source = nats({
        servers: server.url,
        stream: 'S',
        subject: 'S',
        durable: 'd',
        createConsumer: true,
        reconnectTimeWaitMs: 100,
      });
      await source.open({ role: 'ingress', onStateChange: (s, e) => states.push([s, e?.code]) });
      const controller = new AbortController();
      const iterator = source.receive({ signal: controller.signal })[Symbol.asyncIterator]();
      const first = await iterator.next();
      const batch = first.value as InboundBatch | undefined;
      expect(batch?.messages.map((m) => m.position)).toEqual(['1', '2']);
      await server.stop();
      const acking = batch?.ack();
      await sleep(500);
      await server.start();
      await acking;
      expect(states).toContainEqual(['reconnecting', 'unavailable']);
      expect(states.at(-1)?.[0]).toBe('ready');
      controller.abort();
      await iterator.return?.(undefined);
      expect(await source.lag()).toEqual({ lag: 0 });
    } finally {
      await server.dispose();
    }
  }, 60_000);
});
