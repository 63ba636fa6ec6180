import { describeTransportConformance } from '@edgeplane/adapter-conformance';
import type { RabbitmqStreamTestServer } from '@edgeplane/test-servers';
import { createRabbitmqStreamsTransport, rabbitmqStreamsTransport } from '../src/index.js';
import { broker, deleteStreams } from './support/broker.js';

/** Every test's stream (its namespace), deleted when the suite stops the "server". */
const created = new Set<string>();

describeTransportConformance<RabbitmqStreamTestServer>({
  transport: 'rabbitmq-streams',
  server: async () => {
    const server = await broker();
    return { ...server, stop: () => deleteStreams(server, created) };
  },
  // One stream per test; the source tracks its offset as `conformance`, the sink publishes as
  // `conformance` (deduplicated publishing ids).
  create: ({ server, ns }) => {
    created.add(ns);
    return createRabbitmqStreamsTransport({
      url: server.url,
      stream: ns,
      consumerName: 'conformance',
      publisherRef: 'conformance',
    });
  },
  descriptor: rabbitmqStreamsTransport,
  createBadOptions: () => ({
    url: 'rabbitmq-stream://127.0.0.1:5552',
    stream: 'x',
    prefetchChunks: 0,
  }),
  // Nothing listens on port 1: open() fails with ECONNREFUSED → `unavailable`.
  unreachable: ({ ns }) =>
    createRabbitmqStreamsTransport({
      url: 'rabbitmq-stream://127.0.0.1:1',
      stream: ns,
      consumerName: 'conformance',
    }),
  declares: {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: true,
    replay: true,
    keys: true,
    headers: true,
    delivery: 'at-least-once',
    framing: 'message',
    maxBodyBytes: 1024 * 1024 - 4096,
  },
});
