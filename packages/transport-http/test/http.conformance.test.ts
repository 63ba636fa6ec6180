import {
  type ConformanceContext,
  describeTransportConformance,
} from '@edgeplane/adapter-conformance';
import type {
  SendResult,
  Transport,
  TransportCapabilities,
} from '@edgeplane/adapter-loop/transport';
import { expect, it } from 'vitest';
import {
  createHttpTransport,
  type HttpTransport,
  type HttpTransportOptions,
  httpTransport,
} from '../src/index.js';
import { type PortBook, portBook } from './support/ports.js';

/**
 * The HTTP transport against itself over real loopback sockets: the source is an HTTP server on
 * the namespace's port, the sink POSTs to it; the sink's `ok` is the source's acknowledgement
 * (`handoff: 'synchronous'`). The independent peers (plain `node:http` client and server) are in
 * peers.test.ts. Two suites: `message` framing (one request per message, keys and headers carried)
 * and NDJSON (one request per batch, lines).
 *
 * The suite's own poison, line-framing and reconnect cases run too (`interrupt` drops every
 * connection of the source); `extra` adds push-specific versions (a connection dropped while a
 * send is in flight).
 */
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function sendWhileDraining<S>(
  ctx: ConformanceContext<S>,
  sink: Transport,
  source: Transport,
  batch: Parameters<NonNullable<Transport['send']>>[0],
  expect: number,
): Promise<{ result: SendResult | undefined; bodies: string[] }> {
  const drained = ctx.drain(source, { count: expect, ack: true });
  const result = await sink.send?.(batch);
  const bodies = (await drained).messages.map((m) => str(m.body));
  return { result, bodies };
}

function suite(name: string, wire: HttpTransportOptions, declares: TransportCapabilities) {
  const create = (server: PortBook, ns: string, role: 'source' | 'sink'): Transport => {
    const port = server.portFor(ns);
    if (role === 'sink')
      return createHttpTransport({ ...wire, url: `http://127.0.0.1:${port}/in` });
    const source = createHttpTransport({ ...wire, listen: `127.0.0.1:${port}`, path: '/in' });
    const list = server.sources.get(ns) ?? [];
    list.push(source);
    server.sources.set(ns, list);
    return source;
  };
  describeTransportConformance<PortBook>({
    transport: name,
    handoff: 'synchronous',
    server: () => portBook(),
    create: ({ server, ns, role }) => create(server, ns, role),
    descriptor: httpTransport,
    createBadOptions: () => ({ listen: 'localhost', url: 'ftp://x' }),
    // Egress: a closed port (the first send is a retryable `unavailable`, connection refused).
    // Ingress: a port another socket holds (`open()` rejects `unavailable`, EADDRINUSE).
    unreachable: ({ server }) =>
      createHttpTransport({
        ...wire,
        url: 'http://127.0.0.1:1/in',
        listen: `127.0.0.1:${server.busyPort}`,
      }),
    declares,
    interrupt: async ({ server, ns }) => {
      for (const source of server.sources.get(ns) ?? [])
        (source as HttpTransport).dropConnections();
    },
    extra: (ctx) => {
      it('push: a body over maxBodyBytes fails alone (too-large), the others are taken in order', async () => {
        const { sink, source } = await ctx.pair();
        const big = new Uint8Array((declares.maxBodyBytes ?? 0) + 1).fill(0x61);
        const { result, bodies } = await sendWhileDraining(
          ctx,
          sink,
          source,
          [{ body: text('before') }, { body: big }, { body: text('after') }],
          2,
        );
        expect(result?.status).toBe('partial');
        if (result?.status === 'partial') {
          expect(result.rejected.map((r) => r.index)).toEqual([1]);
          expect(result.rejected[0]?.error.code).toBe('too-large');
        }
        expect(bodies).toEqual(['before', 'after']);
      });

      if (declares.framing === 'line')
        it('push: a body line framing cannot carry fails alone (invalid-input)', async () => {
          const { sink, source } = await ctx.pair();
          for (const body of ['two\nlines', 'trailing cr\r', '\n']) {
            const { result, bodies } = await sendWhileDraining(
              ctx,
              sink,
              source,
              [
                { body: text(`before ${JSON.stringify(body)}`) },
                { body: text(body) },
                { body: text(`after ${JSON.stringify(body)}`) },
              ],
              2,
            );
            expect(result?.status, JSON.stringify(body)).toBe('partial');
            if (result?.status === 'partial') {
              expect(result.rejected.map((r) => r.index)).toEqual([1]);
              expect(result.rejected[0]?.error.code).toBe('invalid-input');
            }
            expect(bodies).toEqual([
              `before ${JSON.stringify(body)}`,
              `after ${JSON.stringify(body)}`,
            ]);
          }
        });

      it('push: an open source and sink recover from a connection loss (every connection dropped)', async () => {
        const { sink, source } = await ctx.pair();
        const first = await sendWhileDraining(
          ctx,
          sink,
          source,
          [{ body: text('before-0') }, { body: text('before-1') }],
          2,
        );
        expect(first.result?.status).toBe('ok');
        expect(first.bodies).toEqual(['before-0', 'before-1']);
        // Cut every connection of the source while a send is in flight (its response never comes).
        const after = Array.from({ length: 5 }, (_, i) => ({ body: text(`after-${i}`) }));
        const want = new Set(after.map((m) => str(m.body)));
        const controller = new AbortController();
        let cut = false;
        const read = (async () => {
          for await (const batch of source.receive?.({ signal: controller.signal }) ?? []) {
            if (!cut) {
              cut = true;
              (source as HttpTransport).dropConnections();
              continue; // not acknowledged: those requests were dropped, their client resends
            }
            for (const m of batch.messages) want.delete(str(m.body));
            await batch.ack();
            if (want.size === 0) return;
          }
        })();
        let result: SendResult | undefined;
        let failures = 0;
        for (let i = 0; i < 100; i++) {
          result = await sink.send?.(after);
          if (result?.status !== 'retryable') break;
          failures++;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(result?.status).toBe('ok');
        expect(failures, 'the cut was seen as a retryable failure').toBeGreaterThan(0);
        await read;
        controller.abort();
        expect([...want]).toEqual([]);
      });
    },
  });
}

suite(
  'http',
  {},
  {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: false,
    replay: false,
    keys: true,
    headers: true,
    delivery: 'at-least-once',
    framing: 'message',
    maxBodyBytes: 1024 * 1024,
    maxInFlight: 1024,
  },
);

suite(
  'http (ndjson)',
  { framing: 'ndjson', batching: 'ndjson', maxInFlight: 256 },
  {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: false,
    replay: false,
    keys: false,
    headers: false,
    delivery: 'at-least-once',
    framing: 'line',
    maxBodyBytes: 1024 * 1024,
    maxInFlight: 256,
  },
);
