import { type DisposablePrivateServer, privateNats } from '@edgeplane/test-servers';
import { createNatsTransport } from '@edgeplane/transport-nats';
import { connect } from 'nats';
import { afterAll, beforeAll, describe } from 'vitest';
import { type FaultTarget, faultCases, sourceFaultCases } from './harness.js';

let server: DisposablePrivateServer;

describe('faults: file → nats (JetStream) on a private nats-server', () => {
  beforeAll(async () => {
    server = await privateNats();
  }, 30_000);
  afterAll(() => server?.dispose());

  const target = (): FaultTarget => ({
    transport: 'nats',
    server,
    sinkOptions: (ns) => ({
      servers: server.url,
      stream: ns,
      subject: `${ns}.in`,
      createStream: 'true',
    }),
    reader: (ns) =>
      createNatsTransport({
        servers: server.url,
        stream: ns,
        subject: `${ns}.in`,
        durable: 'verify',
        createConsumer: true,
      }),
    refuseCredentials: async () => {
      await server.stop();
      await server.start(['--user', 'someone', '--pass', 'changed-password']);
    },
    restoreCredentials: async () => {
      await server.stop();
      await server.start();
    },
    authMessage: /Authorization Violation|AUTHORIZATION_VIOLATION|authorization/i,
    sourceOptions: (ns) => ({
      servers: server.url,
      stream: ns,
      subject: `${ns}.in`,
      durable: 'run',
      createConsumer: 'true',
    }),
    deleteSourceState: async (ns) => {
      const nc = await connect({ servers: server.url });
      try {
        const jsm = await nc.jetstreamManager();
        await jsm.consumers.delete(ns, 'run');
      } finally {
        await nc.close();
      }
    },
  });
  faultCases(target);
  sourceFaultCases(target);
});
