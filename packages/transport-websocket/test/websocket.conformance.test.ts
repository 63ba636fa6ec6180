import {
  bodyText,
  describeTransportConformance,
  numbered,
  text,
} from '@edgeplane/adapter-conformance';
import type { InboundBatch, SendResult, Transport } from '@edgeplane/adapter-loop/transport';
import { expect, it } from 'vitest';
import {
  createWebSocketTransport,
  webSocketCapabilities,
  webSocketTransport,
} from '../src/index.js';
import { COMMON, type PairServer, pairSink, pairSource, startPairServer } from './support/pair.js';

/** Reads `source`, acknowledging each batch, until `done(bodies)` says so or `ms` pass. */
async function readAcking(
  source: Transport,
  done: (bodies: string[]) => boolean,
  ms: number,
): Promise<string[]> {
  const bodies: string[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  for await (const batch of source.receive?.({ signal: controller.signal }) ?? []) {
    bodies.push(...(batch as InboundBatch).messages.map((m) => bodyText(m.body)));
    await batch.ack();
    if (done(bodies)) break;
  }
  clearTimeout(timer);
  return bodies;
}

// The ingress (a listening server) is the egress's peer: the egress's send is ok only once the
// ingress acknowledged every message of the batch (edgeplane.v1), so the handoff is synchronous.
// Both sides are the real transport over a real loopback socket; test/peers.test.ts checks each
// side against an independent `ws` peer.
// `interrupt` cuts the egress's connection through this test's loopback proxy.
describeTransportConformance<PairServer>({
  transport: 'websocket',
  handoff: 'synchronous',
  server: startPairServer,
  create: ({ server, ns, role }) =>
    role === 'source' ? pairSource(server, ns) : pairSink(server, ns),
  descriptor: webSocketTransport,
  createBadOptions: () => ({ url: 'http://127.0.0.1:1/' }),
  unreachable: ({ server }) =>
    createWebSocketTransport({ ...COMMON, url: `ws://127.0.0.1:${server.closedPort}/nowhere` }),
  declares: webSocketCapabilities({
    ackProtocol: 'edgeplane.v1',
    maxInFlight: COMMON.maxInFlight as number,
    maxPayload: COMMON.maxPayload as number,
  }),
  interrupt: async ({ server, ns }) => {
    server.proxies.get(ns)?.cut();
  },
  extra: (ctx) => {
    it('declares at-least-once, keys and headers with edgeplane.v1 (the default)', async () => {
      const t = ctx.track(pairSource(ctx.server(), `${ctx.ns()}-caps`));
      expect(t.capabilities.delivery).toBe('at-least-once');
      expect(t.capabilities.keys && t.capabilities.headers).toBe(true);
      expect(t.capabilities.maxInFlight).toBe(64);
    });

    it('a body over maxPayload fails alone with too-large, before sending; the rest arrive', async () => {
      const { sink, source } = await ctx.pair();
      const big = new Uint8Array((COMMON.maxPayload as number) + 1).fill(0x61);
      const reading = readAcking(source, (b) => b.length >= 2, 10_000);
      const result = (await sink.send?.([
        { body: text('before') },
        { body: big },
        { body: text('after') },
      ])) as SendResult;
      expect(result.status).toBe('partial');
      if (result.status !== 'partial') return;
      expect(result.rejected.map((r) => r.index)).toEqual([1]);
      expect(result.rejected[0]?.error.code).toBe('too-large');
      expect(result.rejected[0]?.error.message).toMatch(
        /^\[transport:websocket\] message 1 of the batch has a body of 2097153 bytes, over the limit \(2097152 bytes\)/,
      );
      expect(await reading).toEqual(['before', 'after']);
    });

    it('recovers from a connection loss: the same open source and sink carry on', async () => {
      const { sink, source } = await ctx.pair();
      const server = ctx.server();
      const want = numbered(30).map((m) => bodyText(m.body));
      const reading = readAcking(source, (b) => want.every((w) => b.includes(w)), 20_000);
      const first = await sink.send?.(numbered(30).slice(0, 10));
      expect(first?.status).toBe('ok');
      server.proxies.get(ctx.ns())?.cut();
      for (const part of [numbered(30).slice(10, 20), numbered(30).slice(20)]) {
        for (let tries = 0; ; tries++) {
          const result = await sink.send?.(part);
          if (result?.status === 'ok') break;
          expect(result?.status, 'after the cut, sends are retryable until reconnected').toBe(
            'retryable',
          );
          expect(tries).toBeLessThan(100);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const got = await reading;
      expect(want.filter((w) => !got.includes(w))).toEqual([]);
      // At-least-once: what was in flight at the cut may come twice, nothing more.
      expect(got.length - want.length).toBeLessThanOrEqual(10);
    });
  },
});
