import { bodyText, describeTransportConformance, numbered } from '@edgeplane/adapter-conformance';
import { natsServer } from '@edgeplane/test-servers';
import { expect, it } from 'vitest';
import { createNatsTransport, natsCapabilities, natsTransport } from '../src/index.js';
import { deleteStreams } from './support.js';

/** The machine's NATS (JetStream on), or `EDGEPLANE_NATS_URL`; a missing server fails the suite. */
interface Nats {
  readonly url: string;
}

/** Streams created by the JetStream suite, deleted when it ends (JetStream keeps them on disk). */
const streams = new Set<string>();

describeTransportConformance<Nats>({
  transport: 'nats (jetstream)',
  server: async () => {
    const server = await natsServer()();
    return {
      ...server,
      stop: async () => {
        await deleteStreams(server.url, streams);
        await server.stop();
      },
    };
  },
  // One stream per test (its namespace), taking subject `<ns>`; the durable is created on first
  // open and shared by every reopen in the test.
  create: ({ server, ns }) => {
    streams.add(ns);
    return createNatsTransport({
      servers: server.url,
      stream: ns,
      subject: ns,
      durable: 'conformance',
      createStream: true,
      createConsumer: true,
    });
  },
  descriptor: natsTransport,
  createBadOptions: () => ({ servers: 'nats://127.0.0.1:4222', subject: 'no-stream' }),
  unreachable: ({ ns }) =>
    createNatsTransport({
      servers: 'nats://127.0.0.1:1',
      stream: ns,
      subject: ns,
      durable: 'x',
      connectTimeoutMs: 2000,
    }),
  declares: {
    source: true,
    sink: true,
    ordering: 'none',
    redelivery: true,
    replay: true,
    keys: true,
    headers: true,
    delivery: 'at-least-once',
    framing: 'message',
    maxBodyBytes: 1_044_480,
  },
  extra: (ctx) => {
    it('natsCapabilities() matches the declarations for both modes', () => {
      expect(natsCapabilities({})).toEqual(natsCapabilities({ mode: 'jetstream' }));
      expect(natsCapabilities({ mode: 'core' })).toMatchObject({
        redelivery: false,
        replay: false,
        delivery: 'at-most-once',
      });
    });

    it('uses the stream sequence as position and <stream>:<seq> as id', async () => {
      const { source } = await ctx.pair();
      await ctx.seed(numbered(3));
      const { messages } = await ctx.drain(source, { count: 3 });
      expect(messages.map((m) => m.position)).toEqual(['1', '2', '3']);
      expect(messages.map((m) => m.id)).toEqual([1, 2, 3].map((n) => `${ctx.ns()}:${n}`));
    });

    it('delivers in stream order while nothing fails (observed, not promised)', async () => {
      const { source } = await ctx.pair();
      await ctx.seed(numbered(1000), 97);
      const { messages } = await ctx.drain(source, { count: 1000, ack: true });
      expect(messages.map((m) => bodyText(m.body))).toEqual(
        numbered(1000).map((m) => bodyText(m.body)),
      );
    });

    it('a batch sent twice is stored once (Nats-Msg-Id from the inbound id)', async () => {
      const { source } = await ctx.pair();
      const batch = numbered(5).map((m, i) => ({ ...m, id: `input@${i}` }));
      await ctx.seed(batch);
      await ctx.seed(batch);
      await ctx.seed([{ body: new TextEncoder().encode('after') }]);
      const { messages } = await ctx.drain(source, { count: 6 });
      expect(messages.map((m) => bodyText(m.body))).toEqual([
        ...batch.map((m) => bodyText(m.body)),
        'after',
      ]);
    });
  },
});

describeTransportConformance<Nats>({
  transport: 'nats (core)',
  server: natsServer(),
  create: ({ server, ns }) =>
    createNatsTransport({ servers: server.url, mode: 'core', subject: ns }),
  descriptor: natsTransport,
  createBadOptions: () => ({ servers: 'nats://127.0.0.1:4222', mode: 'core', subject: 'a b' }),
  unreachable: ({ ns }) =>
    createNatsTransport({
      servers: 'nats://127.0.0.1:1',
      mode: 'core',
      subject: ns,
      connectTimeoutMs: 2000,
    }),
  declares: {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: false,
    replay: false,
    keys: true,
    headers: true,
    delivery: 'at-most-once',
    framing: 'message',
    maxBodyBytes: 1_044_480,
  },
});
