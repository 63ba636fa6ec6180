import { describeTransportConformance } from '@edgeplane/adapter-conformance';
import { type MachineTestServer, redisServer } from '@edgeplane/test-servers';
import { afterAll } from 'vitest';
import { createRedisStreamsTransport, redisStreamsTransport } from '../src/index.js';
import { deleteKeys } from './support/redis.js';

const streams: string[] = [];
const MAX_BODY = 1024 * 1024;

describeTransportConformance<MachineTestServer>({
  transport: 'redis-streams',
  server: redisServer(),
  // Source and sink of a test share the stream named by the namespace. The source's consumer name
  // is the default one: made once and kept in the per-test stateDir, so a reopen within the test
  // (redelivery) is the same consumer and reads its own pending entries first.
  create: ({ server, ns }) => {
    streams.push(ns);
    // A small `maxBodyBytes`, so the poison case sends 1 MiB + 1 bytes, not 512 MiB + 1.
    return createRedisStreamsTransport({
      url: server.url,
      stream: ns,
      group: 'conformance',
      maxBodyBytes: MAX_BODY,
    });
  },
  descriptor: redisStreamsTransport,
  createBadOptions: () => ({ stream: 'x', batchMaxMessages: 0 }),
  unreachable: ({ ns }) =>
    createRedisStreamsTransport({
      url: 'redis://127.0.0.1:1',
      stream: ns,
      connectTimeoutMs: 2000,
      maxBodyBytes: MAX_BODY,
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
    maxBodyBytes: MAX_BODY,
  },
});

afterAll(async () => {
  const { url } = await redisServer()();
  await deleteKeys(url, streams);
});
