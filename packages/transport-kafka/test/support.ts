import { type KafkaTestServer, kafkaServer, uniqueName } from '@edgeplane/test-servers';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** Settings that keep tests fast: short fetch waits and group timeouts. */
export const FAST = {
  maxWaitTimeMs: 100,
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
} as const;

/** A kafkajs client for test setup and checks (silent). */
export function testClient(brokers: readonly string[]): InstanceType<typeof Kafka> {
  return new Kafka({
    clientId: 'edgeplane-kafka-tests',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000, factor: 0.2, multiplier: 2 },
  });
}

/** Topics and groups a test file made, deleted when its server handle stops. */
export class Created {
  readonly topics = new Set<string>();
  readonly groups = new Set<string>();

  /** A fresh name (lower-case, digits, dashes), recorded as both a topic and a group. */
  name(prefix = 'ep-kafka'): string {
    const name = uniqueName(prefix);
    this.add(name);
    return name;
  }

  add(name: string): void {
    this.topics.add(name);
    this.groups.add(name);
  }

  async cleanup(brokers: readonly string[]): Promise<void> {
    const admin = testClient(brokers).admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const topics = [...this.topics].filter((t) => existing.has(t));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      const ours = groups.filter((g) => this.groups.has(g));
      if (ours.length > 0) await admin.deleteGroups(ours).catch(() => {});
    } finally {
      this.topics.clear();
      this.groups.clear();
      await admin.disconnect().catch(() => {});
    }
  }
}

/** The shared broker (started or reused by test-servers); `stop()` deletes what `created` holds. */
export function kafkaWithCleanup(
  created: Created,
): () => Promise<KafkaTestServer> {
  return async () => {
    const server = await kafkaServer()();
    return {
      ...server,
      stop: async () => {
        await created.cleanup(server.brokers);
        await server.stop();
      },
    };
  };
}

/** Creates `topic` with `partitions` partitions (replication 1). */
export async function createTopic(
  brokers: readonly string[],
  topic: string,
  partitions: number,
): Promise<void> {
  const admin = testClient(brokers).admin();
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
