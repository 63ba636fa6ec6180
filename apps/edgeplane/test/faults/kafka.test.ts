import { kafkaUsersOverride, type PrivateKafka, privateKafka } from '@edgeplane/test-servers';
import { createKafkaTransport } from '@edgeplane/transport-kafka';
import { afterAll, beforeAll, describe } from 'vitest';
import { type FaultTarget, faultCases, sourceFaultCases } from './harness.js';

let server: PrivateKafka;
const USER = 'edge';
const PASSWORD = 'edge-password';
const sasl = { saslMechanism: 'plain', saslUsername: USER, saslPassword: PASSWORD } as const;

describe('faults: file → kafka on a private KRaft broker (SASL PLAIN)', () => {
  beforeAll(async () => {
    server = await privateKafka({ saslUsers: { [USER]: PASSWORD } });
  }, 180_000);
  afterAll(() => server?.dispose());

  const target = (): FaultTarget => ({
    transport: 'kafka',
    server,
    sinkOptions: (ns) => ({ brokers: server.brokers.join(','), topic: ns, ...sasl }),
    reader: (ns) =>
      createKafkaTransport({
        brokers: [...server.brokers],
        topic: ns,
        groupId: `verify-${ns}`,
        fromBeginning: true,
        ...sasl,
      }),
    refuseCredentials: async () => {
      await server.stop();
      await server.start(kafkaUsersOverride(server, { [USER]: 'changed-password' }));
    },
    restoreCredentials: async () => {
      await server.stop();
      await server.start();
    },
    authMessage: /SASL|[Aa]uthentication failed|Invalid username or password/,
    sourceOptions: (ns) => ({
      brokers: server.brokers.join(','),
      topic: ns,
      groupId: `run-${ns}`,
      fromBeginning: 'true',
      ...sasl,
    }),
    deleteSourceState: async (ns) => {
      const admin = server.adminClient().admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [ns], timeout: 10_000 });
      } finally {
        await admin.disconnect();
      }
    },
  });
  faultCases(target);
  sourceFaultCases(target);
});
