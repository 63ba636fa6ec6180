import { randomBytes } from 'node:crypto';
import {
  type ConnectionState,
  type InboundBatch,
  isEdgeplaneError,
  type OutboundMessage,
} from '@edgeplane/adapter-loop/transport';
import type { RabbitmqStreamTestServer } from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamClient } from '../src/client.js';
import {
  createRabbitmqStreamsTransport,
  type RabbitmqStreamsTransport,
  type RabbitmqStreamsTransportOptions,
} from '../src/index.js';
import { broker, deleteStreams } from './support/broker.js';
import { startProxy, type TcpProxy } from './support/proxy.js';

const text = (b: Uint8Array) => Buffer.from(b).toString();
const numbered = (n: number, prefix = 'm'): OutboundMessage[] =>
  Array.from({ length: n }, (_, i) => ({ body: Buffer.from(`${prefix}-${i}`) }));

describe('rabbitmq-streams transport against the real broker', () => {
  let server: RabbitmqStreamTestServer;
  let proxy: TcpProxy;
  const streams = new Set<string>();
  const open: RabbitmqStreamsTransport[] = [];

  beforeAll(async () => {
    server = await broker();
    proxy = await startProxy(server.port);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    await proxy.close();
    await deleteStreams(server, streams);
  });

  const newStream = () => {
    const stream = `ep-rmq-test-${randomBytes(4).toString('hex')}`;
    streams.add(stream);
    return stream;
  };
  /** A transport on the broker, or through the proxy (`via: 'proxy'`). */
  const make = (
    options: Partial<RabbitmqStreamsTransportOptions> & { stream: string },
    via: 'direct' | 'proxy' = 'direct',
  ) => {
    const port = via === 'proxy' ? proxy.port : server.port;
    const t = createRabbitmqStreamsTransport({
      url: `rabbitmq-stream://${server.username}:${server.password}@127.0.0.1:${port}/`,
      loadBalancer: via === 'proxy',
      reconnectMinDelayMs: 50,
      reconnectMaxDelayMs: 300,
      ...options,
    });
    open.push(t);
    return t;
  };
  /** Receives until `count` messages arrived (acking each batch when `ack`). */
  const take = async (t: RabbitmqStreamsTransport, count: number, ack = false, from?: string) => {
    const got: string[] = [];
    const batches: InboundBatch[] = [];
    for await (const batch of t.receive({ from, signal: AbortSignal.timeout(15_000) })) {
      batches.push(batch);
      got.push(...batch.messages.map((m) => text(m.body)));
      if (ack) await batch.ack();
      if (got.length >= count) break;
    }
    return { got, batches };
  };
  /** Sends `batch` again while the result is retryable (as the loop does), for up to 10 s. */
  const sendUntilDone = async (t: RabbitmqStreamsTransport, batch: readonly OutboundMessage[]) => {
    const started = Date.now();
    for (;;) {
      const result = await t.send(batch);
      if (result.status !== 'retryable' || Date.now() - started > 10_000) return result;
      await new Promise((r) => setTimeout(r, result.retryAfterMs ?? 50));
    }
  };
  /** Every body in the stream (and nothing more within 500 ms), read by a fresh consumer. */
  const contents = async (stream: string, expected: number) => {
    const reader = make({ stream, consumerName: `reader-${randomBytes(3).toString('hex')}` });
    const got: string[] = [];
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 15_000);
    for await (const batch of reader.receive({ signal: stop.signal })) {
      got.push(...batch.messages.map((m) => text(m.body)));
      if (got.length >= expected) {
        clearTimeout(timer);
        setTimeout(() => stop.abort(), 500);
      }
    }
    clearTimeout(timer);
    return got;
  };

  it('ack resolves once the offset is stored: a fresh client reads it back', async () => {
    const stream = newStream();
    const sink = make({ stream });
    await sink.send(numbered(30));
    const source = make({ stream, consumerName: 'durable' });
    const { batches } = await take(source, 30);
    const all = batches.flatMap((b) => b.messages);
    const batch = batches[0] as InboundBatch;
    await batch.ack(Math.min(7, batch.messages.length));
    const client = await streamClient().connect({
      hostname: server.host,
      port: server.port,
      username: server.username,
      password: server.password,
      vhost: server.vhost,
    });
    const stored = await client.queryOffset({ reference: 'durable', stream });
    await client.close();
    expect(String(stored)).toBe(all[Math.min(7, batch.messages.length) - 1]?.position);
  });

  it('ack keeps working after the receive iteration ended, until close()', async () => {
    const stream = newStream();
    await make({ stream }).send(numbered(5));
    const source = make({ stream, consumerName: 'late' });
    const { batches } = await take(source, 5);
    await (batches.at(-1) as InboundBatch).ack();
    const again = make({ stream, consumerName: 'late' });
    await make({ stream }).send([{ body: Buffer.from('after') }]);
    expect((await take(again, 1)).got).toEqual(['after']);
  });

  it('a batch whose confirms did not come in time is retried on a new connection with the same ids: one copy', async () => {
    const stream = newStream();
    const sink = make({ stream, publisherRef: 'dedup', confirmTimeoutMs: 400 }, 'proxy');
    await sink.open({ role: 'egress' });
    const batch = numbered(50, 'd');
    proxy.holdReplies(true);
    const first = await sink.send(batch);
    proxy.holdReplies(false);
    expect(first.status).toBe('retryable');
    expect(first.status === 'retryable' && first.error.code).toBe('timeout');
    expect((await sendUntilDone(sink, batch)).status).toBe('ok');
    expect((await sink.send(numbered(3, 'e'))).status).toBe('ok');
    const got = await contents(stream, 53);
    expect(got).toEqual([...batch, ...numbered(3, 'e')].map((m) => text(m.body)));
  });

  it('a connection lost while a batch waits for its confirms: retryable, then ok from the queried last id, one copy', async () => {
    const stream = newStream();
    const states: ConnectionState[] = [];
    const sink = make({ stream, publisherRef: 'resume' }, 'proxy');
    await sink.open({ role: 'egress', onStateChange: (s) => states.push(s) });
    const batch = numbered(40, 'r');
    proxy.holdReplies(true);
    const sending = sink.send(batch);
    await new Promise((r) => setTimeout(r, 200)); // the frames reach the broker; confirms are held
    proxy.holdReplies(false);
    proxy.cut();
    const first = await sending;
    expect(first.status === 'retryable' && first.error.code).toBe('unavailable');
    expect((await sendUntilDone(sink, batch)).status).toBe('ok');
    expect(states).toEqual(['reconnecting', 'ready']);
    expect(await contents(stream, 40)).toEqual(batch.map((m) => text(m.body)));
  });

  it('a lost connection mid-receive: reconnecting → ready, and receive resumes after the last yielded message', async () => {
    const stream = newStream();
    await make({ stream }).send(numbered(1000, 'x'));
    const states: [ConnectionState, string | undefined][] = [];
    const source = make({ stream, consumerName: 'resume', batchMaxMessages: 100 }, 'proxy');
    await source.open({ role: 'ingress', onStateChange: (s, e) => states.push([s, e?.code]) });
    const got: string[] = [];
    let cut = false;
    for await (const batch of source.receive({ signal: AbortSignal.timeout(20_000) })) {
      got.push(...batch.messages.map((m) => text(m.body)));
      await batch.ack();
      if (!cut) {
        cut = true;
        proxy.cut();
      }
      if (got.length >= 1000) break;
    }
    expect(got).toEqual(numbered(1000, 'x').map((m) => text(m.body)));
    expect(states[0]).toEqual(['reconnecting', 'unavailable']);
    expect(states.at(-1)).toEqual(['ready', undefined]);
  });

  it('send while the broker is unreachable is retryable, with a retryAfterMs hint', async () => {
    const stream = newStream();
    const sink = make({ stream, publisherRef: 'gone' }, 'proxy');
    await sink.open({ role: 'egress' });
    proxy.cut();
    const result = await sink.send(numbered(1));
    expect(result.status).toBe('retryable');
    if (result.status === 'retryable') {
      expect(result.error.code).toBe('unavailable');
      expect(result.retryAfterMs).toBeGreaterThan(0);
    }
  });

  it('createStream=false on a missing stream: open() fails not-found', async () => {
    const t = make({ stream: newStream(), createStream: false });
    const error = await t.open({ role: 'egress' }).catch((e: unknown) => e);
    expect(isEdgeplaneError(error) && error.code).toBe('not-found');
    expect((error as Error).message).toMatch(/stream does not exist \(response code 2\)$/);
  });

  it('an ingress without consumerName fails invalid-config at open(), naming the option', async () => {
    const t = make({ stream: 'never-created' });
    const error = await t.open({ role: 'ingress' }).catch((e: unknown) => e);
    expect(isEdgeplaneError(error) && error.code).toBe('invalid-config');
    expect((error as Error).message).toContain('`consumerName`');
  });

  it('a message too large for one frame fails alone (partial, too-large); the others are written in order, with their origin', async () => {
    const stream = newStream();
    const sink = make({ stream });
    const result = await sink.send([
      { body: Buffer.from('fits') },
      { body: Buffer.alloc(1024 * 1024), headers: { big: 'x'.repeat(10) } },
      { body: Buffer.from('after') },
    ]);
    expect(result).toMatchObject({
      status: 'partial',
      rejected: [{ index: 1, error: { code: 'too-large' } }],
    });
    expect(result.status === 'partial' && result.rejected).toHaveLength(1);
    await sink.send([{ body: Buffer.from('next') }]);
    expect(await contents(stream, 3)).toEqual(['fits', 'after', 'next']);
    const source = make({ stream, consumerName: 'origin' });
    await source.open({ role: 'ingress' });
    const { batches } = await take(source, 3);
    expect(batches[0]?.messages[0]?.origin).toMatch(new RegExp(`^stream ${stream} offset \\d+$`));
  });

  it('lag: messages between the stored offset and the end of the stream', async () => {
    const stream = newStream();
    const sink = make({ stream });
    await sink.send(numbered(100));
    const source = make({ stream, consumerName: 'lagging' });
    await source.open({ role: 'ingress' });
    expect(await source.lag()).toEqual({ lag: 100 });
    const { batches } = await take(source, 100);
    await (batches[0] as InboundBatch).ack(10);
    expect(await source.lag()).toEqual({ lag: 90 });
    await sink.send(numbered(5, 'more'));
    // The offset store took an offset of its own (RabbitMQ writes it into the stream): it counts.
    // The tail is re-read at most every 5 s; meanwhile what the consumer saw moves it on.
    const deadline = Date.now() + 3000;
    while ((await source.lag()).lag !== 96 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await source.lag()).toEqual({ lag: 96 });
    expect(await make({ stream }).lag()).toEqual({ lag: 106 });
  });

  it('offset=next starts after what was there at open(); offset=<n> starts at n', async () => {
    const stream = newStream();
    const sink = make({ stream });
    await sink.send(numbered(3, 'old'));
    const next = make({ stream, consumerName: 'n', offset: 'next' });
    await next.open({ role: 'ingress' });
    await sink.send(numbered(2, 'new'));
    expect((await take(next, 2)).got).toEqual(['new-0', 'new-1']);
    const at = make({ stream, consumerName: 'at', offset: 1 });
    expect((await take(at, 4)).got).toEqual(['old-1', 'old-2', 'new-0', 'new-1']);
  });
});
