import { describeTransportConformance } from '@edgeplane/adapter-conformance';
import type { KafkaTestServer } from '@edgeplane/test-servers';
import { createKafkaTransport, kafkaTransport } from '../src/index.js';
import { Created, FAST, kafkaWithCleanup } from './support.js';

const created = new Created();

describeTransportConformance<KafkaTestServer>({
  transport: 'kafka',
  // The shared single-node KRaft broker of @edgeplane/test-servers (started, or reused on
  // 127.0.0.1:19092, or $EDGEPLANE_KAFKA_BROKERS); every test's topic and group are deleted after.
  server: kafkaWithCleanup(created),
  // The namespace is both the topic (auto-created, 1 partition) and the consumer group.
  create: ({ server, ns }) => {
    created.add(ns);
    return createKafkaTransport({
      brokers: server.brokers,
      topic: ns,
      groupId: ns,
      fromBeginning: true,
      ...FAST,
    });
  },
  descriptor: kafkaTransport,
  createBadOptions: () => ({ brokers: 'no-port-here', topic: 'x' }),
  unreachable: ({ ns }) =>
    createKafkaTransport({
      brokers: ['127.0.0.1:1'],
      topic: ns,
      groupId: ns,
      retries: 2,
      retryInitialMs: 50,
      connectionTimeoutMs: 500,
    }),
  declares: {
    source: true,
    sink: true,
    ordering: 'per-key',
    redelivery: true,
    replay: true,
    keys: true,
    headers: true,
    delivery: 'at-least-once',
    framing: 'message',
    maxBodyBytes: 1_000_000,
  },
});
